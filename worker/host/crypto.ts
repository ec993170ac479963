// Signature backends for the host: WebCrypto Ed25519 where present (about ten times faster
// than pure JS in Chromium), the strict pure-JS verifier otherwise. Both apply the same
// rules: `precheck` first, then the cofactorless equation (see core/crypto/ed25519.ts).
import { precheck, verifyStrict, signSync, publicKeyFromSeed } from '../core/crypto/ed25519';
import { concatBytes, equalBytes, fromHex } from '../core/bytes';
import type { SignatureCheck } from '../core/block';
import * as limits from '../core/limits';

export interface Verifier {
  readonly backend: 'webcrypto' | 'noble';
  /** Verifier threads beside the caller's (a pool); absent: checks run on the calling thread. */
  readonly threads?: number;
  verifyBatch(checks: SignatureCheck[]): Promise<boolean[]>;
  /** Let go of the verifier threads, if any. */
  close?(): void;
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
      const key = await crypto.subtle.importKey(
        'raw',
        fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a') as BufferSource,
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      return await crypto.subtle.verify(
        'Ed25519',
        key,
        fromHex(
          'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
        ) as BufferSource,
        new Uint8Array(0),
      );
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
    key = crypto.subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    keyCache.set(id, key);
  }
  return key;
}

export async function verifyWebCrypto(check: SignatureCheck): Promise<boolean> {
  if (precheck(check.publicKey, check.signature) !== 'ok') return false;
  try {
    const key = await verifyKey(check.publicKey);
    return await crypto.subtle.verify(
      'Ed25519',
      key,
      check.signature as BufferSource,
      check.message as BufferSource,
    );
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

/**
 * The cache's key: the signature's first six bytes as a number (48 bits of what is, for a real
 * signature, a random-looking curve point), made without allocating a string; a 64-character
 * latin1 string per check was 4 % of the peer thread. Two signatures may share a key: a hit is
 * used only when key, message and signature are all equal, so a shared key costs a second
 * verification, never a wrong verdict.
 */
function signatureKey(check: SignatureCheck): number {
  const s = check.signature;
  return (
    (s[0]! | (s[1]! << 8) | (s[2]! << 16)) + (s[3]! | (s[4]! << 8) | (s[5]! << 16)) * 0x1000000
  );
}

function sameCheck(a: SignatureCheck, b: SignatureCheck): boolean {
  return (
    equalBytes(a.signature, b.signature) &&
    equalBytes(a.publicKey, b.publicKey) &&
    equalBytes(a.message, b.message)
  );
}

/**
 * Remembers checks that verified (never failures), so a transaction verified when it was
 * gossiped or submitted is not verified again when a proposal or a synced block carries it; a
 * check still being verified is shared, not started twice. A verdict is reused only for the
 * same public key, message and signature (keyed by the signature, compared in full on a hit).
 * Bounded by limits.verifiedSignaturesCachedMax (cleared when full).
 */
export interface CachingVerifier extends Verifier {
  /** Take `check` as verified without verifying it: for a signature this peer has just made itself. */
  remember(check: SignatureCheck): void;
}

export function cachingVerifier(
  inner: Verifier,
  entriesMax: number = limits.verifiedSignaturesCachedMax,
): CachingVerifier {
  const verified = new Map<number, SignatureCheck>();
  /** Checks being verified: the batch they went out in and their place in it (one promise per batch, not per check). */
  const pending = new Map<
    number,
    { check: SignatureCheck; batch: Promise<boolean[] | null>; at: number }
  >();
  const keep = (key: number, check: SignatureCheck) => {
    if (verified.size >= entriesMax) verified.clear();
    verified.set(key, check);
  };
  return {
    backend: inner.backend,
    remember(check) {
      keep(signatureKey(check), check);
    },
    async verifyBatch(checks) {
      const verdicts = new Array<boolean>(checks.length).fill(false);
      const waits: Promise<void>[] = [];
      const fresh: SignatureCheck[] = [];
      const freshAt: number[] = [];
      const freshKeys: number[] = [];
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i]!;
        const key = signatureKey(check);
        const done = verified.get(key);
        if (done !== undefined && sameCheck(done, check)) {
          verdicts[i] = true;
          continue;
        }
        const inFlight = pending.get(key);
        if (inFlight !== undefined && sameCheck(inFlight.check, check)) {
          waits.push(
            inFlight.batch.then((results) => void (verdicts[i] = results?.[inFlight.at] === true)),
          );
          continue;
        }
        fresh.push(check);
        freshAt.push(i);
        freshKeys.push(key);
      }
      if (fresh.length > 0) {
        const batch = inner.verifyBatch(fresh);
        const shared = batch.then(
          (results) => results,
          () => null,
        );
        const owned: boolean[] = [];
        for (let j = 0; j < fresh.length; j++) {
          const key = freshKeys[j]!;
          const own = !pending.has(key) && pending.size < entriesMax;
          owned.push(own);
          if (own) pending.set(key, { check: fresh[j]!, batch: shared, at: j });
        }
        let results: boolean[];
        try {
          results = await batch; // a failing backend fails the call, as without the cache
        } finally {
          for (let j = 0; j < fresh.length; j++) if (owned[j]) pending.delete(freshKeys[j]!);
        }
        for (let j = 0; j < fresh.length; j++) {
          const ok = results[j] === true;
          verdicts[freshAt[j]!] = ok;
          if (ok) keep(freshKeys[j]!, fresh[j]!);
        }
      }
      if (waits.length > 0) await Promise.all(waits);
      return verdicts;
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
    const key = await crypto.subtle.importKey(
      'pkcs8',
      concatBytes(pkcs8Prefix, seed) as BufferSource,
      { name: 'Ed25519' },
      false,
      ['sign'],
    );
    return {
      publicKey,
      sign: async (message) =>
        new Uint8Array(await crypto.subtle.sign('Ed25519', key, message as BufferSource)),
    };
  }
  return { publicKey, sign: async (message) => signSync(seed, message) };
}
