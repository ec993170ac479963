// The light map's reader (live.ts latestReader): reads slower than the blocks that ask for them.
import { describe, expect, it } from 'vitest';
import { latestReader } from './live';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('latestReader', () => {
  it('delivers every read that finishes while requests come faster than reads, then reads the latest, one at a time', async () => {
    const finish: Array<(fail?: boolean) => void> = [];
    const asked: number[] = [];
    const read = (q: number) => {
      asked.push(q);
      return new Promise<number>((resolve, reject) =>
        finish.push((fail) => (fail ? reject(new Error(`read ${q} failed`)) : resolve(q * 10))),
      );
    };
    const got: unknown[] = [];
    const reader = latestReader(read, (outcome) => got.push(outcome));
    // Three blocks while the first read runs: one read at a time, the latest next.
    reader.request(1);
    reader.request(2);
    reader.request(3);
    expect(asked).toEqual([1]);
    finish.shift()!();
    await settle();
    expect(got).toEqual([{ view: 10 }]);
    expect(asked).toEqual([1, 3]);
    reader.request(4);
    finish.shift()!();
    await settle();
    expect(got).toEqual([{ view: 10 }, { view: 30 }]);
    // A failed read is delivered as an error; the next request reads again.
    finish.shift()!(true);
    await settle();
    expect(got.at(-1)).toEqual({ error: new Error('read 4 failed') });
    expect(asked).toEqual([1, 3, 4]);
    reader.request(5);
    reader.stop();
    finish.shift()!();
    await settle();
    expect(asked).toEqual([1, 3, 4, 5]);
    expect(got).toHaveLength(3); // stopped: nothing delivered after
  });
});
