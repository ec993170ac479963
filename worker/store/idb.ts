// IndexedDB Storage (browser), through `idb`. One database per peer slot. A block, its state
// writes, their history and the tx index are written in one readwrite transaction.
//
// Writes per block are what persistence costs (each put is a request with its own overhead), so
// a block is stored as: the block bytes, one `state` record per written key (the current value,
// read at load and by `get`), and one `commits` record holding the block's writes and
// transaction ids. History and the tx index are multiEntry indexes over that one record
// instead of a record per key and per transaction. Durability is the browser's default for
// readwrite transactions (Chromium 121+: "relaxed", as before this layout); atomicity is what
// the Storage contract asks for, and one transaction per block keeps it.
//
// Schema 1 (before) kept a `history` record per key and height and a `txs` record per
// transaction. Databases made with it are upgraded without rewriting: their old records stay
// and are still read; new blocks go to `commits`.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { botError } from '../core/errors';
import type { BlockCommit, StateVersion, Storage, TxLocation } from './storage';

/** One block's state writes and transaction ids, indexed by [chainId, key] and by tx id. */
interface CommitRecord {
  chainId: string;
  height: number;
  /** [chainId, key] of each write: the multiEntry `byKey` index. */
  keys: Array<[string, string]>;
  entries: Uint8Array[];
  /** The multiEntry `byTx` index. */
  txIds: string[];
}

interface PeerDb extends DBSchema {
  meta: { key: string; value: unknown };
  blocks: { key: [string, number]; value: Uint8Array };
  state: { key: [string, string]; value: Uint8Array };
  commits: { key: [string, number]; value: CommitRecord; indexes: { byKey: [string, string]; byTx: string } };
  /** Schema 1 only (read, never written). */
  history: { key: [string, string, number]; value: Uint8Array };
  /** Schema 1 only (read, never written). */
  txs: { key: string; value: TxLocation };
}

export const schemaVersion = 2;

export class IdbStorage implements Storage {
  private constructor(private readonly db: IDBPDatabase<PeerDb>) {}

  static async open(name: string): Promise<IdbStorage> {
    const db = await openDB<PeerDb>(name, schemaVersion, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('meta');
          database.createObjectStore('blocks');
          database.createObjectStore('state');
        }
        if (oldVersion < 2) {
          const commits = database.createObjectStore('commits');
          commits.createIndex('byKey', 'keys', { multiEntry: true });
          commits.createIndex('byTx', 'txIds', { multiEntry: true });
        }
      },
    });
    return new IdbStorage(db);
  }

  private hasLegacy(store: 'history' | 'txs'): boolean {
    return this.db.objectStoreNames.contains(store);
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    const { chainId, height } = commit;
    const tx = this.db.transaction(['blocks', 'state', 'commits'], 'readwrite');
    const state = tx.objectStore('state');
    const keys: Array<[string, string]> = [];
    const entries: Uint8Array[] = [];
    // Requests are queued without awaiting each one: IndexedDB runs them in order inside the
    // transaction, and `tx.done` settles once all are durable (or none are).
    void tx.objectStore('blocks').put(commit.block, [chainId, height]);
    for (const [key, entry] of commit.writes) {
      void state.put(entry, [chainId, key]);
      keys.push([chainId, key]);
      entries.push(entry);
    }
    void tx.objectStore('commits').put({ chainId, height, keys, entries, txIds: commit.txIds as string[] }, [chainId, height]);
    try {
      await tx.done;
    } catch (error) {
      throw botError('STORAGE_FAILED', `Block ${height} could not be stored: ${(error as Error)?.message ?? error}. Free some space or grant persistent storage.`);
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
    const records = await this.db.getAllFromIndex('commits', 'byKey', [chainId, key]);
    const versions: StateVersion[] = [];
    for (const record of records) {
      const at = record.keys.findIndex((k) => k[1] === key);
      if (record.chainId === chainId && at >= 0) versions.push({ height: record.height, entry: record.entries[at]! });
    }
    if (this.hasLegacy('history')) {
      const range = IDBKeyRange.bound([chainId, key, 0], [chainId, key, Number.MAX_SAFE_INTEGER]);
      const tx = this.db.transaction('history');
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
      keys.forEach((k, i) => versions.push({ height: (k as [string, string, number])[2], entry: values[i]! }));
    }
    return versions.sort((a, b) => a.height - b.height);
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    const record = await this.db.getFromIndex('commits', 'byTx', txId);
    if (record) return { chainId: record.chainId, height: record.height, index: record.txIds.indexOf(txId) };
    return this.hasLegacy('txs') ? this.db.get('txs', txId) : undefined;
  }

  async clear(): Promise<void> {
    const names = [...this.db.objectStoreNames];
    const tx = this.db.transaction(names, 'readwrite');
    await Promise.all([...names.map((name) => tx.objectStore(name).clear()), tx.done]);
  }

  close(): void {
    this.db.close();
  }
}
