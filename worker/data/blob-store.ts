// Blob storage: sealed chunks and manifests, named by SHA-256 of their bytes. One interface,
// three adapters (memory here; IndexedDB in blob-idb.ts for tabs; a directory in blob-disk.ts
// for the Node peer), one contract suite (blob-store.suite.ts). Every store has a byte quota:
// a put that would pass it is refused whole with QUOTA, never half-written.
import { botError } from '../core/errors';
import { toHex } from '../core/bytes';
import { blobBytesMax, blobQuotaBytesDefault } from './limits';
import { quotaExceeded, tampered } from './errors';

/** 64 lower-case hex digits: SHA-256 of the blob. */
export type BlobId = string;

export interface BlobUsage {
  bytes: number;
  blobs: number;
  quotaBytes: number;
}

export interface BlobStore {
  /**
   * Keep `bytes` under their hash and give the hash. With `expected`, bytes of another hash are
   * TAMPERED and nothing is kept (bytes fetched from a holder). Putting a blob already held is a
   * no-op. QUOTA when the bytes would pass the quota; TOO_LARGE past blobBytesMax.
   */
  put(bytes: Uint8Array, expected?: BlobId): Promise<BlobId>;
  /**
   * Keep several blobs fetched under known ids in one storage write (one IndexedDB transaction;
   * on disk, the files synced together), either all or none (TOO_LARGE, or QUOTA for the
   * batch's new bytes). The caller has checked each id against its bytes (a holder hashes what
   * it fetched before it keeps it), so the store does not hash them again; a wrong id would
   * still be caught by every read, which checks each blob against its hash. The store may keep
   * the arrays given (the memory store does, instead of a copy of each): the caller gives them
   * up and must not change them afterwards.
   */
  putMany(blobs: ReadonlyArray<{ id: BlobId; bytes: Uint8Array }>): Promise<void>;
  /** The blob's bytes (a copy the caller may keep), or undefined. */
  get(id: BlobId): Promise<Uint8Array | undefined>;
  has(id: BlobId): Promise<boolean>;
  /** Whether the blob was there. */
  delete(id: BlobId): Promise<boolean>;
  list(): Promise<BlobId[]>;
  usage(): Promise<BlobUsage>;
  /**
   * Change the quota (the peer's setting `blobQuotaBytes`). Blobs already held stay, even past
   * a lower quota; puts are refused with QUOTA until enough is freed.
   */
  setQuota(quotaBytes: number): void;
  close(): Promise<void>;
}

export interface BlobStoreOptions {
  quotaBytes?: number;
}

const idPattern = /^[0-9a-f]{64}$/;

export function checkBlobId(id: BlobId): void {
  if (typeof id !== 'string' || !idPattern.test(id)) {
    throw botError(
      'BAD_FIELD_TYPE',
      'A blob id is the 64 lower-case hex digits of a SHA-256 hash.',
    );
  }
}

/** SHA-256 of bytes, as blobs are named and checked. */
export type BlobDigest = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** WebCrypto's SHA-256 (tabs): off the calling thread, on a copy of the input. */
export const webCryptoDigest: BlobDigest = async (bytes) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));

let blobDigest: BlobDigest = webCryptoDigest;

/**
 * How this process hashes blobs (null: WebCrypto again). The Node peer installs OpenSSL's
 * synchronous SHA-256 (worker/data/node-digest.ts): WebCrypto in Node copies every input into
 * a fresh buffer before its job, and a fresh 1 MiB buffer costs about as much as hashing it.
 */
export function useBlobDigest(digest: BlobDigest | null): void {
  blobDigest = digest ?? webCryptoDigest;
}

/** SHA-256 of `bytes` (useBlobDigest). */
export async function blobDigestOf(bytes: Uint8Array): Promise<Uint8Array> {
  return blobDigest(bytes);
}

/** SHA-256 of `bytes` as a blob id. */
export async function blobIdOf(bytes: Uint8Array): Promise<BlobId> {
  return toHex(await blobDigest(bytes));
}

export function quotaOf(options: BlobStoreOptions | undefined): number {
  const quota = options?.quotaBytes ?? blobQuotaBytesDefault;
  if (!Number.isSafeInteger(quota) || quota < 0) {
    throw new RangeError('quotaBytes: expected a whole number of bytes');
  }
  return quota;
}

/** The checks every put makes before it touches storage; gives the blob's id. */
export async function preparePut(bytes: Uint8Array, expected?: BlobId): Promise<BlobId> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array');
  if (expected !== undefined) checkBlobId(expected);
  if (bytes.length > blobBytesMax) {
    throw botError(
      'TOO_LARGE',
      `A blob is at most ${blobBytesMax} bytes; this one has ${bytes.length}.`,
    );
  }
  const id = await blobIdOf(bytes);
  if (expected !== undefined && id !== expected) throw tampered('The blob');
  return id;
}

/** The checks of putMany (ids and sizes, not hashes); the blobs not yet held, once each. */
export function preparePutMany(
  blobs: ReadonlyArray<{ id: BlobId; bytes: Uint8Array }>,
): Array<{ id: BlobId; bytes: Uint8Array }> {
  const seen = new Set<BlobId>();
  const out: Array<{ id: BlobId; bytes: Uint8Array }> = [];
  for (const b of blobs) {
    if (!(b.bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array');
    checkBlobId(b.id);
    if (b.bytes.length > blobBytesMax)
      throw botError(
        'TOO_LARGE',
        `A blob is at most ${blobBytesMax} bytes; this one has ${b.bytes.length}.`,
      );
    if (!seen.has(b.id)) out.push(b);
    seen.add(b.id);
  }
  return out;
}

/** Byte accounting against a quota, with one put or delete at a time (so the quota is exact). */
export class Ledger {
  bytes = 0;
  blobs = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(public quotaBytes: number) {}

  setQuota(quotaBytes: number): void {
    if (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0)
      throw new RangeError('quotaBytes: expected a whole number of bytes');
    this.quotaBytes = quotaBytes;
  }

  /** Run `task` after every earlier one has settled. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** QUOTA unless `bytes` more fit. */
  reserve(bytes: number): void {
    if (this.bytes + bytes > this.quotaBytes)
      throw quotaExceeded(bytes, this.bytes, this.quotaBytes);
  }

  added(bytes: number): void {
    this.bytes += bytes;
    this.blobs += 1;
  }

  removed(bytes: number): void {
    this.bytes -= bytes;
    this.blobs -= 1;
  }

  usage(): BlobUsage {
    return { bytes: this.bytes, blobs: this.blobs, quotaBytes: this.quotaBytes };
  }
}

/** Blobs in memory: tests, the simulator, and a tab without IndexedDB. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<BlobId, Uint8Array>();
  private readonly ledger: Ledger;

  constructor(options?: BlobStoreOptions) {
    this.ledger = new Ledger(quotaOf(options));
  }

  async put(bytes: Uint8Array, expected?: BlobId): Promise<BlobId> {
    const id = await preparePut(bytes, expected);
    return this.ledger.serial(async () => {
      if (this.blobs.has(id)) return id;
      this.ledger.reserve(bytes.length);
      this.blobs.set(id, bytes.slice());
      this.ledger.added(bytes.length);
      return id;
    });
  }

  async putMany(blobs: ReadonlyArray<{ id: BlobId; bytes: Uint8Array }>): Promise<void> {
    const checked = preparePutMany(blobs);
    await this.ledger.serial(async () => {
      const fresh = checked.filter((b) => !this.blobs.has(b.id));
      this.ledger.reserve(fresh.reduce((sum, b) => sum + b.bytes.length, 0));
      for (const b of fresh) {
        this.blobs.set(b.id, b.bytes); // given up by the caller (see BlobStore.putMany)
        this.ledger.added(b.bytes.length);
      }
    });
  }

  async get(id: BlobId): Promise<Uint8Array | undefined> {
    checkBlobId(id);
    return this.blobs.get(id)?.slice();
  }

  async has(id: BlobId): Promise<boolean> {
    checkBlobId(id);
    return this.blobs.has(id);
  }

  async delete(id: BlobId): Promise<boolean> {
    checkBlobId(id);
    return this.ledger.serial(async () => {
      const bytes = this.blobs.get(id);
      if (!bytes) return false;
      this.blobs.delete(id);
      this.ledger.removed(bytes.length);
      return true;
    });
  }

  async list(): Promise<BlobId[]> {
    return [...this.blobs.keys()].sort();
  }

  async usage(): Promise<BlobUsage> {
    return this.ledger.usage();
  }

  setQuota(quotaBytes: number): void {
    this.ledger.setQuota(quotaBytes);
  }

  async close(): Promise<void> {}
}
