// Blobs on disk for the Node peer: one file per blob in `<directory>/blobs`, named by its id.
// A put writes `<directory>/tmp/<id>.<n>`, syncs it and renames it into place, so a crash
// leaves either the whole blob or none (stray temporary files are removed at open).
import {
  mkdir,
  open as openFile,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { botError } from '../core/errors';
import {
  checkBlobId,
  Ledger,
  preparePut,
  preparePutMany,
  quotaOf,
  type BlobId,
  type BlobStore,
  type BlobStoreOptions,
  type BlobUsage,
} from './blob-store';

const idPattern = /^[0-9a-f]{64}$/;
let temporaryCount = 0;

export class DiskBlobStore implements BlobStore {
  private constructor(
    readonly directory: string,
    private readonly ledger: Ledger,
  ) {}

  static async open(directory: string, options?: BlobStoreOptions): Promise<DiskBlobStore> {
    const store = new DiskBlobStore(directory, new Ledger(quotaOf(options)));
    await rm(join(directory, 'tmp'), { recursive: true, force: true });
    await mkdir(join(directory, 'tmp'), { recursive: true });
    await mkdir(join(directory, 'blobs'), { recursive: true });
    for (const name of await readdir(join(directory, 'blobs'))) {
      if (!idPattern.test(name)) continue;
      store.ledger.added((await stat(store.path(name))).size);
    }
    return store;
  }

  private path(id: BlobId): string {
    return join(this.directory, 'blobs', id);
  }

  async put(bytes: Uint8Array, expected?: BlobId): Promise<BlobId> {
    const id = await preparePut(bytes, expected);
    return this.ledger.serial(async () => {
      if (await this.has(id)) return id;
      this.ledger.reserve(bytes.length);
      const temporary = join(this.directory, 'tmp', `${id}.${temporaryCount++}`);
      try {
        const file = await openFile(temporary, 'wx');
        try {
          await file.writeFile(bytes);
          await file.datasync();
        } finally {
          await file.close();
        }
        await rename(temporary, this.path(id));
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw botError(
          'STORAGE_FAILED',
          `A blob could not be written to disk: ${(error as Error).message}`,
        );
      }
      this.ledger.added(bytes.length);
      return id;
    });
  }

  /**
   * Several blobs in one write: every file is written and synced at once (the disk batches
   * the syncs), then each is renamed into place; on a failure none is kept.
   */
  async putMany(blobs: ReadonlyArray<{ id: BlobId; bytes: Uint8Array }>): Promise<void> {
    const checked = preparePutMany(blobs);
    await this.ledger.serial(async () => {
      const fresh: typeof checked = [];
      for (const b of checked) if (!(await this.has(b.id))) fresh.push(b);
      this.ledger.reserve(fresh.reduce((sum, b) => sum + b.bytes.length, 0));
      const temporaries = fresh.map((b) =>
        join(this.directory, 'tmp', `${b.id}.${temporaryCount++}`),
      );
      const renamed: BlobId[] = [];
      try {
        await Promise.all(
          fresh.map(async (b, i) => {
            const file = await openFile(temporaries[i]!, 'wx');
            try {
              await file.writeFile(b.bytes);
              await file.datasync();
            } finally {
              await file.close();
            }
          }),
        );
        for (const [i, b] of fresh.entries()) {
          await rename(temporaries[i]!, this.path(b.id));
          renamed.push(b.id);
        }
      } catch (error) {
        await Promise.all([
          ...temporaries.map((t) => unlink(t).catch(() => undefined)),
          ...renamed.map((id) => unlink(this.path(id)).catch(() => undefined)),
        ]);
        throw botError(
          'STORAGE_FAILED',
          `Blobs could not be written to disk: ${(error as Error).message}`,
        );
      }
      for (const b of fresh) this.ledger.added(b.bytes.length);
    });
  }

  async get(id: BlobId): Promise<Uint8Array | undefined> {
    checkBlobId(id);
    try {
      const data = await readFile(this.path(id));
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw botError(
        'STORAGE_FAILED',
        `A blob could not be read from disk: ${(error as Error).message}`,
      );
    }
  }

  async has(id: BlobId): Promise<boolean> {
    checkBlobId(id);
    try {
      await stat(this.path(id));
      return true;
    } catch {
      return false;
    }
  }

  async delete(id: BlobId): Promise<boolean> {
    checkBlobId(id);
    return this.ledger.serial(async () => {
      let size: number;
      try {
        size = (await stat(this.path(id))).size;
      } catch {
        return false;
      }
      await unlink(this.path(id));
      this.ledger.removed(size);
      return true;
    });
  }

  async list(): Promise<BlobId[]> {
    return (await readdir(join(this.directory, 'blobs')))
      .filter((name) => idPattern.test(name))
      .sort();
  }

  async usage(): Promise<BlobUsage> {
    return this.ledger.usage();
  }

  setQuota(quotaBytes: number): void {
    this.ledger.setQuota(quotaBytes);
  }

  async close(): Promise<void> {
    await this.ledger.serial(async () => undefined);
  }
}
