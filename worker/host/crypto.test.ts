// The host's verdict cache: a signature verified once (a gossiped transaction) is not verified
// again when a proposal carries it, and a cached verdict never covers different bytes.
import { describe, expect, it } from 'vitest';
import { cachingVerifier, nobleVerifier, type Verifier } from './crypto';
import { publicKeyFromSeed, signSync } from '../core/crypto/ed25519';
import type { SignatureCheck } from '../core/block';

function counting(): Verifier & { verified: number } {
  const v = {
    backend: 'noble' as const,
    verified: 0,
    async verifyBatch(checks: SignatureCheck[]) {
      v.verified += checks.length;
      return nobleVerifier.verifyBatch(checks);
    },
  };
  return v;
}

const seed = new Uint8Array(32).fill(7);
const publicKey = publicKeyFromSeed(seed);
const check = (text: string): SignatureCheck => {
  const message = new TextEncoder().encode(text);
  return { publicKey, message, signature: signSync(seed, message) };
};

describe('cachingVerifier', () => {
  it('verifies a check once, also when the second batch starts before the first is done', async () => {
    const inner = counting();
    const verifier = cachingVerifier(inner);
    const a = check('tx a');
    const b = check('tx b');
    const [first, second] = await Promise.all([
      verifier.verifyBatch([a, b]),
      verifier.verifyBatch([b, a]),
    ]);
    expect(first).toEqual([true, true]);
    expect(second).toEqual([true, true]);
    expect(await verifier.verifyBatch([a])).toEqual([true]);
    expect(inner.verified).toBe(2);
  });

  it('never caches a failure, and a cached verdict does not cover another signature or message', async () => {
    const inner = counting();
    const verifier = cachingVerifier(inner);
    const good = check('tx c');
    const forged = { ...good, signature: good.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) };
    const moved = { ...good, message: new TextEncoder().encode('tx d') };
    expect(await verifier.verifyBatch([good])).toEqual([true]);
    expect(await verifier.verifyBatch([forged, moved, good])).toEqual([false, false, true]);
    expect(await verifier.verifyBatch([forged])).toEqual([false]);
    expect(inner.verified).toBe(4);
  });

  it('a signature that shares its first bytes (the cache key) with a verified one gets no verdict from it', async () => {
    const inner = counting();
    const verifier = cachingVerifier(inner);
    const good = check('tx e');
    const forged = { ...good, signature: good.signature.map((x, i) => (i === 40 ? x ^ 1 : x)) };
    expect(await verifier.verifyBatch([good])).toEqual([true]);
    expect(await verifier.verifyBatch([forged])).toEqual([false]);
    expect(
      await Promise.all([verifier.verifyBatch([forged]), verifier.verifyBatch([good])]),
    ).toEqual([[false], [true]]);
    expect(inner.verified).toBe(3);
  });

  it('a remembered check (signed here) is not verified; the same signature over other bytes still is', async () => {
    const inner = counting();
    const verifier = cachingVerifier(inner);
    const own = check('signed here');
    verifier.remember(own);
    expect(await verifier.verifyBatch([own])).toEqual([true]);
    expect(inner.verified).toBe(0);
    expect(
      await verifier.verifyBatch([{ ...own, message: new TextEncoder().encode('other bytes') }]),
    ).toEqual([false]);
    expect(inner.verified).toBe(1);
  });

  it('stays bounded: past its size it forgets and verifies again', async () => {
    const inner = counting();
    const verifier = cachingVerifier(inner, 2);
    const checks = [check('1'), check('2'), check('3')];
    for (const c of checks) await verifier.verifyBatch([c]);
    await verifier.verifyBatch([checks[0]!]);
    expect(inner.verified).toBe(4);
  });
});
