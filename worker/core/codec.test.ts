import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { encode, decode, decodeReference } from './codec';
import { BotError } from './errors';

// Values of the IPLD data model as the ledger builds them, plus the odd cases the fast encoder
// hands to @ipld/dag-cbor: non-ASCII and surrogate text, large and negative numbers, bytes.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', 'a', 'ä', '\ud800', '😀'),
);
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    0,
    -0,
    23,
    24,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    -(2 ** 53),
    1e300,
    0.1,
  ),
  text,
  fc.uint8Array({ maxLength: 300 }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(text, tie('value'), { maxKeys: 6 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 8 }),
  ),
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
    for (const v of [
      'x'.repeat(300),
      'x'.repeat(70_000),
      new Uint8Array(70_000),
      Array.from({ length: 300 }, (_, i) => i),
      { ['k'.repeat(30)]: 1, b: [1, { a: 2 }] },
    ]) {
      expect(encode(v)).toEqual(new Uint8Array(dagCbor.encode(v)));
    }
  });

  it('leaves what it does not write itself to @ipld/dag-cbor, errors included', () => {
    const cid = CID.parse('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    expect(encode({ link: cid })).toEqual(new Uint8Array(dagCbor.encode({ link: cid })));
    class Point {
      x = 1;
    }
    expect(new Uint8Array(encode(new Point()))).toEqual(
      new Uint8Array(dagCbor.encode(new Point())),
    );
    for (const bad of [
      undefined,
      { a: undefined },
      [1, undefined],
      Number.NaN,
      Infinity,
      () => 1,
      Symbol('s'),
    ]) {
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
    expect(() => decode(new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]), 100)).toThrow(
      BotError,
    );
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

// The one-pass canonical decoder against the reference (@ipld/dag-cbor decode + re-encode): the
// same value or the same error code and message, on canonical bytes, on random near-canonical
// CBOR (wide heads, unsorted or duplicate keys, indefinite lengths, all float widths, tags,
// undefined, invalid UTF-8, ...) and on mutated canonical bytes.
type Verdict = { value: unknown } | { code: string; message: string };

function verdict(run: () => unknown): Verdict {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof BotError) return { code: error.code, message: error.message };
    throw error;
  }
}

function expectSameVerdict(bytes: Uint8Array): void {
  expect(verdict(() => decode(bytes, 1 << 20))).toStrictEqual(
    verdict(() => decodeReference(bytes, 1 << 20)),
  );
}

/** A CBOR head with `argument`, in the shortest form or (wide) in a longer one. */
function head(major: number, argument: number | bigint, wide: number): number[] {
  const a = BigInt(argument);
  const widths = [
    a < 24n ? 0 : a < 0x100n ? 1 : a < 0x10000n ? 2 : a < 0x100000000n ? 4 : 8,
    1,
    2,
    4,
    8,
  ];
  const bytes =
    widths[wide % widths.length]! < widths[0]! ? widths[0]! : widths[wide % widths.length]!;
  if (bytes === 0) return [(major << 5) | Number(a)];
  const out = [(major << 5) | { 1: 24, 2: 25, 4: 26, 8: 27 }[bytes]!];
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((a >> BigInt(8 * i)) & 0xffn));
  return out;
}

const wide = fc.oneof(
  { weight: 12, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }) },
);
const unsignedArg = fc.oneof(
  fc.integer({ min: 0, max: 30 }),
  fc.integer({ min: 0, max: 70_000 }),
  fc
    .constantFrom(
      23,
      24,
      255,
      256,
      65535,
      65536,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53 - 2,
      2 ** 53 - 1,
      2 ** 53,
    )
    .map(BigInt),
  fc.constantFrom(2n ** 64n - 1n, 2n ** 63n),
);
const textBytes = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => [...new TextEncoder().encode(s)]),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => [...new TextEncoder().encode(s)]),
  fc.constantFrom<number[]>(
    [0xef, 0xbb, 0xbf, 0x61],
    [0xc3, 0x28],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf0, 0x9f, 0x98, 0x80],
    [0xff],
  ),
  fc.uint8Array({ maxLength: 12 }).map((b) => [...b]),
  fc.constant([...'x'.repeat(40)].map((c) => c.charCodeAt(0))),
);
const floatItem = fc.oneof(
  fc.double().map((d) => {
    const out = new Uint8Array(9);
    out[0] = 0xfb;
    new DataView(out.buffer).setFloat64(1, d);
    return [...out];
  }),
  fc.constantFrom(0, -0, 1, 1.5, 2 ** 53, 2 ** 60, -(2 ** 60), 0.1, NaN, Infinity).map((d) => {
    const out = new Uint8Array(9);
    out[0] = 0xfb;
    new DataView(out.buffer).setFloat64(1, d);
    return [...out];
  }),
  fc.constantFrom<number[]>([0xf9, 0x3c, 0x00], [0xfa, 0x3f, 0xc0, 0x00, 0x00], [0xf9, 0x7e, 0x00]),
);

const { item } = fc.letrec<{ item: number[]; key: number[] }>((tie) => ({
  key: fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 8 }), wide)
        .map(([k, w]) => [...head(3, k.length, w), ...new TextEncoder().encode(k)]),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(textBytes, wide).map(([t, w]) => [...head(3, t.length, w), ...t]),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('__proto__', '/', 'asCID', 'bytes')
        .map((k) => [...head(3, k.length, 0), ...new TextEncoder().encode(k)]),
    },
    { weight: 1, arbitrary: tie('item') },
  ),
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: fc.tuple(unsignedArg, wide).map(([a, w]) => head(0, a, w)) },
    { weight: 2, arbitrary: fc.tuple(unsignedArg, wide).map(([a, w]) => head(1, a, w)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.uint8Array({ maxLength: 40 }), wide)
        .map(([b, w]) => [...head(2, b.length, w), ...b]),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(textBytes, wide).map(([t, w]) => [...head(3, t.length, w), ...t]),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<number[]>(
        [0xf4],
        [0xf5],
        [0xf6],
        [0xf7],
        [0xf0],
        [0xf8, 0x20],
        [0x5f, 0x41, 0x61, 0xff],
        [0x7f, 0x61, 0x61, 0xff],
      ),
    },
    { weight: 1, arbitrary: floatItem },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.array(tie('item'), { maxLength: 5 }), wide, fc.boolean())
        .map(([items, w, indefinite]) =>
          indefinite && w > 0
            ? [0x9f, ...items.flat(), 0xff]
            : [...head(4, items.length, w), ...items.flat()],
        ),
    },
    // Maps: keys mostly sorted canonically (the common case), else in the order drawn; duplicates may occur.
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.array(fc.tuple(tie('key'), tie('item')), { maxLength: 6 }), wide, fc.nat(3))
        .map(([entries, w, order]) => {
          const ordered =
            order > 0
              ? [...entries].sort(([a], [b]) => a.length - b.length || compareArrays(a, b))
              : entries;
          return [...head(5, ordered.length, w), ...ordered.flatMap(([k, v]) => [...k, ...v])];
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(42, 1, 0), tie('item'))
        .map(([tag, inner]) => [...head(6, tag, 0), ...inner]),
    },
  ),
}));

function compareArrays(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

describe('one-pass canonical decoder', () => {
  it('gives the same value or error as decode + re-encode on random near-canonical CBOR (property)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        item,
        fc.oneof(
          { weight: 9, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2 }) },
        ),
        (bytes, trailing) => {
          const input = Uint8Array.from(trailing ? [...bytes, ...trailing] : bytes);
          expectSameVerdict(input);
          if (!('code' in verdict(() => decodeReference(input, 1 << 20)))) accepted++;
        },
      ),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(2000); // the inputs are not all refused: both paths are exercised
  });

  it('gives the same value or error on canonical encodings and their mutations (property)', () => {
    fc.assert(
      fc.property(
        value,
        fc.nat(),
        fc.nat(255),
        fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'none'),
        (v, at, byte, how) => {
          let bytes: Uint8Array;
          try {
            bytes = new Uint8Array(encode(v));
          } catch {
            return;
          }
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          const list = [...bytes];
          if (how === 'flip') list[i] = byte;
          if (how === 'insert') list.splice(i, 0, byte);
          if (how === 'delete') list.splice(i, 1);
          if (how === 'truncate') list.length = i;
          expectSameVerdict(Uint8Array.from(list));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accepts canonical transactions and refuses their non-canonical variants with the same codes', () => {
    const tx = {
      sig: new Uint8Array(64).fill(9),
      body: { key: 'sensor/1', value: { t: 21.5, ok: true, n: -3 } },
      from: 'did:key:z6Mk',
      time: 1_700_000_000_000,
      type: 'data.put',
      chain: 'c'.repeat(32),
      nonce: 1,
    };
    const bytes = encode(tx);
    expect(decode(bytes, 1 << 20)).toStrictEqual(decodeReference(bytes, 1 << 20));
    expect(decode(bytes, 1 << 20)).toStrictEqual(tx);
    const cases: number[][] = [
      [0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02], // keys out of order
      [0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], // duplicate key
      [0x18, 0x05], // 5 in two bytes
      [0x19, 0x00, 0x05], // and in three
      [0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], // 1.0 as a float
      [0xfb, 0x80, 0, 0, 0, 0, 0, 0, 0], // -0.0
      [0xf9, 0x3e, 0x00], // 1.5 as a half float
      [0x9f, 0x01, 0xff], // indefinite array
      [0xf7], // undefined
      [0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0], // 2^53: a BigInt
      [0x01, 0x02], // trailing bytes
      [0x62, 0xc3, 0x28], // invalid UTF-8
      [0x64, 0xef, 0xbb, 0xbf, 0x61], // a BOM
    ];
    for (const c of cases) expectSameVerdict(Uint8Array.from(c));
    for (const long of [
      'd'.repeat(56),
      'x'.repeat(4096),
      'y'.repeat(5000),
      'é'.repeat(3000),
      { ['k'.repeat(300)]: 'v'.repeat(5000) },
    ]) {
      expectSameVerdict(encode(long));
      expect(decode(encode(long), 1 << 20)).toStrictEqual(long);
    }
    expect(verdict(() => decode(Uint8Array.from(cases[0]!), 100))).toMatchObject({
      code: 'NON_CANONICAL',
    });
    expect(verdict(() => decode(Uint8Array.from(cases[1]!), 100))).toMatchObject({
      code: 'MALFORMED',
    });
    expect(
      verdict(() => decode(Uint8Array.from([0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0]), 100)),
    ).toStrictEqual({ value: 2n ** 53n });
  });
});
