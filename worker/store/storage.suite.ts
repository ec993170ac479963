// One behaviour suite every Storage adapter passes (memory in Node, IndexedDB in Chromium).
import { describe, expect, it } from 'vitest';
import { commitAll, storedBlocks, type BlockCommit, type Storage } from './storage';

const bytes = (...values: number[]) => new Uint8Array(values);

/** A block at `height` that writes `data/k0`..`data/k{n-1}` (value: the height) and `data/only{height}`. */
function commitAt(chainId: string, height: number, keys: number): BlockCommit {
  const writes = new Map<string, Uint8Array>();
  for (let k = 0; k < keys; k++) writes.set(`data/k${k}`, bytes(height, k));
  writes.set(`data/only${height}`, bytes(height));
  return {
    chainId,
    height,
    block: bytes(height, 0xb0),
    writes,
    txIds: [`${chainId}-t${height}a`, `${chainId}-t${height}b`],
  };
}

/**
 * `reopen` (adapters that persist): close the store and open the same data again, as a reload
 * or restart does.
 */
export function storageSuite(
  name: string,
  open: () => Promise<Storage>,
  reopen?: (store: Storage) => Promise<Storage>,
): void {
  describe(`Storage contract: ${name}`, () => {
    it('stores consecutive blocks together (commitAll) as one by one would, and after a reopen', async () => {
      let store = await open();
      await commitAll(
        store,
        [0, 1, 2, 3].map((h) => commitAt('cb', h, 2)),
      );
      expect(await store.headHeight('cb')).toBe(3);
      expect(await store.getBlock('cb', 2)).toEqual(bytes(2, 0xb0));
      expect(await store.getState('cb', 'data/k1')).toEqual(bytes(3, 1));
      expect((await store.history('cb', 'data/k0')).map((v) => v.height)).toEqual([0, 1, 2, 3]);
      expect(await store.txLocation('cb-t2b')).toEqual({ chainId: 'cb', height: 2, index: 1 });
      if (!reopen) return;
      store = await reopen(store);
      expect(await store.headHeight('cb')).toBe(3);
      expect(await store.getState('cb', 'data/only2')).toEqual(bytes(2));
    });

    it('reads stored blocks in height order, several per request, up to the first missing one', async () => {
      const store = await open();
      await commitAll(
        store,
        Array.from({ length: 35 }, (_, h) => commitAt('rb', h, 1)),
      );
      await store.commitBlock(commitAt('rb', 36, 1)); // 35 is missing
      const read = async (from: number, to: number) => {
        const heights: number[] = [];
        for await (const block of storedBlocks(store, 'rb', from, to)) heights.push(block[0]!);
        return heights;
      };
      expect(await read(0, 40)).toEqual(Array.from({ length: 35 }, (_, h) => h));
      expect(await read(10, 20)).toEqual(Array.from({ length: 11 }, (_, i) => 10 + i));
      expect(await read(36, 36)).toEqual([36]);
      expect(await read(37, 50)).toEqual([]);
      expect(await store.getBlocks?.('rb', 30, 10)).toEqual(
        store.getBlocks ? [30, 31, 32, 33, 34].map((h) => bytes(h, 0xb0)) : undefined,
      );
    });

    it('keeps meta values', async () => {
      const store = await open();
      await store.putMeta('identity', { seed: bytes(1, 2, 3) });
      expect(await store.getMeta('identity')).toEqual({ seed: bytes(1, 2, 3) });
      expect(await store.getMeta('missing')).toBeUndefined();
    });

    it('commits a block with its state, history and tx index', async () => {
      const store = await open();
      expect(await store.headHeight('c1')).toBe(-1);
      await store.commitBlock({
        chainId: 'c1',
        height: 0,
        block: bytes(0),
        writes: new Map([['sys/genesis', bytes(9)]]),
        txIds: [],
      });
      await store.commitBlock({
        chainId: 'c1',
        height: 1,
        block: bytes(1),
        writes: new Map([['data/a', bytes(1)]]),
        txIds: ['t1', 't2'],
      });
      await store.commitBlock({
        chainId: 'c1',
        height: 2,
        block: bytes(2),
        writes: new Map([['data/a', bytes(2)]]),
        txIds: ['t3'],
      });
      expect(await store.headHeight('c1')).toBe(2);
      expect(await store.getBlock('c1', 1)).toEqual(bytes(1));
      expect(await store.getState('c1', 'data/a')).toEqual(bytes(2));
      expect(await store.history('c1', 'data/a')).toEqual([
        { height: 1, entry: bytes(1) },
        { height: 2, entry: bytes(2) },
      ]);
      expect(await store.txLocation('t2')).toEqual({ chainId: 'c1', height: 1, index: 1 });
      const all = await store.allState('c1');
      expect(all.map(([k]) => k).sort()).toEqual(['data/a', 'sys/genesis']);
    });

    it('keeps chains apart', async () => {
      const store = await open();
      await store.commitBlock({
        chainId: 'c1',
        height: 0,
        block: bytes(1),
        writes: new Map([['k', bytes(1)]]),
        txIds: [],
      });
      await store.commitBlock({
        chainId: 'c2',
        height: 5,
        block: bytes(2),
        writes: new Map([['k', bytes(2)]]),
        txIds: [],
      });
      expect(await store.headHeight('c1')).toBe(0);
      expect(await store.headHeight('c2')).toBe(5);
      expect(await store.getState('c1', 'k')).toEqual(bytes(1));
      expect((await store.allState('c2')).length).toBe(1);
    });

    it('returns copies: changing a returned value changes nothing stored', async () => {
      const store = await open();
      await store.commitBlock({
        chainId: 'c1',
        height: 0,
        block: bytes(7),
        writes: new Map(),
        txIds: [],
      });
      const got = (await store.getBlock('c1', 0))!;
      got[0] = 99;
      expect(await store.getBlock('c1', 0)).toEqual(bytes(7));
    });

    it('sets its chains aside for a repair (where it can): empty chains and tx index, meta kept, new blocks stored', async () => {
      const store = await open();
      if (!store.setAside) return;
      await store.putMeta('identity', { seed: bytes(4) });
      await commitAll(
        store,
        [0, 1].map((h) => commitAt('sa', h, 1)),
      );
      const { movedTo } = await store.setAside();
      expect(movedTo.length).toBeGreaterThan(0);
      expect(await store.headHeight('sa')).toBe(-1);
      expect(await store.getState('sa', 'data/k0')).toBeUndefined();
      expect(await store.history('sa', 'data/k0')).toEqual([]);
      expect(await store.txLocation('sa-t1a')).toBeUndefined();
      expect(await store.getMeta('identity')).toEqual({ seed: bytes(4) });
      expect(store.damage?.() ?? []).toEqual([]);
      await store.commitBlock(commitAt('sa', 0, 1));
      expect(await store.headHeight('sa')).toBe(0);
    });

    it('clears everything', async () => {
      const store = await open();
      await store.putMeta('x', 1);
      await store.commitBlock({
        chainId: 'c1',
        height: 0,
        block: bytes(7),
        writes: new Map([['k', bytes(1)]]),
        txIds: ['t'],
      });
      await store.clear();
      expect(await store.getMeta('x')).toBeUndefined();
      expect(await store.headHeight('c1')).toBe(-1);
      expect(await store.txLocation('t')).toBeUndefined();
    });

    it('keeps an append-only log: records in order, pruned from the front, emptied by clear, kept across a reopen', async () => {
      let store = await open();
      if (!store.appendLog || !store.readLog || !store.pruneLog)
        throw new Error('this adapter has no log store');
      await store.appendLog([1, 2, 3].map((seq) => ({ seq, bytes: bytes(seq, 0xa0) })));
      await store.appendLog([{ seq: 4, bytes: bytes(4) }]);
      expect(await store.readLog()).toEqual(
        [1, 2, 3]
          .map((seq) => ({ seq, bytes: bytes(seq, 0xa0) }))
          .concat([{ seq: 4, bytes: bytes(4) }]),
      );
      await store.pruneLog(3);
      expect((await store.readLog()).map((r) => r.seq)).toEqual([3, 4]);
      if (reopen) {
        store = await reopen(store);
        expect((await store.readLog!()).map((r) => r.seq)).toEqual([3, 4]);
        await store.appendLog!([{ seq: 5, bytes: bytes(5) }]);
        expect((await store.readLog!()).map((r) => r.seq)).toEqual([3, 4, 5]);
      }
      await store.clear();
      expect(await store.readLog!()).toEqual([]);
    });

    it('keeps the outbox: puts and drops together, in seq order, across a reopen and a repair, emptied by clear', async () => {
      let store = await open();
      if (!store.updateOutbox || !store.readOutbox) throw new Error('this adapter has no outbox');
      const entry = (seq: number, chainId = 'ob') => ({
        seq,
        chainId,
        txId: `tx${seq}`,
        nonce: seq + 10,
        bytes: bytes(seq, 0xee),
      });
      await store.updateOutbox([entry(2), entry(1), entry(3, 'other')], []);
      await store.updateOutbox([entry(4)], [2]);
      expect(await store.readOutbox()).toEqual([entry(1), entry(3, 'other'), entry(4)]);
      // Many small updates (a disk file is rewritten when it holds far more records than entries).
      for (let seq = 5; seq < 700; seq++) await store.updateOutbox([entry(seq)], [seq - 1]);
      expect((await store.readOutbox()).map((e) => e.seq)).toEqual([1, 3, 699]);
      if (reopen) {
        store = await reopen(store);
        expect(await store.readOutbox!()).toEqual([entry(1), entry(3, 'other'), entry(699)]);
      }
      await store.setAside?.();
      expect((await store.readOutbox!()).map((e) => e.seq)).toEqual([1, 3, 699]);
      await store.updateOutbox!([], [1, 3, 699]);
      expect(await store.readOutbox!()).toEqual([]);
      if (reopen) {
        await store.updateOutbox!([entry(800)], []);
        store = await reopen(store);
        expect((await store.readOutbox!()).map((e) => e.seq)).toEqual([800]);
      }
      await store.updateOutbox!([entry(900)], []);
      await store.clear();
      expect(await store.readOutbox!()).toEqual([]);
    });

    if (reopen) {
      for (const blocks of [3, 40]) {
        it(`keeps everything committed across a reopen (${blocks} blocks rewriting the same keys)`, async () => {
          let store = await open();
          for (let h = 0; h < blocks; h++) await store.commitBlock(commitAt('c1', h, 10));
          await store.commitBlock(commitAt('c2', 0, 2));
          store = await reopen(store);
          // First read after the reopen: a transaction looked up by id alone, on either chain.
          expect(await store.txLocation('c2-t0a')).toEqual({ chainId: 'c2', height: 0, index: 0 });
          expect(await store.headHeight('c1')).toBe(blocks - 1);
          expect(await store.getBlock('c1', blocks - 1)).toEqual(bytes(blocks - 1, 0xb0));
          expect(await store.getState('c1', 'data/k3')).toEqual(bytes(blocks - 1, 3));
          expect(await store.getState('c1', 'data/only1')).toEqual(bytes(1));
          expect(await store.getState('c2', 'data/k1')).toEqual(bytes(0, 1));
          const all = new Map(await store.allState('c1'));
          expect(all.size).toBe(10 + blocks);
          for (let k = 0; k < 10; k++) expect(all.get(`data/k${k}`)).toEqual(bytes(blocks - 1, k));
          expect((await store.history('c1', 'data/k9')).map((v) => v.height)).toEqual(
            Array.from({ length: blocks }, (_, h) => h),
          );
          expect(await store.txLocation(`c1-t${blocks - 1}b`)).toEqual({
            chainId: 'c1',
            height: blocks - 1,
            index: 1,
          });
          // Writing goes on after the reopen, from the state found.
          await store.commitBlock(commitAt('c1', blocks, 1));
          expect(await store.getState('c1', 'data/k0')).toEqual(bytes(blocks, 0));
          expect(await store.getState('c1', 'data/k1')).toEqual(bytes(blocks - 1, 1));
          store = await reopen(store);
          expect(new Map(await store.allState('c1')).get('data/k0')).toEqual(bytes(blocks, 0));
          expect((await store.allState('c1')).length).toBe(11 + blocks);
        });
      }
    }
  });
}
