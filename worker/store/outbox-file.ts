// The disk store's outbox (Storage.updateOutbox/readOutbox of DiskStorage): this peer's own
// signed transactions not yet durably committed (worker/host/outbox.ts). Node built-ins only.
//
// outbox.log has the audit log's record format (audit-file.ts: length, seq, a checksum of the
// content, the content; a torn tail is cut at open, damage is kept aside and reported). One
// update is one record, appended with one fdatasync, so its puts and drops land together or not
// at all:
//   record payload = CBOR { put: [entry, ...], drop: [seq, ...] }
// At open the records are replayed into the map of entries kept. When no entry is kept the file
// is emptied; when it holds many more records than entries it is rewritten whole with one
// record of the entries kept (temp, fsync, rename: the old file or the new one).
import { decode, encode } from '../core/codec';
import { txBytesMax } from '../core/limits';
import { DiskLogFile, type LogFileKind, type LogFileReport } from './audit-file';
import type { LogRecord, OutboxEntry } from './storage';

export const outboxFileName = 'outbox.log';

/** Entries or drops per record: a record stays far below its limit. */
const perRecordMax = 256;

export const outboxFileKind: LogFileKind = {
  fileName: outboxFileName,
  magic: Buffer.from('BOTOUTB1', 'latin1'),
  recordBytesMax: perRecordMax * (txBytesMax + 256),
};

/** Records kept beyond the entries before the file is rewritten. */
const compactAfterRecords = 512;

interface OutboxRecord {
  put: OutboxEntry[];
  drop: number[];
}

export class DiskOutbox {
  private constructor(
    private readonly file: DiskLogFile,
    private readonly entries: Map<number, OutboxEntry>,
    private records: number,
    private seq: number,
  ) {}

  get report(): LogFileReport {
    return this.file.report;
  }

  static async open(directory: string, now: () => number = Date.now): Promise<DiskOutbox> {
    const file = await DiskLogFile.open(directory, now, outboxFileKind);
    const entries = new Map<number, OutboxEntry>();
    const records = file.read();
    for (const record of records) {
      let content: OutboxRecord;
      try {
        content = decode<OutboxRecord>(record.bytes, outboxFileKind.recordBytesMax);
      } catch {
        // Its checksum held, so not a torn write: bytes this code never wrote. Reported; each
        // record stands alone, so the others still count.
        file.report.problems.push(`${outboxFileName}: record ${record.seq} does not decode`);
        continue;
      }
      for (const entry of content.put ?? []) entries.set(entry.seq, entry);
      for (const seq of content.drop ?? []) entries.delete(seq);
    }
    const last = records.at(-1)?.seq ?? 0;
    return new DiskOutbox(file, entries, records.length, last);
  }

  read(): OutboxEntry[] {
    return [...this.entries.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => ({ ...entry, bytes: entry.bytes.slice() }));
  }

  /** Updates run one at a time, in call order (an emptied file must not lose a later append). */
  private queue: Promise<unknown> = Promise.resolve();

  update(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    const run = this.queue.then(() => this.apply(put, drop));
    this.queue = run.catch(() => {});
    return run;
  }

  private async apply(put: readonly OutboxEntry[], drop: readonly number[]): Promise<void> {
    if (put.length === 0 && drop.length === 0) return;
    const records: LogRecord[] = [];
    for (let at = 0; at < Math.max(put.length, drop.length); at += perRecordMax)
      records.push({
        seq: ++this.seq,
        bytes: encode({
          put: put.slice(at, at + perRecordMax).map(plain),
          drop: drop.slice(at, at + perRecordMax),
        }),
      });
    await this.file.append(records);
    this.records += records.length;
    for (const entry of put) this.entries.set(entry.seq, plain(entry));
    for (const seq of drop) this.entries.delete(seq);
    if (this.entries.size === 0) {
      await this.file.clear();
      this.records = 0;
    } else if (this.records > this.entries.size + compactAfterRecords) await this.compact();
  }

  /** Rewrite the file as one record per `perRecordMax` entries kept. */
  private async compact(): Promise<void> {
    const kept = this.read();
    const records: LogRecord[] = [];
    for (let at = 0; at < kept.length; at += perRecordMax)
      records.push({
        seq: ++this.seq,
        bytes: encode({ put: kept.slice(at, at + perRecordMax).map(plain), drop: [] }),
      });
    await this.file.replace(() => records);
    this.records = records.length;
  }

  clear(): Promise<void> {
    const run = this.queue.then(async () => {
      await this.file.clear();
      this.entries.clear();
      this.records = 0;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.file.close();
  }
}

/** Only the fields of an entry, in a form the codec takes (bytes as a plain Uint8Array). */
function plain(entry: OutboxEntry): OutboxEntry {
  return {
    seq: entry.seq,
    chainId: entry.chainId,
    txId: entry.txId,
    nonce: entry.nonce,
    bytes: new Uint8Array(entry.bytes),
  };
}
