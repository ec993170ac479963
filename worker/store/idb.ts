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
import type {
  BlockCommit,
  LogRecord,
  OutboxEntry,
  StateVersion,
  Storage,
  TxLocation,
} from './storage';
import {
  packCheckpoint,
  packCommit,
  unpackCommit,
  unpackVersions,
  type CheckpointJob,
  type CommitContent,
} from './pack';
import {
  commitNow,
  isSegment,
  segmentTxLocation,
  writeCheckpointRecords,
  type CheckpointReply,
  type CheckpointRequest,
  type SegmentRecord,
} from './checkpoint-records';
import { bestRecord, RecordFiles, recordFilesWaitMs, type SeqRecord } from './record-file';

/**
 * One block's state writes and transaction ids. Schema 3 writes `writeKeys`/`txList`, which no
 * index covers (an index entry per write and per transaction is most of a block's cost);
 * schema 2 wrote `keys`/`txIds`, which the `byKey`/`byTx` indexes of this store cover.
 */
interface CommitRecord {
  chainId: string;
  height: number;
  entries: Uint8Array[];
  writeKeys?: string[];
  txList?: string[];
  /** Schema 2: [chainId, key] of each write (multiEntry `byKey`). */
  keys?: Array<[string, string]>;
  /** Schema 2: multiEntry `byTx`. */
  txIds?: string[];
}

/** One block's history and tx index, as checkpoints wrote them before index segments (still read). */
interface IndexRecord {
  chainId: string;
  height: number;
  keys: Array<[string, string]>;
  entries: Uint8Array[];
  txIds: string[];
}

interface PeerDb extends DBSchema {
  meta: { key: string; value: unknown };
  blocks: { key: [string, number]; value: Uint8Array };
  /** The checkpoint: latest entry per key as of `checkpoints[chainId].height`. */
  state: { key: [string, string]; value: Uint8Array };
  /** Packed (`packCommit`, since the packed-record change) or, as older peers wrote it, a CommitRecord. */
  commits: {
    key: [string, number];
    value: CommitRecord | Uint8Array;
    indexes: { byKey: [string, string]; byTx: string };
  };
  /** History and tx index of the blocks up to the checkpoint height. */
  indexed: {
    key: [string, number];
    value: SegmentRecord | IndexRecord;
    indexes: { byKey: [string, string]; byTx: string };
  };
  checkpoints: { key: string; value: { height: number } };
  /** Schema 1 only (read, never written). */
  history: { key: [string, string, number]; value: Uint8Array };
  /** Schema 1 only (read, never written). */
  txs: { key: string; value: TxLocation };
}

export const schemaVersion = 3;
/** A checkpoint at least every this many blocks. */
export const checkpointEveryBlocks = 64;
/** ...or as soon as this many distinct keys were written since the last one (bounds memory). */
export const checkpointEntriesMax = 50_000;
/** ...or when no block was committed for this long (longer than a pause between bursts of blocks: a checkpoint shares the browser's store with block commits). */
export const checkpointIdleMs = 5_000;

export interface IdbOptions {
  checkpointEveryBlocks?: number;
  checkpointEntriesMax?: number;
  checkpointIdleMs?: number;
  /** Write checkpoints in a worker of their own (checkpoint.worker.ts); the peer does. Default false. */
  checkpointWorker?: boolean;
  /**
   * Keep each chain's voting record in the origin private file system (record-file.ts), where
   * this runs in a dedicated worker; the peer's worker does. Default false (the meta store).
   */
  recordFiles?: boolean;
  /** How long to wait for record files another context still holds (record-file.ts). */
  recordFilesWaitMs?: number;
}

/** A block committed after the checkpoint: held until a checkpoint indexes it. */
interface PendingBlock {
  height: number;
  writes: Map<string, Uint8Array>;
  txIds: string[];
  /** Its packed commits record, when it has one (what a checkpoint job carries). */
  packed?: Uint8Array;
}

/** A chain's writes newer than its checkpoint, held in memory. */
interface ChainOverlay {
  /** Height the `state` and `indexed` stores are complete up to (-1: none). */
  checkpoint: number;
  /** Highest committed height seen. */
  head: number;
  /** Latest entry per key written since the checkpoint. */
  recent: Map<string, { height: number; entry: Uint8Array }>;
  pending: PendingBlock[];
  pendingTx: Map<string, TxLocation>;
  /** The checkpoint being written, if any. */
  writing: Promise<void> | null;
  idle: ReturnType<typeof setTimeout> | null;
}

const maxHeight = Number.MAX_SAFE_INTEGER;

export class IdbStorage implements Storage {
  private readonly overlays = new Map<string, Promise<ChainOverlay>>();
  private closed = false;
  /** Checkpoints written (count, ms from start to durable, entries): read by the benchmark. */
  readonly checkpointStats = { count: 0, ms: 0, entries: 0 };

  private checkpointWorker: CheckpointWorker | null;
  /** Each chain's voting-record files (null: kept in the meta store) and the last seq written or found. */
  private readonly records = new Map<
    string,
    Promise<{ files: RecordFiles | null; stored: SeqRecord | undefined; seq: number }>
  >();
  /** The record files open now (closed by close and clear). */
  private readonly recordFilesOpen = new Set<RecordFiles>();

  private constructor(
    private readonly db: IDBPDatabase<PeerDb>,
    private readonly options: Required<IdbOptions>,
  ) {
    this.checkpointWorker = options.checkpointWorker ? startCheckpointWorker() : null;
  }

  /** Whether checkpoints are written by a worker of their own (false: on this thread). */
  get checkpointsInWorker(): boolean {
    return this.checkpointWorker !== null;
  }

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
        if (oldVersion < 3) {
          database.createObjectStore('checkpoints');
          const indexed = database.createObjectStore('indexed');
          indexed.createIndex('byKey', 'keys', { multiEntry: true });
          indexed.createIndex('byTx', 'txIds', { multiEntry: true });
        }
      },
    });
    const storage = new IdbStorage(db, {
      checkpointEveryBlocks,
      checkpointEntriesMax,
      checkpointIdleMs,
      checkpointWorker: false,
      recordFiles: false,
      recordFilesWaitMs: recordFilesWaitMs,
      ...options,
    });
    // Every chain's held writes are rebuilt now, so that a tx index lookup (which names no
    // chain) finds transactions of blocks not yet checkpointed on any of them.
    for (const chainId of await storage.chainIds()) await storage.overlay(chainId);
    return storage;
  }

  /** Chain ids with blocks, one cursor step per chain. */
  private async chainIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor = await this.db.transaction('blocks').store.openKeyCursor();
    while (cursor) {
      const chainId = (cursor.key as [string, number])[0];
      ids.push(chainId);
      cursor = await cursor.continue([chainId, Infinity]);
    }
    return ids;
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
    const records = await tx
      .objectStore('commits')
      .getAll(IDBKeyRange.bound([chainId, checkpoint + 1], [chainId, maxHeight]));
    const overlay: ChainOverlay = {
      checkpoint,
      head: checkpoint,
      recent: new Map(),
      pending: [],
      pendingTx: new Map(),
      writing: null,
      idle: null,
    };
    const heights = await tx
      .objectStore('commits')
      .getAllKeys(IDBKeyRange.bound([chainId, checkpoint + 1], [chainId, maxHeight]));
    records.forEach((record, i) => {
      const height = (heights[i] as [string, number])[1];
      if (record instanceof Uint8Array) {
        let content: CommitContent;
        try {
          content = unpackCommit(record);
        } catch (error) {
          // A changed record that no longer parses: nothing of it is used, and the host's state
          // root check reports the missing writes.
          console.warn(
            `The commits record of block ${height} could not be read: ${(error as Error).message}`,
          );
          return;
        }
        this.remember(overlay, {
          height,
          writes: content.writes,
          txIds: content.txIds,
          packed: record,
        });
        return;
      }
      const keys = record.writeKeys ?? (record.keys ?? []).map((k) => k[1]);
      const writes = new Map<string, Uint8Array>();
      keys.forEach((key, i) => writes.set(key, record.entries[i]!));
      this.remember(overlay, { height, writes, txIds: record.txList ?? record.txIds ?? [] });
    });
    return overlay;
  }

  private remember(overlay: ChainOverlay, block: PendingBlock): void {
    for (const [key, entry] of block.writes)
      overlay.recent.set(key, { height: block.height, entry });
    block.txIds.forEach((txId, index) =>
      overlay.pendingTx.set(txId, { chainId: '', height: block.height, index }),
    );
    overlay.pending.push(block);
    overlay.head = Math.max(overlay.head, block.height);
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    const tx = this.db.transaction('meta', 'readwrite');
    void tx.store.put(value, key);
    commitNow(tx);
    await tx.done;
  }

  // ---- the voting record of each chain (record-file.ts): in two files of the origin private
  // file system when `recordFiles` and they can be opened, else the meta key `consensus.<chainId>`
  // as { seq, bytes } (a bare Uint8Array, as earlier versions wrote, is seq 0). The newest wins.

  private recordSlot(
    chainId: string,
  ): Promise<{ files: RecordFiles | null; stored: SeqRecord | undefined; seq: number }> {
    let slot = this.records.get(chainId);
    if (!slot) {
      slot = (async () => {
        // `stored`: what the files held at open, when they could be read but not opened (later
        // records then go to the meta store; the newest of the two is read back).
        const { files, stored } = this.options.recordFiles
          ? await RecordFiles.open(`${this.name}.${chainId}`, this.options.recordFilesWaitMs)
          : { files: null, stored: undefined };
        if (files) this.recordFilesOpen.add(files);
        const best = bestRecord(files ? files.read() : stored, await this.metaRecord(chainId));
        return { files, stored, seq: best?.seq ?? 0 };
      })();
      this.records.set(chainId, slot);
    }
    return slot;
  }

  private async metaRecord(chainId: string): Promise<SeqRecord | undefined> {
    const value = await this.getMeta<Uint8Array | SeqRecord>(`consensus.${chainId}`);
    if (value === undefined) return undefined;
    return value instanceof Uint8Array ? { seq: 0, bytes: value } : value;
  }

  /** Where the records of this store go: 'file' or 'meta' (read by the browser test). */
  async consensusRecordPlace(chainId: string): Promise<'file' | 'meta'> {
    return (await this.recordSlot(chainId)).files ? 'file' : 'meta';
  }

  async putConsensusRecord(chainId: string, bytes: Uint8Array): Promise<void> {
    const slot = await this.recordSlot(chainId);
    const record = { seq: ++slot.seq, bytes };
    if (slot.files) {
      try {
        slot.files.write(record);
        return;
      } catch (error) {
        // From now on in the meta store; the newest of the two is read back.
        console.warn(
          `The voting record file could not be written (${(error as Error).message}); it goes to IndexedDB.`,
        );
        slot.files.close();
        this.recordFilesOpen.delete(slot.files);
        slot.files = null;
      }
    }
    await this.putMeta(`consensus.${chainId}`, record);
  }

  async getConsensusRecord(chainId: string): Promise<Uint8Array | undefined> {
    const slot = await this.recordSlot(chainId);
    return bestRecord(slot.files ? slot.files.read() : slot.stored, await this.metaRecord(chainId))
      ?.bytes;
  }

  private closeRecordFiles(): void {
    for (const files of this.recordFilesOpen) files.close();
    this.recordFilesOpen.clear();
    this.records.clear();
  }

  // ---- the append-only log store (audit log): records in the meta store under `auditlog:<seq>`,
  // seq zero-padded so key order is seq order (no schema change; one transaction per append).

  async appendLog(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = this.db.transaction('meta', 'readwrite');
    for (const { seq, bytes } of records) void tx.store.put({ seq, bytes }, logRecordKey(seq));
    commitNow(tx);
    await tx.done;
  }

  async readLog(): Promise<LogRecord[]> {
    const values = await this.db.getAll(
      'meta',
      IDBKeyRange.bound(logRecordKey(0), `${logRecordPrefix}~`),
    );
    return values as LogRecord[];
  }

  async pruneLog(seqBefore: number): Promise<void> {
    const tx = this.db.transaction('meta', 'readwrite');
    void tx.store.delete(IDBKeyRange.bound(logRecordKey(0), logRecordKey(seqBefore), false, true));
    commitNow(tx);
    await tx.done;
  }

  // ---- the outbox: entries in the meta store under `outbox:<seq>` (as the audit log's records:
  // no schema change; one transaction per update, so a put and its drops land together).

  async updateOutbox(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    if (put.length === 0 && drop.length === 0) return;
    const tx = this.db.transaction('meta', 'readwrite');
    for (const entry of put) void tx.store.put({ ...entry }, outboxKey(entry.seq));
    for (const seq of drop) void tx.store.delete(outboxKey(seq));
    commitNow(tx);
    await tx.done;
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    const values = await this.db.getAll(
      'meta',
      IDBKeyRange.bound(outboxKey(0), `${outboxPrefix}~`),
    );
    return values as OutboxEntry[];
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    await this.commitBlocks([commit]);
  }

  /** Consecutive blocks of one chain in one transaction: all are stored, or none. */
  async commitBlocks(commits: readonly BlockCommit[]): Promise<void> {
    if (commits.length === 0) return;
    const { chainId } = commits[0]!;
    if (commits.some((c) => c.chainId !== chainId))
      throw botError('BAD_REQUEST', 'The blocks of one commit belong to one chain.');
    const overlay = await this.overlay(chainId);
    const tx = this.db.transaction(['blocks', 'commits'], 'readwrite');
    // Requests are queued without awaiting each one: IndexedDB runs them in order inside the
    // transaction, and `tx.done` settles once all are durable (or none are).
    let packed: Uint8Array[];
    try {
      packed = commits.map((commit) => {
        // Each request's own failure is the transaction's, reported once by tx.done.
        tx.objectStore('blocks').put(commit.block, [chainId, commit.height]).catch(ignore);
        const bytes = packCommit(commit.writes, commit.txIds);
        tx.objectStore('commits').put(bytes, [chainId, commit.height]).catch(ignore);
        return bytes;
      });
    } catch (error) {
      // A request refused on the spot (a bad key, a value that cannot be cloned): without the
      // abort the transaction would commit the requests queued before it.
      tx.done.catch(ignore);
      tx.abort();
      throw botError(
        'STORAGE_FAILED',
        `Block ${commits[0]!.height} and after could not be stored: ${(error as Error)?.message ?? error}.`,
      );
    }
    commitNow(tx);
    try {
      await tx.done;
    } catch (error) {
      const heights =
        commits.length === 1
          ? `Block ${commits[0]!.height}`
          : `Blocks ${commits[0]!.height}-${commits.at(-1)!.height}`;
      throw botError(
        'STORAGE_FAILED',
        `${heights} could not be stored: ${(error as Error)?.message ?? error}. Free some space or grant persistent storage.`,
      );
    }
    commits.forEach((commit, i) => {
      // Stored values are copies (structured clone); so are the held ones.
      const writes = new Map<string, Uint8Array>();
      for (const [key, entry] of commit.writes) writes.set(key, entry.slice());
      this.remember(overlay, {
        height: commit.height,
        writes,
        txIds: [...commit.txIds],
        packed: packed[i]!,
      });
    });
    this.scheduleCheckpoint(chainId, overlay);
  }

  private scheduleCheckpoint(chainId: string, overlay: ChainOverlay): void {
    if (overlay.idle) clearTimeout(overlay.idle);
    overlay.idle = null;
    // While one is written, blocks only accumulate: the next is weighed when it is done.
    if (this.closed || overlay.writing) return;
    if (
      overlay.pending.length >= this.options.checkpointEveryBlocks ||
      overlay.recent.size >= this.options.checkpointEntriesMax
    ) {
      void this.checkpoint(chainId).catch(() => {});
    } else if (overlay.pending.length > 0) {
      overlay.idle = setTimeout(() => {
        overlay.idle = null;
        void this.checkpoint(chainId).catch(() => {});
      }, this.options.checkpointIdleMs);
    }
  }

  /**
   * Write the held blocks' derived records in one transaction of its own (block commits go on
   * meanwhile: the scopes do not overlap): the latest entry per key to `state`, each block's
   * history and tx index to `indexed`, and the height all of it is complete up to. Resolves
   * when durable; the held writes are then dropped (unless a later block wrote the key again).
   * A failed checkpoint loses nothing: the commits records still hold every write.
   */
  async checkpoint(chainId: string): Promise<void> {
    const overlay = await this.overlay(chainId);
    while (overlay.writing) await overlay.writing;
    if (overlay.pending.length === 0 || this.closed || this.overlays.get(chainId) === undefined)
      return;
    const upTo = overlay.head;
    const blocks = [...overlay.pending];
    const snapshot = [...overlay.recent];
    const started = performance.now();
    overlay.writing = (async () => {
      const job: CheckpointJob = {
        chainId,
        upTo,
        blocks: blocks.map((b) => ({
          height: b.height,
          packed: b.packed ?? packCommit(b.writes, b.txIds),
        })),
      };
      await this.writeCheckpoint(job);
      overlay.checkpoint = upTo;
      for (const [key, held] of snapshot)
        if (overlay.recent.get(key) === held) overlay.recent.delete(key);
      overlay.pending = overlay.pending.filter((b) => b.height > upTo);
      for (const block of blocks)
        for (const txId of block.txIds)
          if (overlay.pendingTx.get(txId)?.height === block.height) overlay.pendingTx.delete(txId);
      this.checkpointStats.count++;
      this.checkpointStats.entries += snapshot.length;
      this.checkpointStats.ms += performance.now() - started;
    })();
    try {
      await overlay.writing;
    } finally {
      overlay.writing = null;
      this.scheduleCheckpoint(chainId, overlay);
    }
  }

  /**
   * Write a checkpoint: in the checkpoint worker when there is one (the IndexedDB calls of a
   * checkpoint, thousands of puts and index entries, then cost the peer's thread one packed
   * message), else here. A worker that fails or answers with an error is not used again and
   * the job is written here.
   */
  private async writeCheckpoint(job: CheckpointJob): Promise<void> {
    const worker = this.checkpointWorker;
    if (worker) {
      try {
        await worker.write(this.db.name, job);
        return;
      } catch (error) {
        if (this.checkpointWorker === worker) {
          this.checkpointWorker = null;
          worker.close();
          console.warn(
            `The checkpoint worker failed (${(error as Error)?.message ?? error}); checkpoints are written on the peer's thread.`,
          );
        }
      }
    }
    await writeCheckpointRecords(this.db, job);
  }

  async getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    return this.db.get('blocks', [chainId, height]);
  }

  async getBlocks(chainId: string, from: number, count: number): Promise<Uint8Array[]> {
    if (count <= 0) return [];
    const range = IDBKeyRange.bound(
      [chainId, from],
      [chainId, Math.min(from + count - 1, maxHeight)],
    );
    const tx = this.db.transaction('blocks');
    const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
    const blocks: Uint8Array[] = [];
    for (let i = 0; i < keys.length && (keys[i] as [string, number])[1] === from + i; i++)
      blocks.push(values[i]!);
    return blocks;
  }

  async headHeight(chainId: string): Promise<number> {
    const range = IDBKeyRange.bound([chainId, 0], [chainId, maxHeight]);
    const cursor = await this.db.transaction('blocks').store.openKeyCursor(range, 'prev');
    return cursor ? (cursor.key as [string, number])[1] : -1;
  }

  // Reads take what is held in memory first, then read the stores: a checkpoint that
  // completes meanwhile moves held data into the stores, never out of both.

  async getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    const held = (await this.overlay(chainId)).recent.get(key);
    if (held) return held.entry.slice();
    return this.db.get('state', [chainId, key]);
  }

  async allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    const held = [...(await this.overlay(chainId)).recent];
    const range = IDBKeyRange.bound([chainId, ''], [chainId, '\uffff\uffff']);
    const tx = this.db.transaction('state');
    const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
    const all = new Map<string, Uint8Array>();
    keys.forEach((key, i) => all.set((key as [string, string])[1], values[i]!));
    for (const [key, { entry }] of held) all.set(key, entry.slice());
    return [...all];
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    const versions = new Map<number, Uint8Array>();
    for (const block of (await this.overlay(chainId)).pending) {
      const entry = block.writes.get(key);
      if (entry) versions.set(block.height, entry.slice());
    }
    const tx = this.db.transaction(['commits', 'indexed']);
    const [records, legacy] = await Promise.all([
      tx.objectStore('indexed').index('byKey').getAll([chainId, key]),
      tx.objectStore('commits').index('byKey').getAll([chainId, key]),
    ]);
    // Only objects carry `keys`, so the commits index covers schema-2 records only.
    for (const record of [...records, ...(legacy as CommitRecord[])]) {
      if (record.chainId !== chainId) continue;
      const at = record.keys!.findIndex((k) => k[1] === key);
      if (at < 0) continue;
      if (isSegment(record)) {
        for (const v of unpackVersions(record.versions[at]!)) versions.set(v.height, v.entry);
      } else {
        versions.set(record.height, record.entries[at]!);
      }
    }
    if (this.hasLegacy('history')) {
      const range = IDBKeyRange.bound([chainId, key, 0], [chainId, key, maxHeight]);
      const old = this.db.transaction('history');
      const [keys, values] = await Promise.all([
        old.store.getAllKeys(range),
        old.store.getAll(range),
      ]);
      keys.forEach((k, i) => versions.set((k as [string, string, number])[2], values[i]!));
    }
    return [...versions]
      .map(([height, entry]) => ({ height, entry }))
      .sort((a, b) => a.height - b.height);
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    for (const [chainId, overlay] of this.overlays) {
      const held = (await overlay.catch(() => null))?.pendingTx.get(txId);
      if (held) return { chainId, height: held.height, index: held.index };
    }
    const indexed = await this.db.getFromIndex('indexed', 'byTx', txId);
    if (indexed && isSegment(indexed)) {
      const at = segmentTxLocation(indexed, txId);
      if (at) return { chainId: indexed.chainId, ...at };
    }
    const record =
      (indexed as IndexRecord | undefined) ??
      ((await this.db.getFromIndex('commits', 'byTx', txId)) as CommitRecord | undefined);
    if (record)
      return { chainId: record.chainId, height: record.height, index: record.txIds!.indexOf(txId) };
    return this.hasLegacy('txs') ? this.db.get('txs', txId) : undefined;
  }

  /**
   * Repair: copy every store but `meta` into a database of its own, `<name>-damaged-<time>`
   * (kept, never deleted), then empty them here; meta (identity, chains, settings) stays.
   */
  async setAside(): Promise<{ movedTo: string }> {
    await this.settleOverlays();
    const names = [...this.db.objectStoreNames].filter((n) => n !== 'meta');
    const movedTo = `${this.db.name}-damaged-${new Date().toISOString()}`;
    const archive = await openDB(movedTo, 1, {
      upgrade: (database) => names.forEach((n) => database.createObjectStore(n)),
    });
    try {
      for (const name of names) {
        const read = this.db.transaction(name);
        const [keys, values] = await Promise.all([read.store.getAllKeys(), read.store.getAll()]);
        const write = archive.transaction(name, 'readwrite');
        await Promise.all([
          ...keys.map((key, i) => write.store.put(values[i], key as IDBValidKey)),
          write.done,
        ]);
      }
    } finally {
      archive.close();
    }
    const tx = this.db.transaction(names, 'readwrite');
    await Promise.all([...names.map((name) => tx.objectStore(name).clear()), tx.done]);
    return { movedTo: `IndexedDB ${movedTo}` };
  }

  /** Wait for checkpoints in flight and forget every chain's overlay (before the stores are emptied). */
  private async settleOverlays(): Promise<void> {
    const overlays = await Promise.all([...this.overlays.values()].map((o) => o.catch(() => null)));
    this.overlays.clear();
    for (const overlay of overlays) {
      if (overlay?.idle) clearTimeout(overlay.idle);
      await overlay?.writing?.catch(() => {});
    }
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
    await Promise.allSettled(this.records.values()); // opened before they are closed and removed
    this.closeRecordFiles();
    await RecordFiles.remove(`${this.name}.`);
  }

  close(): void {
    this.closed = true;
    this.closeRecordFiles();
    this.checkpointWorker?.close();
    this.checkpointWorker = null;
    for (const overlay of this.overlays.values())
      void overlay.then(
        (o) => o.idle && clearTimeout(o.idle),
        () => {},
      );
    this.db.close();
  }
}

const logRecordPrefix = 'auditlog:';
const outboxPrefix = 'outbox:';

/** The meta key of outbox entry `seq`: fixed width, so string order is seq order. */
function outboxKey(seq: number): string {
  return outboxPrefix + String(seq).padStart(16, '0');
}

/** The meta key of log record `seq`: fixed width, so string order is number order. */
function logRecordKey(seq: number): string {
  return logRecordPrefix + String(seq).padStart(16, '0');
}

interface CheckpointWorker {
  write(dbName: string, job: CheckpointJob): Promise<void>;
  close(): void;
}

function startCheckpointWorker(): CheckpointWorker | null {
  if (typeof Worker === 'undefined') return null;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./checkpoint.worker.ts', import.meta.url), {
      type: 'module',
      name: 'bot-checkpoint',
    });
  } catch {
    return null;
  }
  const waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  let nextId = 1;
  let failed: Error | null = null;
  const failAll = (error: Error) => {
    failed = error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  worker.onmessage = (event: MessageEvent<CheckpointReply>) => {
    const reply = event.data;
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if (reply.ok) w.resolve();
    else w.reject(new Error(reply.error));
  };
  worker.onerror = (event) => failAll(new Error(event.message || 'the checkpoint worker stopped'));
  return {
    write(dbName, job) {
      if (failed) return Promise.reject(failed);
      const id = nextId++;
      const packed = packCheckpoint(job);
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, dbName, packed } satisfies CheckpointRequest, [packed.buffer]);
      });
    },
    close() {
      failAll(new Error('closed'));
      worker.terminate();
    },
  };
}

function ignore(): void {}
