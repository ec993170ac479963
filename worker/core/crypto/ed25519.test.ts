import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes';
import { precheck, publicKeyFromSeed, signSync, verifyStrict } from './ed25519';
import { rfc8032, speccheck } from '../fixtures/ed25519-vectors';
import { malleatedVectors } from './ed25519-extra';

describe('strict Ed25519 verification (pure JS path)', () => {
  for (const v of [...rfc8032, ...speccheck, ...malleatedVectors()]) {
    it(`${v.name}: ${v.valid ? 'accepts' : 'rejects'} (${v.why})`, () => {
      expect(verifyStrict(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(v.valid);
    });
  }

  it('signs RFC 8032 TEST 1 to the official bytes', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    expect(toHex(publicKeyFromSeed(seed))).toBe(rfc8032[0]!.publicKey);
    expect(toHex(signSync(seed, new Uint8Array(0)))).toBe(rfc8032[0]!.signature);
  });

  it('names the rule a precheck failure breaks', () => {
    expect(precheck(new Uint8Array(31), new Uint8Array(64))).toBe('bad-length');
    expect(precheck(fromHex(speccheck[1]!.publicKey), fromHex(speccheck[1]!.signature))).toBe('small-order-key');
    expect(precheck(fromHex(speccheck[6]!.publicKey), fromHex(speccheck[6]!.signature))).toBe('s-too-large');
  });
});
