// The batch messages of the wire protocol (gated off-chain reads): round trips, and bytes from a
// peer that do not have the shape are refused with MALFORMED before anything acts on them.
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from './wire';
import { encode } from '../core/codec';
import { equalBytes } from '../core/bytes';

const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const code = (bytes: Uint8Array) => {
  try {
    decodeWire(bytes);
    return 'accepted';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('wire: batch request and answer', () => {
  it('round-trips a request, the samples, and a refusal', () => {
    const request = {
      kind: 'batchRequest',
      id: 7,
      device: did,
      digest: new Uint8Array(32).fill(1),
    } as const;
    expect(decodeWire(encodeWire(request))).toEqual(request);
    const served = {
      kind: 'batchAnswer',
      id: 7,
      samples: new Uint8Array([1, 2, 3]),
      error: null,
    } as const;
    expect(decodeWire(encodeWire(served))).toEqual(served);
    const refused = {
      kind: 'batchAnswer',
      id: 7,
      samples: null,
      error: { code: 'UNAUTHORIZED', message: 'no grant' },
    } as const;
    expect(decodeWire(encodeWire(refused))).toEqual(refused);
  });

  it('refuses malformed requests and answers', () => {
    expect(
      code(
        new Uint8Array([5, ...encode({ id: 1, device: 'did:web:x', digest: new Uint8Array(32) })]),
      ),
    ).toBe('MALFORMED');
    expect(
      code(new Uint8Array([5, ...encode({ id: 1, device: did, digest: new Uint8Array(31) })])),
    ).toBe('MALFORMED');
    expect(
      code(new Uint8Array([5, ...encode({ id: -1, device: did, digest: new Uint8Array(32) })])),
    ).toBe('MALFORMED');
    // Both the samples and a refusal, or neither.
    expect(
      code(
        new Uint8Array([
          6,
          ...encode({ id: 1, samples: new Uint8Array(1), error: { code: 'X', message: 'y' } }),
        ]),
      ),
    ).toBe('MALFORMED');
    expect(code(new Uint8Array([6, ...encode({ id: 1, samples: null, error: null })]))).toBe(
      'MALFORMED',
    );
    expect(
      code(
        new Uint8Array([
          6,
          ...encode({ id: 1, samples: null, error: { code: 'X'.repeat(40), message: 'y' } }),
        ]),
      ),
    ).toBe('MALFORMED');
  });
});

describe('wire: dataset blob request and answer', () => {
  it('round-trips a request, the bytes and a refusal; refuses malformed ones', () => {
    const get = { kind: 'blobGet', id: 3, blob: new Uint8Array(32).fill(1) } as const;
    expect(decodeWire(encodeWire(get))).toEqual(get);
    const data = { kind: 'blobData', id: 3, bytes: new Uint8Array(1000), error: null } as const;
    expect(decodeWire(encodeWire(data))).toEqual(data);
    // The answer with bytes is written directly: the same bytes as the generic encoding.
    for (const id of [0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32, 2 ** 40])
      for (const length of [0, 1, 23, 24, 255, 256, 65_535, 65_536, 70_001]) {
        const bytes = new Uint8Array(length).map((_, i) => i * 7);
        const message = { kind: 'blobData', id, bytes, error: null } as const;
        const generic = encode({ id, bytes, error: null });
        const direct = encodeWire(message);
        expect(direct[0]).toBe(11);
        expect(equalBytes(direct.subarray(1), generic)).toBe(true);
        const back = decodeWire(direct) as typeof message;
        expect(back.id).toBe(id);
        expect(equalBytes(back.bytes, bytes)).toBe(true);
      }
    // Read without a copy only in that exact form: a longer head than needed, or a byte more,
    // is judged by the strict decode and refused.
    const key = (text: string) => [0x60 + text.length, ...new TextEncoder().encode(text)];
    const answer = (idHead: number[], tail: number[] = []) =>
      Uint8Array.from([
        11,
        0xa3,
        ...key('id'),
        ...idHead,
        ...key('bytes'),
        0x41,
        7,
        ...key('error'),
        0xf6,
        ...tail,
      ]);
    expect(decodeWire(answer([5]))).toMatchObject({ id: 5, bytes: Uint8Array.of(7) });
    expect(decodeWire(answer([0x18, 24]))).toMatchObject({ id: 24 });
    expect(() => decodeWire(answer([0x19, 0, 5]))).toThrow();
    expect(() => decodeWire(answer([0x18, 5]))).toThrow();
    expect(() => decodeWire(answer([5], [0]))).toThrow();
    const refusal = {
      kind: 'blobData',
      id: 4,
      bytes: null,
      error: { code: 'UNAUTHORIZED', message: 'not shared with you' },
    } as const;
    expect(decodeWire(encodeWire(refusal))).toEqual(refusal);
    const tagged = (tag: number, body: unknown) => new Uint8Array([tag, ...encode(body)]);
    expect(() => decodeWire(tagged(10, { id: 1, blob: new Uint8Array(31) }))).toThrow(/32-byte/);
    expect(() =>
      decodeWire(tagged(11, { id: 1, bytes: new Uint8Array(1), error: refusal.error })),
    ).toThrow(/bytes or a refusal/);
    expect(() => decodeWire(tagged(11, { id: 1, bytes: null, error: null }))).toThrow(
      /bytes or a refusal/,
    );
  });
});

describe('wire: a light answer with a proof of absence', () => {
  it('round-trips the proof of absence (an empty subtree or another key’s leaf) and refuses a malformed one', () => {
    const hash = (n: number) => new Uint8Array(32).fill(n);
    const absence = {
      key: 'fail/ab',
      height: 9,
      siblings: [hash(1), hash(2)],
      other: { keyHash: hash(3), valueHash: hash(4) },
    };
    const answer = {
      kind: 'lightData',
      id: 3,
      head: 9,
      updates: [] as unknown[],
      proof: null,
      absence,
      inclusion: null,
      readRoles: null,
      error: null,
    } as const;
    expect(decodeWire(encodeWire(answer))).toEqual(answer);
    const empty = { ...answer, absence: { ...absence, other: null } };
    expect(decodeWire(encodeWire(empty))).toEqual(empty);
    // an answer from a peer that knows no proofs of absence: none, which a light peer refuses later
    const tagged = (body: unknown) => new Uint8Array([13, ...encode(body)]);
    const { absence: _, ...old } = answer;
    expect(decodeWire(tagged(old))).toMatchObject({ kind: 'lightData', absence: null });
    for (const bad of [
      { ...absence, siblings: [new Uint8Array(31)] },
      { ...absence, other: { keyHash: hash(3) } },
      { ...absence, other: 'none' },
      { ...absence, height: -1 },
      { ...absence, siblings: Array.from({ length: 257 }, () => hash(0)) },
    ])
      expect(code(tagged({ ...answer, absence: bad }))).toBe('MALFORMED');
  });
});

describe('wire: the read roles a light answer names (issue 15)', () => {
  it('round-trips them, takes an answer without them, refuses a malformed list', () => {
    const answer = {
      kind: 'lightData',
      id: 4,
      head: 2,
      updates: [] as unknown[],
      proof: null,
      absence: null,
      inclusion: null,
      readRoles: ['read:lab/', 'read:x'] as string[],
      error: null,
    } as const;
    expect(decodeWire(encodeWire(answer))).toEqual(answer);
    const tagged = (body: unknown) => new Uint8Array([13, ...encode(body)]);
    const { readRoles: _, ...old } = answer;
    expect(decodeWire(tagged(old))).toMatchObject({ readRoles: null });
    for (const bad of [
      'read:lab/',
      ['deploy'],
      [7],
      [`read:${'x'.repeat(70)}`],
      Array.from({ length: 9 }, (_, i) => `read:${i}`),
    ])
      expect(code(tagged({ ...answer, readRoles: bad }))).toBe('MALFORMED');
  });
});

describe('wire: a chunk pushed while sealing, and its answer', () => {
  it('round-trips; the direct encoding is the generic one; refuses malformed ones', () => {
    const blob = new Uint8Array(32).fill(9);
    for (const id of [0, 23, 24, 65_536, 2 ** 40])
      for (const length of [0, 24, 70_001]) {
        const bytes = new Uint8Array(length).map((_, i) => i * 3);
        const message = { kind: 'blobPush', id, blob, bytes } as const;
        const direct = encodeWire(message);
        expect(direct[0]).toBe(14);
        expect(equalBytes(direct.subarray(1), encode({ id, blob, bytes }))).toBe(true);
        expect(decodeWire(direct)).toEqual(message);
      }
    const kept = { kind: 'blobPushed', id: 5, error: null } as const;
    expect(decodeWire(encodeWire(kept))).toEqual(kept);
    const refused = {
      kind: 'blobPushed',
      id: 6,
      error: { code: 'TAMPERED', message: 'not that chunk' },
    } as const;
    expect(decodeWire(encodeWire(refused))).toEqual(refused);
    const tagged = (tag: number, body: unknown) => new Uint8Array([tag, ...encode(body)]);
    expect(() =>
      decodeWire(tagged(14, { id: 1, blob: new Uint8Array(31), bytes: new Uint8Array(1) })),
    ).toThrow(/32-byte/);
    expect(() => decodeWire(tagged(14, { id: 1, blob, bytes: null }))).toThrow(/32-byte/);
    expect(() => decodeWire(tagged(15, { id: 1 }))).toThrow(/refusal or null/);
  });
});
