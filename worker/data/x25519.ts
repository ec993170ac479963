// X25519 key agreement (RFC 7748) for the host: WebCrypto where the runtime has it (Chromium
// 133+, Node 20), @noble/curves otherwise. Both give the same shared secret for the same keys
// (envelope.test.ts and envelope.browser.test.ts cross them), so a key wrapped by one opens
// with the other.
import { x25519 } from '@noble/curves/ed25519.js';
import { botError } from '../core/errors';
import { concatBytes, fromHex } from '../core/bytes';
import { x25519KeyBytes } from '../core/modules/datasets/keys';

export interface EphemeralPair {
  publicKey: Uint8Array;
  /** The shared secret with `peerPublic` (BAD_KEY for a low-order key). */
  agree(peerPublic: Uint8Array): Promise<Uint8Array>;
}

export interface X25519Backend {
  readonly name: 'webcrypto' | 'noble';
  /** A fresh key pair whose private half never leaves the backend. */
  ephemeral(): Promise<EphemeralPair>;
  /** The shared secret of a raw 32-byte private key with `peerPublic`. */
  agree(privateKey: Uint8Array, peerPublic: Uint8Array): Promise<Uint8Array>;
}

const lowOrder = () =>
  botError(
    'BAD_KEY',
    'The X25519 key agreement gave no secret: the other key is a low-order point.',
  );

function checkKey(name: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${name}: expected bytes`);
  if (key.length !== x25519KeyBytes) throw new RangeError(`${name}: expected 32 bytes`);
}

function nonZero(secret: Uint8Array): Uint8Array {
  if (secret.every((b) => b === 0)) throw lowOrder();
  return secret;
}

function nobleAgree(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  checkKey('privateKey', privateKey);
  checkKey('peerPublic', peerPublic);
  try {
    return nonZero(x25519.getSharedSecret(privateKey, peerPublic));
  } catch (error) {
    if (error instanceof Error && error.name === 'BotError') throw error;
    throw lowOrder();
  }
}

export const nobleX25519: X25519Backend = {
  name: 'noble',
  async ephemeral() {
    const privateKey = x25519.utils.randomSecretKey();
    return {
      publicKey: x25519.getPublicKey(privateKey),
      agree: async (peer) => nobleAgree(privateKey, peer),
    };
  },
  async agree(privateKey, peerPublic) {
    return nobleAgree(privateKey, peerPublic);
  },
};

// PKCS#8 wrapper of a raw 32-byte X25519 private key (RFC 8410).
const pkcs8Prefix = fromHex('302e020100300506032b656e04220420');

async function subtleAgree(privateKey: CryptoKey, peerPublic: Uint8Array): Promise<Uint8Array> {
  checkKey('peerPublic', peerPublic);
  let bits: ArrayBuffer;
  try {
    const peer = await crypto.subtle.importKey(
      'raw',
      peerPublic as BufferSource,
      { name: 'X25519' },
      false,
      [],
    );
    bits = await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, privateKey, 256);
  } catch {
    throw lowOrder(); // BoringSSL and OpenSSL refuse an all-zero result
  }
  return nonZero(new Uint8Array(bits));
}

export const webCryptoX25519: X25519Backend = {
  name: 'webcrypto',
  async ephemeral() {
    const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, [
      'deriveBits',
    ])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return { publicKey, agree: (peer) => subtleAgree(pair.privateKey, peer) };
  },
  async agree(privateKey, peerPublic) {
    checkKey('privateKey', privateKey);
    const pkcs8 = concatBytes(pkcs8Prefix, privateKey);
    const key = await crypto.subtle.importKey(
      'pkcs8',
      pkcs8 as BufferSource,
      { name: 'X25519' },
      false,
      ['deriveBits'],
    );
    return subtleAgree(key, peerPublic);
  },
};

let probe: Promise<boolean> | null = null;

/** Whether this runtime's WebCrypto does X25519 and agrees with RFC 7748's test vector. */
export function hasWebCryptoX25519(): Promise<boolean> {
  probe ??= (async () => {
    try {
      // RFC 7748 section 6.1: Alice's private key with Bob's public key.
      const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const bob = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      const shared = await webCryptoX25519.agree(alice, bob);
      return shared[0] === 0x4a && shared[31] === 0x42;
    } catch {
      return false;
    }
  })();
  return probe;
}

export async function bestX25519(): Promise<X25519Backend> {
  return (await hasWebCryptoX25519()) ? webCryptoX25519 : nobleX25519;
}

/** An X25519 backend whose ephemeral private keys are kept (pushed to `into`, in order). */
export function keptEphemerals(into: Uint8Array[]): X25519Backend {
  return {
    ...nobleX25519,
    async ephemeral() {
      const privateKey = x25519.utils.randomSecretKey();
      into.push(privateKey);
      return {
        publicKey: x25519.getPublicKey(privateKey),
        agree: (peer) => nobleX25519.agree(privateKey, peer),
      };
    },
  };
}
