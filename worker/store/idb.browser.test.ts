// Runs in real headless Chromium (vitest browser project): the same contract on IndexedDB.
import { it, expect } from 'vitest';
import { storageSuite } from './storage.suite';
import { IdbStorage } from './idb';

let counter = 0;
storageSuite('IndexedDB', async () => IdbStorage.open(`storage-suite-${Date.now()}-${counter++}`));

it('runs in a real browser with IndexedDB', () => {
  expect(typeof indexedDB.open).toBe('function');
  expect(navigator.userAgent).toMatch(/Chrome/);
});

/** A database as schema 1 wrote it: a history record per key and height, a txs record per transaction. */
async function schemaOneDatabase(name: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      for (const store of ['meta', 'blocks', 'state', 'history', 'txs']) request.result.createObjectStore(store);
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
  await store.commitBlock({ chainId: 'c1', height: 2, block: new Uint8Array([2]), writes: new Map([['data/a', new Uint8Array([2])]]), txIds: ['t2', 't3'] });
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
