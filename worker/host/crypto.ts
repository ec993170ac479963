// Signature backends for the host: WebCrypto Ed25519 where present (about ten times faster
// than pure JS in Chromium), the strict pure-JS verifier otherwise. Both apply the same
// rules: `precheck` first, then the cofactorless equation (see core/crypto/ed25519.ts).
import { precheck, verifyStrict, signSync, publicKeyFromSeed } from '../core/crypto/ed25519';
import { concatBytes, fromHex } from '../core/bytes';
import type { SignatureCheck } from '../core/block';
import * as limits from '../core/limits';

export interface Verifier {
  readonly backend: 'webcrypto' | 'noble';
  verifyBatch(checks: SignatureCheck[]): Promise<boolean[]>;
}

export interface Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

let webCryptoEd25519: Promise<boolean> | null = null;

/** Whether this runtime's WebCrypto implements Ed25519 (Chromium 137+, Node 20). */
export function hasWebCryptoEd25519(): Promise<boolean> {
  webCryptoEd25519 ??= (async () => {
    try {
      const key = await crypto.subtle.importKey('raw', fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a') as BufferSource, { name: 'Ed25519' }, false, ['verify']);
      return await crypto.subtle.verify('Ed25519', key, fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b') as BufferSource, new Uint8Array(0));
    } catch {
      return false;
    }
  })();
  return webCryptoEd25519;
}

const keyCache = new Map<string, Promise<CryptoKey>>();
const keyCacheEntriesMax = 4096;

function verifyKey(publicKey: Uint8Array): Promise<CryptoKey> {
  const id = String.fromCharCode(...publicKey);
  let key = keyCache.get(id);
  if (!key) {
    if (keyCache.size >= keyCacheEntriesMax) keyCache.clear();
    key = crypto.subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    keyCache.set(id, key);
  }
  return key;
}

export async function verifyWebCrypto(check: SignatureCheck): Promise<boolean> {
  if (precheck(check.publicKey, check.signature) !== 'ok') return false;
  try {
    const key = await verifyKey(check.publicKey);
    return await crypto.subtle.verify('Ed25519', key, check.signature as BufferSource, check.message as BufferSource);
  } catch {
    return false;
  }
}

export const nobleVerifier: Verifier = {
  backend: 'noble',
  async verifyBatch(checks) {
    return checks.map((c) => verifyStrict(c.publicKey, c.message, c.signature));
  },
};

export const webCryptoVerifier: Verifier = {
  backend: 'webcrypto',
  verifyBatch(checks) {
    return Promise.all(checks.map(verifyWebCrypto));
  },
};

/** The exact bytes of a check: a cached verdict holds only for the same key, message and signature. */
function checkKey(check: SignatureCheck): string {
  return `${String.fromCharCode(...check.publicKey)}|${String.fromCharCode(...check.signature)}|${String.fromCharCode(...check.message)}`;
}

/**
 * Remembers checks that verified (never failures), so a transaction verified when it was
 * gossiped or submitted is not verified again when a proposal or a synced block carries it; a
 * check still being verified is shared, not started twice. Bounded by
 * limits.verifiedSignaturesCachedMax (cleared when full).
 */
export function cachingVerifier(inner: Verifier, entriesMax: number = limits.verifiedSignaturesCachedMax): Verifier {
  const verified = new Set<string>();
  const pending = new Map<string, Promise<boolean>>();
  return {
    backend: inner.backend,
    async verifyBatch(checks) {
      const verdicts: Array<boolean | Promise<boolean>> = [];
      const fresh: SignatureCheck[] = [];
      const freshAt: number[] = [];
      const freshKeys: string[] = [];
      for (let i = 0; i < checks.length; i++) {
        const key = checkKey(checks[i]!);
        const known = verified.has(key) ? true : pending.get(key);
        if (known !== undefined) {
          verdicts.push(known);
          continue;
        }
        verdicts.push(false);
        fresh.push(checks[i]!);
        freshAt.push(i);
        freshKeys.push(key);
      }
      if (fresh.length > 0) {
        const batch = inner.verifyBatch(fresh);
        for (let j = 0; j < fresh.length; j++) {
          const key = freshKeys[j]!;
          const one = batch.then(
            (results) => results[j] === true,
            () => false,
          );
          if (pending.size < entriesMax) pending.set(key, one);
          verdicts[freshAt[j]!] = one;
          void one.then((ok) => {
            pending.delete(key);
            if (!ok) return;
            if (verified.size >= entriesMax) verified.clear();
            verified.add(key);
          });
        }
        await batch; // a failing backend fails the call, as without the cache
      }
      return Promise.all(verdicts);
    },
  };
}

export async function bestVerifier(): Promise<Verifier> {
  return (await hasWebCryptoEd25519()) ? webCryptoVerifier : nobleVerifier;
}

// PKCS#8 wrapper of a 32-byte Ed25519 seed (RFC 8410).
const pkcs8Prefix = fromHex('302e020100300506032b657004220420');

export async function createSigner(seed: Uint8Array): Promise<Signer> {
  const publicKey = publicKeyFromSeed(seed);
  if (await hasWebCryptoEd25519()) {
    const key = await crypto.subtle.importKey('pkcs8', concatBytes(pkcs8Prefix, seed) as BufferSource, { name: 'Ed25519' }, false, ['sign']);
    return { publicKey, sign: async (message) => new Uint8Array(await crypto.subtle.sign('Ed25519', key, message as BufferSource)) };
  }
  return { publicKey, sign: async (message) => signSync(seed, message) };
}
