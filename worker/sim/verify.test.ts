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
    expect(verifier.check({ publicKey: id.publicKey, message: utf8('other'), signature: sig })).toBe(false);
  });
});
