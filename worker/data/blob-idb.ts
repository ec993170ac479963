// Blobs in IndexedDB for tabs: store `blobs` (id -> bytes) and `sizes` (id -> byte count, read
// at open for the quota without loading any blob). A put or delete changes both stores in one
// transaction, so the accounting never drifts from what is held.
import { openDB, type IDBPDatabase } from 'idb';
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

const schemaVersion = 1;

export class IdbBlobStore implements BlobStore {
  private constructor(
    readonly name: string,
    private readonly db: IDBPDatabase,
    private readonly ledger: Ledger,
  ) {}

  static async open(name: string, options?: BlobStoreOptions): Promise<IdbBlobStore> {
    const db = await openDB(name, schemaVersion, {
      upgrade(database) {
        database.createObjectStore('blobs');
        database.createObjectStore('sizes');
      },
    });
    const ledger = new Ledger(quotaOf(options));
    for (const size of (await db.getAll('sizes')) as number[]) ledger.added(size);
    return new IdbBlobStore(name, db, ledger);
  }

  async put(bytes: Uint8Array, expected?: BlobId): Promise<BlobId> {
    const id = await preparePut(bytes, expected);
    return this.ledger.serial(async () => {
      if (await this.has(id)) return id;
      this.ledger.reserve(bytes.length);
      try {
        const tx = this.db.transaction(['blobs', 'sizes'], 'readwrite');
        void tx.objectStore('blobs').put(bytes.slice(), id);
        void tx.objectStore('sizes').put(bytes.length, id);
        await tx.done;
      } catch (error) {
        throw botError(
          'STORAGE_FAILED',
          `A blob could not be stored in this browser: ${(error as Error).message}`,
        );
      }
      this.ledger.added(bytes.length);
      return id;
    });
  }

  async putMany(blobs: ReadonlyArray<{ id: BlobId; bytes: Uint8Array }>): Promise<void> {
    const checked = preparePutMany(blobs);
    await this.ledger.serial(async () => {
      const fresh: typeof checked = [];
      for (const b of checked) if (!(await this.has(b.id))) fresh.push(b);
      const bytes = fresh.reduce((sum, b) => sum + b.bytes.length, 0);
      this.ledger.reserve(bytes);
      if (fresh.length === 0) return;
      try {
        const tx = this.db.transaction(['blobs', 'sizes'], 'readwrite');
        for (const b of fresh) {
          void tx.objectStore('blobs').put(b.bytes.slice(), b.id);
          void tx.objectStore('sizes').put(b.bytes.length, b.id);
        }
        await tx.done;
      } catch (error) {
        throw botError(
          'STORAGE_FAILED',
          `Blobs could not be stored in this browser: ${(error as Error).message}`,
        );
      }
      for (const b of fresh) this.ledger.added(b.bytes.length);
    });
  }

  async get(id: BlobId): Promise<Uint8Array | undefined> {
    checkBlobId(id);
    return (await this.db.get('blobs', id)) as Uint8Array | undefined;
  }

  async has(id: BlobId): Promise<boolean> {
    checkBlobId(id);
    return (await this.db.getKey('sizes', id)) !== undefined;
  }

  async delete(id: BlobId): Promise<boolean> {
    checkBlobId(id);
    return this.ledger.serial(async () => {
      const size = (await this.db.get('sizes', id)) as number | undefined;
      if (size === undefined) return false;
      const tx = this.db.transaction(['blobs', 'sizes'], 'readwrite');
      void tx.objectStore('blobs').delete(id);
      void tx.objectStore('sizes').delete(id);
      await tx.done;
      this.ledger.removed(size);
      return true;
    });
  }

  async list(): Promise<BlobId[]> {
    return ((await this.db.getAllKeys('sizes')) as string[]).sort();
  }

  async usage(): Promise<BlobUsage> {
    return this.ledger.usage();
  }

  setQuota(quotaBytes: number): void {
    this.ledger.setQuota(quotaBytes);
  }

  async close(): Promise<void> {
    await this.ledger.serial(async () => undefined);
    this.db.close();
  }
}
