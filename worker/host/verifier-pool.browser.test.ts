// In real Chromium: the peer's verifier workers (verify.worker.ts, built by Vite) give the
// strict verdict of every edge-case vector and of valid and forged signatures.
import { expect, it } from 'vitest';
import { browserVerifier } from './browser-verifier';
import { checksWithVerdicts } from '../core/fixtures/signature-checks';

it('verifier workers agree with the strict verifier on vectors and on 600 valid or forged signatures', async () => {
  const verifier = await browserVerifier(2);
  expect(verifier.threads).toBe(2);
  const { checks, expected } = checksWithVerdicts(600);
  expect(await verifier.verifyBatch(checks)).toEqual(expected);
  expect(expected.filter(Boolean).length).toBeGreaterThan(400);
  expect(verifier.threads).toBe(2); // no thread failed on the way
  verifier.close?.();
});
