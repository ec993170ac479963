// The disk store's append-only log file (the audit log's records; Storage.appendLog/readLog/
// pruneLog of DiskStorage). Node built-ins only.
//
// audit.log = "BOTAUDT1" | record*
//   record  = payloadLength u32 | seq u64 | SHA-256(seq u64 | payload) | payload   (big-endian)
// The checksum covers the record's content, not its position, so a record copied elsewhere in
// the file is still itself, and a prune rewrites the file without re-keying anything.
//
// An append is one positional write at the end and an fdatasync. At open the file is read
// record by record:
// - a record that runs past the end of the file (or a header cut short) is the only thing a
//   crash during an append can leave: it is cut off (`tornTailBytes`);
// - a complete record whose checksum fails, or whose length is impossible, is damage, never
//   dropped silently: the file is kept aside as audit.log.damaged-<time>, a new file holds the
//   records before the damage, and `problems` says so. (The host's audit chain and its signed
//   anchor then also show the entries lost after the damage.)
import { createHash } from 'node:crypto';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecord } from './storage';

export const logRecordsFileName = 'audit.log';
const recordHeaderBytes = 4 + 8 + 32;
/** Largest record payload: one audit entry (its message is bounded) with room to spare. */
export const logRecordBytesMax = 64 * 1024;

/** Which file of this format: its name, its header and its largest record. */
export interface LogFileKind {
  fileName: string;
  /** 8 bytes at the start of the file. */
  magic: Buffer;
  recordBytesMax: number;
}

/** The audit log's file. */
export const auditFileKind: LogFileKind = {
  fileName: logRecordsFileName,
  magic: Buffer.from('BOTAUDT1', 'latin1'),
  recordBytesMax: logRecordBytesMax,
};

export interface LogFileReport {
  records: number;
  tornTailBytes: number;
  problems: string[];
}

export class DiskLogFile {
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly directory: string,
    private readonly kind: LogFileKind,
    private handle: FileHandle,
    private records: LogRecord[],
    private end: number,
    readonly report: LogFileReport,
  ) {}

  static async open(
    directory: string,
    now: () => number = Date.now,
    kind: LogFileKind = auditFileKind,
  ): Promise<DiskLogFile> {
    const { magic } = kind;
    const path = join(directory, kind.fileName);
    const file = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!file || file.length < magic.length) {
      await writeWhole(directory, kind, []);
      return new DiskLogFile(directory, kind, await open(path, 'r+'), [], magic.length, {
        records: 0,
        tornTailBytes: 0,
        problems: [],
      });
    }
    const parsed = parse(file, kind);
    const report: LogFileReport = {
      records: parsed.records.length,
      tornTailBytes: 0,
      problems: [],
    };
    if (parsed.damagedAt !== null) {
      const aside = `${kind.fileName}.damaged-${now()}`;
      await rename(path, join(directory, aside));
      await writeWhole(directory, kind, parsed.records);
      report.problems.push(
        `${path} is damaged at byte ${parsed.damagedAt} (${parsed.why}); the ${parsed.records.length} records before it are kept, the file was moved to ${aside}.`,
      );
      return new DiskLogFile(
        directory,
        kind,
        await open(path, 'r+'),
        parsed.records,
        encodedLength(kind, parsed.records),
        report,
      );
    }
    const handle = await open(path, 'r+');
    if (parsed.end < file.length) {
      report.tornTailBytes = file.length - parsed.end;
      await handle.truncate(parsed.end);
      await handle.datasync();
    }
    return new DiskLogFile(directory, kind, handle, parsed.records, parsed.end, report);
  }

  read(): LogRecord[] {
    return this.records.map(({ seq, bytes }) => ({ seq, bytes: bytes.slice() }));
  }

  append(records: readonly LogRecord[]): Promise<void> {
    return this.serially(async () => {
      if (records.length === 0) return;
      const bytes = Buffer.concat(records.map((r) => frame(this.kind, r)));
      await writeAt(this.handle, bytes, this.end);
      await this.handle.datasync();
      this.end += bytes.length;
      for (const { seq, bytes: payload } of records)
        this.records.push({ seq, bytes: payload.slice() });
    });
  }

  /** Keep the records from `seqBefore` on: the file is rewritten (temp, fsync, rename). */
  prune(seqBefore: number): Promise<void> {
    return this.replace(() => this.records.filter((r) => r.seq >= seqBefore));
  }

  /** Replace every record by `next()` (given the records then): the file is rewritten whole (temp, fsync, rename). */
  replace(next: (records: readonly LogRecord[]) => readonly LogRecord[]): Promise<void> {
    return this.serially(async () => {
      const kept = next(this.read()).map(({ seq, bytes }) => ({ seq, bytes: bytes.slice() }));
      await this.handle.close();
      await writeWhole(this.directory, this.kind, kept);
      this.handle = await open(join(this.directory, this.kind.fileName), 'r+');
      this.records = kept;
      this.end = encodedLength(this.kind, kept);
    });
  }

  clear(): Promise<void> {
    return this.serially(async () => {
      await this.handle.truncate(this.kind.magic.length);
      await this.handle.datasync();
      this.records = [];
      this.end = this.kind.magic.length;
    });
  }

  async close(): Promise<void> {
    await this.writes.catch(() => {});
    await this.handle.close().catch(() => {});
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.writes.then(work);
    this.writes = run.catch(() => {});
    return run;
  }
}

function checksum(seq: Buffer, payload: Uint8Array): Buffer {
  return createHash('sha256').update(seq).update(payload).digest();
}

function frame(kind: LogFileKind, { seq, bytes }: LogRecord): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError('seq: expected a whole number from 0');
  if (bytes.length > kind.recordBytesMax)
    throw new RangeError(`bytes: a log record is at most ${kind.recordBytesMax} bytes`);
  const head = Buffer.alloc(recordHeaderBytes);
  head.writeUInt32BE(bytes.length, 0);
  head.writeBigUInt64BE(BigInt(seq), 4);
  checksum(head.subarray(4, 12), bytes).copy(head, 12);
  return Buffer.concat([head, bytes]);
}

function encodedLength(kind: LogFileKind, records: readonly LogRecord[]): number {
  return records.reduce((sum, r) => sum + recordHeaderBytes + r.bytes.length, kind.magic.length);
}

function parse(
  file: Buffer,
  { magic, recordBytesMax, fileName }: LogFileKind,
): {
  records: LogRecord[];
  end: number;
  damagedAt: number | null;
  why: string;
} {
  const records: LogRecord[] = [];
  if (!file.subarray(0, magic.length).equals(magic))
    return { records, end: 0, damagedAt: 0, why: `it does not start with the ${fileName} header` };
  let at = magic.length;
  while (at < file.length) {
    if (file.length - at < recordHeaderBytes) break; // a header cut short: torn
    const length = file.readUInt32BE(at);
    if (length > recordBytesMax)
      return { records, end: at, damagedAt: at, why: `a record claims ${length} bytes` };
    if (at + recordHeaderBytes + length > file.length) break; // runs past the end: torn
    const seqBytes = file.subarray(at + 4, at + 12);
    const payload = file.subarray(at + recordHeaderBytes, at + recordHeaderBytes + length);
    if (!checksum(seqBytes, payload).equals(file.subarray(at + 12, at + recordHeaderBytes)))
      return { records, end: at, damagedAt: at, why: 'a record fails its checksum' };
    records.push({ seq: Number(seqBytes.readBigUInt64BE(0)), bytes: new Uint8Array(payload) });
    at += recordHeaderBytes + length;
  }
  return { records, end: at, damagedAt: null, why: '' };
}

async function writeAt(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(
      bytes,
      written,
      bytes.length - written,
      position + written,
    );
    written += bytesWritten;
  }
}

/** The whole file from `records`, so that a crash leaves the old or the new one. */
async function writeWhole(
  directory: string,
  kind: LogFileKind,
  records: readonly LogRecord[],
): Promise<void> {
  const path = join(directory, kind.fileName);
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await writeAt(handle, Buffer.concat([kind.magic, ...records.map((r) => frame(kind, r))]), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  const dir = await open(directory, 'r');
  await dir.sync().catch(() => {}); // some platforms cannot fsync a directory; rename is still atomic
  await dir.close();
}
