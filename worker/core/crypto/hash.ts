// SHA-256 (FIPS 180-4), synchronous so the core stays pure. Domain-separated helpers.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../bytes';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** Hash with a domain tag, so a tx hash can never equal a block hash of the same bytes. */
export function taggedHash(tag: string, data: Uint8Array): Uint8Array {
  return nobleSha256(concatBytes(utf8(tag), new Uint8Array([0]), data));
}
