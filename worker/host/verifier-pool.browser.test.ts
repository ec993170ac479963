// In real Chromium: the peer's verifier workers (verify.worker.ts, built by Vite) give the
// strict verdict of every edge-case vector and of random and forged signatures.
import { expect, it } from 'vitest';
import { browserVerifier } from './browser-verifier';
import { publicKeyFromSeed, signSync, verifyStrict } from '../core/crypto/ed25519';
import { fromHex } from '../core/bytes';
import { rfc8032, speccheck } from '../core/fixtures/ed25519-vectors';
import { malleatedVectors } from '../core/crypto/ed25519-extra';
import type { SignatureCheck } from '../core/block';

it('verifier workers agree with the strict verifier on vectors and on 600 random or forged signatures', async () => {
  const verifier = (await browserVerifier(2)) as Awaited<ReturnType<typeof browserVerifier>> & { threads: number; close(): void };
  expect(verifier.threads).toBe(2);
  const vectors = [...rfc8032, ...speccheck, ...malleatedVectors()];
  const checks: SignatureCheck[] = vectors.map((v) => ({ publicKey: fromHex(v.publicKey), message: fromHex(v.message), signature: fromHex(v.signature) }));
  const expected = vectors.map((v) => v.valid);
  for (let i = 0; i < 600; i++) {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const message = crypto.getRandomValues(new Uint8Array(i % 90));
    const signature = signSync(seed, message);
    if (i % 3 === 0) signature[i % 64]! ^= 1 << (i % 8);
    const publicKey = publicKeyFromSeed(seed);
    checks.push({ publicKey, message, signature });
    expected.push(verifyStrict(publicKey, message, signature));
  }
  expect(await verifier.verifyBatch(checks)).toEqual(expected);
  expect(expected.filter(Boolean).length).toBeGreaterThan(400);
  expect(verifier.threads).toBe(2); // no thread failed on the way
  verifier.close();
});
