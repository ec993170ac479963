// Disk Storage (Node: the headless peer). Node built-ins only.
//
// Layout of a data directory:
//   ledger.log  append-only log of block commits, all chains in one file (one record = one
//               block with its state writes and tx ids: the atomic unit of commitBlock)
//   meta.v8     the meta map (identity, chain list, settings), rewritten whole through
//               meta.v8.tmp + fsync + rename + fsync(dir), so it is always the old or the new map
//   LOCK        the pid of the process that has the directory open (one peer per directory)
//   audit.log   the append-only log store (the audit log's records): see disk-log.ts
//
// ledger.log = header | record*
//   header (32 bytes) = "BOTLEDG1" | key (16 random bytes) | 8 zero bytes
//   record           = "BoTr" | payloadLength u32 | HMAC-SHA256(key, offset u64 | payloadLength u32 | payload) | payload
//   payload          = chainId str16 | height u64 | block bytes32 | writeCount u32 | (key str16 | entry bytes32)* | txCount u32 | (txId str16)*
// (big-endian; strN = UTF-8 with a uN length; bytes32 = u32 length + bytes).
//
// A commit is one positional write of one record followed by fdatasync; the in-memory index is
// updated only after that, so reads never see a block that is not durable. At open the log is
// read record by record. A record that fails its check and has no valid record after it is a
// torn tail (a crash during the write): it is cut off, so the block is wholly absent. A record
// that fails its check with valid records after it is corruption: it is skipped and reported
// (`report.problems`); the host's tamper check then finds that block missing. The MAC is keyed
// with a per-log random key and covers the record's offset, so bytes inside a transaction (which
// anyone can choose) can never pass for a record when the reader resynchronises.
//
// Reads go through an in-memory index of file positions (blocks, state, history) and read the
// bytes back from the file; the tx index is held in memory.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { botError } from '../core/errors';
import { blockBytesMax } from '../core/limits';
import type { BlockCommit, LogRecord, StateVersion, Storage, TxLocation } from './storage';
import { DiskLogFile, type LogFileReport } from './disk-log';

export const logFileName = 'ledger.log';
export const metaFileName = 'meta.v8';
export const lockFileName = 'LOCK';

const logMagic = Buffer.from('BOTLEDG1', 'latin1');
const logHeaderBytes = 32;
const logKeyBytes = 16;
const recordMagic = Buffer.from('BoTr', 'latin1');
const macBytes = 32;
/** Record frame before the payload: magic, length, MAC. */
export const recordHeaderBytes = recordMagic.length + 4 + macBytes;
/** Largest record payload: a largest block plus its state writes, ids and framing. */
export const recordPayloadBytesMax = 4 * blockBytesMax;
/** Bytes read from the log at once while opening it. */
const openReadChunkBytes = 1 << 20;
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
  /** Damaged records that were skipped (with valid records after them). */
  problems: Array<{ offset: number; bytes: number; message: string }>;
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

  /** The audit log file (disk-log.ts) as it was found at open: torn tail cut, damage kept aside. */
  get auditLogReport(): LogFileReport | null {
    return this.auditFile?.report ?? null;
  }

  private constructor(
    readonly directory: string,
    private log: FileHandle,
    private key: Buffer,
    readonly report: DiskOpenReport,
  ) {}

  /** Open (or create) the data directory; takes its lock, reads the meta map and indexes the log. */
  static async open(path: string): Promise<DiskStorage> {
    const directory = resolve(path);
    await mkdir(directory, { recursive: true });
    await takeLock(directory);
    let log: FileHandle | null = null;
    try {
      const meta = await readMeta(directory);
      const opened = await openLog(directory);
      log = opened.handle;
      const storage = new DiskStorage(directory, opened.handle, opened.key, { records: 0, tornTailBytes: 0, problems: [] });
      storage.meta = meta;
      await storage.index();
      storage.auditFile = await DiskLogFile.open(directory);
      return storage;
    } catch (error) {
      await log?.close().catch(() => {});
      await releaseLock(directory);
      throw error;
    }
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
    });
  }

  // ---- blocks ----------------------------------------------------------------------------

  async commitBlock(commit: BlockCommit): Promise<void> {
    const payload = encodePayload(commit);
    if (payload.length > recordPayloadBytesMax) throw botError('TOO_LARGE', `Block ${commit.height} needs ${payload.length} bytes on disk; the limit is ${recordPayloadBytesMax}.`);
    await this.serially(async () => {
      const offset = this.end;
      const record = frameRecord(this.key, offset, payload);
      try {
        await writeFully(this.log, record, offset);
        await this.log.datasync();
      } catch (error) {
        await this.undoWrite(offset, error);
        throw botError('STORAGE_FAILED', `Block ${commit.height} could not be stored: ${(error as Error).message}. Free some disk space and restart the peer.`);
      }
      this.end = offset + record.length;
      this.apply(decodePayload(payload, offset + recordHeaderBytes));
    });
  }

  /** Cut a failed write off, so the log never holds a torn record between good ones. */
  private async undoWrite(offset: number, cause: unknown): Promise<void> {
    try {
      await this.log.truncate(offset);
      await this.log.datasync();
    } catch {
      this.broken = new Error(`the log could not be repaired after a failed write (${(cause as Error).message})`);
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
    return Promise.all([...state].map(async ([key, at]): Promise<[string, Uint8Array]> => [key, await this.read(at)]));
  }

  async history(chainId: string, key: string): Promise<StateVersion[]> {
    const versions = this.chains.get(chainId)?.history.get(key) ?? [];
    return Promise.all(versions.map(async (v) => ({ height: v.height, entry: await this.read(v.at) })));
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    const found = this.txIndex.get(txId);
    return found ? { ...found } : undefined;
  }

  // ---- the append-only log store (audit log): its own file, see disk-log.ts ----

  async appendLog(records: readonly LogRecord[]): Promise<void> {
    await this.serially(() => this.auditFile!.append(records));
  }

  async readLog(): Promise<LogRecord[]> {
    return this.auditFile!.read();
  }

  async pruneLog(seqBefore: number): Promise<void> {
    await this.serially(() => this.auditFile!.prune(seqBefore));
  }

  async clear(): Promise<void> {
    await this.serially(async () => {
      await this.auditFile!.clear();
      await this.log.truncate(logHeaderBytes);
      await this.log.datasync();
      await writeMeta(this.directory, new Map());
      this.meta = new Map();
      this.chains = new Map();
      this.txIndex = new Map();
      this.end = logHeaderBytes;
    });
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
      await releaseLock(this.directory);
    })();
    return this.closing;
  }

  // ---- internals -------------------------------------------------------------------------

  private serially<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(botError('STORAGE_FAILED', 'The disk store is closed.'));
    if (this.broken) return Promise.reject(botError('STORAGE_FAILED', `The disk store refuses writes: ${this.broken.message}. Restart the peer.`));
    const run = this.writes.then(work);
    this.writes = run.catch(() => {});
    return run;
  }

  private async read(at: Location): Promise<Uint8Array> {
    const out = new Uint8Array(at.length);
    const { bytesRead } = await this.log.read(out, 0, at.length, at.offset);
    if (bytesRead !== at.length) throw botError('STORAGE_FAILED', `The ledger file is shorter than its index (${this.directory}).`);
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
    record.txIds.forEach((txId, index) => this.txIndex.set(txId, { chainId: record.chainId, height: record.height, index }));
  }

  /** Read the log from the header on; index good records, skip damaged ones, cut a torn tail. */
  private async index(): Promise<void> {
    const reader = new LogReader(this.log, (await this.log.stat()).size);
    let offset = logHeaderBytes;
    while (offset < reader.size) {
      const record = await this.recordAt(reader, offset);
      if (record) {
        this.apply(record.decoded);
        this.report.records++;
        offset += recordHeaderBytes + record.payloadBytes;
        continue;
      }
      const next = await this.nextRecordAfter(reader, offset);
      if (next === null) {
        this.report.tornTailBytes = reader.size - offset;
        await this.log.truncate(offset);
        await this.log.datasync();
        break;
      }
      this.report.problems.push({ offset, bytes: next - offset, message: `${next - offset} damaged bytes at offset ${offset} of ${logFileName} (checksum mismatch); the block stored there is lost.` });
      offset = next;
    }
    this.end = Math.min(offset, reader.size);
  }

  /** The valid record starting at `offset`, or null. */
  private async recordAt(reader: LogReader, offset: number): Promise<{ decoded: DecodedRecord; payloadBytes: number } | null> {
    if (offset + recordHeaderBytes > reader.size) return null;
    const header = await reader.bytes(offset, recordHeaderBytes);
    if (!header.subarray(0, recordMagic.length).equals(recordMagic)) return null;
    const length = header.readUInt32BE(recordMagic.length);
    if (length > recordPayloadBytesMax || offset + recordHeaderBytes + length > reader.size) return null;
    const payload = await reader.bytes(offset + recordHeaderBytes, length);
    const mac = header.subarray(recordMagic.length + 4);
    if (!timingSafeEqual(mac, recordMac(this.key, offset, payload))) return null;
    try {
      return { decoded: decodePayload(payload, offset + recordHeaderBytes), payloadBytes: length };
    } catch {
      return null; // a MAC that verifies over bytes we cannot parse: written by another version
    }
  }

  /** Offset of the next valid record after a damaged one, or null when none follows (torn tail). */
  private async nextRecordAfter(reader: LogReader, damaged: number): Promise<number | null> {
    for (let at = await reader.find(recordMagic, damaged + 1); at !== -1; at = await reader.find(recordMagic, at + 1)) {
      if (await this.recordAt(reader, at)) return at;
    }
    return null;
  }
}

// ---- the log file ----------------------------------------------------------------------------

/** Chunked positional reads over the log while it is indexed. */
class LogReader {
  private chunk = Buffer.alloc(0);
  private chunkStart = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async bytes(offset: number, length: number): Promise<Buffer> {
    if (offset < this.chunkStart || offset + length > this.chunkStart + this.chunk.length) {
      const size = Math.min(Math.max(length, openReadChunkBytes), this.size - offset);
      const chunk = Buffer.alloc(size);
      const { bytesRead } = await this.handle.read(chunk, 0, size, offset);
      this.chunk = chunk.subarray(0, bytesRead);
      this.chunkStart = offset;
    }
    return this.chunk.subarray(offset - this.chunkStart, offset - this.chunkStart + length);
  }

  /** Offset of the next occurrence of `needle` at or after `from`, or -1. */
  async find(needle: Buffer, from: number): Promise<number> {
    for (let at = from; at + needle.length <= this.size; ) {
      const span = Math.min(openReadChunkBytes, this.size - at);
      const window = await this.bytes(at, span);
      const found = window.indexOf(needle);
      if (found !== -1) return at + found;
      if (span < openReadChunkBytes) return -1;
      at += span - needle.length + 1;
    }
    return -1;
  }
}

async function openLog(directory: string): Promise<{ handle: FileHandle; key: Buffer }> {
  const path = join(directory, logFileName);
  const existing = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing) {
    const header = Buffer.alloc(logHeaderBytes);
    const { bytesRead } = await existing.read(header, 0, logHeaderBytes, 0);
    if (bytesRead === logHeaderBytes && header.subarray(0, logMagic.length).equals(logMagic)) {
      return { handle: existing, key: Buffer.from(header.subarray(logMagic.length, logMagic.length + logKeyBytes)) };
    }
    await existing.close();
    // The log is created whole (temp file + rename), so a bad header is someone else's file.
    throw botError('STORAGE_FAILED', `${path} is not a BoT ledger log; move it away or choose another --data-dir.`);
  }
  const key = randomBytes(logKeyBytes);
  const header = Buffer.concat([logMagic, key, Buffer.alloc(logHeaderBytes - logMagic.length - logKeyBytes)]);
  await writeDurably(directory, logFileName, header);
  return { handle: await open(path, 'r+'), key };
}

function recordMac(key: Buffer, offset: number, payload: Uint8Array): Buffer {
  const position = Buffer.alloc(12);
  position.writeBigUInt64BE(BigInt(offset), 0);
  position.writeUInt32BE(payload.length, 8);
  return createHmac('sha256', key).update(position).update(payload).digest();
}

function frameRecord(key: Buffer, offset: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(recordMagic.length + 4);
  recordMagic.copy(head, 0);
  head.writeUInt32BE(payload.length, recordMagic.length);
  return Buffer.concat([head, recordMac(key, offset, payload), payload]);
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
  if (!Number.isSafeInteger(commit.height) || commit.height < 0) throw new RangeError('height: expected a whole number from 0');
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

// ---- meta file and lock ----------------------------------------------------------------------

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
  if (!file.subarray(0, metaMagic.length).equals(metaMagic) || !digest.equals(file.subarray(metaMagic.length, metaMagic.length + metaDigestBytes))) {
    // Never start over silently: the meta map holds this peer's identity.
    throw botError('STORAGE_FAILED', `${join(directory, metaFileName)} is damaged (checksum mismatch). Restore it from a backup, or move the data directory away to start a new peer.`);
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

/** Data directories this process holds open. */
const openDirectories = new Set<string>();

async function releaseLock(directory: string): Promise<void> {
  openDirectories.delete(directory);
  await unlink(join(directory, lockFileName)).catch(() => {});
}

/** One process per data directory: a LOCK file holding the owner's pid; a dead owner's lock is taken over. */
async function takeLock(directory: string): Promise<void> {
  const path = join(directory, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      openDirectories.add(directory);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (owner === process.pid && openDirectories.has(directory)) throw botError('STORAGE_FAILED', `The data directory ${directory} is already open in this process.`);
    // Our own pid but not open here: a restarted container reusing the crashed peer's pid.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
      throw botError('STORAGE_FAILED', `The data directory ${directory} is in use by process ${owner}. Stop that peer or choose another --data-dir (if no peer uses it, delete ${path}).`);
    }
    await unlink(path).catch(() => {});
  }
  throw botError('STORAGE_FAILED', `Could not lock the data directory ${directory}.`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
