import { describe, expect, it } from 'vitest';
import {
  addBlock,
  addBlocks,
  addTxs,
  appendLog,
  isActiveChainEvent,
  logEntriesShownMax,
  mergeChainLive,
  recentBlocksMax,
  syncProgress,
} from './peer-store';

const block = (height: number) => ({ height, hash: `h${height}`, txCount: 1, time: height });

describe('store slices', () => {
  it('keeps the newest blocks first, without duplicates, bounded', () => {
    let blocks = addBlock([], block(1));
    blocks = addBlock(blocks, block(2));
    blocks = addBlock(blocks, block(2));
    expect(blocks.map((b) => b.height)).toEqual([2, 1]);
    const many = addBlocks(
      blocks,
      Array.from({ length: 50 }, (_, i) => block(i + 3)),
    );
    expect(many).toHaveLength(recentBlocksMax);
    expect(many[0]!.height).toBe(52);
  });

  it('replaces a transaction result by a later one for the same id', () => {
    const queued = { txId: 'a', result: { status: 'committed' as const, height: 3 }, seenAt: 1 };
    const txs = addTxs(addTxs([], [queued]), [
      { txId: 'b', result: { status: 'committed', height: 4 }, seenAt: 2 },
      { ...queued, seenAt: 3 },
    ]);
    expect(txs.map((t) => t.txId)).toEqual(['a', 'b']);
  });

  it('bounds the log and reports sync progress', () => {
    const entries = Array.from({ length: logEntriesShownMax + 5 }, (_, i) => ({
      time: i,
      level: 'info' as const,
      message: String(i),
    }));
    expect(appendLog([], entries)).toHaveLength(logEntriesShownMax);
    expect(syncProgress({ syncing: true, height: 50, target: 200 })).toBe(0.25);
    expect(syncProgress({ syncing: false, height: 50, target: 200 })).toBeNull();
  });
});

describe('several chains per peer (issue 18): the store', () => {
  it('takes events of the active chain (and of the whole peer) for the pages, not of the others', () => {
    expect(isActiveChainEvent('aa', 'aa')).toBe(true);
    expect(isActiveChainEvent(undefined, 'aa')).toBe(true);
    expect(isActiveChainEvent('bb', 'aa')).toBe(false);
    expect(isActiveChainEvent('bb', null)).toBe(true); // before the first status
  });

  it('merges each chain’s live height, peers and sync state field by field', () => {
    const live = mergeChainLive({ aa: { height: 1, peers: 2 } }, [
      ['aa', { height: 3 }],
      ['bb', { syncing: true }],
      ['aa', { height: 4 }],
    ]);
    expect(live).toEqual({ aa: { height: 4, peers: 2 }, bb: { syncing: true } });
    const same = { aa: {} };
    expect(mergeChainLive(same, [])).toBe(same);
  });
});
