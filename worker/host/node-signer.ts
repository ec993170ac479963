// Node's Ed25519 signer for a seed (OpenSSL, synchronous): the same bytes as signSync
// (RFC 8032 signatures are deterministic), about fifty times faster than the pure-JS signer.
// Node only (the headless peer, the simulator, the benches): a tab signs its consensus messages
// with signerFromSeed (worker/core/crypto/ed25519.ts), WebCrypto having no synchronous signing.
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { toHex } from '../core/bytes';

const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Private keys by seed, made once per process (a soak signs with the same few identities). */
const privateKeys = new Map<string, KeyObject>();

/** Node's Ed25519 signer for a seed: deterministic, the same bytes as signSync, much faster. */
export function nodeSigner(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  const hex = toHex(seed);
  let key = privateKeys.get(hex);
  if (!key) {
    key = createPrivateKey({
      key: Buffer.concat([pkcs8Prefix, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    privateKeys.set(hex, key);
  }
  const known = key;
  return (message) => new Uint8Array(sign(null, message, known));
}
