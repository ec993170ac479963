// Storage: the one interface the peer persists through. Adapters: IndexedDB (browser),
// memory (tests, simulator). A block and its state changes commit in one transaction, so a
// crash never leaves a half-written ledger.

export interface BlockCommit {
  chainId: string;
  height: number;
  /** Canonical encoding of the block (header, transactions, certificate). */
  block: Uint8Array;
  /** State writes: key -> encoded entry. */
  writes: ReadonlyMap<string, Uint8Array>;
  /** Ids of the transactions in the block, in order. */
  txIds: readonly string[];
}

export interface TxLocation {
  chainId: string;
  height: number;
  index: number;
}

export interface StateVersion {
  height: number;
  entry: Uint8Array;
}

/** One record of the append-only log store (the audit log, worker/host/audit-log.ts). */
export interface LogRecord {
  /** Sequence number: strictly increasing, one per record. */
  seq: number;
  bytes: Uint8Array;
}

/**
 * One transaction this peer signed and has not yet seen durably committed (the outbox,
 * worker/host/outbox.ts): kept so that a restarted peer resubmits it and never signs its nonce
 * again.
 */
export interface OutboxEntry {
  /** Order of signing: strictly increasing per peer (a later entry with a nonce replaces earlier ones from that nonce on). */
  seq: number;
  chainId: string;
  txId: string;
  nonce: number;
  /** The signed transaction (encodeTx). */
  bytes: Uint8Array;
}

/** Damage an adapter found in what it stores (not a torn write): the peer must not serve or write from it. */
export interface StoreDamage {
  /** Byte offset in the adapter's file, where it has one. */
  offset: number | null;
  /** The chain and height of the damaged block, when they can still be read. */
  chainId: string | null;
  height: number | null;
  message: string;
}

export interface Storage {
  /** Small settings and secrets of this peer (identity, chain list). Values are structured-cloneable. */
  getMeta<T>(key: string): Promise<T | undefined>;
  putMeta(key: string, value: unknown): Promise<void>;
  /** Atomically store a block, its state writes, their history and the tx index. */
  commitBlock(commit: BlockCommit): Promise<void>;
  /**
   * Consecutive blocks of one chain, atomically: all or none (one transaction where the adapter
   * can; `commitAll` falls back to commitBlock one by one, which keeps a prefix on failure).
   */
  commitBlocks?(commits: readonly BlockCommit[]): Promise<void>;
  getBlock(chainId: string, height: number): Promise<Uint8Array | undefined>;
  /** Up to `count` stored blocks from `from` on, in height order, up to the first missing one (one read where the adapter can). */
  getBlocks?(chainId: string, from: number, count: number): Promise<Uint8Array[]>;
  /** Highest stored height of a chain, or -1. */
  headHeight(chainId: string): Promise<number>;
  getState(chainId: string, key: string): Promise<Uint8Array | undefined>;
  /** Every state entry of a chain (used to rebuild and check the state root at load). */
  allState(chainId: string): Promise<Array<[string, Uint8Array]>>;
  /** Every version of a state key, oldest first. */
  history(chainId: string, key: string): Promise<StateVersion[]>;
  txLocation(txId: string): Promise<TxLocation | undefined>;
  /**
   * The append-only log store (the audit log): records are appended in sequence order and are
   * durable once the promise resolves; readLog gives every record kept, in sequence order;
   * pruneLog drops the records before `seqBefore` (retention). `clear` empties it too. Optional:
   * without it the host keeps the audit log in memory only (and says so in its export).
   */
  appendLog?(records: readonly LogRecord[]): Promise<void>;
  readLog?(): Promise<LogRecord[]>;
  pruneLog?(seqBefore: number): Promise<void>;
  /**
   * The outbox: `put` entries and `drop` those with the given seq numbers, atomically (all of
   * it or none), durable once the promise resolves; readOutbox gives every entry kept, in seq
   * order. `clear` empties it too; `setAside` keeps it. Optional: without it a restarted peer
   * knows only its committed nonces.
   */
  updateOutbox?(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void>;
  readOutbox?(): Promise<OutboxEntry[]>;
  /**
   * The voting (consensus) record of a chain, durable once the promise resolves; the newest one
   * stored comes back. Optional: without it the record is the meta key `consensus.<chainId>`
   * (`putConsensusRecord` below). IndexedDB keeps it in a file of the origin private file
   * system where it can (record-file.ts: no thread hop on the path of a height).
   */
  putConsensusRecord?(chainId: string, bytes: Uint8Array): Promise<void>;
  getConsensusRecord?(chainId: string): Promise<Uint8Array | undefined>;
  /** Damage found at open (disk: a log record that is not a torn tail); absent or empty: none found. */
  damage?(): StoreDamage[];
  /**
   * Repair: move the stored blocks and state aside (kept, never deleted) and start empty,
   * keeping the meta map (identity, chains, settings, voting records). Returns where they went.
   */
  setAside?(): Promise<{ movedTo: string }>;
  /** Remove everything of this peer. */
  clear(): Promise<void>;
  close(): void;
}

/** Store consecutive blocks in order, in one transaction when the adapter has commitBlocks. */
export async function commitAll(storage: Storage, commits: readonly BlockCommit[]): Promise<void> {
  if (commits.length === 1) return storage.commitBlock(commits[0]!);
  if (storage.commitBlocks) return storage.commitBlocks(commits);
  for (const commit of commits) await storage.commitBlock(commit);
}

/** Blocks read per storage request by `storedBlocks` (a few large blocks are several MB). */
export const blocksReadPerRequest = 16;

/**
 * Stored blocks from `from` to `to` (inclusive) in height order, up to the first missing one,
 * read `blocksReadPerRequest` at a time: a reload's check of 2,000 blocks or a sync answer of
 * 128 was one read per block, each a round trip to the browser's storage.
 */
export async function* storedBlocks(
  storage: Storage,
  chainId: string,
  from: number,
  to: number,
): AsyncGenerator<Uint8Array> {
  for (let at = from; at <= to; at += blocksReadPerRequest) {
    const count = Math.min(blocksReadPerRequest, to - at + 1);
    let blocks: Uint8Array[];
    if (storage.getBlocks) blocks = await storage.getBlocks(chainId, at, count);
    else {
      blocks = [];
      for (let h = at; h < at + count; h++) {
        const block = await storage.getBlock(chainId, h);
        if (!block) break;
        blocks.push(block);
      }
    }
    yield* blocks;
    if (blocks.length < count) return;
  }
}

/** Store a chain's voting record (before the vote it holds may leave). */
export function putConsensusRecord(
  storage: Storage,
  chainId: string,
  bytes: Uint8Array,
): Promise<void> {
  return storage.putConsensusRecord
    ? storage.putConsensusRecord(chainId, bytes)
    : storage.putMeta(`consensus.${chainId}`, bytes);
}

/** A chain's newest stored voting record. */
export function getConsensusRecord(
  storage: Storage,
  chainId: string,
): Promise<Uint8Array | undefined> {
  return storage.getConsensusRecord
    ? storage.getConsensusRecord(chainId)
    : storage.getMeta<Uint8Array>(`consensus.${chainId}`);
}
