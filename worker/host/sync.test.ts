// The syncer's choice of when to pull blocks (issue 14 section 4: a tab reopened a few blocks
// behind on an idle chain must not wait for the next block).
import { describe, expect, it } from 'vitest';
import { syncHeadersOnlyRetryMs, syncLagBlocksMin, syncSmallLagWaitMs } from '../core/limits';
import { Syncer, type SyncIo } from './sync';

function harness(height: number) {
  let now = 1_000_000;
  const requests: Array<{ to: string; from: number; count: number }> = [];
  const io: SyncIo = {
    request: (to, from, count) => (requests.push({ to, from, count }), true),
    apply: async (_from, blocks) => blocks.length,
    drop: () => {},
    progress: () => {},
    now: () => now,
    log: () => {},
  };
  const syncer = new Syncer(io, () => height);
  return { syncer, requests, advance: (ms: number) => (now += ms) };
}

describe('syncer', () => {
  it('pulls a lag of syncLagBlocksMin at once', () => {
    const { syncer, requests } = harness(10);
    syncer.onHead('did:key:zA', 10 + syncLagBlocksMin);
    expect(requests).toEqual([{ to: 'did:key:zA', from: 11, count: syncLagBlocksMin }]);
  });

  it('leaves a small lag to consensus for a moment, then pulls it when it stood still', () => {
    const { syncer, requests, advance } = harness(10);
    syncer.onHead('did:key:zA', 12);
    syncer.tick();
    expect(requests).toEqual([]);
    advance(syncSmallLagWaitMs - 1);
    syncer.tick();
    expect(requests).toEqual([]);
    advance(1);
    syncer.tick();
    expect(requests).toEqual([{ to: 'did:key:zA', from: 11, count: 2 }]);
  });

  it('does not ask a neighbour that serves headers only again before syncHeadersOnlyRetryMs (read rights)', () => {
    const { syncer, requests, advance } = harness(0);
    syncer.onHead('did:key:zA', 10);
    expect(requests).toEqual([{ to: 'did:key:zA', from: 1, count: 10 }]);
    syncer.onHeaders('did:key:zA', 1);
    syncer.tick();
    advance(syncHeadersOnlyRetryMs - 1);
    syncer.tick();
    expect(requests).toHaveLength(1);
    advance(1);
    syncer.tick();
    expect(requests).toEqual([
      { to: 'did:key:zA', from: 1, count: 10 },
      { to: 'did:key:zA', from: 1, count: 10 },
    ]);
    // An answer for a window it was not asked for changes nothing.
    syncer.onHeaders('did:key:zB', 1);
    syncer.tick();
    expect(requests).toHaveLength(2);
  });
});
