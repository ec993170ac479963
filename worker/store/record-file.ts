// The voting (consensus) record of a chain in the origin private file system, written through a
// synchronous access handle in the peer's worker (issue 14 §6). A validator stores this record
// before each precommit leaves (bft.ts `needsRecord`), so its write sits on the critical path of
// every height. As an IndexedDB put it cost 5.9-8.7 ms there (median, bench:mesh): a request to
// the browser's storage thread and a completion event back to the worker's loop, each waiting for
// a core. Here it is one `write` call on the worker's own thread, done when it returns (0.2 ms
// median, 0.3 ms p90 in a probe of a profile on disk, against 1.6 / 4.4 ms for the IndexedDB put).
//
// Durability is the same as the IndexedDB put it replaces: Chromium commits readwrite
// transactions with "relaxed" durability (no fsync), and this write is not flushed either. Both
// hand the bytes to the operating system before they resolve, so both survive a crash of the
// tab, the worker or the browser (the worker-terminating test in record-file.browser.test.ts),
// and neither survives a power loss (an fsync per record, `flush()`, measured 0.9-6.3 ms).
//
// Layout: two slots (files `<name>.a` and `<name>.b`), written alternately, each
// [magic 4][seq u32][length u32][sha256 of seq, length and bytes: 32][bytes]. A reader takes
// the valid slot with the higher seq, so a torn write (power loss) leaves the record before it.
// The sequence continues across the IndexedDB fallback (`bestRecord`): a session whose files
// cannot be opened (another context holds them, no OPFS) writes the record to the meta store,
// and a later session still reads the newest of the two.
import { sha256 } from '../core/crypto/hash';

/** The synchronous file calls used (FileSystemSyncAccessHandle; a fake in the unit test). */
export interface SyncFile {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  close(): void;
}

/** One stored record and its place in the sequence of writes. */
export interface SeqRecord {
  seq: number;
  bytes: Uint8Array;
}

const magic = [0x42, 0x6f, 0x54, 0x72]; // "BoTr"
const headerBytes = 4 + 4 + 4 + 32;
/** Where the files live in the origin private file system. */
export const recordDirectory = 'bot-records';
/** How long `RecordFiles.open` waits for files another context still holds before reading them unlocked. */
export const recordFilesWaitMs = 5_000;

function checksum(seq: number, bytes: Uint8Array): Uint8Array {
  const data = new Uint8Array(8 + bytes.length);
  const view = new DataView(data.buffer);
  view.setUint32(0, seq);
  view.setUint32(4, bytes.length);
  data.set(bytes, 8);
  return sha256(data);
}

/** A slot's record, or undefined when it is empty, torn or not one of these files. */
export function readSlot(file: SyncFile): SeqRecord | undefined {
  const size = file.getSize();
  if (size < headerBytes) return undefined;
  const header = new Uint8Array(headerBytes);
  file.read(header, { at: 0 });
  if (magic.some((b, i) => header[i] !== b)) return undefined;
  const view = new DataView(header.buffer);
  const seq = view.getUint32(4);
  const length = view.getUint32(8);
  if (headerBytes + length > size) return undefined;
  const bytes = new Uint8Array(length);
  file.read(bytes, { at: headerBytes });
  const sum = checksum(seq, bytes);
  if (sum.some((b, i) => header[12 + i] !== b)) return undefined;
  return { seq, bytes };
}

/** Write one slot: the whole record in one call, at the start of the file. */
export function writeSlot(file: SyncFile, record: SeqRecord): void {
  const data = new Uint8Array(headerBytes + record.bytes.length);
  data.set(magic, 0);
  const view = new DataView(data.buffer);
  view.setUint32(4, record.seq);
  view.setUint32(8, record.bytes.length);
  data.set(checksum(record.seq, record.bytes), 12);
  data.set(record.bytes, headerBytes);
  const written = file.write(data, { at: 0 });
  if (written !== data.length)
    throw new Error(`the voting record was written short (${written} of ${data.length} bytes)`);
}

/** The newer of two records (a higher seq); either may be missing. */
export function bestRecord(
  a: SeqRecord | undefined,
  b: SeqRecord | undefined,
): SeqRecord | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.seq > a.seq ? b : a;
}

/** A chain's two record slots. */
export class RecordFiles {
  constructor(private readonly slots: [SyncFile, SyncFile]) {}

  /** The newest valid record of the two slots. */
  read(): SeqRecord | undefined {
    return bestRecord(readSlot(this.slots[0]), readSlot(this.slots[1]));
  }

  /** Store a record: done (handed to the operating system) when this returns. */
  write(record: SeqRecord): void {
    writeSlot(this.slots[record.seq % 2]!, record);
  }

  close(): void {
    for (const slot of this.slots) slot.close();
  }

  /**
   * Open `<name>.a` and `<name>.b` in the origin private file system with synchronous access
   * handles, and read what they hold. `files` is null where that is not possible: not a
   * dedicated worker, or no private file system (nothing was ever stored here then), or the
   * handles stay held by another context for `waitMs` (a reloaded tab's old worker still being
   * torn down: its slot's Web Lock and its file locks are released separately). In the last case
   * the slots are still read, without a lock (`getFile`), so the newest record is known and the
   * caller keeps later records in IndexedDB; if even that fails this throws: a validator must
   * not start without its newest record.
   */
  static async open(
    name: string,
    waitMs = recordFilesWaitMs,
  ): Promise<{ files: RecordFiles | null; stored: SeqRecord | undefined }> {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory)
      return { files: null, stored: undefined };
    const root = await navigator.storage.getDirectory();
    const canSync =
      typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle !==
      'undefined';
    const until = Date.now() + waitMs;
    while (canSync) {
      const opened: SyncFile[] = [];
      try {
        const dir = await root.getDirectoryHandle(recordDirectory, { create: true });
        for (const suffix of ['a', 'b']) {
          const handle = await dir.getFileHandle(`${name}.${suffix}`, { create: true });
          opened.push(
            await (
              handle as unknown as { createSyncAccessHandle(): Promise<SyncFile> }
            ).createSyncAccessHandle(),
          );
        }
        const files = new RecordFiles([opened[0]!, opened[1]!]);
        return { files, stored: files.read() };
      } catch {
        for (const file of opened) file.close();
        if (Date.now() >= until) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    try {
      return { files: null, stored: await readUnlocked(root, name) };
    } catch (error) {
      throw new Error(
        `The voting record files ${name} cannot be opened or read (${(error as Error).message}).`,
      );
    }
  }

  /** Remove every record file whose name starts with `prefix` (their handles closed first). */
  static async remove(prefix: string): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return;
    try {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle(recordDirectory); // none yet: nothing to remove
      const names: string[] = [];
      for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys())
        if (key.startsWith(prefix)) names.push(key);
      for (const key of names) await dir.removeEntry(key);
    } catch {
      // No OPFS here, or no record directory: there were no files.
    }
  }
}

/** Both slots read without a lock (`getFile`); missing files are empty slots. */
async function readUnlocked(
  root: FileSystemDirectoryHandle,
  name: string,
): Promise<SeqRecord | undefined> {
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await root.getDirectoryHandle(recordDirectory);
  } catch (error) {
    if ((error as DOMException)?.name === 'NotFoundError') return undefined;
    throw error;
  }
  const slots: Array<SeqRecord | undefined> = [];
  for (const suffix of ['a', 'b']) {
    let data: Uint8Array;
    try {
      const file = await (await dir.getFileHandle(`${name}.${suffix}`)).getFile();
      data = new Uint8Array(await file.arrayBuffer());
    } catch (error) {
      if ((error as DOMException)?.name === 'NotFoundError') continue;
      throw error;
    }
    slots.push(
      readSlot({
        read: (buffer, { at }) => {
          const part = data.subarray(at, at + buffer.length);
          buffer.set(part);
          return part.length;
        },
        write: () => {
          throw new Error('read only');
        },
        getSize: () => data.length,
        close: () => undefined,
      }),
    );
  }
  return bestRecord(slots[0], slots[1]);
}
