import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { holdersOf } from './placement';
import { holdersDefault } from './limits';

const members = (n: number) =>
  Array.from({ length: n }, (_, i) => `did:key:z6Mk${i.toString().padStart(4, '0')}`);
const blob = (seed: number) =>
  Uint8Array.from({ length: 32 }, (_, i) => (seed * 131 + i * 7) & 0xff);

describe('holder placement (rendezvous hashing)', () => {
  it('picks k distinct members, the same on every peer whatever the list order', () => {
    const list = members(10);
    const holders = holdersOf(blob(1), list);
    expect(holders).toHaveLength(holdersDefault);
    expect(new Set(holders).size).toBe(holdersDefault);
    expect(holdersOf(blob(1), [...list].reverse())).toEqual(holders);
    expect(holdersOf(blob(1), members(2))).toHaveLength(2);
  });

  it('when a member leaves, only blobs it held move, each to exactly one new holder', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.nat(),
        fc.integer({ min: 1, max: 5 }),
        (n, seed, leaverAt, k) => {
          const list = members(n);
          const leaver = list[leaverAt % n]!;
          const rest = list.filter((d) => d !== leaver);
          const before = holdersOf(blob(seed), list, k);
          const after = holdersOf(blob(seed), rest, k);
          if (!before.includes(leaver)) {
            expect(after).toEqual(before);
            return;
          }
          const stayed = before.filter((d) => d !== leaver);
          expect(after.slice(0, stayed.length)).toEqual(stayed);
          expect(after.filter((d) => !before.includes(d))).toHaveLength(
            Math.min(k, n - 1) - stayed.length,
          );
        },
      ),
    );
  });

  it('spreads blobs evenly enough over members', () => {
    const list = members(10);
    const counts = new Map<string, number>();
    for (let s = 0; s < 1000; s++)
      for (const d of holdersOf(blob(s), list)) counts.set(d, (counts.get(d) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(200); // 300 expected each
  });

  it('refuses a bad k', () => {
    expect(() => holdersOf(blob(1), members(3), 0)).toThrow(/holders per blob/);
  });
});
