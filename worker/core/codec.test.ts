import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { encode, decode } from './codec';
import { BotError } from './errors';

// Values of the IPLD data model as the ledger builds them, plus the odd cases the fast encoder
// hands to @ipld/dag-cbor: non-ASCII and surrogate text, large and negative numbers, bytes.
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('', 'a', 'ä', '\ud800', '😀'));
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -(2 ** 53), 1e300, 0.1),
  text,
  fc.uint8Array({ maxLength: 300 }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 6 }), fc.dictionary(text, tie('value'), { maxKeys: 6 }), fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 8 })),
}));

function outcome(fn: () => Uint8Array): Uint8Array | 'throws' {
  try {
    return new Uint8Array(fn()); // @ipld/dag-cbor returns a Buffer in Node
  } catch {
    return 'throws';
  }
}

describe('canonical encoding', () => {
  it('gives exactly the bytes of @ipld/dag-cbor (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(() => encode(v))).toEqual(outcome(() => dagCbor.encode(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on long strings and large byte strings and arrays (heads of 2, 4 and 8 bytes)', () => {
    for (const v of ['x'.repeat(300), 'x'.repeat(70_000), new Uint8Array(70_000), Array.from({ length: 300 }, (_, i) => i), { ['k'.repeat(30)]: 1, b: [1, { a: 2 }] }]) {
      expect(encode(v)).toEqual(new Uint8Array(dagCbor.encode(v)));
    }
  });

  it('leaves what it does not write itself to @ipld/dag-cbor, errors included', () => {
    const cid = CID.parse('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    expect(encode({ link: cid })).toEqual(new Uint8Array(dagCbor.encode({ link: cid })));
    class Point {
      x = 1;
    }
    expect(new Uint8Array(encode(new Point()))).toEqual(new Uint8Array(dagCbor.encode(new Point())));
    for (const bad of [undefined, { a: undefined }, [1, undefined], Number.NaN, Infinity, () => 1, Symbol('s')]) {
      expect(() => encode(bad)).toThrow();
      expect(() => dagCbor.encode(bad)).toThrow();
    }
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(new Uint8Array(encode(deep))).toEqual(new Uint8Array(dagCbor.encode(deep)));
  });

  it('round-trips through the strict decoder and refuses non-canonical bytes', () => {
    fc.assert(
      fc.property(value, (v) => {
        let bytes: Uint8Array;
        try {
          bytes = encode(v);
        } catch {
          return;
        }
        expect(new Uint8Array(encode(decode(bytes, 1 << 20)))).toEqual(new Uint8Array(bytes));
      }),
      { numRuns: 500 },
    );
    // {"b":1,"a":2}: keys out of order.
    expect(() => decode(new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]), 100)).toThrow(BotError);
  });
});

describe('encode of values that have no canonical form', () => {
  it('refuses undefined and functions with a typed error', async () => {
    const { encode: enc } = await import('./codec');
    for (const bad of [{ a: undefined }, [() => 1], { n: Symbol('x') }]) {
      expect(() => enc(bad)).toThrowError(expect.objectContaining({ code: 'BAD_FIELD_TYPE' }));
    }
  });
});
