// Signature verdicts for the simulator: the strict precheck of worker/core/crypto/ed25519.ts,
// then Node's Ed25519 (OpenSSL, cofactorless like WebCrypto), cached by (key, message,
// signature) so 100 peers do not verify one vote 100 times. A signature the simulator's own
// signers made (`signer`) is entered in the cache as valid when it is made: Ed25519 signing
// with the key's seed yields a valid signature by definition, so verifying it again checks
// nothing the engines depend on, and it was half the simulator's time. Anything else (forged
// votes, flipped bytes, a signature moved to another message) is verified as before.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { equalBytes, toHex } from '../core/bytes';
import { precheck } from '../core/crypto/ed25519';
import type { SignatureCheck } from '../core/block';
import { nodeSigner } from '../host/node-signer';

export { nodeSigner };

const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const cacheEntriesMax = 200_000;

/** Public keys by hex, made once per process. */
const publicKeys = new Map<string, KeyObject>();

export class SignatureVerifier {
  private readonly verdicts = new Map<string, Array<{ message: Uint8Array; ok: boolean }>>();
  verified = 0;

  check(item: SignatureCheck): boolean {
    const key = toHex(item.signature) + toHex(item.publicKey);
    const seen = this.verdicts.get(key)?.find((v) => equalBytes(v.message, item.message));
    if (seen) return seen.ok;
    const ok = this.verifyOnce(item);
    this.remember(key, item.message, ok);
    return ok;
  }

  /** A signing function for `seed` whose signatures this verifier knows to be valid without verifying them. */
  signer(seed: Uint8Array, publicKey: Uint8Array): (message: Uint8Array) => Uint8Array {
    const sign = nodeSigner(seed);
    const keyHex = toHex(publicKey);
    return (message) => {
      const signature = sign(message);
      this.remember(toHex(signature) + keyHex, message, true);
      return signature;
    };
  }

  private remember(key: string, message: Uint8Array, ok: boolean): void {
    if (this.verdicts.size >= cacheEntriesMax) this.verdicts.clear();
    this.verdicts.set(key, [...(this.verdicts.get(key) ?? []), { message, ok }]);
  }

  all(items: SignatureCheck[]): boolean {
    return items.every((item) => this.check(item));
  }

  private verifyOnce(item: SignatureCheck): boolean {
    this.verified++;
    if (precheck(item.publicKey, item.signature) !== 'ok') return false;
    const hex = toHex(item.publicKey);
    let key = publicKeys.get(hex);
    if (!key) {
      key = createPublicKey({
        key: Buffer.concat([spkiPrefix, item.publicKey]),
        format: 'der',
        type: 'spki',
      });
      publicKeys.set(hex, key);
    }
    try {
      return verify(null, item.message, key, item.signature);
    } catch {
      return false;
    }
  }
}
