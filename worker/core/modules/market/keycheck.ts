// Checking on chain that a delivered key is the version's key (D-8.3; the design and its limits
// are in docs/ARCHITECTURE.md, "The key check"). The owner commits each version's key check value
// (dataset.version keyCheck = SHA-256 of the fingerprint and the content key, ../datasets/keys.ts).
// A delivery under an offer's dispute window keeps the wraps it gave the buyer; when the buyer
// disputes, the seller answers with the ephemeral X25519 private key of each wrap, and the chain
// redoes what the buyer's peer does to open it: the shared secret with the buyer's X25519 key,
// the wrapping key (HKDF), AES-256-GCM opening with the version's additional data; the key it
// finds must have the committed check value. Pure: X25519 and HKDF from @noble, AES-GCM from
// ../../crypto/aes-gcm.ts.
import { x25519 } from '@noble/curves/ed25519.js';
import { botError, type BotError } from '../../errors';
import { equalBytes } from '../../bytes';
import { aesGcmOpen } from '../../crypto/aes-gcm';
import { keyCheckOf, wrapAad, wrappingKey, x25519KeyBytes } from '../datasets/keys';
import type { VersionState } from '../datasets';
import type { DeliveredKey } from './types';

const wrapNonce = new Uint8Array(12);

/**
 * The content key a wrap holds, opened with the wrap's ephemeral private key `secret`, or a
 * plain reason it cannot be (the secret is not the wrap's, or the wrap does not open).
 */
export function openWithEphemeral(
  secret: Uint8Array,
  wrap: DeliveredKey,
  reader: string,
  readerKey: Uint8Array,
  fingerprint: Uint8Array,
): Uint8Array | string {
  if (!(secret instanceof Uint8Array) || secret.length !== x25519KeyBytes)
    return 'the secret is not 32 bytes';
  if (!equalBytes(x25519.getPublicKey(secret), wrap.ephemeral))
    return "the secret is not the private key of the wrap's ephemeral key";
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secret, readerKey);
  } catch {
    return "no secret can be agreed with the buyer's key";
  }
  let kek: Uint8Array;
  try {
    kek = wrappingKey(shared, wrap.ephemeral, readerKey);
  } catch {
    return "no secret can be agreed with the buyer's key";
  }
  const key = aesGcmOpen(kek, wrapNonce, wrapAad(fingerprint, reader), wrap.sealed);
  return key ?? 'the wrap does not open: the buyer was given no key';
}

/**
 * The seller's answer to a dispute: one secret per delivered wrap, each opening its wrap to the
 * key whose check value the version committed. Null when it proves the keys right.
 */
export function answerCheck(
  secrets: readonly Uint8Array[],
  delivered: readonly DeliveredKey[],
  reader: string,
  readerKey: Uint8Array,
  versionOf: (version: number) => VersionState | undefined,
): BotError | null {
  if (secrets.length !== delivered.length)
    return botError(
      'BAD_REQUEST',
      `The answer shows ${secrets.length} secrets; the delivery gave ${delivered.length} keys (one secret each, in order).`,
    );
  for (let i = 0; i < delivered.length; i++) {
    const wrap = delivered[i]!;
    const version = versionOf(wrap.version);
    if (!version?.keyCheck)
      return botError('BAD_REQUEST', `Version ${wrap.version} has no committed key check.`);
    const key = openWithEphemeral(secrets[i]!, wrap, reader, readerKey, version.fingerprint);
    if (typeof key === 'string')
      return botError('UNAUTHORIZED', `Version ${wrap.version}: ${key}.`);
    if (!equalBytes(keyCheckOf(key, version.fingerprint), version.keyCheck))
      return botError(
        'UNAUTHORIZED',
        `Version ${wrap.version}: the key delivered is not the one its owner committed (its check value differs): it does not open the data.`,
      );
  }
  return null;
}
