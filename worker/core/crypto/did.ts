// did:key for Ed25519 (W3C did:key method): "did:key:z" + base58btc(0xed 0x01 || public key).
import { base58btc } from 'multiformats/bases/base58';
import { botError } from '../errors';
import { publicKeyBytes } from './ed25519';

const multicodecEd25519 = [0xed, 0x01] as const;
const didPrefix = 'did:key:';
/** Upper bound on the length of a did:key string for Ed25519 (48 chars of base58 + prefixes). */
export const didLengthMax = 64;

export function didFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== publicKeyBytes) throw new RangeError('publicKey: expected 32 bytes');
  const bytes = new Uint8Array(2 + publicKeyBytes);
  bytes.set(multicodecEd25519, 0);
  bytes.set(publicKey, 2);
  return didPrefix + base58btc.encode(bytes);
}

const cache = new Map<string, Uint8Array>();
const cacheEntriesMax = 10_000;

/** The public key inside a did:key, or a BAD_FIELD_TYPE error. */
export function publicKeyFromDid(did: string): Uint8Array {
  const cached = cache.get(did);
  if (cached) return cached;
  if (typeof did !== 'string' || did.length > didLengthMax || !did.startsWith(didPrefix + 'z')) {
    throw botError('BAD_FIELD_TYPE', 'The sender must be a did:key identifier (did:key:z6Mk...).');
  }
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(did.slice(didPrefix.length));
  } catch {
    throw botError('BAD_FIELD_TYPE', 'The did:key identifier is not valid base58btc.');
  }
  if (
    bytes.length !== 2 + publicKeyBytes ||
    bytes[0] !== multicodecEd25519[0] ||
    bytes[1] !== multicodecEd25519[1]
  ) {
    throw botError('BAD_FIELD_TYPE', 'The did:key identifier does not hold an Ed25519 public key.');
  }
  const key = bytes.slice(2);
  if (cache.size >= cacheEntriesMax) cache.clear();
  cache.set(did, key);
  return key;
}
