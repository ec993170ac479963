// Ledger store of the Node peer on LevelDB (classic-level): indexes on disk, compaction by the
// engine, memory bounded by LevelDB's caches instead of growing with the ledger.
//
// Layout of a data directory:
//   ledger.ldb/   the LevelDB database: meta, blocks, state, history, tx index, audit log
//   LOCK          the process that has the directory open (one peer per directory): disk-lock.ts
//   ledger.damaged-<time>.ldb/   a damaged database set aside by a repair (kept)
//   ledger.migrated.log, meta.migrated.v8, audit.migrated.log   the files of the old disk store
//                 (disk.ts) after their migration (kept): see level-migrate.ts
//
// Keys (bytes; str16 = u16 length + UTF-8, u64 = big-endian):
//   'M' key                         -> meta value (v8 serialization: structured-cloneable)
//   'C' chainId                     -> u64 head height | u64 block count      (one per chain)
//   'B' str16 chainId | u64 height  -> block bytes
//   'S' str16 chainId | key         -> u64 height | entry                     (latest version)
//   'H' str16 chainId | str16 key | u64 height -> entry                       (every version)
//   'T' txId                        -> u64 height | u32 index | chainId
//   'L' u64 seq                     -> audit log record
//   '!damage'                       -> JSON list of the damage found (kept until a repair)
// Every value is stored as check(4) | body, where check is the CRC-32C of key | body (the
// checksum LevelDB itself uses): a value that does not match its key and body is damage. It
// finds accidental damage; deliberate edits with recomputed checks are the host's to find
// (state root, blocks proved by their hashes and certificates, versions proved by their blocks).
//
// Crash safety: a block commit is one LevelDB write batch (block, state, history, tx index and
// the chain's head record together) written with sync (fsync of LevelDB's write-ahead log
// before the promise resolves), so a committed block is on disk whole, and a crash in the
// middle of a batch leaves none of it: LevelDB's recovery drops a batch whose log record was
// never completely written (a torn tail at the end of the log) and applies every whole one.
//
// Damage (issue 14 §3: only a never-completed write may be dropped): at open, (1) LevelDB's
// own recovery log (ledger.ldb/LOG) is read for the log records it dropped for another reason
// than a torn tail ("dropping N bytes; Corruption: checksum mismatch"), (2) every chain's head
// record is checked against the block keys found (a block missing or added is damage) and its
// newest block against its checksum, (3) a database LevelDB cannot read is damage, and (4) after
// open, in the background, every value is read and checked against its key (`checked()`
// resolves when done): the open itself costs in blocks, not transactions. Damage is
// reported (`damage()`, and through the host's tamper check in /v1/integrity), kept under
// '!damage' so a restart does not forget it, and commits are refused with TAMPERED until
// `setAside` (repair). Reads check values too: a damaged value is never served.
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { botError } from '../core/errors';
import type {
  OutboxEntry,
  BlockCommit,
  LogRecord,
  StateVersion,
  Storage,
  StoreDamage,
  TxLocation,
} from './storage';
import { releaseLock, takeLock } from './disk-lock';
import {
  blockKey,
  chainKey,
  chainValue,
  checks,
  checkBytes,
  damageKey,
  databaseDirName,
  describeKey,
  encodeCommit,
  exists,
  formatKey,
  formatValue,
  historyPrefix,
  logKey,
  outboxKey,
  metaKey,
  noWhere,
  openDb,
  prefixRange,
  sealedPut as put,
  stateKey,
  statePrefix,
  syncDirectory,
  tag,
  txKey,
  u64At,
  whereOf,
  writeOps,
  type Db,
  type Op,
} from './level-keys';
import { walTailProblems } from './level-wal';
import { migrateDiskStore, needsMigration, type MigrationReport } from './level-migrate';

export interface LevelOpenReport {
  /** Block records found at open. */
  records: number;
  /** Always 0: LevelDB drops a torn batch itself (kept for the shape of the disk report). */
  tornTailBytes: number;
  /** Damage found (not a torn write): commits are refused until a repair. */
  problems: StoreDamage[];
  /** Set when an old-format data directory was migrated at this open. */
  migratedFrom?: string;
  migration?: MigrationReport;
}

/** Entries read per step of the scan at open. */
const scanStep = 1_000;
/** The new database of a repair, before it replaces the damaged one. */
const setAsideDirName = 'ledger.ldb.setaside';

export class LevelStorage implements Storage {
  private meta = new Map<string, Buffer>();
  private heads = new Map<string, { head: number; count: number }>();
  private writes: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  /** The check of every value after open (see scanValues). */
  private scan: Promise<void> = Promise.resolve();
  /** Set to stop the scan at its next step (a repair or a clear replaces what it reads). */
  private scanStopped = false;

  private constructor(
    readonly directory: string,
    private db: Db,
    readonly report: LevelOpenReport,
  ) {}

  /** Open (or create, or migrate from the old disk store) the data directory; takes its lock. */
  static async open(path: string): Promise<LevelStorage> {
    const directory = resolve(path);
    await mkdir(directory, { recursive: true });
    await takeLock(directory);
    let db: Db | null = null;
    try {
      const report: LevelOpenReport = { records: 0, tornTailBytes: 0, problems: [] };
      await finishSetAside(directory);
      if (await needsMigration(directory)) {
        report.migration = await migrateDiskStore(directory);
        report.migratedFrom = report.migration.keptAs;
      }
      const walProblems = await walTailProblems(join(directory, databaseDirName));
      db = await openDb(join(directory, databaseDirName));
      const storage = new LevelStorage(directory, db, report);
      await storage.check(walProblems);
      storage.scan = storage.scanValues();
      return storage;
    } catch (error) {
      await db?.close().catch(() => {});
      await releaseLock(directory);
      throw error;
    }
  }

  damage(): StoreDamage[] {
    return this.report.problems.map((p) => ({ ...p }));
  }

  /** Resolves once every value was checked (the scan that runs after open; see scanValues). */
  checked(): Promise<void> {
    return this.scan;
  }

  // ---- meta ------------------------------------------------------------------------------

  async getMeta<T>(key: string): Promise<T | undefined> {
    const stored = this.meta.get(key);
    return stored === undefined ? undefined : (deserialize(stored) as T);
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    const encoded = serialize(value); // throws DataCloneError for what structuredClone refuses
    await this.serially(async () => {
      await writeOps(this.db, [put(metaKey(key), encoded)]);
      this.meta.set(key, encoded);
    }, true);
  }

  // ---- blocks ----------------------------------------------------------------------------

  async commitBlock(commit: BlockCommit): Promise<void> {
    return this.commitBlocks([commit]);
  }

  async commitBlocks(commits: readonly BlockCommit[]): Promise<void> {
    const heads = new Map<string, { head: number; count: number }>();
    const ops: Op[] = [];
    await this.serially(async () => {
      for (const commit of commits) {
        const known = heads.get(commit.chainId) ??
          this.heads.get(commit.chainId) ?? { head: -1, count: 0 };
        const fresh = !(await this.has(blockKey(commit.chainId, commit.height)));
        const next = {
          head: Math.max(known.head, commit.height),
          count: known.count + (fresh ? 1 : 0),
        };
        heads.set(commit.chainId, next);
        ops.push(...encodeCommit(commit));
      }
      for (const [chainId, head] of heads) ops.push(put(chainKey(chainId), chainValue(head)));
      try {
        await writeOps(this.db, ops);
      } catch (error) {
        throw botError(
          'STORAGE_FAILED',
          `Block ${commits[0]?.height} could not be stored: ${(error as Error).message}. Free some disk space and restart the peer.`,
        );
      }
      for (const [chainId, head] of heads) this.heads.set(chainId, head);
    });
  }

  async getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    return this.read(blockKey(chainId, height), { chainId, height });
  }

  async getBlocks(chainId: string, from: number, count: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    if (count <= 0) return out;
    const entries = await this.db
      .iterator({ gte: blockKey(chainId, from), lt: blockKey(chainId, from + count) })
      .all();
    for (const [key, value] of entries) {
      const height = u64At(key, key.length - 8);
      if (height !== from + out.length) break;
      out.push(this.open(key, value, { chainId, height }));
    }
    return out;
  }

  async headHeight(chainId: string): Promise<number> {
    return this.heads.get(chainId)?.head ?? -1;
  }

  async getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    const body = await this.read(stateKey(chainId, key), { chainId, height: null });
    return body ? body.subarray(8) : undefined;
  }

  async allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    const prefix = statePrefix(chainId);
    const out: Array<[string, Uint8Array]> = [];
    for await (const [key, value] of this.db.iterator(prefixRange(prefix))) {
      const body = this.open(key, value, { chainId, height: null });
      out.push([key.toString('utf8', prefix.length), body.subarray(8)]);
    }
    return out;
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    const out: StateVersion[] = [];
    for await (const [k, value] of this.db.iterator(prefixRange(historyPrefix(chainId, key)))) {
      const height = u64At(k, k.length - 8);
      out.push({ height, entry: this.open(k, value, { chainId, height }) });
    }
    return out;
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    const body = await this.read(txKey(txId), { chainId: null, height: null });
    if (!body) return undefined;
    return {
      chainId: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8', 12),
      height: u64At(body, 0),
      index: new DataView(body.buffer, body.byteOffset).getUint32(8),
    };
  }

  // ---- the append-only log store (audit log) ----------------------------------------------

  async appendLog(records: readonly LogRecord[]): Promise<void> {
    await this.serially(
      () =>
        writeOps(
          this.db,
          records.map((r) => put(logKey(r.seq), r.bytes)),
        ),
      true,
    );
  }

  async readLog(): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for await (const [key, value] of this.db.iterator(prefixRange(Buffer.of(tag.log))))
      out.push({
        seq: u64At(key, 1),
        bytes: this.open(key, value, { chainId: null, height: null }),
      });
    return out;
  }

  async pruneLog(seqBefore: number): Promise<void> {
    await this.serially(async () => {
      await this.db.clear({ gte: logKey(0), lt: logKey(Math.max(0, seqBefore)) });
      await writeOps(this.db, [put(formatKey, Buffer.from(formatValue))]);
    }, true);
  }

  // ---- the outbox of own transactions (worker/host/outbox.ts) ---------------------------

  async updateOutbox(putEntries: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    const ops: Op[] = drop.map((seq) => ({ type: 'del' as const, key: outboxKey(seq) }));
    for (const entry of putEntries)
      ops.push(put(outboxKey(entry.seq), Buffer.from(serialize({ ...entry }))));
    if (ops.length === 0) return;
    await this.serially(() => writeOps(this.db, ops), true); // one atomic, synced batch
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for await (const [key, value] of this.db.iterator(prefixRange(Buffer.of(tag.outbox)))) {
      const entry = deserialize(
        this.open(key, value, { chainId: null, height: null }),
      ) as OutboxEntry;
      out.push({ ...entry, bytes: new Uint8Array(entry.bytes) });
    }
    return out; // keys are u64 big-endian seq: already in seq order
  }

  // ---- repair and reset ------------------------------------------------------------------

  /**
   * Repair, first half: build a new database holding the meta map and the audit log, then move
   * the damaged one aside (renamed, never deleted) and put the new one in its place. A crash in
   * between is finished at the next open (finishSetAside).
   */
  async setAside(): Promise<{ movedTo: string }> {
    return this.serially(async () => {
      await this.stopScan();
      const fresh = join(this.directory, setAsideDirName);
      await rm(fresh, { recursive: true, force: true });
      const next = await openDb(fresh);
      try {
        const ops: Op[] = [...this.meta].map(([key, value]) => put(metaKey(key), value));
        for (const record of await this.readLog()) ops.push(put(logKey(record.seq), record.bytes));
        for (const entry of await this.readOutbox())
          ops.push(put(outboxKey(entry.seq), Buffer.from(serialize({ ...entry }))));
        ops.push(put(formatKey, Buffer.from(formatValue)));
        await writeOps(next, ops);
      } finally {
        await next.close();
      }
      const movedTo = join(
        this.directory,
        `ledger.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}.ldb`,
      );
      await this.db.close();
      await rename(join(this.directory, databaseDirName), movedTo);
      await rename(fresh, join(this.directory, databaseDirName));
      await syncDirectory(this.directory);
      this.db = await openDb(join(this.directory, databaseDirName));
      this.heads = new Map();
      this.report.problems = [];
      this.report.records = 0;
      return { movedTo };
    }, true);
  }

  async clear(): Promise<void> {
    await this.serially(async () => {
      await this.stopScan();
      await this.db.clear();
      await writeOps(this.db, [put(formatKey, Buffer.from(formatValue))]);
      this.meta = new Map();
      this.heads = new Map();
      this.report.problems = [];
    }, true);
  }

  close(): void {
    void this.shutdown();
  }

  private async stopScan(): Promise<void> {
    this.scanStopped = true;
    await this.scan.catch(() => {});
  }

  /** Wait for writes in flight, close the database and release the directory lock. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      await this.writes.catch(() => {});
      await this.stopScan();
      await this.db.close().catch(() => {});
      await releaseLock(this.directory);
    })();
    return this.closing;
  }

  /** Ask LevelDB to compact the whole key range now (benchmarks; it compacts by itself too). */
  async compact(): Promise<void> {
    await this.db.compactRange(Buffer.of(0), Buffer.alloc(8, 0xff));
  }

  // ---- internals -------------------------------------------------------------------------

  private serially<T>(work: () => Promise<T>, metaOnly = false): Promise<T> {
    if (this.closing)
      return Promise.reject(botError('STORAGE_FAILED', 'The ledger store is closed.'));
    if (!metaOnly && this.report.problems.length > 0) {
      const first = this.report.problems[0]!;
      return Promise.reject(
        botError(
          'TAMPERED',
          `The ledger database is damaged (${first.message}); no blocks are stored until the peer is repaired from its peers.`,
        ),
      );
    }
    const run = this.writes.then(work);
    this.writes = run.catch(() => {});
    return run;
  }

  private async has(key: Buffer): Promise<boolean> {
    return (await this.db.get(key)) !== undefined;
  }

  private async read(
    key: Buffer,
    where: { chainId: string | null; height: number | null },
  ): Promise<Uint8Array | undefined> {
    const value = await this.db.get(key);
    return value === undefined ? undefined : this.open(key, value, where);
  }

  /** The body of a stored value (a copy), or TAMPERED when it does not match its key. */
  private open(
    key: Buffer,
    value: Buffer,
    where: { chainId: string | null; height: number | null },
  ): Uint8Array {
    if (!checks(key, value)) {
      const damage = this.noteDamage(
        `the value under ${describeKey(key)} does not match its checksum`,
        where,
      );
      throw botError('TAMPERED', damage.message);
    }
    return new Uint8Array(value.subarray(checkBytes));
  }

  private noteDamage(
    what: string,
    where: { chainId: string | null; height: number | null },
  ): StoreDamage {
    const damage: StoreDamage = {
      offset: null,
      chainId: where.chainId,
      height: where.height,
      message: `${databaseDirName} is damaged: ${what}. Nothing is stored until the peer is repaired from its peers.`,
    };
    if (!this.report.problems.some((p) => p.message === damage.message)) {
      this.report.problems.push(damage);
      void this.keepDamage().catch(() => {});
    }
    return damage;
  }

  /**
   * The checks at open, bounded by the number of blocks rather than of transactions: LevelDB's
   * recovery log and write-ahead log tail, the meta and chain head records (their values
   * checked), every block key counted against its chain's head record, and the newest block of
   * every chain checked. Every other value is checked by `scanValues` after open.
   */
  private async check(walProblems: readonly string[]): Promise<void> {
    const kept = await this.db.get(damageKey);
    if (kept) this.report.problems.push(...(JSON.parse(kept.toString('utf8')) as StoreDamage[]));
    const migrated = this.report.migration?.problems ?? [];
    const found: Array<[string, { chainId: string | null; height: number | null }]> = [];
    for (const problem of walProblems)
      found.push([`the end of LevelDB's write-ahead log is not a torn write: ${problem}`, noWhere]);
    for (const line of await droppedRecords(join(this.directory, databaseDirName)))
      found.push([
        `LevelDB dropped a write-ahead log record that is not a torn tail (${line})`,
        noWhere,
      ]);
    const counted = new Map<string, { head: number; count: number }>();
    try {
      for (const prefix of [tag.meta, tag.chain]) {
        await this.eachEntry(prefixRange(Buffer.of(prefix)), true, (key, value) => {
          if (!checks(key, value)) {
            found.push([
              `the value under ${describeKey(key)} does not match its checksum`,
              whereOf(key),
            ]);
            return;
          }
          if (key[0] === tag.meta)
            this.meta.set(key.toString('utf8', 1), value.subarray(checkBytes));
          else
            this.heads.set(key.toString('utf8', 1), {
              head: u64At(value, checkBytes),
              count: u64At(value, checkBytes + 8),
            });
        });
      }
      await this.eachEntry(prefixRange(Buffer.of(tag.block)), false, (key) => {
        const where = whereOf(key);
        if (where.chainId === null) return;
        const c = counted.get(where.chainId) ?? { head: -1, count: 0 };
        counted.set(where.chainId, { head: Math.max(c.head, where.height!), count: c.count + 1 });
        this.report.records++;
      });
      for (const [chainId, { head }] of counted) {
        const key = blockKey(chainId, head);
        const value = await this.db.get(key);
        if (value && !checks(key, value))
          found.push([
            `the value under ${describeKey(key)} does not match its checksum`,
            { chainId, height: head },
          ]);
      }
    } catch (error) {
      found.push([`LevelDB cannot read it (${(error as Error).message})`, noWhere]);
    }
    for (const chainId of new Set([...counted.keys(), ...this.heads.keys()])) {
      const expected = this.heads.get(chainId) ?? { head: -1, count: 0 };
      const got = counted.get(chainId) ?? { head: -1, count: 0 };
      if (expected.head !== got.head || expected.count !== got.count)
        found.push([
          `chain ${chainId} records head ${expected.head} with ${expected.count} blocks, but ${got.count} blocks up to ${got.head} are stored`,
          { chainId, height: Math.min(expected.head, got.head) + 1 },
        ]);
    }
    for (const problem of migrated)
      if (!this.report.problems.some((p) => p.message === problem.message))
        this.report.problems.push(problem);
    for (const [what, where] of found) this.noteDamage(what, where);
    if (this.report.problems.length > 0) await this.keepDamage();
  }

  /** Every entry of a key range, `scanStep` at a time, without filling LevelDB's block cache. */
  private async eachEntry(
    range: { gte: Buffer; lt: Buffer },
    values: boolean,
    visit: (key: Buffer, value: Buffer) => void,
    stop: () => boolean = () => false,
  ): Promise<void> {
    const iterator = this.db.iterator({ ...range, values, fillCache: false });
    try {
      while (!stop()) {
        const entries = await iterator.nextv(scanStep);
        if (entries.length === 0) break;
        for (const [key, value] of entries) visit(key, value);
        // Give the peer's own work the thread between steps (this runs beside it after open).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      await iterator.close().catch(() => {});
    }
  }

  /**
   * Every value checked against its key, after open: at 1,000,000 transactions this read takes
   * seconds that the peer no longer waits for before it serves (issue 14: a returning peer is
   * back in seconds). Nothing damaged is served meanwhile, since every read checks its value;
   * damage found here is noted as at open (commits refused, reported, kept across restarts).
   */
  private async scanValues(): Promise<void> {
    // Damage is noted as soon as it is found (commits are refused from then on), unless a
    // repair or a clear stopped the scan: then it belonged to the store they replaced.
    const visit = (key: Buffer, value: Buffer) => {
      if (!this.scanStopped && !checks(key, value))
        this.noteDamage(
          `the value under ${describeKey(key)} does not match its checksum`,
          whereOf(key),
        );
    };
    const stop = () => this.scanStopped;
    try {
      // Every key but the '!' records (damage and format), which are not checksummed.
      await this.eachEntry({ gte: Buffer.of(0), lt: Buffer.of(0x21) }, true, visit, stop);
      await this.eachEntry({ gte: Buffer.of(0x22), lt: Buffer.alloc(8, 0xff) }, true, visit, stop);
    } catch (error) {
      if (!this.scanStopped)
        this.noteDamage(`LevelDB cannot read it (${(error as Error).message})`, noWhere);
    }
  }

  /** Keep the damage found under '!damage', so a restart reports it again. */
  private keepDamage(): Promise<void> {
    return writeOps(this.db, [
      { type: 'put', key: damageKey, value: Buffer.from(JSON.stringify(this.report.problems)) },
    ]);
  }
}

// ---- the database directory ----------------------------------------------------------------

/**
 * The write-ahead log records LevelDB's recovery at this open dropped for another reason than a
 * torn tail: LevelDB reports those in its info log ("dropping N bytes; Corruption: ..."), and a
 * record cut short at the end of the log (a crash in the middle of a write) silently.
 */
async function droppedRecords(path: string): Promise<string[]> {
  const text = await readFile(join(path, 'LOG'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => /dropping \d+ bytes; .*/.exec(line)?.[0])
    .filter((line): line is string => line !== undefined);
}

/** A repair that stopped between its renames: the new database goes in place. */
async function finishSetAside(directory: string): Promise<void> {
  const fresh = join(directory, setAsideDirName);
  if (!(await exists(fresh))) return;
  if (await exists(join(directory, databaseDirName))) {
    await rm(fresh, { recursive: true, force: true }); // the repair stopped before its first rename
    return;
  }
  await rename(fresh, join(directory, databaseDirName));
  await syncDirectory(directory);
}
