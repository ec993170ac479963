// The packed records of the IndexedDB store: what is packed is what comes back, byte for byte,
// and a cut or padded record is refused rather than read as something else.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  packCheckpoint,
  packCommit,
  packVersions,
  unpackCheckpoint,
  unpackCommit,
  unpackVersions,
  Packer,
} from './pack';

const writesArb = fc.uniqueArray(
  fc.tuple(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.uint8Array({ maxLength: 300 })),
  { selector: ([k]) => k, maxLength: 30 },
);

describe('packed store records', () => {
  it('a commits record round-trips any keys (any Unicode), entries and tx ids', () => {
    fc.assert(
      fc.property(
        writesArb,
        fc.array(fc.string({ maxLength: 64 }), { maxLength: 20 }),
        (pairs, txIds) => {
          const writes = new Map(pairs);
          const back = unpackCommit(packCommit(writes, txIds));
          expect([...back.writes.keys()]).toEqual([...writes.keys()]);
          for (const [key, entry] of writes) expect([...back.writes.get(key)!]).toEqual([...entry]);
          expect(back.txIds).toEqual(txIds);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a checkpoint job and a key's versions round-trip", () => {
    const job = {
      chainId: 'chain-ü',
      upTo: 17,
      blocks: [
        {
          height: 16,
          packed: packCommit(
            new Map([
              ['data/a', new Uint8Array([1, 2])],
              ['data/ü', new Uint8Array(0)],
            ]),
            ['t1', 't2'],
          ),
        },
        { height: 17, packed: packCommit(new Map(), []) },
      ],
    };
    expect(unpackCheckpoint(packCheckpoint(job))).toEqual(job);
    const versions = [
      { height: 3, entry: new Uint8Array([9]) },
      { height: 2 ** 32 - 1, entry: new Uint8Array(0) },
    ];
    expect(unpackVersions(packVersions(versions))).toEqual(versions);
  });

  it('refuses a record cut short, one with bytes after its end, an unknown format and a number past 32 bits', () => {
    const packed = packCommit(new Map([['data/a', new Uint8Array([1, 2, 3])]]), ['t1']);
    for (let cut = 0; cut < packed.length; cut++)
      expect(() => unpackCommit(packed.slice(0, cut))).toThrow(RangeError);
    expect(() => unpackCommit(new Uint8Array([...packed, 0]))).toThrow(RangeError);
    const other = packed.slice();
    other[3] = 9;
    expect(() => unpackCommit(other)).toThrow(/format/);
    expect(() => new Packer().u32(2 ** 32)).toThrow(RangeError);
    expect(() => new Packer().u32(-1)).toThrow(RangeError);
  });
});
