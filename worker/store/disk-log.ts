// The disk store's log format: framing, checks and the scan that tells a torn tail from damage.
//
// ledger.log (format 2) = header | record*
//   header (32 bytes) = "BOTLEDG2" | 24 zero bytes
//   record            = head | payload | trailer
//   head   (12 bytes) = "BoT2" | payloadLength u32 | headCheck (4 bytes)
//   trailer (24 bytes) = payloadLength u32 | digest (16 bytes) | "BoTc" (the commit marker)
//   headCheck = SHA-256("BoT2" | payloadLength)[0..4]
//   digest    = SHA-256("BoT2" | payloadLength | payload)[0..16]
// (big-endian). Neither check depends on where the record lies in the file, so bytes removed
// or inserted before a record do not make later records fail.
//
// A commit writes one whole record with one positional write and fdatasync. A crash during that
// write leaves a prefix of the record at the end of the file. So, reading record by record:
//   - fewer bytes than a head left at the end, or a good head whose record runs past the end of
//     the file and the file does not end in a commit marker: a TORN TAIL (never completely
//     written). It is cut off; nothing committed is lost.
//   - anything else: a head, digest, trailer or payload that does not check, bytes after the
//     last record that are no record, or a record that runs past the end of the file although
//     the file ends in a commit marker (or in one with a byte removed): bytes were removed from
//     a record written whole. That is DAMAGE: nothing is cut, nothing after it is indexed, and
//     the store refuses new blocks (TAMPERED) until it is repaired from peers.
// (A torn prefix that happens to end in "BoTc", e.g. chosen bytes inside a transaction, is
// reported as damage: a false alarm that a repair clears, never a silent loss.)
//
// Format 1 ("BOTLEDG1" | key | 8 zero bytes; record = "BoTr" | length | HMAC-SHA256(key,
// offset | length | payload) | payload) is still read, and migrated to format 2 at open.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export const logHeaderBytes = 32;
export const logMagic = Buffer.from('BOTLEDG2', 'latin1');
export const logMagicV1 = Buffer.from('BOTLEDG1', 'latin1');
const recordMagic = Buffer.from('BoT2', 'latin1');
const commitMarker = Buffer.from('BoTc', 'latin1');
/** Record head: magic, payload length, head check. */
export const recordHeadBytes = 12;
/** Record trailer: payload length, digest, commit marker. */
export const recordTrailerBytes = 24;
const digestBytes = 16;
/** Bytes read from the log at once while opening it. */
const openReadChunkBytes = 1 << 20;

export function logHeader(): Buffer {
  return Buffer.concat([logMagic, Buffer.alloc(logHeaderBytes - logMagic.length)]);
}

function lengthBytes(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(length);
  return b;
}

function headCheck(length: number): Buffer {
  return createHash('sha256')
    .update(recordMagic)
    .update(lengthBytes(length))
    .digest()
    .subarray(0, 4);
}

function payloadDigest(payload: Uint8Array): Buffer {
  return createHash('sha256')
    .update(recordMagic)
    .update(lengthBytes(payload.length))
    .update(payload)
    .digest()
    .subarray(0, digestBytes);
}

/** One framed record: head | payload | trailer. */
export function frameRecord(payload: Buffer): Buffer {
  const length = lengthBytes(payload.length);
  return Buffer.concat([
    recordMagic,
    length,
    headCheck(payload.length),
    payload,
    length,
    payloadDigest(payload),
    commitMarker,
  ]);
}

/** What the scan found at one offset. */
export type ScanStep =
  | { kind: 'record'; payload: Buffer; payloadOffset: number; next: number }
  | { kind: 'end' }
  | { kind: 'torn'; bytes: number }
  | { kind: 'damaged'; reason: string; payload: Buffer | null };

/** Read the record at `offset` (format 2) and classify it. */
export async function scanRecord(
  reader: LogReader,
  offset: number,
  payloadBytesMax: number,
): Promise<ScanStep> {
  const left = reader.size - offset;
  if (left === 0) return { kind: 'end' };
  if (left < recordHeadBytes) return { kind: 'torn', bytes: left };
  const head = await reader.bytes(offset, recordHeadBytes);
  if (!head.subarray(0, 4).equals(recordMagic))
    return { kind: 'damaged', reason: 'no record starts here', payload: null };
  const length = head.readUInt32BE(4);
  if (!head.subarray(8, 12).equals(headCheck(length)))
    return { kind: 'damaged', reason: 'the record head fails its check', payload: null };
  if (length > payloadBytesMax)
    return {
      kind: 'damaged',
      reason: `the record claims ${length} bytes, more than any block`,
      payload: null,
    };
  const total = recordHeadBytes + length + recordTrailerBytes;
  if (total > left) return shortRecord(reader, offset, length, left);
  const payload = Buffer.from(await reader.bytes(offset + recordHeadBytes, length));
  const trailer = await reader.bytes(offset + recordHeadBytes + length, recordTrailerBytes);
  if (trailer.readUInt32BE(0) !== length || !trailer.subarray(4 + digestBytes).equals(commitMarker))
    return { kind: 'damaged', reason: 'the record trailer is not where its length says', payload };
  if (!timingSafeEqual(trailer.subarray(4, 4 + digestBytes), payloadDigest(payload)))
    return { kind: 'damaged', reason: 'checksum mismatch', payload };
  return { kind: 'record', payload, payloadOffset: offset + recordHeadBytes, next: offset + total };
}

/** The commit marker with one byte removed (except its last byte: that is a torn write cut one byte short). */
const shortMarkers = ['oTc', 'BTc', 'Boc'];

/**
 * A record that runs past the end of the file: torn, unless the file ends in a commit marker
 * (the record was written whole and bytes were removed from inside it).
 */
async function shortRecord(
  reader: LogReader,
  offset: number,
  length: number,
  left: number,
): Promise<ScanStep> {
  if (left >= recordHeadBytes + recordTrailerBytes) {
    const end = (await reader.bytes(reader.size - 4, 4)).toString('latin1');
    if (end === 'BoTc' || shortMarkers.includes(end.slice(1))) {
      const missing = recordHeadBytes + length + recordTrailerBytes - left;
      return {
        kind: 'damaged',
        reason: `${missing} byte(s) are missing from inside the record (it ends in its commit marker)`,
        payload: null,
      };
    }
  }
  return { kind: 'torn', bytes: left };
}

// ---- format 1 (read for migration) -----------------------------------------------------------

const recordMagicV1 = Buffer.from('BoTr', 'latin1');
const macBytesV1 = 32;
export const recordHeaderBytesV1 = recordMagicV1.length + 4 + macBytesV1;

function recordMacV1(key: Buffer, offset: number, payload: Uint8Array): Buffer {
  const position = Buffer.alloc(12);
  position.writeBigUInt64BE(BigInt(offset), 0);
  position.writeUInt32BE(payload.length, 8);
  return createHmac('sha256', key).update(position).update(payload).digest();
}

/** The format-1 record at `offset` whose MAC holds, or null. */
export async function recordAtV1(
  reader: LogReader,
  key: Buffer,
  offset: number,
  payloadBytesMax: number,
): Promise<{ payload: Buffer; next: number } | null> {
  if (offset + recordHeaderBytesV1 > reader.size) return null;
  const header = await reader.bytes(offset, recordHeaderBytesV1);
  if (!header.subarray(0, recordMagicV1.length).equals(recordMagicV1)) return null;
  const length = header.readUInt32BE(recordMagicV1.length);
  if (length > payloadBytesMax || offset + recordHeaderBytesV1 + length > reader.size) return null;
  const mac = Buffer.from(header.subarray(recordMagicV1.length + 4));
  const payload = Buffer.from(await reader.bytes(offset + recordHeaderBytesV1, length));
  if (!timingSafeEqual(mac, recordMacV1(key, offset, payload))) return null;
  return { payload, next: offset + recordHeaderBytesV1 + length };
}

/** Offset of the next format-1 record whose MAC holds after `damaged`, or null (a torn tail). */
export async function nextRecordV1(
  reader: LogReader,
  key: Buffer,
  damaged: number,
  payloadBytesMax: number,
): Promise<number | null> {
  for (
    let at = await reader.find(recordMagicV1, damaged + 1);
    at !== -1;
    at = await reader.find(recordMagicV1, at + 1)
  ) {
    if (await recordAtV1(reader, key, at, payloadBytesMax)) return at;
  }
  return null;
}

// ---- reading ---------------------------------------------------------------------------------

/** Chunked positional reads over the log while it is scanned. */
export class LogReader {
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
