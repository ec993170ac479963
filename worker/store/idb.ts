// IndexedDB Storage (browser), through `idb`. One database per peer slot. A block, its state
// writes, their history and the tx index are written in one readwrite transaction.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { botError } from '../core/errors';
import type { BlockCommit, StateVersion, Storage, TxLocation } from './storage';

interface PeerDb extends DBSchema {
  meta: { key: string; value: unknown };
  blocks: { key: [string, number]; value: Uint8Array };
  state: { key: [string, string]; value: Uint8Array };
  history: { key: [string, string, number]; value: Uint8Array };
  txs: { key: string; value: TxLocation };
}

export const schemaVersion = 1;

export class IdbStorage implements Storage {
  private constructor(private readonly db: IDBPDatabase<PeerDb>) {}

  static async open(name: string): Promise<IdbStorage> {
    const db = await openDB<PeerDb>(name, schemaVersion, {
      upgrade(database) {
        database.createObjectStore('meta');
        database.createObjectStore('blocks');
        database.createObjectStore('state');
        database.createObjectStore('history');
        database.createObjectStore('txs');
      },
    });
    return new IdbStorage(db);
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    const tx = this.db.transaction(['blocks', 'state', 'history', 'txs'], 'readwrite');
    const blocks = tx.objectStore('blocks');
    const state = tx.objectStore('state');
    const history = tx.objectStore('history');
    const txs = tx.objectStore('txs');
    // Requests are queued without awaiting each one: IndexedDB runs them in order inside the
    // transaction, and `tx.done` settles once all are durable (or none are).
    void blocks.put(commit.block, [commit.chainId, commit.height]);
    for (const [key, entry] of commit.writes) {
      void state.put(entry, [commit.chainId, key]);
      void history.put(entry, [commit.chainId, key, commit.height]);
    }
    commit.txIds.forEach((txId, index) => void txs.put({ chainId: commit.chainId, height: commit.height, index }, txId));
    try {
      await tx.done;
    } catch (error) {
      throw botError('STORAGE_FAILED', `Block ${commit.height} could not be stored: ${(error as Error)?.message ?? error}. Free some space or grant persistent storage.`);
    }
  }

  async getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    return this.db.get('blocks', [chainId, height]);
  }

  async headHeight(chainId: string): Promise<number> {
    const range = IDBKeyRange.bound([chainId, 0], [chainId, Number.MAX_SAFE_INTEGER]);
    const cursor = await this.db.transaction('blocks').store.openKeyCursor(range, 'prev');
    return cursor ? (cursor.key as [string, number])[1] : -1;
  }

  async getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    return this.db.get('state', [chainId, key]);
  }

  async allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    const range = IDBKeyRange.bound([chainId, ''], [chainId, '\uffff\uffff']);
    const tx = this.db.transaction('state');
    const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
    return keys.map((key, i) => [(key as [string, string])[1], values[i]!]);
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    const range = IDBKeyRange.bound([chainId, key, 0], [chainId, key, Number.MAX_SAFE_INTEGER]);
    const tx = this.db.transaction('history');
    const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
    return keys.map((k, i) => ({ height: (k as [string, string, number])[2], entry: values[i]! }));
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    return this.db.get('txs', txId);
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(['meta', 'blocks', 'state', 'history', 'txs'], 'readwrite');
    await Promise.all([tx.objectStore('meta').clear(), tx.objectStore('blocks').clear(), tx.objectStore('state').clear(), tx.objectStore('history').clear(), tx.objectStore('txs').clear(), tx.done]);
  }

  close(): void {
    this.db.close();
  }
}
