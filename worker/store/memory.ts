// In-memory Storage (tests, simulator, and a peer that keeps nothing).
import type {
  BlockCommit,
  LogRecord,
  OutboxEntry,
  StateVersion,
  Storage,
  TxLocation,
} from './storage';

interface ChainData {
  blocks: Map<number, Uint8Array>;
  state: Map<string, Uint8Array>;
  history: Map<string, StateVersion[]>;
}

export class MemoryStorage implements Storage {
  private meta = new Map<string, unknown>();
  private chains = new Map<string, ChainData>();
  private txIndex = new Map<string, TxLocation>();
  private logRecords: LogRecord[] = [];
  private outbox = new Map<number, OutboxEntry>();

  private chain(chainId: string): ChainData {
    let data = this.chains.get(chainId);
    if (!data) {
      data = { blocks: new Map(), state: new Map(), history: new Map() };
      this.chains.set(chainId, data);
    }
    return data;
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.meta.get(key)) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    this.meta.set(key, structuredClone(value));
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    const data = this.chain(commit.chainId);
    data.blocks.set(commit.height, commit.block.slice());
    for (const [key, entry] of commit.writes) {
      data.state.set(key, entry.slice());
      const versions = data.history.get(key) ?? [];
      versions.push({ height: commit.height, entry: entry.slice() });
      data.history.set(key, versions);
    }
    commit.txIds.forEach((txId, index) =>
      this.txIndex.set(txId, { chainId: commit.chainId, height: commit.height, index }),
    );
  }

  async commitBlocks(commits: readonly BlockCommit[]): Promise<void> {
    for (const commit of commits) await this.commitBlock(commit);
  }

  async getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    return this.chains.get(chainId)?.blocks.get(height)?.slice();
  }

  async headHeight(chainId: string): Promise<number> {
    const blocks = this.chains.get(chainId)?.blocks;
    if (!blocks || blocks.size === 0) return -1;
    return Math.max(...blocks.keys());
  }

  async getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    return this.chains.get(chainId)?.state.get(key)?.slice();
  }

  async allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    return [...(this.chains.get(chainId)?.state ?? [])].map(([k, v]) => [k, v.slice()]);
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    return (this.chains.get(chainId)?.history.get(key) ?? []).map((v) => ({
      height: v.height,
      entry: v.entry.slice(),
    }));
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    const found = this.txIndex.get(txId);
    return found ? { ...found } : undefined;
  }

  async appendLog(records: readonly LogRecord[]): Promise<void> {
    for (const { seq, bytes } of records) this.logRecords.push({ seq, bytes: bytes.slice() });
  }

  async readLog(): Promise<LogRecord[]> {
    return this.logRecords.map(({ seq, bytes }) => ({ seq, bytes: bytes.slice() }));
  }

  async pruneLog(seqBefore: number): Promise<void> {
    this.logRecords = this.logRecords.filter((record) => record.seq >= seqBefore);
  }

  async updateOutbox(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    for (const entry of put) this.outbox.set(entry.seq, { ...entry, bytes: entry.bytes.slice() });
    for (const seq of drop) this.outbox.delete(seq);
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    return [...this.outbox.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => ({ ...entry, bytes: entry.bytes.slice() }));
  }

  /** Chains set aside by repairs (kept in memory, as a file would be kept on disk). */
  readonly aside: Array<Map<string, ChainData>> = [];

  async setAside(): Promise<{ movedTo: string }> {
    this.aside.push(this.chains);
    this.chains = new Map();
    this.txIndex = new Map();
    return { movedTo: `memory:aside/${this.aside.length - 1}` };
  }

  async clear(): Promise<void> {
    this.logRecords = [];
    this.outbox.clear();
    this.meta.clear();
    this.chains.clear();
    this.txIndex.clear();
  }

  close(): void {}
}
