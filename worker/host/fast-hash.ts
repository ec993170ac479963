// SHA-256 for the core from WebAssembly (hash-wasm): 2-3x faster than pure JS on the short
// inputs the core hashes (trie nodes, tx ids), and without the per-call garbage. Installed
// once, after it gives the reference outputs on a set of inputs; if it cannot be made (no
// WebAssembly) or disagrees, the pure-JS one stays.
//
// The core hashes ~10 short inputs per transaction, and hash-wasm's JavaScript around each call
// (init, update, digest: type checks, two array views and three look-ups of the instance's
// exports) cost about as much as a 64-byte block of compression. So the host calls the
// module's own one-shot export, Hash_Calculate, on the instance hash-wasm made: one copy in,
// one call, one 32-byte copy out. hash-wasm does not hand out its instance, so it is taken from
// WebAssembly.instantiate while createSHA256 runs (passed through unchanged). If that instance
// is not there or not the expected shape, or its outputs differ, the plain hasher is used.
import { createSHA256 } from 'hash-wasm';
import { referenceSha256, useSha256, type Sha256 } from '../core/crypto/hash';
import { equalBytes } from '../core/bytes';

let installed: Promise<boolean> | null = null;
let path: 'direct' | 'wrapped' | null = null;

/** Which WebAssembly path is installed (null: none, the pure-JS reference runs). */
export function fastSha256Path(): 'direct' | 'wrapped' | null {
  return path;
}
/** hash-wasm's input buffer in the module's memory (its MAX_HEAP). */
const bufferBytes = 16 * 1024;

interface Sha256Exports {
  memory: WebAssembly.Memory;
  Hash_GetBuffer(): number;
  Hash_Init(bits: number): void;
  Hash_Update(length: number): void;
  Hash_Final(): void;
  Hash_Calculate(length: number, bits: number): void;
}

function isSha256Exports(exports: WebAssembly.Exports): boolean {
  return exports.memory instanceof WebAssembly.Memory && ['Hash_GetBuffer', 'Hash_Init', 'Hash_Update', 'Hash_Final', 'Hash_Calculate'].every((name) => typeof exports[name] === 'function');
}

/** createSHA256, and the instance it made if it could be seen. */
async function createWithInstance(): Promise<{ hasher: Awaited<ReturnType<typeof createSHA256>>; exports: Sha256Exports | null }> {
  const original = WebAssembly.instantiate;
  let seen: WebAssembly.Instance | null = null;
  const watching = async function (this: unknown, ...args: Parameters<typeof original>) {
    const result = await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    if (result instanceof WebAssembly.Instance && isSha256Exports(result.exports)) seen = result;
    return result;
  };
  WebAssembly.instantiate = watching as typeof original;
  try {
    const hasher = await createSHA256();
    const instance = seen as WebAssembly.Instance | null;
    return { hasher, exports: instance ? (instance.exports as unknown as Sha256Exports) : null };
  } finally {
    if (WebAssembly.instantiate === (watching as typeof original)) WebAssembly.instantiate = original;
  }
}

/** SHA-256 through the module's exports directly (inputs past its buffer in chunks). */
function direct(exports: Sha256Exports): Sha256 {
  const { Hash_Calculate: calculate, Hash_Init: init, Hash_Update: update, Hash_Final: final } = exports;
  const offset = exports.Hash_GetBuffer();
  let view = new Uint8Array(exports.memory.buffer, offset, bufferBytes);
  return (data) => {
    if (view.byteLength === 0) view = new Uint8Array(exports.memory.buffer, offset, bufferBytes); // the memory grew
    if (data.length <= bufferBytes) {
      view.set(data);
      calculate(data.length, 256);
    } else {
      init(256);
      for (let at = 0; at < data.length; at += bufferBytes) {
        const chunk = data.subarray(at, at + bufferBytes);
        view.set(chunk);
        update(chunk.length);
      }
      final();
    }
    return view.slice(0, 32);
  };
}

function agreesWithReference(hash: Sha256): boolean {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, bufferBytes - 1, bufferBytes, bufferBytes + 1, 70_000]) {
    const input = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
    if (!equalBytes(hash(input), referenceSha256(input))) return false;
  }
  return true;
}

export function installFastSha256(): Promise<boolean> {
  installed ??= (async () => {
    try {
      const { hasher, exports } = await createWithInstance();
      const wrapped: Sha256 = (data) => {
        hasher.init();
        hasher.update(data);
        return hasher.digest('binary');
      };
      const fast = exports ? direct(exports) : null;
      if (fast && agreesWithReference(fast)) {
        useSha256(fast);
        path = 'direct';
        return true;
      }
      if (!agreesWithReference(wrapped)) return false;
      useSha256(wrapped);
      path = 'wrapped';
      return true;
    } catch {
      return false;
    }
  })();
  return installed;
}
