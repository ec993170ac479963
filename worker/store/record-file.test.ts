// The voting record's two-slot file format (record-file.ts) with an in-memory file: the newest
// valid slot wins, a torn slot leaves the record before it, and the IndexedDB fallback's record
// is ordered by the same sequence. The real files in Chromium: record-file.browser.test.ts.
import { describe, expect, it } from 'vitest';
import { bestRecord, readSlot, RecordFiles, writeSlot, type SyncFile } from './record-file';

class MemoryFile implements SyncFile {
  data = new Uint8Array(0);
  closed = false;
  read(buffer: Uint8Array, { at }: { at: number }): number {
    const part = this.data.subarray(at, at + buffer.length);
    buffer.set(part);
    return part.length;
  }
  write(buffer: Uint8Array, { at }: { at: number }): number {
    if (at + buffer.length > this.data.length) {
      const grown = new Uint8Array(at + buffer.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(buffer, at);
    return buffer.length;
  }
  getSize(): number {
    return this.data.length;
  }
  close(): void {
    this.closed = true;
  }
}

const bytes = (...values: number[]) => new Uint8Array(values);

describe('the voting record file', () => {
  it('reads back the newest record written, the two slots taking turns', () => {
    const a = new MemoryFile();
    const b = new MemoryFile();
    const files = new RecordFiles([a, b]);
    expect(files.read()).toBeUndefined();
    files.write({ seq: 1, bytes: bytes(1, 1, 1) });
    files.write({ seq: 2, bytes: bytes(2) });
    expect(files.read()).toEqual({ seq: 2, bytes: bytes(2) });
    files.write({ seq: 3, bytes: bytes(3, 3) }); // over the longer seq 1: the length bounds it
    expect(files.read()).toEqual({ seq: 3, bytes: bytes(3, 3) });
    expect(readSlot(a)).toEqual({ seq: 2, bytes: bytes(2) });
    files.close();
    expect(a.closed && b.closed).toBe(true);
  });

  it('a torn or changed slot is ignored: the record before it is read', () => {
    const a = new MemoryFile();
    const b = new MemoryFile();
    const files = new RecordFiles([a, b]);
    files.write({ seq: 4, bytes: bytes(4, 4) });
    files.write({ seq: 5, bytes: bytes(5, 5, 5, 5) });
    b.data = b.data.subarray(0, b.data.length - 1); // torn: the last byte never reached the file
    expect(files.read()).toEqual({ seq: 4, bytes: bytes(4, 4) });
    writeSlot(b, { seq: 5, bytes: bytes(5, 5, 5, 5) });
    b.data[b.data.length - 1] = 9; // a byte changed under its checksum
    expect(files.read()).toEqual({ seq: 4, bytes: bytes(4, 4) });
    b.data = bytes(1, 2, 3); // not a record file at all
    expect(readSlot(b)).toBeUndefined();
  });

  it('the newer of a file record and a meta-store record is the higher seq', () => {
    const legacy = { seq: 0, bytes: bytes(0) };
    const file = { seq: 7, bytes: bytes(7) };
    expect(bestRecord(file, legacy)).toBe(file);
    expect(bestRecord(legacy, { seq: 8, bytes: bytes(8) })?.seq).toBe(8);
    expect(bestRecord(undefined, legacy)).toBe(legacy);
    expect(bestRecord(undefined, undefined)).toBeUndefined();
  });
});
