// The transaction root: RFC 6962 shape, checked against a plain reference implementation for
// every list length up to 70 and for items of other lengths than a hash.
import { describe, expect, it } from 'vitest';
import { merkleRoot, emptyRoot, merklePath, verifyMerklePath } from './merkle';
import { referenceSha256 } from './crypto/hash';
import { concatBytes, toHex } from './bytes';

function reference(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return referenceSha256(new Uint8Array(0));
  const root = (list: Uint8Array[]): Uint8Array => {
    if (list.length === 1) return referenceSha256(concatBytes(new Uint8Array([0]), list[0]!));
    let k = 1;
    while (k * 2 < list.length) k *= 2;
    return referenceSha256(
      concatBytes(new Uint8Array([1]), root(list.slice(0, k)), root(list.slice(k))),
    );
  };
  return root(items);
}

describe('merkleRoot', () => {
  it('matches the reference for 0 to 70 leaves of 32 bytes and of other lengths', () => {
    expect(toHex(merkleRoot([]))).toBe(toHex(emptyRoot));
    for (let n = 0; n <= 70; n++) {
      const hashes = Array.from({ length: n }, (_, i) => referenceSha256(new Uint8Array([i, n])));
      expect(toHex(merkleRoot(hashes))).toBe(toHex(reference(hashes)));
      const mixed = Array.from({ length: n }, (_, i) =>
        new Uint8Array(i % 5 === 0 ? 7 : 32).fill(i),
      );
      expect(toHex(merkleRoot(mixed))).toBe(toHex(reference(mixed)));
    }
  });
});

describe('utf8Length', () => {
  it('is the length of the UTF-8 encoding for any text, lone surrogates included', async () => {
    const fc = (await import('fast-check')).default;
    const { utf8, utf8Length } = await import('./bytes');
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        (text) => utf8Length(text) === utf8(text).length,
      ),
      { numRuns: 2000 },
    );
    for (const text of [
      '',
      'a',
      'ü',
      '€',
      '\uD83D\uDE00',
      '\uD800',
      '\uDC00x',
      'x\uD800\uD800\uDC00',
    ])
      expect(utf8Length(text)).toBe(utf8(text).length);
  });
});

describe('merklePath', () => {
  it('proves every item of every size up to 20 against the root, and nothing else', () => {
    for (let size = 1; size <= 20; size++) {
      const items = Array.from({ length: size }, (_, i) => new Uint8Array(i % 2 ? 32 : 5).fill(i));
      const root = merkleRoot(items);
      for (let i = 0; i < size; i++) {
        const path = merklePath(items, i);
        expect(verifyMerklePath(items[i]!, i, size, path, root)).toBe(true);
        // another item, another index, a changed sibling: refused
        expect(verifyMerklePath(new Uint8Array([99]), i, size, path, root)).toBe(false);
        if (size > 1)
          expect(verifyMerklePath(items[i]!, (i + 1) % size, size, path, root)).toBe(false);
        if (path.length > 0) {
          const bent = path.map((h) => h.slice());
          bent[0]![0]! ^= 1;
          expect(verifyMerklePath(items[i]!, i, size, bent, root)).toBe(false);
        }
      }
    }
  });
});
