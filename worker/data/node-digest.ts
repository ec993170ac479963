// OpenSSL's SHA-256 for blob ids in Node (the headless peer and the benches): synchronous and
// on the caller's bytes. WebCrypto's digest in Node copies each input into a fresh buffer before
// its job, and on a busy machine a fresh 1 MiB buffer costs about as much as hashing it: a
// sealed chunk is hashed once by its owner and once by each holder (bench:data). A tab keeps
// WebCrypto (no synchronous hash there, and its copy runs on the tab's own worker thread).
import { createHash } from 'node:crypto';
import { equalBytes } from '../core/bytes';
import { useBlobDigest, webCryptoDigest } from './blob-store';

/** SHA-256 of `bytes` with node:crypto (no copy of the input). */
export function nodeSha256(bytes: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(bytes).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

/**
 * Blob ids in this process from nodeSha256, once it gives WebCrypto's digests on a set of
 * inputs (else WebCrypto stays). Whether it was installed.
 */
export async function installNodeBlobDigest(): Promise<boolean> {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 1000, 70_000]) {
    const input = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
    if (!equalBytes(nodeSha256(input), await webCryptoDigest(input))) return false;
  }
  useBlobDigest(nodeSha256);
  return true;
}
