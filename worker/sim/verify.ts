// Signature verdicts for the simulator: the strict precheck of worker/core/crypto/ed25519.ts,
// then Node's Ed25519 (OpenSSL, cofactorless like WebCrypto), cached by (key, message,
// signature) so 100 peers do not verify one vote 100 times.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { equalBytes, toHex } from '../core/bytes';
import { precheck } from '../core/crypto/ed25519';
import type { SignatureCheck } from '../core/block';

const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const cacheEntriesMax = 200_000;

export class SignatureVerifier {
  private readonly keys = new Map<string, KeyObject>();
  private readonly verdicts = new Map<string, Array<{ message: Uint8Array; ok: boolean }>>();
  verified = 0;

  check(item: SignatureCheck): boolean {
    const key = toHex(item.signature) + toHex(item.publicKey);
    const seen = this.verdicts.get(key)?.find((v) => equalBytes(v.message, item.message));
    if (seen) return seen.ok;
    const ok = this.verifyOnce(item);
    if (this.verdicts.size >= cacheEntriesMax) this.verdicts.clear();
    this.verdicts.set(key, [...(this.verdicts.get(key) ?? []), { message: item.message, ok }]);
    return ok;
  }

  all(items: SignatureCheck[]): boolean {
    return items.every((item) => this.check(item));
  }

  private verifyOnce(item: SignatureCheck): boolean {
    this.verified++;
    if (precheck(item.publicKey, item.signature) !== 'ok') return false;
    const hex = toHex(item.publicKey);
    let key = this.keys.get(hex);
    if (!key) {
      key = createPublicKey({ key: Buffer.concat([spkiPrefix, item.publicKey]), format: 'der', type: 'spki' });
      this.keys.set(hex, key);
    }
    try {
      return verify(null, item.message, key, item.signature);
    } catch {
      return false;
    }
  }
}

const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Node's Ed25519 signer for a seed: deterministic, the same bytes as signSync, much faster. */
export function nodeSigner(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
  return (message) => new Uint8Array(sign(null, message, key));
}
