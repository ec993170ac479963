import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed, signSync, verifyStrict } from '../core/crypto/ed25519';
import { utf8 } from '../core/bytes';
import { testIdentity } from '../core/testing';
import { nodeTxSigner } from './node-signer';

describe("the Node peer's transaction signer", () => {
  it('signs exactly like signSync, under the identity key', async () => {
    const id = testIdentity('alice');
    const signer = await nodeTxSigner(id.seed);
    expect(signer.publicKey).toEqual(publicKeyFromSeed(id.seed));
    const message = utf8('a transaction');
    const sig = await signer.sign(message);
    expect(sig).toEqual(signSync(id.seed, message));
    expect(verifyStrict(id.publicKey, message, sig)).toBe(true);
  });

  it('signs in the calling thread: the signature is there before any other task runs', async () => {
    // WebCrypto's subtle.sign resolves only after a job on the thread pool (a later task); a
    // submission of the Node peer waited for that hop (issue 18). This one settles in microtasks.
    const signer = await nodeTxSigner(testIdentity('bob').seed);
    let signed: Uint8Array | null = null;
    void signer.sign(utf8('next step')).then((sig) => {
      signed = sig;
    });
    for (let i = 0; i < 3; i++) await Promise.resolve();
    expect(signed).toBeInstanceOf(Uint8Array);
  });
});
