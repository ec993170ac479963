// Disk Storage (Node: the headless peer). Node built-ins only.
//
// Layout of a data directory:
//   ledger.log  append-only log of block commits, all chains in one file (one record = one
//               block with its state writes and tx ids: the atomic unit of commitBlock);
//               the record format, and what counts as a torn tail or as damage: disk-log.ts
//   meta.v8     the meta map (identity, chain list, settings), rewritten whole through
//               meta.v8.tmp + fsync + rename + fsync(dir), so it is always the old or the new map
//   LOCK        the process that has the directory open (one peer per directory): disk-lock.ts
//   audit.log   the append-only log store (the audit log's records): see audit-file.ts
//   outbox.log  this peer's own signed transactions not yet durably committed: outbox-file.ts
//   ledger.v1.log               a format-1 log after its migration to format 2 (kept)
//   ledger.damaged-<time>.log   a damaged log set aside by a repair (kept)
//
//   payload = chainId str16 | height u64 | block bytes32 | writeCount u32 | (key str16 | entry bytes32)* | txCount u32 | (txId str16)*
// (big-endian; strN = UTF-8 with a uN length; bytes32 = u32 length + bytes).
//
// A commit is one positional write of one record followed by fdatasync; the in-memory index is
// updated only after that, so reads never see a block that is not durable. At open the log is
// read record by record: a torn tail (a record never completely written) is cut off, so that
// block is wholly absent; any other failure is damage: it is reported (`report.problems`,
// `damage()`, and through the host's tamper check in /v1/integrity), nothing after it is
// indexed, nothing is cut, and commits are refused with TAMPERED until `setAside` (repair).
//
// Reads go through an in-memory index of file positions (blocks, state, history) and read the
// bytes back from the file; the tx index is held in memory.
import { createHmac } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { botError } from '../core/errors';
import { blockBytesMax } from '../core/limits';
import type {
  BlockCommit,
  LogRecord,
  OutboxEntry,
  StateVersion,
  Storage,
  StoreDamage,
  TxLocation,
} from './storage';
import { DiskLogFile, type LogFileReport } from './audit-file';
import {
  frameRecord,
  LogReader,
  logHeader,
  logHeaderBytes,
  logMagic,
  logMagicV1,
  nextRecordV1,
  recordAtV1,
  scanRecord,
} from './disk-log';
import { releaseLock, takeLock } from './disk-lock';
import { DiskOutbox } from './outbox-file';

export { lockFileName } from './disk-lock';
export const logFileName = 'ledger.log';
export const metaFileName = 'meta.v8';
/** A format-1 log, kept after its migration. */
export const migratedLogFileName = 'ledger.v1.log';
/** Largest record payload: a largest block plus its state writes, ids and framing. */
export const recordPayloadBytesMax = 4 * blockBytesMax;
const logKeyBytesV1 = 16;
const metaMagic = Buffer.from('BOTMETA1', 'latin1');
const metaDigestBytes = 32;

interface Location {
  offset: number;
  length: number;
}

interface ChainIndex {
  blocks: Map<number, Location>;
  head: number;
  state: Map<string, Location>;
  history: Map<string, Array<{ height: number; at: Location }>>;
}

export interface DiskOpenReport {
  /** Records read and indexed. */
  records: number;
  /** Bytes of an incomplete last record cut off at open (a crash during a write). */
  tornTailBytes: number;
  /** Damage found (not a torn tail): nothing after it is indexed and commits are refused. */
  problems: StoreDamage[];
  /** Set when a format-1 log was migrated at this open: where the old log was kept. */
  migratedFrom?: string;
}

/** A decoded record payload with file positions of its byte fields. */
interface DecodedRecord {
  chainId: string;
  height: number;
  block: Location;
  writes: Array<{ key: string; at: Location }>;
  txIds: string[];
}

export class DiskStorage implements Storage {
  private meta = new Map<string, Buffer>();
  private chains = new Map<string, ChainIndex>();
  private txIndex = new Map<string, TxLocation>();
  /** End of the last durable record: where the next one is written. */
  private end = logHeaderBytes;
  /** Writes (commits, meta, clear) run one at a time, in call order. */
  private writes: Promise<unknown> = Promise.resolve();
  private broken: Error | null = null;
  private closing: Promise<void> | null = null;
  private auditFile: DiskLogFile | null = null;
  private outbox: DiskOutbox | null = null;

  /** The audit log file (audit-file.ts) as it was found at open: torn tail cut, damage kept aside. */
  get auditLogReport(): LogFileReport | null {
    return this.auditFile?.report ?? null;
  }

  private constructor(
    readonly directory: string,
    private log: FileHandle,
    readonly report: DiskOpenReport,
  ) {}

  /** Whether this store took the directory's lock (and releases it at shutdown). */
  private ownsLock = true;

  /**
   * Open (or create) the data directory; takes its lock, reads the meta map and indexes the log.
   * `lockHeld`: the caller holds the directory's lock (the migration to LevelDB, level-migrate.ts).
   */
  static async open(path: string, options: { lockHeld?: boolean } = {}): Promise<DiskStorage> {
    const directory = resolve(path);
    await mkdir(directory, { recursive: true });
    if (!options.lockHeld) await takeLock(directory);
    let log: FileHandle | null = null;
    try {
      const meta = await readMeta(directory);
      const report: DiskOpenReport = { records: 0, tornTailBytes: 0, problems: [] };
      const opened = await openLog(directory);
      log = opened.handle;
      const storage = new DiskStorage(directory, opened.handle, report);
      storage.meta = meta;
      if (opened.keyV1) await storage.indexV1(opened.keyV1);
      else await storage.index();
      storage.auditFile = await DiskLogFile.open(directory);
      storage.outbox = await DiskOutbox.open(directory);
      storage.ownsLock = !options.lockHeld;
      return storage;
    } catch (error) {
      await log?.close().catch(() => {});
      if (!options.lockHeld) await releaseLock(directory);
      throw error;
    }
  }

  /** Damage found at open (not a torn tail); empty when the log is whole. */
  damage(): StoreDamage[] {
    return this.report.problems.map((p) => ({ ...p }));
  }

  /**
   * Repair, first half: move the log aside (renamed, never deleted) and start an empty one; the
   * meta map (identity, chains, settings, voting records) is kept. The host then re-syncs.
   */
  async setAside(): Promise<{ movedTo: string }> {
    return this.serially(async () => {
      const movedTo = join(
        this.directory,
        `ledger.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}.log`,
      );
      await this.log.close();
      await rename(join(this.directory, logFileName), movedTo);
      await syncDirectory(this.directory);
      await writeDurably(this.directory, logFileName, logHeader());
      this.log = await open(join(this.directory, logFileName), 'r+');
      this.resetIndex();
      this.report.problems = [];
      this.report.tornTailBytes = 0;
      this.report.records = 0;
      return { movedTo };
    }, true);
  }

  private resetIndex(): void {
    this.chains = new Map();
    this.txIndex = new Map();
    this.end = logHeaderBytes;
  }

  // ---- meta ------------------------------------------------------------------------------

  async getMeta<T>(key: string): Promise<T | undefined> {
    const stored = this.meta.get(key);
    return stored === undefined ? undefined : (deserialize(stored) as T);
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    const encoded = serialize(value); // throws DataCloneError for what structuredClone refuses
    await this.serially(async () => {
      const next = new Map(this.meta).set(key, encoded);
      await writeMeta(this.directory, next);
      this.meta = next;
    }, true);
  }

  // ---- blocks ----------------------------------------------------------------------------

  async commitBlock(commit: BlockCommit): Promise<void> {
    const payload = encodePayload(commit);
    if (payload.length > recordPayloadBytesMax)
      throw botError(
        'TOO_LARGE',
        `Block ${commit.height} needs ${payload.length} bytes on disk; the limit is ${recordPayloadBytesMax}.`,
      );
    await this.serially(async () => {
      const offset = this.end;
      const record = frameRecord(payload);
      try {
        await writeFully(this.log, record, offset);
        await this.log.datasync();
      } catch (error) {
        await this.undoWrite(offset, error);
        throw botError(
          'STORAGE_FAILED',
          `Block ${commit.height} could not be stored: ${(error as Error).message}. Free some disk space and restart the peer.`,
        );
      }
      this.end = offset + record.length;
      this.apply(decodePayload(payload, offset + logRecordHeadBytes));
    });
  }
  /** Cut a failed write off, so the log never holds a torn record between good ones. */
  private async undoWrite(offset: number, cause: unknown): Promise<void> {
    try {
      await this.log.truncate(offset);
      await this.log.datasync();
    } catch {
      this.broken = new Error(
        `the log could not be repaired after a failed write (${(cause as Error).message})`,
      );
    }
  }

  async getBlock(chainId: string, height: number): Promise<Uint8Array | undefined> {
    const at = this.chains.get(chainId)?.blocks.get(height);
    return at ? this.read(at) : undefined;
  }

  async headHeight(chainId: string): Promise<number> {
    return this.chains.get(chainId)?.head ?? -1;
  }

  async getState(chainId: string, key: string): Promise<Uint8Array | undefined> {
    const at = this.chains.get(chainId)?.state.get(key);
    return at ? this.read(at) : undefined;
  }

  async allState(chainId: string): Promise<Array<[string, Uint8Array]>> {
    const state = this.chains.get(chainId)?.state;
    if (!state) return [];
    return Promise.all(
      [...state].map(
        async ([key, at]): Promise<[string, Uint8Array]> => [key, await this.read(at)],
      ),
    );
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    const versions = this.chains.get(chainId)?.history.get(key) ?? [];
    return Promise.all(
      versions.map(async (v) => ({ height: v.height, entry: await this.read(v.at) })),
    );
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    const found = this.txIndex.get(txId);
    return found ? { ...found } : undefined;
  }

  // ---- the append-only log store (audit log): its own file, see audit-file.ts ----

  async appendLog(records: readonly LogRecord[]): Promise<void> {
    await this.serially(() => this.auditFile!.append(records));
  }

  async readLog(): Promise<LogRecord[]> {
    return this.auditFile!.read();
  }

  async pruneLog(seqBefore: number): Promise<void> {
    await this.serially(() => this.auditFile!.prune(seqBefore));
  }

  // ---- the outbox: its own file, see outbox-file.ts ----

  async updateOutbox(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    await this.serially(() => this.outbox!.update(put, drop), true);
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    return this.outbox!.read();
  }

  /** Reset: an empty log (format 2, also over a damaged or format-1 one) and an empty meta map. */
  async clear(): Promise<void> {
    await this.serially(async () => {
      await this.auditFile!.clear();
      await this.outbox!.clear();
      await this.log.close();
      await writeDurably(this.directory, logFileName, logHeader());
      this.log = await open(join(this.directory, logFileName), 'r+');
      await writeMeta(this.directory, new Map());
      this.meta = new Map();
      this.resetIndex();
      this.report.problems = [];
    }, true);
  }

  close(): void {
    void this.shutdown();
  }

  /** Wait for writes in flight, close the log and release the directory lock. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      await this.writes.catch(() => {});
      await this.log.close().catch(() => {});
      await this.auditFile?.close();
      await this.outbox?.close();
      if (this.ownsLock) await releaseLock(this.directory);
    })();
    return this.closing;
  }

  // ---- reading everything out (the migration to LevelDB, level-migrate.ts) ----------------

  /** The meta map as stored (v8 serializations). */
  metaEntries(): Array<[string, Buffer]> {
    return [...this.meta];
  }

  /** Every indexed block commit, in log order (the records before any damage). */
  async *commits(): AsyncGenerator<BlockCommit> {
    const reader = new LogReader(this.log, this.end);
    for (let offset = logHeaderBytes; offset < this.end; ) {
      const found = await scanRecord(reader, offset, recordPayloadBytesMax);
      if (found.kind !== 'record') return;
      const decoded = decodePayload(found.payload, 0);
      const slice = (at: Location) =>
        new Uint8Array(found.payload.subarray(at.offset, at.offset + at.length));
      yield {
        chainId: decoded.chainId,
        height: decoded.height,
        block: slice(decoded.block),
        writes: new Map(decoded.writes.map(({ key, at }) => [key, slice(at)])),
        txIds: decoded.txIds,
      };
      offset = found.next;
    }
  }

  // ---- internals -------------------------------------------------------------------------

  /** Run a write after the ones before it; `metaOnly` writes are allowed on a damaged log. */
  private serially<T>(work: () => Promise<T>, metaOnly = false): Promise<T> {
    if (this.closing)
      return Promise.reject(botError('STORAGE_FAILED', 'The disk store is closed.'));
    if (this.broken)
      return Promise.reject(
        botError(
          'STORAGE_FAILED',
          `The disk store refuses writes: ${this.broken.message}. Restart the peer.`,
        ),
      );
    if (!metaOnly && this.report.problems.length > 0) {
      const first = this.report.problems[0]!;
      return Promise.reject(
        botError(
          'TAMPERED',
          `The ledger file is damaged (${first.message}); no blocks are stored until the peer is repaired from its peers.`,
        ),
      );
    }
    const run = this.writes.then(work);
    this.writes = run.catch(() => {});
    return run;
  }

  private async read(at: Location): Promise<Uint8Array> {
    const out = new Uint8Array(at.length);
    const { bytesRead } = await this.log.read(out, 0, at.length, at.offset);
    if (bytesRead !== at.length)
      throw botError(
        'STORAGE_FAILED',
        `The ledger file is shorter than its index (${this.directory}).`,
      );
    return out;
  }

  private apply(record: DecodedRecord): void {
    let chain = this.chains.get(record.chainId);
    if (!chain) {
      chain = { blocks: new Map(), head: -1, state: new Map(), history: new Map() };
      this.chains.set(record.chainId, chain);
    }
    chain.blocks.set(record.height, record.block);
    chain.head = Math.max(chain.head, record.height);
    for (const { key, at } of record.writes) {
      chain.state.set(key, at);
      const versions = chain.history.get(key) ?? [];
      versions.push({ height: record.height, at });
      chain.history.set(key, versions);
    }
    record.txIds.forEach((txId, index) =>
      this.txIndex.set(txId, { chainId: record.chainId, height: record.height, index }),
    );
  }

  /** Read the log (format 2) from the header on: index whole records, cut a torn tail, stop at damage. */
  private async index(): Promise<void> {
    const reader = new LogReader(this.log, (await this.log.stat()).size);
    let offset = logHeaderBytes;
    for (;;) {
      const found = await scanRecord(reader, offset, recordPayloadBytesMax);
      if (found.kind === 'end') break;
      if (found.kind === 'torn') {
        this.report.tornTailBytes = found.bytes;
        await this.log.truncate(offset);
        await this.log.datasync();
        break;
      }
      const decoded =
        found.kind === 'record' ? tryDecode(found.payload, found.payloadOffset) : null;
      if (found.kind === 'damaged' || !decoded) {
        this.noteDamage(
          offset,
          found.kind === 'damaged' ? found.reason : 'the payload does not decode',
          found.payload,
        );
        break;
      }
      this.apply(decoded);
      this.report.records++;
      offset = found.next;
    }
    this.end = offset;
  }

  /** Record damage at `offset`, naming the block it probably held (the height, if its payload still reads). */
  private noteDamage(offset: number, reason: string, payload: Buffer | null): void {
    const guess = payload ? peekBlock(payload) : null;
    const what = guess ? `block ${guess.height} of chain ${guess.chainId}` : 'the record';
    this.report.problems.push({
      offset,
      chainId: guess?.chainId ?? null,
      height: guess?.height ?? null,
      message: `${logFileName} is damaged at offset ${offset} (${what}): ${reason}. Nothing from there on is served; repair the peer from its peers.`,
    });
  }

  /**
   * Read a format-1 log, then migrate it: when it is whole (a torn tail aside), write its
   * records as format 2 and switch files; when it is damaged, index its good prefix and report.
   */
  private async indexV1(key: Buffer): Promise<void> {
    const reader = new LogReader(this.log, (await this.log.stat()).size);
    const payloads: Buffer[] = [];
    let offset = logHeaderBytes;
    while (offset < reader.size) {
      const record = await recordAtV1(reader, key, offset, recordPayloadBytesMax);
      const decoded = record ? tryDecode(record.payload, 0) : null;
      if (record && decoded) {
        payloads.push(record.payload);
        offset = record.next;
        continue;
      }
      if ((await nextRecordV1(reader, key, offset, recordPayloadBytesMax)) === null) {
        this.report.tornTailBytes = reader.size - offset; // format 1 cannot tell; the old rule: a torn tail
        break;
      }
      this.noteDamage(offset, 'checksum mismatch (format 1 log; it is not migrated)', null);
      break;
    }
    if (this.report.problems.length > 0) return this.indexPrefixV1(reader, key, offset);
    await this.migrate(payloads);
  }

  /** Index a damaged format-1 log up to `end` in place (reads only). */
  private async indexPrefixV1(reader: LogReader, key: Buffer, end: number): Promise<void> {
    for (let offset = logHeaderBytes; offset < end; ) {
      const record = (await recordAtV1(reader, key, offset, recordPayloadBytesMax))!;
      this.apply(decodePayload(record.payload, record.next - record.payload.length));
      this.report.records++;
      offset = record.next;
    }
    this.end = end;
  }

  /** Write the records as a format-2 log, keep the format-1 log as ledger.v1.log, and index the new one. */
  private async migrate(payloads: Buffer[]): Promise<void> {
    const temporary = join(this.directory, `${logFileName}.v2.tmp`);
    const handle = await open(temporary, 'w');
    try {
      let at = 0;
      for (const part of [logHeader(), ...payloads.map(frameRecord)]) {
        await writeFully(handle, part, at);
        at += part.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.log.close();
    const kept = join(this.directory, migratedLogFileName);
    await rename(join(this.directory, logFileName), kept);
    await rename(temporary, join(this.directory, logFileName));
    await syncDirectory(this.directory);
    this.log = await open(join(this.directory, logFileName), 'r+');
    this.report.migratedFrom = kept;
    this.report.tornTailBytes = 0;
    await this.index();
  }
}

/** Where a record's payload starts, past its head. */
const logRecordHeadBytes = 12;

function tryDecode(payload: Buffer, base: number): DecodedRecord | null {
  try {
    return decodePayload(payload, base);
  } catch {
    return null;
  }
}

/** Chain id and height at the front of a payload that may be damaged, or null. */
function peekBlock(payload: Buffer): { chainId: string; height: number } | null {
  try {
    const idLength = payload.readUInt16BE(0);
    const chainId = payload.toString('utf8', 2, 2 + idLength);
    const height = Number(payload.readBigUInt64BE(2 + idLength));
    return /^[\w-]{1,64}$/.test(chainId) && Number.isSafeInteger(height)
      ? { chainId, height }
      : null;
  } catch {
    return null;
  }
}

// ---- the log file ----------------------------------------------------------------------------

/** Open the log: format 2 as is; format 1 with its key (migrated by indexV1); none: a new one. */
async function openLog(directory: string): Promise<{ handle: FileHandle; keyV1: Buffer | null }> {
  const path = join(directory, logFileName);
  await rm(join(directory, `${logFileName}.v2.tmp`), { force: true });
  // A migration that stopped between its two renames: the format-1 log is back in place.
  if (!(await exists(path)) && (await exists(join(directory, migratedLogFileName))))
    await rename(join(directory, migratedLogFileName), path);
  const existing = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!existing) {
    await writeDurably(directory, logFileName, logHeader());
    return { handle: await open(path, 'r+'), keyV1: null };
  }
  const header = Buffer.alloc(logHeaderBytes);
  const { bytesRead } = await existing.read(header, 0, logHeaderBytes, 0);
  const magic = header.subarray(0, logMagic.length);
  if (bytesRead === logHeaderBytes && magic.equals(logMagic))
    return { handle: existing, keyV1: null };
  if (bytesRead === logHeaderBytes && magic.equals(logMagicV1))
    return {
      handle: existing,
      keyV1: Buffer.from(header.subarray(logMagicV1.length, logMagicV1.length + logKeyBytesV1)),
    };
  await existing.close();
  // The log is created whole (temp file + rename), so a bad header is someone else's file or damage.
  throw botError(
    'STORAGE_FAILED',
    `${path} is not a BoT ledger log (or its header is damaged); move it away or choose another --data-dir.`,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

// ---- record payloads -------------------------------------------------------------------------

function encodePayload(commit: BlockCommit): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    parts.push(b);
  };
  const str16 = (text: string, name: string) => {
    const b = Buffer.from(text, 'utf8');
    if (b.length > 0xffff) throw new RangeError(`${name}: longer than 65535 bytes`);
    const n = Buffer.alloc(2);
    n.writeUInt16BE(b.length);
    parts.push(n, b);
  };
  const bytes32 = (bytes: Uint8Array) => {
    u32(bytes.length);
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };
  if (!Number.isSafeInteger(commit.height) || commit.height < 0)
    throw new RangeError('height: expected a whole number from 0');
  str16(commit.chainId, 'chainId');
  const height = Buffer.alloc(8);
  height.writeBigUInt64BE(BigInt(commit.height));
  parts.push(height);
  bytes32(commit.block);
  u32(commit.writes.size);
  for (const [key, entry] of commit.writes) {
    str16(key, 'state key');
    bytes32(entry);
  }
  u32(commit.txIds.length);
  for (const txId of commit.txIds) str16(txId, 'txId');
  return Buffer.concat(parts);
}

/** Decode a payload; `base` is its position in the file, so byte fields become locations. */
function decodePayload(payload: Buffer, base: number): DecodedRecord {
  let at = 0;
  const need = (n: number) => {
    if (at + n > payload.length) throw new RangeError('record payload: truncated');
  };
  const u32 = () => {
    need(4);
    const n = payload.readUInt32BE(at);
    at += 4;
    return n;
  };
  const str16 = () => {
    need(2);
    const n = payload.readUInt16BE(at);
    at += 2;
    need(n);
    const text = payload.toString('utf8', at, at + n);
    at += n;
    return text;
  };
  const bytes32 = (): Location => {
    const length = u32();
    need(length);
    const location = { offset: base + at, length };
    at += length;
    return location;
  };
  const chainId = str16();
  need(8);
  const height = Number(payload.readBigUInt64BE(at));
  at += 8;
  const block = bytes32();
  const writeCount = u32();
  const writes: DecodedRecord['writes'] = [];
  for (let i = 0; i < writeCount; i++) writes.push({ key: str16(), at: bytes32() });
  const txCount = u32();
  const txIds: string[] = [];
  for (let i = 0; i < txCount; i++) txIds.push(str16());
  if (at !== payload.length) throw new RangeError('record payload: trailing bytes');
  return { chainId, height, block, writes, txIds };
}

// ---- meta file ----------------------------------------------------------------------

async function readMeta(directory: string): Promise<Map<string, Buffer>> {
  await rm(join(directory, `${metaFileName}.tmp`), { force: true });
  let file: Buffer;
  try {
    file = await readFile(join(directory, metaFileName));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const body = file.subarray(metaMagic.length + metaDigestBytes);
  const digest = createHmac('sha256', metaMagic).update(body).digest();
  if (
    !file.subarray(0, metaMagic.length).equals(metaMagic) ||
    !digest.equals(file.subarray(metaMagic.length, metaMagic.length + metaDigestBytes))
  ) {
    // Never start over silently: the meta map holds this peer's identity.
    throw botError(
      'STORAGE_FAILED',
      `${join(directory, metaFileName)} is damaged (checksum mismatch). Restore it from a backup, or move the data directory away to start a new peer.`,
    );
  }
  const entries = deserialize(body) as Array<[string, Uint8Array]>;
  return new Map(entries.map(([key, value]) => [key, Buffer.from(value)]));
}

async function writeMeta(directory: string, meta: Map<string, Buffer>): Promise<void> {
  const body = serialize([...meta].map(([key, value]) => [key, new Uint8Array(value)]));
  const digest = createHmac('sha256', metaMagic).update(body).digest();
  await writeDurably(directory, metaFileName, Buffer.concat([metaMagic, digest, body]));
}

/** Write a whole file so that a crash leaves the old or the new version: temp, fsync, rename, fsync dir. */
async function writeDurably(directory: string, name: string, bytes: Buffer): Promise<void> {
  const temporary = join(directory, `${name}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await writeFully(handle, bytes, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(directory, name));
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; rename is still atomic there.
  } finally {
    await handle.close();
  }
}
