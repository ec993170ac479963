// AES-256-GCM opening, pure and synchronous, for the chain's own checks of small sealed values
// (a content key wrapped for a buyer: 32 bytes and a 16-byte tag,
// worker/core/modules/market/keycheck.ts). @noble/ciphers (audited, same family as the curves
// and hashes the core already uses): WebCrypto is asynchronous and not in every runtime the
// core runs in. Bulk data is sealed and opened with WebCrypto in the host (worker/data); this
// opens what WebCrypto sealed, and aes-gcm.test.ts crosses the two.
import { gcm } from '@noble/ciphers/aes.js';

/** Small values only: what the chain opens is a key, never bulk data. */
export const gcmOpenBytesMax = 4096;

/**
 * Open AES-256-GCM `sealed` (ciphertext and 16-byte tag) under `key` with a 12-byte `nonce` and
 * `aad`: the plaintext, or null when the tag does not match (wrong key, nonce, aad or bytes).
 */
export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  if (nonce.length !== 12) throw new RangeError('GCM nonce: expected 12 bytes');
  if (key.length !== 32) throw new RangeError('GCM key: expected 32 bytes');
  if (sealed.length < 16 || sealed.length > gcmOpenBytesMax + 16) return null;
  try {
    return gcm(key, nonce, aad).decrypt(sealed);
  } catch {
    return null;
  }
}
