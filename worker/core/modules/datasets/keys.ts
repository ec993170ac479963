// Reader keys: an identity's X25519 key, bound to its did, and a content key wrapped for it.
//
// X25519 (RFC 7748) private key = HKDF-SHA-256(ikm = identity seed, salt = "bot/x25519/v1",
// info = "identity", 32 bytes): the same seed always gives the same key, and the Ed25519 seed
// itself never doubles as an X25519 scalar. The identity publishes the public key with an
// Ed25519 signature over bindingMessage(did, key): a peer takes an X25519 key for a did only
// when that did's key signed it.
//
// Wrapping (ECIES style; RFC 5869 HKDF): for each reader the writer makes an ephemeral X25519
// pair, computes the shared secret with the reader's bound key, and derives the key-wrapping
// key = HKDF-SHA-256(ikm = shared, salt = ephemeral public || reader public,
// info = "bot/dataset-key-wrap/v1"). The content key is sealed with AES-256-GCM under it,
// nonce all zero (the wrapping key is used once), additional data = wrapAad(fingerprint,
// reader): a wrapped key opens only for that reader and that version.
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encode } from '../../codec';
import { botError } from '../../errors';
import { concatBytes, utf8 } from '../../bytes';
import { publicKeyFromDid, didLengthMax } from '../../crypto/did';
import { verifyStrict, signSync, signatureBytes, seedBytes } from '../../crypto/ed25519';
import { gcmTagBytes, readersPerVersionMax } from './limits';

export const x25519KeyBytes = 32;
export const contentKeyBytes = 32;
export const wrappedKeyBytes = contentKeyBytes + gcmTagBytes;

/** The identity's X25519 private key, derived from its Ed25519 seed. */
export function x25519PrivateFromSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== seedBytes) {
    throw new RangeError('seed: expected 32 bytes');
  }
  return hkdf(sha256, seed, utf8('bot/x25519/v1'), utf8('identity'), x25519KeyBytes);
}

export function x25519PublicFromPrivate(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

/** A did's published X25519 key and the did's Ed25519 signature over it. */
export interface KeyBinding {
  did: string;
  x25519: Uint8Array;
  signature: Uint8Array;
}

/** The bytes the did signs: canonical CBOR of a tagged map, never a transaction's shape. */
export function bindingMessage(did: string, key: Uint8Array): Uint8Array {
  return encode({ t: 'bot/x25519-binding/v1', did, key });
}

/** The binding of the identity with this seed and did (deterministic). */
export function bindingFromSeed(seed: Uint8Array, did: string): KeyBinding {
  const key = x25519PublicFromPrivate(x25519PrivateFromSeed(seed));
  return { did, x25519: key, signature: signSync(seed, bindingMessage(did, key)) };
}

function checkShape(binding: unknown): KeyBinding {
  if (typeof binding !== 'object' || binding === null)
    throw botError('MALFORMED', 'A key binding must be a map.');
  const b = binding as Record<string, unknown>;
  if (typeof b.did !== 'string' || b.did.length > didLengthMax)
    throw botError('BAD_FIELD_TYPE', 'A key binding names a did:key.');
  if (!(b.x25519 instanceof Uint8Array) || b.x25519.length !== x25519KeyBytes) {
    throw botError('BAD_KEY', 'A key binding carries a 32-byte X25519 public key.');
  }
  if (!(b.signature instanceof Uint8Array) || b.signature.length !== signatureBytes) {
    throw botError('BAD_SIGNATURE', 'A key binding carries a 64-byte Ed25519 signature.');
  }
  return b as unknown as KeyBinding;
}

/** Checks a published binding: shape, did, and the did's own signature (else BAD_SIGNATURE). */
export function checkBinding(binding: unknown): KeyBinding {
  const b = checkShape(binding);
  const publicKey = publicKeyFromDid(b.did);
  if (!verifyStrict(publicKey, bindingMessage(b.did, b.x25519), b.signature)) {
    throw botError(
      'BAD_SIGNATURE',
      `The X25519 key offered for ${b.did} is not signed by that identity.`,
    );
  }
  if (isLowOrder(b.x25519))
    throw botError(
      'BAD_KEY',
      'The X25519 key is a low-order point; no secret can be agreed with it.',
    );
  return b;
}

/** A public key whose shared secret with any private key is zero (RFC 7748 section 6.1). */
function isLowOrder(publicKey: Uint8Array): boolean {
  try {
    const probe = x25519.getSharedSecret(
      x25519PrivateFromSeed(new Uint8Array(seedBytes).fill(7)),
      publicKey,
    );
    return probe.every((b) => b === 0);
  } catch {
    return true;
  }
}

/** The content key of one version, sealed for one reader. */
export interface WrappedKey {
  reader: string;
  /** The writer's ephemeral X25519 public key for this wrap. */
  ephemeral: Uint8Array;
  /** AES-256-GCM of the 32-byte content key: 48 bytes. */
  sealed: Uint8Array;
}

const wrapInfo = utf8('bot/dataset-key-wrap/v1');

/** The key-wrapping key from the X25519 shared secret (HKDF-SHA-256). */
export function wrappingKey(
  shared: Uint8Array,
  ephemeral: Uint8Array,
  readerKey: Uint8Array,
): Uint8Array {
  if (shared.every((b) => b === 0))
    throw botError('BAD_KEY', 'The X25519 key agreement gave no secret (a low-order key).');
  return hkdf(sha256, shared, concatBytes(ephemeral, readerKey), wrapInfo, contentKeyBytes);
}

export const keyCheckBytes = 32;

/**
 * A version's key check value (as an HSM's KCV): SHA-256 of a tagged map of the version's
 * fingerprint and its content key. The owner commits it with the version (dataset.version
 * keyCheck); it tells nothing of the key (a hash of 32 random bytes) and lets the chain tell
 * whether a key someone shows is that version's (the market's key dispute).
 */
export function keyCheckOf(contentKey: Uint8Array, fingerprint: Uint8Array): Uint8Array {
  return sha256(encode({ t: 'bot/dataset-key-check/v1', fingerprint, key: contentKey }));
}

/** Additional data of a wrapped key: the version's fingerprint and the reader's did. */
export function wrapAad(fingerprint: Uint8Array, reader: string): Uint8Array {
  return encode({ t: 'bot/dataset-key/v1', fingerprint, reader });
}

/** A wrapped key's shape (MALFORMED / BAD_FIELD_TYPE on bad input); the crypto is the reader's. */
export function checkWrappedKey(value: unknown): WrappedKey {
  if (typeof value !== 'object' || value === null)
    throw botError('MALFORMED', 'A wrapped key must be a map.');
  const w = value as Record<string, unknown>;
  if (Object.keys(w).sort().join(',') !== 'ephemeral,reader,sealed')
    throw botError('MALFORMED', 'A wrapped key has reader, ephemeral and sealed.');
  publicKeyFromDid(w.reader as string);
  if (!(w.ephemeral instanceof Uint8Array) || w.ephemeral.length !== x25519KeyBytes) {
    throw botError('BAD_FIELD_TYPE', 'A wrapped key carries a 32-byte ephemeral X25519 key.');
  }
  if (!(w.sealed instanceof Uint8Array) || w.sealed.length !== wrappedKeyBytes) {
    throw botError('BAD_FIELD_TYPE', `A wrapped key is ${wrappedKeyBytes} sealed bytes.`);
  }
  return w as unknown as WrappedKey;
}

/** A version's list of wrapped keys: bounded, one per reader. */
export function checkWrappedKeys(value: unknown): WrappedKey[] {
  if (!Array.isArray(value)) throw botError('BAD_FIELD_TYPE', 'The wrapped keys must be a list.');
  if (value.length > readersPerVersionMax) {
    throw botError(
      'TOO_LARGE',
      `A version is shared with at most ${readersPerVersionMax} readers; this one lists ` +
        `${value.length}.`,
    );
  }
  const seen = new Set<string>();
  return value.map((item) => {
    const w = checkWrappedKey(item);
    if (seen.has(w.reader))
      throw botError('BAD_REQUEST', `${w.reader} appears twice among the readers.`);
    seen.add(w.reader);
    return w;
  });
}
