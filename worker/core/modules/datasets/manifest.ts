// The manifest of one encrypted dataset version, and what binds each chunk to its place.
//
// A version's plaintext is cut into chunks of `chunkPlainBytes` (the last may be shorter; empty
// content is one empty chunk). Chunk i is sealed with AES-256-GCM under the version's content key,
// nonce = i as 96-bit big-endian (the key is fresh per version and seals nothing else, so a
// nonce never repeats under a key), and additional data = chunkAad(i, count, plainBytes): a
// chunk moved to another place, or a version cut short, fails its tag. Each sealed chunk is a
// blob named by SHA-256 of its bytes. The manifest lists the blobs in order with their sizes
// and the plaintext total; its canonical CBOR encoding is a blob too, and SHA-256 of that
// encoding is the version's fingerprint, which the chain records.
import { encode, decode } from '../../codec';
import { botError } from '../../errors';
import { sha256 } from '../../crypto/hash';
import { concatBytes, utf8 } from '../../bytes';
import * as limits from './limits';

export const manifestFormat = 1;
export const hashBytes = 32;
export const nonceBytes = 12;

export interface ChunkEntry {
  /** SHA-256 of the sealed chunk (ciphertext and tag). */
  hash: Uint8Array;
  /** Bytes of the sealed chunk: plaintext + 16. */
  bytes: number;
}

export interface Manifest {
  /** Format number, 1. */
  format: number;
  /** Plaintext bytes per chunk (the last may be shorter). */
  chunkBytes: number;
  /** Plaintext bytes of the whole version. */
  plainBytes: number;
  chunks: ChunkEntry[];
}

/** Chunks a version of `plainBytes` is cut into (at least one). */
export function chunkCount(plainBytes: number, chunkBytes = limits.chunkPlainBytes): number {
  return Math.max(1, Math.ceil(plainBytes / chunkBytes));
}

/** Plaintext bytes of chunk `index` of a version of `plainBytes`. */
export function chunkPlainLength(
  index: number,
  plainBytes: number,
  chunkBytes = limits.chunkPlainBytes,
): number {
  return Math.min(chunkBytes, plainBytes - index * chunkBytes);
}

/** The 96-bit GCM nonce of chunk `index`: the index, big-endian. */
export function chunkNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(nonceBytes);
  new DataView(nonce.buffer).setUint32(nonceBytes - 4, index);
  return nonce;
}

const chunkAadTag = utf8('bot/dataset-chunk/v1');

/** Additional data of chunk `index` of `count`, for a version of `plainBytes`. */
export function chunkAad(index: number, count: number, plainBytes: number): Uint8Array {
  const fields = new Uint8Array(16);
  const view = new DataView(fields.buffer);
  view.setUint32(0, index);
  view.setUint32(4, count);
  view.setUint32(8, Math.floor(plainBytes / 0x100000000));
  view.setUint32(12, plainBytes >>> 0);
  return concatBytes(chunkAadTag, new Uint8Array([0]), fields);
}

/** Checks the plaintext size a writer declares before it starts. */
export function checkPlainBytes(plainBytes: number): void {
  if (!Number.isSafeInteger(plainBytes) || plainBytes < 0) {
    throw botError(
      'BAD_FIELD_TYPE',
      'The size of a dataset version must be a whole number of bytes.',
    );
  }
  if (plainBytes > limits.versionPlainBytesMax) {
    throw botError(
      'TOO_LARGE',
      `A dataset version holds at most ${limits.versionPlainBytesMax} bytes; this one has ` +
        `${plainBytes}.`,
    );
  }
}

const malformed = (why: string) =>
  botError('MALFORMED', `The dataset manifest is not valid: ${why}.`);

/** A manifest's shape and arithmetic: sizes add up, chunks have the sizes the total implies. */
export function checkManifest(value: unknown): Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('not a map');
  }
  const m = value as Record<string, unknown>;
  const keys = Object.keys(m).sort().join(',');
  if (keys !== 'chunkBytes,chunks,format,plainBytes') {
    throw malformed(`unexpected fields (${keys})`);
  }
  if (m.format !== manifestFormat) throw malformed(`unknown format ${String(m.format)}`);
  if (m.chunkBytes !== limits.chunkPlainBytes) {
    throw malformed('chunk size is not the one this version of BoT writes');
  }
  const plainBytes = m.plainBytes;
  if (typeof plainBytes !== 'number') throw malformed('plainBytes is not a number');
  checkPlainBytes(plainBytes);
  if (!Array.isArray(m.chunks)) throw malformed('chunks is not a list');
  const count = chunkCount(plainBytes);
  if (m.chunks.length !== count) {
    throw malformed(`${m.chunks.length} chunks listed, ${count} expected`);
  }
  m.chunks.forEach((entry: unknown, index) => checkEntry(entry, index, plainBytes));
  return m as unknown as Manifest;
}

function checkEntry(entry: unknown, index: number, plainBytes: number): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw malformed(`chunk ${index} is not a map`);
  }
  const e = entry as Record<string, unknown>;
  if (Object.keys(e).sort().join(',') !== 'bytes,hash') {
    throw malformed(`chunk ${index} has unexpected fields`);
  }
  if (!(e.hash instanceof Uint8Array) || e.hash.length !== hashBytes) {
    throw malformed(`chunk ${index} hash is not 32 bytes`);
  }
  const expected = chunkPlainLength(index, plainBytes) + limits.gcmTagBytes;
  if (e.bytes !== expected) {
    throw malformed(`chunk ${index} is ${String(e.bytes)} bytes, ${expected} expected`);
  }
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  const bytes = encode(
    checkManifest({
      format: manifest.format,
      chunkBytes: manifest.chunkBytes,
      plainBytes: manifest.plainBytes,
      chunks: manifest.chunks.map((c) => ({ hash: c.hash, bytes: c.bytes })),
    }),
  );
  if (bytes.length > limits.manifestBytesMax)
    throw botError('TOO_LARGE', 'The dataset manifest is too large.');
  return bytes;
}

/** Decode and check manifest bytes (MALFORMED, NON_CANONICAL, TOO_LARGE on bad input). */
export function decodeManifest(bytes: Uint8Array): Manifest {
  return checkManifest(decode(bytes, limits.manifestBytesMax));
}

/** The version's fingerprint: SHA-256 of the manifest's canonical encoding. */
export function manifestFingerprint(manifestBytes: Uint8Array): Uint8Array {
  return sha256(manifestBytes);
}

/** Bytes of the sealed version: the sum of its chunk blobs. */
export function sealedBytes(manifest: Manifest): number {
  return manifest.chunks.reduce((sum, c) => sum + c.bytes, 0);
}
