// In real Chromium: WebCrypto (BoringSSL) behind our precheck gives the same verdict as the
// pure-JS strict verifier on every edge-case vector and on random and mutated signatures.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes';
import { signSync, publicKeyFromSeed, verifyStrict } from './ed25519';
import { hasWebCryptoEd25519, verifyWebCrypto } from '../../host/crypto';
import { rfc8032, speccheck } from '../fixtures/ed25519-vectors';
import { malleatedVectors } from './ed25519-extra';

describe('WebCrypto and pure JS agree', () => {
  it('Chromium has WebCrypto Ed25519', async () => {
    expect(await hasWebCryptoEd25519()).toBe(true);
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

  it('agree on 200 random signatures and one-byte mutations of them', async () => {
    let disagreements = 0;
    let accepted = 0;
    for (let i = 0; i < 200; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const message = crypto.getRandomValues(new Uint8Array(i % 64));
      const publicKey = publicKeyFromSeed(seed);
      const signature = signSync(seed, message);
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
