// Runs in real headless Chromium (vitest browser project): the same contract on IndexedDB.
import { describe, it, expect } from 'vitest';
import { storageSuite } from './storage.suite';
import { IdbStorage } from './idb';
import type { BlockCommit } from './storage';
import { packCommit, unpackCommit } from './pack';
import { segmentBlocksMax } from './checkpoint-records';

let counter = 0;
storageSuite(
  'IndexedDB, checkpoints written by the checkpoint worker',
  async () =>
    IdbStorage.open(`storage-suite-worker-${Date.now()}-${counter++}`, {
      checkpointWorker: true,
      checkpointEveryBlocks: 3,
    }),
  async (store) => {
    const { name } = store as IdbStorage;
    store.close();
    return IdbStorage.open(name, { checkpointWorker: true, checkpointEveryBlocks: 3 });
  },
);

storageSuite(
  'IndexedDB',
  async () => IdbStorage.open(`storage-suite-${Date.now()}-${counter++}`),
  async (store) => {
    const { name } = store as IdbStorage;
    store.close();
    return IdbStorage.open(name);
  },
);

it('runs in a real browser with IndexedDB', () => {
  expect(typeof indexedDB.open).toBe('function');
  expect(navigator.userAgent).toMatch(/Chrome/);
});

/** A database as schema 1 wrote it: a history record per key and height, a txs record per transaction. */
async function schemaOneDatabase(name: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      for (const store of ['meta', 'blocks', 'state', 'history', 'txs'])
        request.result.createObjectStore(store);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const tx = db.transaction(['blocks', 'state', 'history', 'txs'], 'readwrite');
  tx.objectStore('blocks').put(new Uint8Array([1]), ['c1', 1]);
  tx.objectStore('state').put(new Uint8Array([1]), ['c1', 'data/a']);
  tx.objectStore('history').put(new Uint8Array([1]), ['c1', 'data/a', 1]);
  tx.objectStore('txs').put({ chainId: 'c1', height: 1, index: 0 }, 't1');
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

it('opens a schema 1 database and still serves its history and tx index next to new blocks', async () => {
  const name = `storage-upgrade-${Date.now()}`;
  await schemaOneDatabase(name);
  const store = await IdbStorage.open(name);
  await store.commitBlock({
    chainId: 'c1',
    height: 2,
    block: new Uint8Array([2]),
    writes: new Map([['data/a', new Uint8Array([2])]]),
    txIds: ['t2', 't3'],
  });
  expect(await store.headHeight('c1')).toBe(2);
  expect(await store.history('c1', 'data/a')).toEqual([
    { height: 1, entry: new Uint8Array([1]) },
    { height: 2, entry: new Uint8Array([2]) },
  ]);
  expect(await store.txLocation('t1')).toEqual({ chainId: 'c1', height: 1, index: 0 });
  expect(await store.txLocation('t3')).toEqual({ chainId: 'c1', height: 2, index: 1 });
  expect(await store.getState('c1', 'data/a')).toEqual(new Uint8Array([2]));
  await store.clear();
  expect(await store.txLocation('t1')).toBeUndefined();
  store.close();
});

/** Raw IndexedDB access behind the store's back (as the tamper e2e test does). */
async function raw<T>(
  name: string,
  store: string,
  work: (s: IDBObjectStore) => IDBRequest<T> | void,
): Promise<T | undefined> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const tx = db.transaction(store, 'readwrite');
  const request = work(tx.objectStore(store));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  return request ? request.result : undefined;
}

const put = (chainId: string, height: number, value: number): BlockCommit => ({
  chainId,
  height,
  block: new Uint8Array([height]),
  writes: new Map([
    ['data/a', new Uint8Array([value])],
    [`data/h${height}`, new Uint8Array([height])],
  ]),
  txIds: [`t${height}`],
});

describe('IndexedDB: the state store is a checkpoint, the commits records the log', () => {
  it('a block commits as two records; a checkpoint writes the state store, the history and tx index, and its height', async () => {
    const name = `storage-checkpoint-${Date.now()}`;
    const store = await IdbStorage.open(name, {
      checkpointEveryBlocks: 1000,
      checkpointIdleMs: 60_000,
    });
    for (let h = 0; h < 5; h++) await store.commitBlock(put('c1', h, 10 + h));
    expect(await raw(name, 'state', (s) => s.count())).toBe(0);
    expect(await raw(name, 'indexed', (s) => s.count())).toBe(0);
    expect((await store.history('c1', 'data/a')).map((v) => v.entry[0])).toEqual([
      10, 11, 12, 13, 14,
    ]);
    expect(await store.txLocation('t3')).toEqual({ chainId: 'c1', height: 3, index: 0 });
    expect(await store.getState('c1', 'data/a')).toEqual(new Uint8Array([14]));
    await store.checkpoint('c1');
    expect(await raw(name, 'state', (s) => s.count())).toBe(6);
    expect(await raw(name, 'checkpoints', (s) => s.get('c1'))).toEqual({ height: 4 });
    expect(await raw(name, 'state', (s) => s.get(['c1', 'data/a']))).toEqual(new Uint8Array([14]));
    expect(await raw(name, 'indexed', (s) => s.count())).toBe(1); // one index segment for the 5 blocks
    expect((await store.history('c1', 'data/a')).map((v) => v.entry[0])).toEqual([
      10, 11, 12, 13, 14,
    ]);
    expect(await store.txLocation('t3')).toEqual({ chainId: 'c1', height: 3, index: 0 });
    // Blocks after the checkpoint are replayed over it at open.
    await store.commitBlock(put('c1', 5, 99));
    store.close();
    const again = await IdbStorage.open(name);
    expect(await again.getState('c1', 'data/a')).toEqual(new Uint8Array([99]));
    expect(new Map(await again.allState('c1')).get('data/h5')).toEqual(new Uint8Array([5]));
    again.close();
  });

  it('several blocks commit in one transaction: a batch with one block that cannot be stored stores none of them', async () => {
    const name = `storage-batch-${Date.now()}`;
    const store = await IdbStorage.open(name, {
      checkpointEveryBlocks: 1000,
      checkpointIdleMs: 60_000,
    });
    await store.commitBlocks([put('c1', 0, 1), put('c1', 1, 2)]);
    expect(await raw(name, 'commits', (s) => s.count())).toBe(2);
    // Height NaN is not a valid key: IndexedDB refuses that put on the spot, after block 2's were queued.
    await expect(
      store.commitBlocks([put('c1', 2, 3), put('c1', Number.NaN, 4)]),
    ).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(await raw(name, 'commits', (s) => s.count())).toBe(2);
    expect(await raw(name, 'blocks', (s) => s.count())).toBe(2);
    expect(await store.headHeight('c1')).toBe(1);
    expect(await store.getState('c1', 'data/a')).toEqual(new Uint8Array([2]));
    store.close();
    const again = await IdbStorage.open(name);
    expect(await again.headHeight('c1')).toBe(1);
    again.close();
  });

  it('the checkpoint worker writes the checkpoint (not the peer thread), and the store reads it back after a reopen', async () => {
    const name = `storage-checkpoint-worker-${Date.now()}`;
    const store = await IdbStorage.open(name, {
      checkpointWorker: true,
      checkpointEveryBlocks: 1000,
      checkpointIdleMs: 60_000,
    });
    expect(store.checkpointsInWorker).toBe(true);
    for (let h = 0; h < 5; h++) await store.commitBlock(put('c1', h, 10 + h));
    await store.checkpoint('c1');
    expect(store.checkpointsInWorker).toBe(true); // it did not fail over to this thread
    expect(await raw(name, 'checkpoints', (s) => s.get('c1'))).toEqual({ height: 4 });
    expect(await raw(name, 'state', (s) => s.get(['c1', 'data/a']))).toEqual(new Uint8Array([14]));
    expect(await raw(name, 'indexed', (s) => s.count())).toBe(1); // one index segment for the 5 blocks
    expect((await store.history('c1', 'data/a')).map((v) => v.entry[0])).toEqual([
      10, 11, 12, 13, 14,
    ]);
    expect(await store.txLocation('t3')).toEqual({ chainId: 'c1', height: 3, index: 0 });
    store.close();
    const again = await IdbStorage.open(name);
    expect(await again.getState('c1', 'data/a')).toEqual(new Uint8Array([14]));
    expect(await again.txLocation('t2')).toEqual({ chainId: 'c1', height: 2, index: 0 });
    again.close();
  });

  it('a checkpoint of more blocks than a segment holds writes several index segments; history and tx index read across them', async () => {
    const name = `storage-segments-${Date.now()}`;
    const store = await IdbStorage.open(name, {
      checkpointWorker: true,
      checkpointEveryBlocks: 1000,
      checkpointIdleMs: 60_000,
    });
    const blocks = segmentBlocksMax * 2 + 5;
    for (let h = 0; h < blocks; h++) await store.commitBlock(put('c1', h, h % 200));
    await store.checkpoint('c1');
    store.close();
    const again = await IdbStorage.open(name);
    expect(await raw(name, 'indexed', (s) => s.count())).toBe(3);
    expect((await again.history('c1', 'data/a')).map((v) => v.height)).toEqual(
      Array.from({ length: blocks }, (_, h) => h),
    );
    expect((await again.history('c1', `data/h${blocks - 1}`)).map((v) => v.entry[0])).toEqual([
      blocks - 1,
    ]);
    expect(await again.txLocation(`t${segmentBlocksMax + 3}`)).toEqual({
      chainId: 'c1',
      height: segmentBlocksMax + 3,
      index: 0,
    });
    expect(await again.txLocation(`t${blocks - 1}`)).toEqual({
      chainId: 'c1',
      height: blocks - 1,
      index: 0,
    });
    expect(await again.txLocation('t-none')).toBeUndefined();
    again.close();
  });

  it('reads commits and index records in the object form earlier schema-3 peers wrote', async () => {
    const name = `storage-object-records-${Date.now()}`;
    (await IdbStorage.open(name)).close(); // creates the schema
    await raw(name, 'blocks', (s) => {
      s.put(new Uint8Array([0]), ['c1', 0]);
      s.put(new Uint8Array([1]), ['c1', 1]);
    });
    await raw(name, 'indexed', (s) =>
      s.put(
        {
          chainId: 'c1',
          height: 0,
          keys: [['c1', 'data/a']],
          entries: [new Uint8Array([5])],
          txIds: ['old0'],
        },
        ['c1', 0],
      ),
    );
    await raw(name, 'state', (s) => s.put(new Uint8Array([5]), ['c1', 'data/a']));
    await raw(name, 'checkpoints', (s) => s.put({ height: 0 }, 'c1'));
    await raw(name, 'commits', (s) =>
      s.put(
        {
          chainId: 'c1',
          height: 1,
          writeKeys: ['data/a'],
          entries: [new Uint8Array([6])],
          txList: ['old1'],
        },
        ['c1', 1],
      ),
    );
    const store = await IdbStorage.open(name, {
      checkpointEveryBlocks: 1000,
      checkpointIdleMs: 60_000,
    });
    expect(await store.getState('c1', 'data/a')).toEqual(new Uint8Array([6]));
    expect(await store.txLocation('old0')).toEqual({ chainId: 'c1', height: 0, index: 0 });
    expect(await store.txLocation('old1')).toEqual({ chainId: 'c1', height: 1, index: 0 });
    await store.commitBlock(put('c1', 2, 7));
    await store.checkpoint('c1');
    expect((await store.history('c1', 'data/a')).map((v) => v.entry[0])).toEqual([5, 6, 7]);
    expect(await store.txLocation('old1')).toEqual({ chainId: 'c1', height: 1, index: 0 });
    store.close();
  });

  it('checkpoints by itself after a number of blocks and when idle', async () => {
    const name = `storage-checkpoint-auto-${Date.now()}`;
    const store = await IdbStorage.open(name, { checkpointEveryBlocks: 4, checkpointIdleMs: 20 });
    for (let h = 0; h < 4; h++) await store.commitBlock(put('c1', h, h));
    await expect.poll(() => raw(name, 'checkpoints', (s) => s.get('c1'))).toEqual({ height: 3 });
    await store.commitBlock(put('c1', 4, 44));
    await expect.poll(() => raw(name, 'checkpoints', (s) => s.get('c1'))).toEqual({ height: 4 });
    expect(await raw(name, 'state', (s) => s.get(['c1', 'data/a']))).toEqual(new Uint8Array([44]));
    store.close();
  });

  it('a state record or a commits record changed behind its back is what it reads back (the host root check then reports it)', async () => {
    const name = `storage-tamper-${Date.now()}`;
    const store = await IdbStorage.open(name, {
      checkpointEveryBlocks: 1000,
      checkpointIdleMs: 60_000,
    });
    for (let h = 0; h < 3; h++) await store.commitBlock(put('c1', h, h));
    await store.checkpoint('c1');
    await store.commitBlock(put('c1', 3, 33));
    store.close();
    // A checkpointed entry and a write held only in the commits log are both changed.
    await raw(name, 'state', (s) => s.put(new Uint8Array([0xee]), ['c1', 'data/h1']));
    await raw(name, 'commits', (s) => {
      const request = s.get(['c1', 3]);
      request.onsuccess = () => {
        const { writes, txIds } = unpackCommit(request.result as Uint8Array);
        writes.set('data/a', new Uint8Array([0xdd]));
        s.put(packCommit(writes, txIds), ['c1', 3]);
      };
    });
    const again = await IdbStorage.open(name);
    const all = new Map(await again.allState('c1'));
    expect(all.get('data/h1')).toEqual(new Uint8Array([0xee]));
    expect(all.get('data/a')).toEqual(new Uint8Array([0xdd]));
    expect(await again.getState('c1', 'data/a')).toEqual(new Uint8Array([0xdd]));
    again.close();
  });
});
