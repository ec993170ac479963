// Node's Ed25519 signer for a seed (OpenSSL, synchronous): the same bytes as signSync
// (RFC 8032 signatures are deterministic), about fifty times faster than the pure-JS signer.
// Node only (the headless peer, the simulator, the benches): a tab signs its consensus messages
// with signerFromSeed (worker/core/crypto/ed25519.ts), WebCrypto having no synchronous signing,
// and its transactions with WebCrypto (worker/host/crypto.ts createSigner).
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { toHex } from '../core/bytes';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import type { Signer } from './crypto';

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

/**
 * The identity's transaction signer on Node (PeerHost's `signerFor`): OpenSSL in the calling
 * thread. WebCrypto's `subtle.sign` runs each signature as a job on libuv's thread pool and
 * resolves on a later turn of the event loop: every submission waited for a thread hop (0.4 ms
 * on an idle box, 1.3 ms median and 5-6 ms at the 90th percentile with the two cores loaded 12
 * times over; BENCHMARKS.md, issue 18). Same bytes (RFC 8032 signatures are deterministic).
 */
export async function nodeTxSigner(seed: Uint8Array): Promise<Signer> {
  const sign = nodeSigner(seed);
  return { publicKey: publicKeyFromSeed(seed), sign: async (message) => sign(message) };
}
