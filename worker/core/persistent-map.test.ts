// The persistent map behaves as a Map under any sequence of sets and deletes, leaves every
// earlier version as it was, copies only the path of a change, and has one shape per set of
// entries (so states built block by block and rebuilt from stored entries are deep-equal).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyHash, PersistentMap } from './persistent-map';

/** Two keys of one full hash (found by the birthday bound: about 2^16 tries). */
function collidingKeys(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = `its/trip/${i}`;
    const other = seen.get(keyHash(key));
    if (other !== undefined) return [other, key];
    seen.set(keyHash(key), key);
  }
}

const sorted = <V>(map: ReadonlyMap<string, V>) =>
  [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('PersistentMap', () => {
  const [collideA, collideB] = collidingKeys();
  const keyPool = [...Array.from({ length: 40 }, (_, i) => `k${i}`), collideA, collideB];
  const op = fc.record({
    remove: fc.boolean(),
    key: fc.constantFrom(...keyPool),
    value: fc.integer(),
  });

  it('is a Map, and every earlier version stays as it was', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const model = new Map<string, number>();
        let map = PersistentMap.empty<number>();
        const versions: Array<[PersistentMap<number>, Array<[string, number]>]> = [];
        for (const { remove, key, value } of ops) {
          if (remove) {
            model.delete(key);
            map = map.delete(key);
          } else {
            model.set(key, value);
            map = map.set(key, value);
          }
          versions.push([map, sorted(model)]);
        }
        expect(map.size).toBe(model.size);
        for (const key of keyPool) expect(map.get(key)).toBe(model.get(key));
        for (const [version, entries] of versions) expect(sorted(version)).toEqual(entries);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('has one shape per set of entries, however it was built', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...keyPool), { maxLength: keyPool.length }),
        fc.array(fc.constantFrom(...keyPool), { maxLength: 30 }),
        (keys, extra) => {
          const direct = PersistentMap.from(keys.map((k) => [k, k.length] as const));
          // Built in the other order, with keys added and deleted again on the way.
          let roundabout = PersistentMap.empty<number>();
          for (const key of extra) roundabout = roundabout.set(key, -1);
          for (const key of [...keys].reverse()) roundabout = roundabout.set(key, key.length);
          for (const key of extra) if (!keys.includes(key)) roundabout = roundabout.delete(key);
          expect(roundabout).toEqual(direct);
          expect([...roundabout.keys()]).toEqual([...direct.keys()]);
        },
      ),
      { numRuns: 200, seed: 6 },
    );
  });

  it('keeps keys of one full hash apart', () => {
    expect(keyHash(collideA)).toBe(keyHash(collideB));
    const map = PersistentMap.empty<string>().set(collideA, 'a').set(collideB, 'b');
    expect([map.get(collideA), map.get(collideB), map.size]).toEqual(['a', 'b', 2]);
    expect(map.delete(collideA).get(collideB)).toBe('b');
    expect(map.delete(collideA).has(collideA)).toBe(false);
  });

  it('copies only the path of a change', () => {
    const big = PersistentMap.from(Array.from({ length: 20_000 }, (_, i) => [`w${i}`, i] as const));
    const changed = big.set('w7', -7).set('new', 1).delete('w9');
    // Three paths of at most 7 levels; a copy of the whole map would be thousands of nodes.
    expect(changed.nodesNotSharedWith(big)).toBeLessThanOrEqual(3 * 7);
    expect([big.get('w7'), big.has('new'), big.get('w9'), big.size]).toEqual([7, false, 9, 20_000]);
    expect([changed.get('w7'), changed.get('new'), changed.has('w9'), changed.size]).toEqual([
      -7,
      1,
      false,
      20_000,
    ]);
  });
});
