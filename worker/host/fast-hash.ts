// SHA-256 for the core from WebAssembly (hash-wasm): 2-3x faster than pure JS on the short
// inputs the core hashes (trie nodes, tx ids), and without the per-call garbage. Installed
// once, after it gives the reference outputs on a set of inputs; if it cannot be made (no
// WebAssembly) or disagrees, the pure-JS one stays.
import { createSHA256 } from 'hash-wasm';
import { referenceSha256, useSha256 } from '../core/crypto/hash';
import { equalBytes } from '../core/bytes';

let installed: Promise<boolean> | null = null;

export function installFastSha256(): Promise<boolean> {
  installed ??= (async () => {
    try {
      const hasher = await createSHA256();
      const wasm = (data: Uint8Array): Uint8Array => {
        hasher.init();
        hasher.update(data);
        return hasher.digest('binary');
      };
      for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_000]) {
        const input = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
        if (!equalBytes(wasm(input), referenceSha256(input))) return false;
      }
      useSha256(wasm);
      return true;
    } catch {
      return false;
    }
  })();
  return installed;
}
