import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StateTrie, verifyAbsenceProof, verifyStateProof, zeroHash } from './state-trie';
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

describe('state trie proofs of absence', () => {
  it('proves every absent key absent and no present key absent (property)', () => {
    fc.assert(
      fc.property(
        fc.array(write, { maxLength: 40 }),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 20 }),
        (writes, asked) => {
          const trie = StateTrie.empty().setMany(writes);
          const root = trie.rootHash();
          const present = writes.map(([key]) => key);
          for (const key of [...asked, ...present]) {
            const absence = trie.proveAbsence(key);
            if (trie.get(key)) {
              expect(absence).toBeNull();
              continue;
            }
            expect(absence).not.toBeNull();
            expect(verifyAbsenceProof(root, key, absence!)).toBe(true);
            // the same proof says nothing about a key that is there
            for (const there of present.slice(0, 5))
              expect(verifyAbsenceProof(root, there, absence!)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a forged proof of absence: a shortened or lengthened path, a changed sibling, the key itself as the other leaf, a wrong root', () => {
    const writes = Array.from(
      { length: 50 },
      (_, i) => [`k${i}`, sha256(utf8(String(i)))] as const,
    );
    const trie = StateTrie.empty().setMany(writes);
    const root = trie.rootHash();
    // a key that is there, and what a lying full peer would offer as its absence
    const key = 'k7';
    const leafDepth = trie.prove(key)!.siblings.length;
    const shorter = { siblings: trie.prove(key)!.siblings.slice(0, leafDepth - 1), other: null };
    expect(verifyAbsenceProof(root, key, shorter)).toBe(false);
    const asEmpty = { siblings: trie.prove(key)!.siblings, other: null };
    expect(verifyAbsenceProof(root, key, asEmpty)).toBe(false);
    const itself = {
      siblings: trie.prove(key)!.siblings,
      other: { keyHash: sha256(utf8(key)), valueHash: trie.get(key)! },
    };
    expect(verifyAbsenceProof(root, key, itself)).toBe(false);
    // an absent key's honest proof, then bent
    let absent = 'none';
    for (let i = 0; trie.get(absent); i++) absent = `none${i}`;
    const proof = trie.proveAbsence(absent)!;
    expect(verifyAbsenceProof(root, absent, proof)).toBe(true);
    expect(verifyAbsenceProof(zeroHash, absent, proof)).toBe(false);
    const bent = proof.siblings.map((s, i) => (i === 0 ? sha256(s) : s));
    expect(verifyAbsenceProof(root, absent, { ...proof, siblings: bent })).toBe(false);
    expect(
      verifyAbsenceProof(root, absent, { ...proof, siblings: [...proof.siblings, zeroHash] }),
    ).toBe(false);
    expect(verifyAbsenceProof(root, absent, { siblings: 'x' as never, other: null })).toBe(false);
    // the empty tree: every key absent, with no siblings
    expect(verifyAbsenceProof(zeroHash, key, StateTrie.empty().proveAbsence(key)!)).toBe(true);
  });
});
