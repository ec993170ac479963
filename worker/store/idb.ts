// IndexedDB Storage (browser), through `idb`. One database per peer slot.
//
// Layout (schema 3). Each put is a request with its own cost on the worker thread and in the
// browser's store, so a block commits as two records in one readwrite transaction:
//   blocks[chainId, height]   the block bytes
//   commits[chainId, height]  the block's state writes and transaction ids; history and the tx
//                             index are multiEntry indexes over it (`byKey`, `byTx`)
// The commits records are the durable log of state changes. The `state` store (the latest entry
// per key) is a checkpoint written lazily, in its own transaction, together with the height it
// is complete up to (`checkpoints[chainId]`): every `checkpointEveryBlocks` blocks, when the
// writes since the last checkpoint reach `checkpointEntriesMax`, and when commits have been idle
// for `checkpointIdleMs`. Writes newer than the checkpoint are held in memory (`recent`); they
// are rebuilt at open from the commits records after the checkpoint height. So the current
// state = checkpoint + replay of later commits records; a crash before a checkpoint loses
// nothing committed, and a checkpoint is atomic (all its entries and its height, or none).
// The tamper check is unchanged: the host rebuilds the trie from `allState` (checkpoint +
// replay) and compares its root with the head header's state root, and `get` checks each entry
// it reads against the trie; a changed state record, commits record or checkpoint height
// changes what is rebuilt and is reported.
//
// Durability is the browser's default for readwrite transactions (Chromium 121+: "relaxed");
// atomicity is what the Storage contract asks for, and one transaction per block keeps it.
//
// Schema 1 kept a `history` record per key and height and a `txs` record per transaction;
// their old records stay and are still read. Schema 1 and 2 wrote `state` on every block and
// have no checkpoint record: they are replayed from their first commits record (idempotent,
// the same values), and checkpointed after that.
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
  /** The checkpoint: latest entry per key as of `checkpoints[chainId].height`. */
  state: { key: [string, string]; value: Uint8Array };
  commits: { key: [string, number]; value: CommitRecord; indexes: { byKey: [string, string]; byTx: string } };
  checkpoints: { key: string; value: { height: number } };
  /** Schema 1 only (read, never written). */
  history: { key: [string, string, number]; value: Uint8Array };
  /** Schema 1 only (read, never written). */
  txs: { key: string; value: TxLocation };
}

export const schemaVersion = 3;
/** A checkpoint of the `state` store at least every this many blocks. */
export const checkpointEveryBlocks = 16;
/** ...or as soon as this many distinct keys were written since the last one (bounds memory). */
export const checkpointEntriesMax = 50_000;
/** ...or when no block was committed for this long. */
export const checkpointIdleMs = 1_000;

export interface IdbOptions {
  checkpointEveryBlocks?: number;
  checkpointEntriesMax?: number;
  checkpointIdleMs?: number;
}

/** A chain's state writes newer than its checkpoint, held in memory. */
interface ChainOverlay {
  /** Height the `state` store is complete up to (-1: none). */
  checkpoint: number;
  /** Highest committed height seen. */
  head: number;
  recent: Map<string, { height: number; entry: Uint8Array }>;
  /** Blocks committed since the last checkpoint was taken. */
  blocksSince: number;
  /** The checkpoint being written, if any. */
  writing: Promise<void> | null;
  idle: ReturnType<typeof setTimeout> | null;
}

const maxHeight = Number.MAX_SAFE_INTEGER;

export class IdbStorage implements Storage {
  private readonly overlays = new Map<string, Promise<ChainOverlay>>();
  private closed = false;
  /** Time spent writing checkpoints (ms, from start to durable) and how many: read by the benchmark. */
  readonly checkpointStats = { count: 0, ms: 0, entries: 0 };

  private constructor(
    private readonly db: IDBPDatabase<PeerDb>,
    private readonly options: Required<IdbOptions>,
  ) {}

  static async open(name: string, options: IdbOptions = {}): Promise<IdbStorage> {
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
        if (oldVersion < 3) database.createObjectStore('checkpoints');
      },
    });
    return new IdbStorage(db, { checkpointEveryBlocks, checkpointEntriesMax, checkpointIdleMs, ...options });
  }

  /** The database's name (one per peer slot). */
  get name(): string {
    return this.db.name;
  }

  private hasLegacy(store: 'history' | 'txs'): boolean {
    return this.db.objectStoreNames.contains(store);
  }

  /** The chain's overlay, rebuilt on first use from the commits records after its checkpoint. */
  private overlay(chainId: string): Promise<ChainOverlay> {
    let found = this.overlays.get(chainId);
    if (!found) {
      found = this.loadOverlay(chainId);
      this.overlays.set(chainId, found);
      found.catch(() => this.overlays.delete(chainId));
    }
    return found;
  }

  private async loadOverlay(chainId: string): Promise<ChainOverlay> {
    const tx = this.db.transaction(['checkpoints', 'commits']);
    const checkpoint = (await tx.objectStore('checkpoints').get(chainId))?.height ?? -1;
    const records = await tx.objectStore('commits').getAll(IDBKeyRange.bound([chainId, checkpoint + 1], [chainId, maxHeight]));
    const overlay: ChainOverlay = { checkpoint, head: checkpoint, recent: new Map(), blocksSince: 0, writing: null, idle: null };
    for (const record of records) this.remember(overlay, record.height, record.keys, record.entries);
    return overlay;
  }

  private remember(overlay: ChainOverlay, height: number, keys: ReadonlyArray<readonly [string, string]>, entries: readonly Uint8Array[]): void {
    for (let i = 0; i < keys.length; i++) overlay.recent.set(keys[i]![1], { height, entry: entries[i]! });
    overlay.head = Math.max(overlay.head, height);
    overlay.blocksSince++;
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    const { chainId, height } = commit;
    const overlay = await this.overlay(chainId);
    const tx = this.db.transaction(['blocks', 'commits'], 'readwrite');
    const keys: Array<[string, string]> = [];
    const entries: Uint8Array[] = [];
    for (const [key, entry] of commit.writes) {
      keys.push([chainId, key]);
      entries.push(entry);
    }
    // Requests are queued without awaiting each one: IndexedDB runs them in order inside the
    // transaction, and `tx.done` settles once all are durable (or none are).
    void tx.objectStore('blocks').put(commit.block, [chainId, height]);
    void tx.objectStore('commits').put({ chainId, height, keys, entries, txIds: commit.txIds as string[] }, [chainId, height]);
    try {
      await tx.done;
    } catch (error) {
      throw botError('STORAGE_FAILED', `Block ${height} could not be stored: ${(error as Error)?.message ?? error}. Free some space or grant persistent storage.`);
    }
    // Stored values are copies (structured clone), so later changes to `entries` by the caller
    // must not reach the overlay either.
    this.remember(
      overlay,
      height,
      keys,
      entries.map((e) => e.slice()),
    );
    this.scheduleCheckpoint(chainId, overlay);
  }

  private scheduleCheckpoint(chainId: string, overlay: ChainOverlay): void {
    if (overlay.idle) clearTimeout(overlay.idle);
    overlay.idle = null;
    if (this.closed) return;
    if (overlay.blocksSince >= this.options.checkpointEveryBlocks || overlay.recent.size >= this.options.checkpointEntriesMax) {
      void this.checkpoint(chainId).catch(() => {});
    } else if (overlay.recent.size > 0) {
      overlay.idle = setTimeout(() => {
        overlay.idle = null;
        void this.checkpoint(chainId).catch(() => {});
      }, this.options.checkpointIdleMs);
    }
  }

  /**
   * Write the held state writes to the `state` store with the height they are complete up to,
   * in one transaction of its own (block commits go on meanwhile). Resolves when durable; the
   * writes held in memory are then dropped unless a later block wrote the key again. A
   * failed checkpoint loses nothing: the commits records still hold every write.
   */
  async checkpoint(chainId: string): Promise<void> {
    const overlay = await this.overlay(chainId);
    while (overlay.writing) await overlay.writing;
    if (overlay.recent.size === 0 || this.closed || this.overlays.get(chainId) === undefined) return;
    const upTo = overlay.head;
    const snapshot = [...overlay.recent];
    overlay.blocksSince = 0;
    const started = performance.now();
    overlay.writing = (async () => {
      const tx = this.db.transaction(['state', 'checkpoints'], 'readwrite');
      const state = tx.objectStore('state');
      for (const [key, { entry }] of snapshot) void state.put(entry, [chainId, key]);
      void tx.objectStore('checkpoints').put({ height: upTo }, chainId);
      await tx.done;
      overlay.checkpoint = upTo;
      for (const [key, held] of snapshot) if (overlay.recent.get(key) === held) overlay.recent.delete(key);
      this.checkpointStats.count++;
      this.checkpointStats.entries += snapshot.length;
      this.checkpointStats.ms += performance.now() - started;
    })();
    try {
      await overlay.writing;
    } finally {
      overlay.writing = null;
    }
  }

  async getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    return this.db.get('blocks', [chainId, height]);
  }

  async headHeight(chainId: string): Promise<number> {
    const range = IDBKeyRange.bound([chainId, 0], [chainId, maxHeight]);
    const cursor = await this.db.transaction('blocks').store.openKeyCursor(range, 'prev');
    return cursor ? (cursor.key as [string, number])[1] : -1;
  }

  async getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    const held = (await this.overlay(chainId)).recent.get(key);
    if (held) return held.entry.slice();
    return this.db.get('state', [chainId, key]);
  }

  async allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    const overlay = await this.overlay(chainId);
    const range = IDBKeyRange.bound([chainId, ''], [chainId, '\uffff\uffff']);
    const tx = this.db.transaction('state');
    const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
    const all = new Map<string, Uint8Array>();
    keys.forEach((key, i) => all.set((key as [string, string])[1], values[i]!));
    // The checkpoint may have moved on while it was read: newer held writes win either way.
    for (const [key, { entry }] of overlay.recent) all.set(key, entry.slice());
    return [...all];
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    const records = await this.db.getAllFromIndex('commits', 'byKey', [chainId, key]);
    const versions: StateVersion[] = [];
    for (const record of records) {
      const at = record.keys.findIndex((k) => k[1] === key);
      if (record.chainId === chainId && at >= 0) versions.push({ height: record.height, entry: record.entries[at]! });
    }
    if (this.hasLegacy('history')) {
      const range = IDBKeyRange.bound([chainId, key, 0], [chainId, key, maxHeight]);
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
    const overlays = await Promise.all([...this.overlays.values()].map((o) => o.catch(() => null)));
    this.overlays.clear();
    for (const overlay of overlays) {
      if (overlay?.idle) clearTimeout(overlay.idle);
      await overlay?.writing?.catch(() => {});
    }
    const names = [...this.db.objectStoreNames];
    const tx = this.db.transaction(names, 'readwrite');
    await Promise.all([...names.map((name) => tx.objectStore(name).clear()), tx.done]);
  }

  close(): void {
    this.closed = true;
    for (const overlay of this.overlays.values()) void overlay.then((o) => o.idle && clearTimeout(o.idle), () => {});
    this.db.close();
  }
}
