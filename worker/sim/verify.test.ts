import { describe, expect, it } from 'vitest';
import { signSync } from '../core/crypto/ed25519';
import { utf8 } from '../core/bytes';
import { testIdentity } from '../core/testing';
import { nodeSigner, SignatureVerifier } from './verify';

describe('simulator signatures', () => {
  it('signs exactly like signSync and verifies with a cache', () => {
    const id = testIdentity('alice');
    const message = utf8('vote');
    const sig = nodeSigner(id.seed)(message);
    expect(sig).toEqual(signSync(id.seed, message));
    const verifier = new SignatureVerifier();
    expect(verifier.check({ publicKey: id.publicKey, message, signature: sig })).toBe(true);
    expect(verifier.check({ publicKey: id.publicKey, message, signature: sig })).toBe(true);
    expect(verifier.verified).toBe(1);
    expect(
      verifier.check({ publicKey: id.publicKey, message: utf8('other'), signature: sig }),
    ).toBe(false);
  });

  it("knows its own signers' signatures as valid, and still verifies and rejects anything else", () => {
    const id = testIdentity('bob');
    const verifier = new SignatureVerifier();
    const sign = verifier.signer(id.seed, id.publicKey);
    const message = utf8('precommit');
    const sig = sign(message);
    expect(sig).toEqual(signSync(id.seed, message));
    expect(verifier.check({ publicKey: id.publicKey, message, signature: sig })).toBe(true);
    expect(verifier.verified).toBe(0);
    const flipped = sig.slice();
    flipped[0]! ^= 1;
    expect(verifier.check({ publicKey: id.publicKey, message, signature: flipped })).toBe(false);
    expect(
      verifier.check({ publicKey: id.publicKey, message: utf8('prevote'), signature: sig }),
    ).toBe(false);
    expect(
      verifier.check({ publicKey: testIdentity('carol').publicKey, message, signature: sig }),
    ).toBe(false);
    expect(verifier.verified).toBe(3);
  });
});
