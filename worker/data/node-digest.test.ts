import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../core/bytes';
import { blobIdOf, MemoryBlobStore, useBlobDigest, webCryptoDigest } from './blob-store';
import { DiskBlobStore } from './blob-disk';
import { errorCode } from './errors';
import { installNodeBlobDigest, nodeSha256 } from './node-digest';
import { openVersion, sealVersion } from './seal';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ascii = (text: string) => new TextEncoder().encode(text);

// FIPS 180-2 appendix B (SHA-256 examples).
const vectors = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
] as const;

async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('blob ids from node:crypto (the Node peer)', () => {
  // Module state: vitest runs files of one worker in one module registry.
  afterEach(() => useBlobDigest(null));

  it('gives the standard vectors and WebCrypto digests, the 1 MiB chunks included', async () => {
    for (const [text, digest] of vectors) expect(toHex(nodeSha256(ascii(text)))).toBe(digest);
    const chunk = new Uint8Array(1024 * 1024 + 16);
    for (let i = 0; i < chunk.length; i += 65536)
      crypto.getRandomValues(chunk.subarray(i, i + 65536));
    expect(toHex(nodeSha256(chunk))).toBe(toHex(await webCryptoDigest(chunk)));
    // A view into a larger buffer (a pushed chunk read out of its message) hashes only itself.
    const view = chunk.subarray(100, 100 + 70_000);
    expect(toHex(nodeSha256(view))).toBe(toHex(await webCryptoDigest(view.slice())));
  });

  it('once installed, names blobs, and stores still refuse bytes that are not their id', async () => {
    expect(await installNodeBlobDigest()).toBe(true);
    expect(await blobIdOf(ascii('abc'))).toBe(vectors[1][1]);
    const directory = mkdtempSync(join(tmpdir(), 'bot-node-digest-'));
    try {
      for (const store of [new MemoryBlobStore(), await DiskBlobStore.open(directory)]) {
        const id = await store.put(ascii('abc'));
        expect(id).toBe(vectors[1][1]);
        const wrong = await store.put(ascii('abd'), id).catch((error) => errorCode(error));
        expect(wrong).toBe('TAMPERED');
        await store.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('once installed, a sealed version opens, and a flipped byte in a chunk is TAMPERED', async () => {
    expect(await installNodeBlobDigest()).toBe(true);
    const store = new MemoryBlobStore();
    const plain = new Uint8Array(2 * 1024 * 1024 + 3).map((_, i) => (i * 7) & 0xff);
    const sealed = await sealVersion(pieces(plain), plain.length, store);
    let back = 0;
    for await (const c of openVersion(sealed.fingerprint, sealed.contentKey, (id) => store.get(id)))
      back += c.length;
    expect(back).toBe(plain.length);
    const first = toHex(sealed.manifest.chunks[0]!.hash);
    const flipped = async (id: string) => {
      const bytes = await store.get(id);
      if (bytes && id === first) bytes[10]! ^= 1;
      return bytes;
    };
    const reading = (async () => {
      for await (const _ of openVersion(sealed.fingerprint, sealed.contentKey, flipped));
    })();
    expect(await reading.catch((error) => errorCode(error))).toBe('TAMPERED');
  });
});
