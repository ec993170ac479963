// Test helpers shared by the network tests (Node and the browser harness).
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed, signSync } from '../core/crypto/ed25519';

/** A fresh random identity: its did:key and a signer. */
export function testIdentity(): { did: string; sign(message: Uint8Array): Promise<Uint8Array> } {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return {
    did: didFromPublicKey(publicKeyFromSeed(seed)),
    sign: async (message) => signSync(seed, message),
  };
}
