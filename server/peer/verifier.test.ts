// In Node (OpenSSL): WebCrypto Ed25519 behind our precheck gives the same verdict as the strict
// pure-JS verifier on every edge-case vector, so the headless peer may use the fast backend.
// (The same check for Chromium/BoringSSL is worker/core/crypto/ed25519.browser.test.ts.)
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../worker/core/bytes';
import { signSync, publicKeyFromSeed, verifyStrict } from '../../worker/core/crypto/ed25519';
import {
  bestVerifier,
  createSigner,
  hasWebCryptoEd25519,
  verifyWebCrypto,
} from '../../worker/host/crypto';
import { rfc8032, speccheck } from '../../worker/core/fixtures/ed25519-vectors';
import { malleatedVectors } from '../../worker/core/crypto/ed25519-extra';
import { checksWithVerdicts } from '../../worker/core/fixtures/signature-checks';

describe('Node WebCrypto Ed25519 and pure JS agree', () => {
  it('Node has WebCrypto Ed25519, so bestVerifier picks it', async () => {
    expect(await hasWebCryptoEd25519()).toBe(true);
    expect((await bestVerifier()).backend).toBe('webcrypto');
  });

  for (const v of [...rfc8032, ...speccheck, ...malleatedVectors()]) {
    it(`${v.name}: both ${v.valid ? 'accept' : 'reject'}`, async () => {
      const check = {
        publicKey: fromHex(v.publicKey),
        message: fromHex(v.message),
        signature: fromHex(v.signature),
      };
      expect(await verifyWebCrypto(check)).toBe(v.valid);
      expect(verifyStrict(check.publicKey, check.message, check.signature)).toBe(v.valid);
    });
  }

  it('agree on 200 random signatures and one-byte mutations of them; WebCrypto signing matches signSync', async () => {
    let disagreements = 0;
    let accepted = 0;
    for (let i = 0; i < 200; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const message = crypto.getRandomValues(new Uint8Array(i % 64));
      const publicKey = publicKeyFromSeed(seed);
      const signature = signSync(seed, message);
      if (i < 20) expect(await (await createSigner(seed)).sign(message)).toEqual(signature);
      const variants = [
        signature,
        signature.map((b, j) => (j === i % 64 ? b ^ (1 << (i % 8)) : b)),
      ];
      for (const sig of variants) {
        const web = await verifyWebCrypto({ publicKey, message, signature: sig });
        const js = verifyStrict(publicKey, message, sig);
        if (web !== js) disagreements++;
        if (web) accepted++;
      }
    }
    expect(disagreements).toBe(0);
    expect(accepted).toBe(200);
  });
});

describe('the headless peer verifies in worker threads', () => {
  it('two verifier threads give the strict verdict of every vector and of 600 valid or forged signatures', async () => {
    const { nodeVerifier } = await import('./node-verifier');
    const verifier = await nodeVerifier(2);
    expect(verifier.threads).toBe(2);
    const { checks, expected } = checksWithVerdicts(600);
    expect(await verifier.verifyBatch(checks)).toEqual(expected);
    expect(verifier.threads).toBe(2); // both threads answered: none was retired
    verifier.close?.();
  });
});
