// Sealing a version into chunk blobs and opening it again, as streams: sealing holds one
// plaintext chunk and two sealed chunks at a time, opening one plaintext chunk and
// readChunksAheadMax sealed chunks fetched ahead, so a 100 MB version fits a tab beside
// everything else. The format (nonces, additional data, manifest) is in pure/manifest.ts.
import { botError } from '../core/errors';
import { equalBytes, fromHex, toHex } from '../core/bytes';
import { chunkPlainBytes, gcmTagBytes } from '../core/modules/datasets/limits';
import {
  chunkAad,
  chunkCount,
  chunkNonce,
  chunkPlainLength,
  checkPlainBytes,
  decodeManifest,
  encodeManifest,
  manifestFingerprint,
  manifestFormat,
  hashBytes,
  type ChunkEntry,
  type Manifest,
} from '../core/modules/datasets/manifest';
import { importContentKey, newContentKey } from './envelope';
import { tampered } from './errors';
import { blobDigestOf, blobIdOf, type BlobId, type BlobStore } from './blob-store';

/** Plaintext from a file, a fetch body, a generator. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface SealedVersion {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  /** SHA-256 of manifestBytes: the id of the manifest blob, and what the chain records. */
  fingerprint: Uint8Array;
  /** The fresh content key; wrap it for readers, then forget it. */
  contentKey: Uint8Array;
  /** Bytes of all chunk blobs. */
  sealedBytes: number;
  /** Every blob written: the chunks and the manifest. */
  blobs: BlobId[];
}

export interface SealOptions {
  /** Called after each chunk is stored, with plaintext bytes done so far. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /**
   * Called with each chunk once it is stored (its id and sealed bytes, which the callee must not
   * change), before the next chunk is stored: the owner pushes it to its holders here
   * (datasets-push.ts). A slow callee slows sealing; a throw fails it (nothing half-written).
   */
  onSealed?: (id: BlobId, sealed: Uint8Array) => Promise<void>;
}

async function* pieces(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/**
 * The source cut into chunk-sized plaintexts: a view of the source's piece when it holds a
 * whole chunk (no copy: a 100 MB version given as one array), else one buffer, reused. Consume
 * each before the next.
 */
async function* rechunk(source: ByteSource, plainBytes: number): AsyncGenerator<Uint8Array> {
  const count = chunkCount(plainBytes);
  const buffer = new Uint8Array(chunkPlainBytes);
  let index = 0;
  let filled = 0;
  let seen = 0;
  const sizeWrong = () =>
    botError(
      'BAD_REQUEST',
      `The content is not the ${plainBytes} bytes announced; nothing was stored.`,
    );
  for await (const piece of pieces(source)) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('source: expected chunks of bytes');
    seen += piece.length;
    if (seen > plainBytes) throw sizeWrong();
    let at = 0;
    while (at < piece.length) {
      const want = chunkPlainLength(index, plainBytes) - filled;
      if (filled === 0 && want > 0 && piece.length - at >= want) {
        yield piece.subarray(at, at + want);
        at += want;
        index += 1;
        continue;
      }
      const take = Math.min(want, piece.length - at);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === chunkPlainLength(index, plainBytes)) {
        yield buffer.subarray(0, filled);
        index += 1;
        filled = 0;
      }
    }
  }
  if (seen !== plainBytes) throw sizeWrong();
  if (index < count) yield buffer.subarray(0, 0); // empty content: one empty chunk
}

/**
 * Seal `plainBytes` of `source` under a fresh content key into `store`. Chunk i+1 is encrypted
 * while chunk i is hashed and stored. On any failure every blob written so far is deleted and
 * the error is thrown: nothing half-written.
 */
export async function sealVersion(
  source: ByteSource,
  plainBytes: number,
  store: BlobStore,
  options: SealOptions = {},
): Promise<SealedVersion> {
  checkPlainBytes(plainBytes);
  const contentKey = newContentKey();
  const key = await importContentKey(contentKey, ['encrypt']);
  const count = chunkCount(plainBytes);
  const chunks: ChunkEntry[] = [];
  const written: BlobId[] = [];
  let storing: Promise<void> = Promise.resolve();
  let done = 0;
  try {
    let index = 0;
    for await (const plain of rechunk(source, plainBytes)) {
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          {
            name: 'AES-GCM',
            iv: chunkNonce(index) as BufferSource,
            additionalData: chunkAad(index, count, plainBytes) as BufferSource,
          },
          key,
          plain as BufferSource,
        ),
      );
      await storing; // at most one chunk in the store's hands while the next is encrypted
      const length = plain.length;
      // Hashed once here; the store keeps the sealed buffer as it is (no copy: it is not used
      // again here but by onSealed, which does not change it).
      storing = blobIdOf(sealed).then(async (id) => {
        await store.putMany([{ id, bytes: sealed }]);
        written.push(id);
        chunks.push({ hash: fromHex(id), bytes: sealed.length });
        await options.onSealed?.(id, sealed);
        done += length;
        options.onProgress?.(done, plainBytes);
      });
      // A refused put (QUOTA) is thrown at the next `await storing`; until then it is not an
      // unhandled rejection while the next chunk is encrypted.
      storing.catch(() => undefined);
      index += 1;
    }
    await storing;
    const manifest: Manifest = {
      format: manifestFormat,
      chunkBytes: chunkPlainBytes,
      plainBytes,
      chunks,
    };
    const manifestBytes = encodeManifest(manifest);
    const fingerprint = manifestFingerprint(manifestBytes);
    written.push(await store.put(manifestBytes, toHex(fingerprint)));
    return {
      manifest,
      manifestBytes,
      fingerprint,
      contentKey,
      sealedBytes: plainBytes + count * gcmTagBytes,
      blobs: written,
    };
  } catch (error) {
    await storing.catch(() => undefined);
    await Promise.all(written.map((id) => store.delete(id).catch(() => false)));
    throw error;
  }
}

/** Chunks a read fetches ahead of the one it decrypts (each up to a sealed chunk in memory). */
export const readChunksAheadMax = 4;

/** Where a reader gets blobs: its own store, or a holder over the mesh. Undefined: not there. */
export type BlobSource = (id: BlobId) => Promise<Uint8Array | undefined>;

async function fetchChecked(
  source: BlobSource,
  hash: Uint8Array,
  what: string,
): Promise<Uint8Array> {
  const id = toHex(hash);
  const bytes = await source(id);
  if (bytes === undefined)
    throw botError('NOT_FOUND', `${what} (${id.slice(0, 12)}…) is not on any holder reached.`);
  const actual = await blobDigestOf(bytes);
  if (!equalBytes(actual, hash)) throw tampered(what);
  return bytes;
}

/** The manifest of the version with `fingerprint`, fetched and checked against it. */
export async function fetchManifest(
  fingerprint: Uint8Array,
  source: BlobSource,
): Promise<Manifest> {
  if (!(fingerprint instanceof Uint8Array) || fingerprint.length !== hashBytes) {
    throw new RangeError('fingerprint: expected 32 bytes');
  }
  return decodeManifest(await fetchChecked(source, fingerprint, 'The version manifest'));
}

/**
 * The plaintext of a version, chunk by chunk, each checked (hash, then GCM tag with its place
 * in the additional data) before it is given out. A wrong key, an altered, cut or reordered
 * chunk: TAMPERED, and nothing of that chunk is given.
 */
export async function* openVersion(
  fingerprint: Uint8Array,
  contentKey: Uint8Array,
  source: BlobSource,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
): AsyncGenerator<Uint8Array> {
  const manifest = await fetchManifest(fingerprint, source);
  const key = await importContentKey(contentKey, ['decrypt']);
  const count = manifest.chunks.length;
  let done = 0;
  // Up to readChunksAheadMax chunks are fetched while the current one is decrypted and given.
  const ahead: Array<Promise<Uint8Array>> = [];
  let asked = 0;
  const askNext = () => {
    while (asked < count && ahead.length < readChunksAheadMax) {
      const fetched = fetchChecked(source, manifest.chunks[asked]!.hash, `Chunk ${asked + 1}`);
      fetched.catch(() => undefined); // thrown when its turn comes, not as unhandled
      ahead.push(fetched);
      asked += 1;
    }
  };
  askNext();
  for (let index = 0; index < count; index++) {
    const sealed = await ahead.shift()!;
    askNext();
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: chunkNonce(index) as BufferSource,
          additionalData: chunkAad(index, count, manifest.plainBytes) as BufferSource,
        },
        key,
        sealed as BufferSource,
      );
    } catch {
      throw tampered(`Chunk ${index + 1}`);
    }
    done += plain.byteLength;
    onProgress?.(done, manifest.plainBytes);
    yield new Uint8Array(plain);
  }
}

/** openVersion as a ReadableStream (for a download or a Response body in a tab). */
export function openVersionStream(
  fingerprint: Uint8Array,
  contentKey: Uint8Array,
  source: BlobSource,
): ReadableStream<Uint8Array> {
  const chunks = openVersion(fingerprint, contentKey, source);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
