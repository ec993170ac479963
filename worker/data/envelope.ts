// Envelopes: a fresh AES-256-GCM content key per version, wrapped for each reader with X25519 +
// HKDF-SHA-256 + AES-256-GCM (the format is in pure/keys.ts). A wrap that does not open, for
// any reason (wrong reader, wrong version, altered bytes), is TAMPERED: never a wrong key.
import { botError } from '../core/errors';
import {
  contentKeyBytes,
  checkBinding,
  wrapAad,
  wrappingKey,
  x25519PrivateFromSeed,
  x25519PublicFromPrivate,
  bindingFromSeed,
  type KeyBinding,
  type WrappedKey,
} from '../core/modules/datasets/keys';
import { hashBytes } from '../core/modules/datasets/manifest';
import { tampered } from './errors';
import type { X25519Backend } from './x25519';

const wrapNonce = new Uint8Array(12); // each wrapping key seals exactly one content key

/** A fresh random 32-byte content key for one version. */
export function newContentKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(contentKeyBytes));
}

/** The content key as a WebCrypto AES-GCM key (not extractable). */
export function importContentKey(
  raw: Uint8Array,
  usages: KeyUsage[] = ['encrypt', 'decrypt'],
): Promise<CryptoKey> {
  if (!(raw instanceof Uint8Array) || raw.length !== contentKeyBytes) {
    throw new RangeError('contentKey: expected 32 bytes');
  }
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, usages);
}

/** An identity's reader keys: its X25519 private key and its signed public binding. */
export interface ReaderKeys {
  did: string;
  privateKey: Uint8Array;
  binding: KeyBinding;
}

export function readerKeysFromSeed(seed: Uint8Array, did: string): ReaderKeys {
  const binding = bindingFromSeed(seed, did);
  return { did, privateKey: x25519PrivateFromSeed(seed), binding };
}

export { x25519PublicFromPrivate };

function checkFingerprint(fingerprint: Uint8Array): void {
  if (!(fingerprint instanceof Uint8Array) || fingerprint.length !== hashBytes) {
    throw new RangeError('fingerprint: expected 32 bytes');
  }
}

/** Seal `contentKey` for the reader of `binding` (checked: the did must have signed its key). */
export async function wrapContentKey(
  contentKey: Uint8Array,
  fingerprint: Uint8Array,
  binding: KeyBinding,
  backend: X25519Backend,
): Promise<WrappedKey> {
  checkFingerprint(fingerprint);
  const reader = checkBinding(binding);
  const pair = await backend.ephemeral();
  const shared = await pair.agree(reader.x25519);
  const kek = await crypto.subtle.importKey(
    'raw',
    wrappingKey(shared, pair.publicKey, reader.x25519) as BufferSource,
    { name: 'AES-GCM' },
    false,
    ['encrypt'],
  );
  const sealed = await crypto.subtle.encrypt(
    {
      name: 'AES-GCM',
      iv: wrapNonce,
      additionalData: wrapAad(fingerprint, reader.did) as BufferSource,
    },
    kek,
    contentKey as BufferSource,
  );
  return { reader: reader.did, ephemeral: pair.publicKey, sealed: new Uint8Array(sealed) };
}

/** Wrap one content key for many readers (each its own ephemeral key). */
export function wrapForReaders(
  contentKey: Uint8Array,
  fingerprint: Uint8Array,
  bindings: readonly KeyBinding[],
  backend: X25519Backend,
): Promise<WrappedKey[]> {
  return Promise.all(bindings.map((b) => wrapContentKey(contentKey, fingerprint, b, backend)));
}

/**
 * Open the wrap addressed to `keys.did` among `wrapped`: UNAUTHORIZED when none is, TAMPERED
 * when it fails.
 */
export async function unwrapContentKey(
  wrapped: readonly WrappedKey[],
  fingerprint: Uint8Array,
  keys: ReaderKeys,
  backend: X25519Backend,
): Promise<Uint8Array> {
  checkFingerprint(fingerprint);
  const mine = wrapped.find((w) => w.reader === keys.did);
  if (!mine)
    throw botError(
      'UNAUTHORIZED',
      'This version is not shared with you: ask its owner for access.',
    );
  let shared: Uint8Array;
  try {
    shared = await backend.agree(keys.privateKey, mine.ephemeral);
  } catch {
    throw tampered('The key sealed for you');
  }
  const ownPublic = keys.binding.x25519;
  try {
    const kek = await crypto.subtle.importKey(
      'raw',
      wrappingKey(shared, mine.ephemeral, ownPublic) as BufferSource,
      { name: 'AES-GCM' },
      false,
      ['decrypt'],
    );
    const key = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: wrapNonce,
        additionalData: wrapAad(fingerprint, keys.did) as BufferSource,
      },
      kek,
      mine.sealed as BufferSource,
    );
    return new Uint8Array(key);
  } catch {
    throw tampered('The key sealed for you');
  }
}
