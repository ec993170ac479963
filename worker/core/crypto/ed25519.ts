// Ed25519 (RFC 8032) with one strict rule set on every peer, whichever backend verifies.
//
// Backends disagree on edge cases (see ed25519-speccheck): BoringSSL/WebCrypto checks the
// cofactorless equation, noble checks the cofactored one, some accept small-order keys or
// non-canonical encodings. Consensus needs one verdict, so this module fixes the rules and
// `precheck` enforces, in cheap JS, every rule the fast backend might not:
//   1. public key 32 bytes, signature 64 bytes;
//   2. A and R canonical: y < p, and no "negative zero" x;
//   3. A and R not of small order (the 8 torsion points), as libsodium and dalek-strict do;
//   4. S < L (no malleable signatures);
//   5. the cofactorless equation [S]B = R + [k]A, with k = SHA-512(R || A || M) mod L.
// WebCrypto (BoringSSL) then decides 5 itself; `verifyStrict` decides it in pure JS (noble
// point arithmetic). The vectors in ed25519.test.ts and ed25519.browser.test.ts prove both agree.
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromHex } from '../bytes';

export const publicKeyBytes = 32;
export const signatureBytes = 64;
export const seedBytes = 32;

const fieldPrime = 2n ** 255n - 19n;
const groupOrder = 2n ** 252n + 27742317777372353535851937790883648493n;
const torsionWithoutSign = ED25519_TORSION_SUBGROUP.map((hex) => {
  const bytes = fromHex(hex);
  bytes[31] = bytes[31]! & 0x7f;
  return bytes;
});

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** A number as 32 little-endian bytes. */
function littleEndian32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

const fieldPrimeBytes = littleEndian32(fieldPrime);
const groupOrderBytes = littleEndian32(groupOrder);

/**
 * The 32 little-endian bytes at `offset` of `bytes` (bit 255 masked off when `maskSign`) are
 * less than `limit`. Compared byte by byte from the top: no BigInt and no copy per call (the
 * precheck runs on every signature, on the peer's own thread).
 */
function lessThan(
  bytes: Uint8Array,
  offset: number,
  limit: Uint8Array,
  maskSign: boolean,
): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = i === 31 && maskSign ? bytes[offset + 31]! & 0x7f : bytes[offset + i]!;
    if (b !== limit[i]) return b < limit[i]!;
  }
  return false;
}

/** y < p, with the sign bit masked off. */
function isCanonicalY(encoded: Uint8Array, offset = 0): boolean {
  return lessThan(encoded, offset, fieldPrimeBytes, true);
}

/** One of the 8 small-order points, in any sign-bit variant. */
function isSmallOrderEncoding(encoded: Uint8Array, offset = 0): boolean {
  next: for (const t of torsionWithoutSign) {
    for (let i = 0; i < 31; i++) if (encoded[offset + i] !== t[i]) continue next;
    if ((encoded[offset + 31]! & 0x7f) === t[31]) return true;
  }
  return false;
}

export type PrecheckVerdict =
  | 'ok'
  | 'bad-length'
  | 'non-canonical-key'
  | 'small-order-key'
  | 'non-canonical-r'
  | 'small-order-r'
  | 's-too-large';

/** Rules 1 to 4; cheap, no point decompression. */
export function precheck(publicKey: Uint8Array, signature: Uint8Array): PrecheckVerdict {
  if (!(publicKey instanceof Uint8Array) || !(signature instanceof Uint8Array)) return 'bad-length';
  if (publicKey.length !== publicKeyBytes || signature.length !== signatureBytes)
    return 'bad-length';
  if (!isCanonicalY(publicKey)) return 'non-canonical-key';
  if (isSmallOrderEncoding(publicKey)) return 'small-order-key';
  if (!isCanonicalY(signature, 0)) return 'non-canonical-r';
  if (isSmallOrderEncoding(signature, 0)) return 'small-order-r';
  if (!lessThan(signature, 32, groupOrderBytes, false)) return 's-too-large';
  return 'ok';
}

/** All five rules in pure JS (the fallback where WebCrypto Ed25519 is missing, and the simulator). */
export function verifyStrict(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (precheck(publicKey, signature) !== 'ok') return false;
  try {
    const A = ed25519.Point.fromBytes(publicKey, false);
    const r = signature.subarray(0, 32);
    ed25519.Point.fromBytes(r, false); // R must decode to a curve point, as BoringSSL's compare implies
    const s = littleEndianToBigInt(signature.subarray(32, 64));
    const k = littleEndianToBigInt(sha512(concatBytes(r, publicKey, message))) % groupOrder;
    const sB = ed25519.Point.BASE.multiplyUnsafe(s);
    const expectedR = sB.subtract(A.multiplyUnsafe(k));
    return equalBytes(expectedR.toBytes(), r);
  } catch {
    return false;
  }
}

/** Deterministic RFC 8032 signature (pure: same seed and message, same bytes). */
export function signSync(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed);
}

function numberFromLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function numberToLE32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 255n);
  return out;
}

/**
 * A signer for one seed that derives the expanded key (scalar, prefix, public key) once:
 * `signSync` derives it on every call, which costs a second base-point multiplication. Same
 * RFC 8032 signatures, byte for byte (Ed25519 is deterministic).
 */
export function signerFromSeed(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  const { prefix, scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const order = ed25519.Point.Fn.ORDER;
  return (message) => {
    const r = numberFromLE(sha512(concatBytes(prefix, message))) % order;
    const R = ed25519.Point.BASE.multiply(r).toBytes();
    const k = numberFromLE(sha512(concatBytes(R, pointBytes, message))) % order;
    return concatBytes(R, numberToLE32((r + k * scalar) % order));
  };
}

export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}
