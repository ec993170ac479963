import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StateTrie, verifyStateProof } from './state-trie';
import { sha256 } from './crypto/hash';
import { utf8 } from './bytes';

const write = fc
  .tuple(fc.string({ maxLength: 6 }), fc.nat(1000))
  .map(([key, n]) => [key, sha256(utf8(String(n)))] as const);

/** One at a time: the reference for the batch insert. */
function oneByOne(
  trie: StateTrie,
  writes: ReadonlyArray<readonly [string, Uint8Array]>,
): StateTrie {
  for (const [key, valueHash] of writes) trie = trie.set(key, valueHash);
  return trie;
}

describe('state trie batch writes', () => {
  it('setMany builds the same tree as set one by one: root, size, values and proofs (property)', () => {
    fc.assert(
      fc.property(
        fc.array(write, { maxLength: 40 }),
        fc.array(write, { maxLength: 40 }),
        (first, second) => {
          const base = oneByOne(StateTrie.empty(), first);
          const batch = base.setMany(second);
          const single = oneByOne(base, second);
          expect(batch.rootHash()).toEqual(single.rootHash());
          expect(batch.size).toBe(single.size);
          expect(StateTrie.empty().setMany(first).rootHash()).toEqual(base.rootHash());
          for (const [key] of [...first, ...second]) {
            const valueHash = single.get(key)!;
            expect(batch.get(key)).toEqual(valueHash);
            expect(verifyStateProof(batch.rootHash(), key, valueHash, batch.prove(key)!)).toBe(
              true,
            );
          }
          expect(base.rootHash()).toEqual(oneByOne(StateTrie.empty(), first).rootHash()); // base unchanged
        },
      ),
      { numRuns: 500 },
    );
  });
});
