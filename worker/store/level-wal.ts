// The end of LevelDB's write-ahead log, checked before LevelDB opens it: a torn tail (a write
// never completed) is LevelDB's to drop, anything else at the end of the log is damage.
//
// LevelDB's recovery drops a record whose checksum fails and says so in its info log (level.ts
// reads that), but it also drops, silently, a last record that runs past the end of the file,
// which is what a crash in the middle of a write leaves and also what a damaged length field,
// bytes removed from inside the last record or junk appended after it look like. Every write
// batch of the store ends with the commit marker (a put of `commitMarkerKey`), so, as in the old
// log format (disk-log.ts), the end of a record is recognisable. The last record of a log is
// torn only when all of these hold; otherwise it is damage:
//   - its header is whole and names a record type LevelDB writes (full, first, middle, last);
//   - its length fits in its 32 KiB block (LevelDB never writes a fragment across blocks);
//   - the bytes present do not pass its checksum (they would if only its length were damaged);
//   - the file does not end in the commit marker (it would if bytes were missing from inside).
// A header itself cut short (fewer than 7 bytes) or all zeros is torn.
// Log format: https://github.com/google/leveldb/blob/main/doc/log_format.md
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const blockBytes = 32_768;
const headerBytes = 7;

/** Key of the last put of every batch; its value is `commitMarker` (the last bytes of the log record). */
export const commitMarkerKey = Buffer.from('!commit', 'latin1');
export const commitMarker = Buffer.from('BoTcommit.', 'latin1');

/** What is wrong with the end of each write-ahead log in `dbPath`; empty when every tail is whole or torn. */
export async function walTailProblems(dbPath: string): Promise<string[]> {
  const names = await readdir(dbPath).catch(() => [] as string[]);
  const problems: string[] = [];
  for (const name of names.filter((n) => /^\d+\.log$/.test(n)).sort()) {
    const problem = tailProblem(await readFile(join(dbPath, name)));
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

export function tailProblem(log: Buffer): string | null {
  let offset = 0;
  while (offset < log.length) {
    const left = blockBytes - (offset % blockBytes);
    if (left < headerBytes) {
      offset += left; // the zeros LevelDB pads a block's end with
      continue;
    }
    if (log.length - offset < headerBytes) return null; // a header cut short: torn
    const length = log.readUInt16LE(offset + 4);
    const type = log[offset + 6]!;
    const end = offset + headerBytes + length;
    if (end <= log.length) {
      offset = end;
      continue;
    }
    // The last record runs past the end of the file.
    const header = log.subarray(offset, offset + headerBytes);
    if (header.every((b) => b === 0)) return null; // zeros (a file extended but not written)
    const at = `the last record (at byte ${offset})`;
    if (type < 1 || type > 4) return `${at} has an unknown type ${type}`;
    if (headerBytes + length > left)
      return `${at} claims ${length} bytes, more than its block holds`;
    const present = log.subarray(offset + headerBytes);
    if (masked(crc32c(Buffer.concat([Buffer.of(type), present]))) === log.readUInt32LE(offset))
      return `${at} is whole but its length field says ${length} bytes instead of ${present.length}`;
    if (endsInMarker(log))
      return `${at} ends in its commit marker but ${end - log.length} byte(s) are missing from inside it`;
    return null; // torn: LevelDB drops it
  }
  return null;
}

/**
 * Whether the log ends in the commit marker, or in the marker with one byte removed from inside
 * it (not its last byte: that is a torn write cut one byte short).
 */
function endsInMarker(log: Buffer): boolean {
  if (log.subarray(log.length - commitMarker.length).equals(commitMarker)) return true;
  const tail = log.subarray(log.length - commitMarker.length + 1);
  for (let i = 0; i < commitMarker.length - 1; i++)
    if (tail.equals(Buffer.concat([commitMarker.subarray(0, i), commitMarker.subarray(i + 1)])))
      return true;
  return false;
}

// ---- CRC-32C (Castagnoli), masked as LevelDB stores it ----

/** Slicing-by-8 tables: tables[k][b] is the CRC of byte b followed by k zero bytes. */
const tables = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[0]![n] = c;
  }
  for (let n = 0; n < 256; n++)
    for (let k = 1; k < 8; k++) t[k]![n] = t[0]![t[k - 1]![n]! & 0xff]! ^ (t[k - 1]![n]! >>> 8);
  return t;
})();
const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
];

/** CRC-32C of `bytes`; `previous`: the CRC of the bytes before them (to checksum several parts). */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous;
  let i = 0;
  const whole = bytes.length - (bytes.length % 8);
  for (; i < whole; i += 8) {
    const a =
      crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

function masked(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
