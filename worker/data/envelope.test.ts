import { describe, expect, it } from 'vitest';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import {
  readerKeysFromSeed,
  wrapContentKey,
  wrapForReaders,
  unwrapContentKey,
  newContentKey,
} from './envelope';
import { nobleX25519, webCryptoX25519, hasWebCryptoX25519 } from './x25519';
import { checkBinding } from '../core/modules/datasets/keys';
import { MemoryBlobStore } from './blob-store';
import { sealVersion, openVersion } from './seal';
import {
  encodeManifest,
  manifestFingerprint,
  decodeManifest,
} from '../core/modules/datasets/manifest';
import { errorCode } from './errors';
import { equalBytes, toHex } from '../core/bytes';

const identity = (n: number) => {
  const seed = new Uint8Array(32).fill(n);
  const did = didFromPublicKey(publicKeyFromSeed(seed));
  return readerKeysFromSeed(seed, did);
};
const fingerprint = new Uint8Array(32).fill(5);

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return errorCode(error) ?? String(error);
  }
  return undefined;
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function* source(bytes: Uint8Array, piece = 100_000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, at + piece);
}

const content = (length: number) => {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
};

describe('key binding', () => {
  it('binds an X25519 key to its did, deterministically; refuses one signed by another did', () => {
    const a = identity(1);
    expect(identity(1).binding).toEqual(a.binding);
    expect(checkBinding(a.binding)).toEqual(a.binding);
    const b = identity(2);
    expect(() => checkBinding({ ...a.binding, x25519: b.binding.x25519 })).toThrow(
      /not signed by that identity/,
    );
    expect(() => checkBinding({ ...b.binding, did: a.did })).toThrow(/not signed/);
  });
});

describe('envelopes', () => {
  it('WebCrypto X25519 and noble agree, so either side may wrap or unwrap', async () => {
    expect(await hasWebCryptoX25519()).toBe(true);
    const reader = identity(3);
    const key = newContentKey();
    for (const [wrapper, opener] of [
      [webCryptoX25519, nobleX25519],
      [nobleX25519, webCryptoX25519],
    ] as const) {
      const wrapped = await wrapContentKey(key, fingerprint, reader.binding, wrapper);
      expect(await unwrapContentKey([wrapped], fingerprint, reader, opener)).toEqual(key);
    }
  });

  it('opens for each of many readers and for nobody else', async () => {
    const readers = Array.from({ length: 20 }, (_, i) => identity(10 + i));
    const key = newContentKey();
    const wrapped = await wrapForReaders(
      key,
      fingerprint,
      readers.map((r) => r.binding),
      nobleX25519,
    );
    for (const r of readers)
      expect(await unwrapContentKey(wrapped, fingerprint, r, webCryptoX25519)).toEqual(key);
    expect(await codeOf(unwrapContentKey(wrapped, fingerprint, identity(99), nobleX25519))).toBe(
      'UNAUTHORIZED',
    );
    // a wrap relabelled for another reader, or moved to another version, does not open
    const stolen = { ...wrapped[0]!, reader: identity(99).did };
    expect(await codeOf(unwrapContentKey([stolen], fingerprint, identity(99), nobleX25519))).toBe(
      'TAMPERED',
    );
    const elsewhere = new Uint8Array(32).fill(6);
    expect(await codeOf(unwrapContentKey(wrapped, elsewhere, readers[0]!, nobleX25519))).toBe(
      'TAMPERED',
    );
    const flipped = {
      ...wrapped[1]!,
      sealed: wrapped[1]!.sealed.map((b, i) => (i === 3 ? b ^ 1 : b)),
    };
    expect(
      await codeOf(unwrapContentKey([flipped], fingerprint, readers[1]!, webCryptoX25519)),
    ).toBe('TAMPERED');
  });
});

describe('sealed versions', () => {
  it('round-trips content of many sizes through chunks, from iterables and streams', async () => {
    const store = new MemoryBlobStore();
    const sizes = [0, 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17];
    // In pieces of 100,000 bytes (each chunk gathered in sealing's buffer), and as one piece
    // (each whole chunk sealed straight from a view of it) or pieces of 1.5 MiB (both at once).
    const cases = sizes.flatMap((length) =>
      [100_000, Math.max(1, length), 1.5 * 1024 * 1024].map((piece) => ({ length, piece })),
    );
    for (const { length, piece } of cases) {
      const plain = content(length);
      const sealed = await sealVersion(source(plain, piece), length, store);
      expect(sealed.manifest.chunks).toHaveLength(Math.max(1, Math.ceil(length / (1024 * 1024))));
      expect(toHex(manifestFingerprint(sealed.manifestBytes))).toBe(toHex(sealed.fingerprint));
      const back = await readAll(
        openVersion(sealed.fingerprint, sealed.contentKey, (id) => store.get(id)),
      );
      expect(back.length).toBe(plain.length);
      expect(equalBytes(back, plain)).toBe(true);
    }
    const plain = content(2 * 1024 * 1024 + 5);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(plain.slice(0, 7));
        c.enqueue(plain.slice(7));
        c.close();
      },
    });
    const sealed = await sealVersion(stream, plain.length, store);
    const back = await readAll(
      openVersion(sealed.fingerprint, sealed.contentKey, (id) => store.get(id)),
    );
    expect(equalBytes(back, plain)).toBe(true);
  });

  it('a wrong key, an altered, cut, reordered or dropped chunk is TAMPERED, never garbage', async () => {
    const store = new MemoryBlobStore();
    const length = 3 * 1024 * 1024 + 100;
    const sealed = await sealVersion(source(content(length)), length, store);
    const get = (id: string) => store.get(id);
    const open = (fp: Uint8Array, key: Uint8Array, from = get) =>
      codeOf(readAll(openVersion(fp, key, from)));
    expect(await open(sealed.fingerprint, newContentKey())).toBe('TAMPERED');
    const firstChunk = toHex(sealed.manifest.chunks[0]!.hash);
    const altered = async (id: string) => {
      const bytes = await get(id);
      if (id === firstChunk) bytes![10]! ^= 1;
      return bytes;
    };
    expect(await open(sealed.fingerprint, sealed.contentKey, altered)).toBe('TAMPERED');
    const cut = async (id: string) =>
      id === firstChunk ? (await get(id))!.subarray(0, 100) : get(id);
    expect(await open(sealed.fingerprint, sealed.contentKey, cut)).toBe('TAMPERED');
    // a manifest forged with chunks swapped, or with the last chunk dropped, re-hashed: the
    // chunks' additional data (index, count, size) no longer matches
    const m = decodeManifest(sealed.manifestBytes);
    const swapped = { ...m, chunks: [m.chunks[1]!, m.chunks[0]!, ...m.chunks.slice(2)] };
    const forged = encodeManifest(swapped);
    await store.put(forged);
    expect(await open(manifestFingerprint(forged), sealed.contentKey)).toBe('TAMPERED');
    const dropped = encodeManifest({
      ...m,
      plainBytes: 3 * 1024 * 1024,
      chunks: m.chunks.slice(0, 3),
    });
    await store.put(dropped);
    expect(await open(manifestFingerprint(dropped), sealed.contentKey)).toBe('TAMPERED');
    const missing = async (id: string) => (id === firstChunk ? undefined : get(id));
    expect(await open(sealed.fingerprint, sealed.contentKey, missing)).toBe('NOT_FOUND');
  });

  it('rotation: the next version has a new key, and a reader left off its wraps cannot open it', async () => {
    const store = new MemoryBlobStore();
    const [b, c] = [identity(40), identity(41)];
    const v1 = await sealVersion(source(content(5000)), 5000, store);
    const v1Keys = await wrapForReaders(
      v1.contentKey,
      v1.fingerprint,
      [b.binding, c.binding],
      webCryptoX25519,
    );
    const v2 = await sealVersion(source(content(6000)), 6000, store);
    expect(v2.contentKey).not.toEqual(v1.contentKey);
    const v2Keys = await wrapForReaders(
      v2.contentKey,
      v2.fingerprint,
      [b.binding],
      webCryptoX25519,
    );
    expect(await unwrapContentKey(v1Keys, v1.fingerprint, c, nobleX25519)).toEqual(v1.contentKey);
    expect(await codeOf(unwrapContentKey(v2Keys, v2.fingerprint, c, nobleX25519))).toBe(
      'UNAUTHORIZED',
    );
    expect(
      await codeOf(readAll(openVersion(v2.fingerprint, v1.contentKey, (id) => store.get(id)))),
    ).toBe('TAMPERED');
    const key = await unwrapContentKey(v2Keys, v2.fingerprint, b, nobleX25519);
    expect(await readAll(openVersion(v2.fingerprint, key, (id) => store.get(id)))).toEqual(
      content(6000),
    );
  });

  it('leaves nothing behind when sealing fails: wrong size announced, or the quota reached', async () => {
    const store = new MemoryBlobStore({ quotaBytes: 2 * 1024 * 1024 + 100 });
    expect(await codeOf(sealVersion(source(content(3000)), 2000, store))).toBe('BAD_REQUEST');
    expect(await codeOf(sealVersion(source(content(3000)), 4000, store))).toBe('BAD_REQUEST');
    expect(
      await codeOf(sealVersion(source(content(3 * 1024 * 1024)), 3 * 1024 * 1024, store)),
    ).toBe('QUOTA');
    expect(await store.usage()).toMatchObject({ bytes: 0, blobs: 0 });
  });
});
