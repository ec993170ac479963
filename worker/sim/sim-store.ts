// The memory store as the real-host simulator sees it: one durable MemoryStorage per peer (what
// survives a crash) behind a handle per peer incarnation. Writes take a seeded delay (in order:
// a store applies its writes in the order given), may fail (the host must stop, never go on
// with a half-written ledger), and a crash decides which writes still in flight landed: a
// prefix of them, each one whole (a block batch is one transaction). A dead incarnation's calls
// never settle, so nothing it does after its crash reaches the store.
import type { BlockCommit, LogRecord, OutboxEntry, Storage } from '../store/storage';
import type { MemoryStorage } from '../store/memory';
import type { Clock } from '../net/clock';
import type { Random } from './prng';
import type { Domain } from './sim-clock';

export interface StoreFaults {
  /** Largest delay of a write, ms (0: writes land at once, in a microtask). */
  writeDelayMaxMs: number;
  /** Chance that a block write fails (the incarnation must stop). */
  failRate: number;
  /** Chance, per write, to crash the incarnation just after the write was issued. */
  crashRate: number;
}

interface PendingWrite {
  apply: () => Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
  done: boolean;
}

export class SimStore implements Storage {
  private readonly pending: PendingWrite[] = [];
  private lastAt = 0;
  /** Writes that failed on purpose. */
  failures = 0;

  constructor(
    readonly durable: MemoryStorage,
    private readonly domain: Domain,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly faults: () => StoreFaults,
    private readonly onCrashPoint: () => void,
  ) {}

  private read<T>(run: () => Promise<T>): Promise<T> {
    if (!this.domain.alive) return new Promise<T>(() => undefined);
    return run();
  }

  private write(apply: () => Promise<void>, mayFail: boolean): Promise<void> {
    if (!this.domain.alive) return new Promise<void>(() => undefined);
    const faults = this.faults();
    return new Promise<void>((resolve, reject) => {
      const entry: PendingWrite = { apply, resolve, reject, done: false };
      const fail = mayFail && this.random.chance(faults.failRate);
      const now = this.clock.now();
      const at = Math.max(now + this.random.int(0, faults.writeDelayMaxMs), this.lastAt);
      this.lastAt = at;
      this.pending.push(entry);
      this.clock.setTimeout(() => {
        if (entry.done || !this.domain.alive) return;
        entry.done = true;
        this.pending.splice(this.pending.indexOf(entry), 1);
        if (fail) {
          this.failures++;
          reject(new Error('simulated storage failure: the write did not happen'));
          return;
        }
        apply().then(resolve, reject);
      }, at - now);
      if (this.random.chance(faults.crashRate)) this.onCrashPoint();
    });
  }

  /** The incarnation crashed: a prefix of the writes in flight landed, the rest never will. */
  async crash(): Promise<void> {
    const landed = this.random.int(0, this.pending.length);
    const writes = this.pending.splice(0);
    for (const entry of writes.slice(0, landed)) {
      entry.done = true;
      await entry.apply();
    }
    for (const entry of writes) entry.done = true;
  }

  getMeta<T>(key: string): Promise<T | undefined> {
    return this.read(() => this.durable.getMeta<T>(key));
  }
  putMeta(key: string, value: unknown): Promise<void> {
    const copy = structuredClone(value);
    return this.write(() => this.durable.putMeta(key, copy), false);
  }
  commitBlock(commit: BlockCommit): Promise<void> {
    return this.write(() => this.durable.commitBlock(commit), true);
  }
  commitBlocks(commits: readonly BlockCommit[]): Promise<void> {
    return this.write(() => this.durable.commitBlocks(commits), true);
  }
  getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    return this.read(() => this.durable.getBlock(chainId, height));
  }
  headHeight(chainId: string): Promise<number> {
    return this.read(() => this.durable.headHeight(chainId));
  }
  getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    return this.read(() => this.durable.getState(chainId, key));
  }
  allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    return this.read(() => this.durable.allState(chainId));
  }
  history(chainId: string, key: string) {
    return this.read(() => this.durable.history(chainId, key));
  }
  txLocation(txId: string) {
    return this.read(() => this.durable.txLocation(txId));
  }
  appendLog(records: readonly LogRecord[]): Promise<void> {
    const copy = records.map(({ seq, bytes }) => ({ seq, bytes: bytes.slice() }));
    return this.write(() => this.durable.appendLog(copy), false);
  }
  readLog(): Promise<LogRecord[]> {
    return this.read(() => this.durable.readLog());
  }
  pruneLog(seqBefore: number): Promise<void> {
    return this.write(() => this.durable.pruneLog(seqBefore), false);
  }
  updateOutbox(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    const copy = put.map((entry) => ({ ...entry, bytes: entry.bytes.slice() }));
    const seqs = [...drop];
    // May fail like a block write: the callers of those transactions are never told "accepted".
    return this.write(() => this.durable.updateOutbox(copy, seqs), put.length > 0);
  }
  readOutbox(): Promise<OutboxEntry[]> {
    return this.read(() => this.durable.readOutbox());
  }
  clear(): Promise<void> {
    return this.write(() => this.durable.clear(), false);
  }
  close(): void {}
}
