// SHA-256 (FIPS 180-4), synchronous so the core stays pure. Domain-separated helpers.
// The implementation is pure JS (@noble/hashes) until the host installs a faster one with the
// same outputs (`useSha256`; worker/host/fast-hash.ts installs a WebAssembly build after
// checking it against this one). Which one runs never changes a result.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../bytes';

export type Sha256 = (data: Uint8Array) => Uint8Array;

let implementation: Sha256 = nobleSha256;

/** The pure-JS SHA-256, the reference any installed implementation is checked against. */
export const referenceSha256: Sha256 = nobleSha256;

/** Install another SHA-256 (it must give the reference's outputs; the host checks before). */
export function useSha256(next: Sha256): void {
  implementation = next;
}

export function sha256(data: Uint8Array): Uint8Array {
  return implementation(data);
}

/** Hash with a domain tag, so a tx hash can never equal a block hash of the same bytes. */
export function taggedHash(tag: string, data: Uint8Array): Uint8Array {
  return implementation(concatBytes(utf8(tag), new Uint8Array([0]), data));
}
