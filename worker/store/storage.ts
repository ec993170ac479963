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

export interface Storage {
  /** Small settings and secrets of this peer (identity, chain list). Values are structured-cloneable. */
  getMeta<T>(key: string): Promise<T | undefined>;
  putMeta(key: string, value: unknown): Promise<void>;
  /** Atomically store a block, its state writes, their history and the tx index. */
  commitBlock(commit: BlockCommit): Promise<void>;
  getBlock(chainId: string, height: number): Promise<Uint8Array | undefined>;
  /** Highest stored height of a chain, or -1. */
  headHeight(chainId: string): Promise<number>;
  getState(chainId: string, key: string): Promise<Uint8Array | undefined>;
  /** Every state entry of a chain (used to rebuild and check the state root at load). */
  allState(chainId: string): Promise<Array<[string, Uint8Array]>>;
  /** Every version of a state key, oldest first. */
  history(chainId: string, key: string): Promise<StateVersion[]>;
  txLocation(txId: string): Promise<TxLocation | undefined>;
  /** Remove everything of this peer. */
  clear(): Promise<void>;
  close(): void;
}
