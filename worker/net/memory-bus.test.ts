import { describe, expect, it } from 'vitest';
import { SimClock } from '../sim/sim-clock';
import { MemoryBus } from './memory-driver';

describe('the memory signaling bus as a relay', () => {
  it('hands a text naming a did to that did only, and one naming none to every other member', async () => {
    const clock = new SimClock(0);
    const bus = new MemoryBus(false, clock, true);
    const got: Record<string, string[]> = { a: [], b: [], c: [] };
    const channels = Object.fromEntries(
      ['a', 'b', 'c'].map((did) => [did, bus.channel((text) => got[did]!.push(text), did)]),
    );
    expect(channels.a!.via).toBe('relay');
    channels.a!.send(JSON.stringify({ to: 'b', n: 1 }));
    channels.a!.send(JSON.stringify({ n: 2 }));
    channels.a!.send('not json');
    await clock.run(10);
    expect(got).toEqual({ a: [], b: ['{"to":"b","n":1}', '{"n":2}'], c: ['{"n":2}'] });
    channels.c!.close();
    channels.b!.send(JSON.stringify({ to: 'c', n: 3 }));
    channels.b!.send(JSON.stringify({ n: 4 }));
    await clock.run(20);
    expect(got.c).toEqual(['{"n":2}']);
    expect(got.a).toEqual(['{"n":4}']);
  });
});
