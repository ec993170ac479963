import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, equalBytes } from '../core/bytes';
import { BotError } from '../core/errors';
import { bundleChunks, chunkFrame, Reassembler } from './framing';
import { chunkBytesMax, frameBytesMax, gossipCoveredMax } from './limits';
import { coversTag, decodeFrame, encodeFrame, messageFrameParts, peerTag } from './wire';

function reassemble(chunks: Uint8Array[]): Uint8Array[] {
  const r = new Reassembler();
  const frames: Uint8Array[] = [];
  for (const c of chunks) {
    const f = r.push(c);
    if (f) frames.push(f);
  }
  return frames;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof BotError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('framing', () => {
  it('round-trips frames of any size up to the maximum, in chunks of at most 64 KiB', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 64, max: chunkBytesMax }),
        (length, chunkBytes) => {
          const frame = new Uint8Array(length).map((_, i) => (i * 31 + length) & 255);
          const chunks = chunkFrame(frame, chunkBytes);
          expect(
            chunks.every(
              (c) =>
                c.length <= chunkBytes && c.byteOffset === 0 && c.buffer.byteLength === c.length,
            ),
          ).toBe(true);
          const out = reassemble(chunks);
          expect(out).toHaveLength(1);
          expect(equalBytes(out[0]!, frame)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a frame given in parts gives the same chunks as the parts joined', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 64, max: chunkBytesMax }),
        (lengths, chunkBytes) => {
          fc.pre(lengths.some((n) => n > 0));
          let seed = 0;
          const parts = lengths.map((n) => new Uint8Array(n).map(() => (seed++ * 37) & 255));
          const joined = concatBytes(...parts);
          const chunks = chunkFrame(parts, chunkBytes);
          const expected = chunkFrame(joined, chunkBytes);
          expect(chunks).toHaveLength(expected.length);
          chunks.forEach((c, i) => expect(equalBytes(c, expected[i]!)).toBe(true));
          expect(chunks.every((c) => c.byteOffset === 0 && c.buffer.byteLength === c.length)).toBe(
            true,
          );
        },
      ),
      { numRuns: 100 },
    );
    // A message frame in parts (the hub's send) is the frame encodeFrame writes.
    const payload = new Uint8Array(200_000).map((_, i) => i & 255);
    const inParts = chunkFrame(messageFrameParts(payload));
    const whole = chunkFrame(encodeFrame({ type: 'message', payload }));
    expect(inParts).toHaveLength(whole.length);
    expect(inParts.every((c, i) => equalBytes(c, whole[i]!))).toBe(true);
    expect(() => chunkFrame([new Uint8Array(0)])).toThrow(RangeError);
  });

  it('carries a frame of the maximum size and several frames back to back', () => {
    const big = new Uint8Array(frameBytesMax).fill(7);
    big[frameBytesMax - 1] = 9;
    const small = Uint8Array.of(1, 2, 3);
    const chunks = [...chunkFrame(small), ...chunkFrame(big), ...chunkFrame(small)];
    expect(Math.max(...chunks.map((c) => c.length))).toBe(chunkBytesMax);
    const out = reassemble(chunks);
    expect(out.map((f) => f.length)).toEqual([3, frameBytesMax, 3]);
    expect(out[1]![frameBytesMax - 1]).toBe(9);
    expect(() => chunkFrame(new Uint8Array(frameBytesMax + 1))).toThrow(RangeError);
  });

  it('rejects garbage and oversized input with typed errors', () => {
    const header = (length: number) => {
      const h = new Uint8Array(5);
      h[0] = 1;
      new DataView(h.buffer).setUint32(1, length);
      return h;
    };
    expect(codeOf(() => new Reassembler().push(new Uint8Array(0)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().push(Uint8Array.of(7, 1, 2)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().push(Uint8Array.of(0, 1, 2)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().push(Uint8Array.of(1, 0)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().push(header(0)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().push(header(frameBytesMax + 1)))).toBe('TOO_LARGE');
    expect(codeOf(() => new Reassembler().push(new Uint8Array(chunkBytesMax + 1)))).toBe(
      'TOO_LARGE',
    );
    const r = new Reassembler();
    r.push(header(10));
    expect(codeOf(() => r.push(header(10)))).toBe('MALFORMED');
    const overflow = new Reassembler();
    expect(codeOf(() => overflow.push(Uint8Array.of(1, 0, 0, 0, 2, 1, 2, 3)))).toBe('MALFORMED');
  });
});

describe('bundles of small frames', () => {
  it('carries several whole frames in one chunk, between ordinary frames, in order', () => {
    const small = [Uint8Array.of(1), Uint8Array.of(2, 3), new Uint8Array(300).fill(4)];
    const big = new Uint8Array(chunkBytesMax * 2).fill(5);
    const r = new Reassembler();
    const out: Uint8Array[] = [];
    for (const chunk of [
      ...chunkFrame(big),
      bundleChunks(small.map((f) => chunkFrame(f)[0]!)),
      ...chunkFrame(Uint8Array.of(6)),
    ])
      out.push(...r.pushAll(chunk));
    expect(out.map((f) => [f.length, f[0]])).toEqual([
      [big.length, 5],
      [1, 1],
      [2, 2],
      [300, 4],
      [1, 6],
    ]);
  });

  it('rejects a bundle inside a frame, and empty, truncated or overrunning bundles', () => {
    const bundle = bundleChunks([
      chunkFrame(Uint8Array.of(1))[0]!,
      chunkFrame(Uint8Array.of(2))[0]!,
    ]);
    const inside = new Reassembler();
    inside.pushAll(chunkFrame(new Uint8Array(chunkBytesMax + 10))[0]!);
    expect(codeOf(() => inside.pushAll(bundle))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().pushAll(Uint8Array.of(2)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().pushAll(bundle.subarray(0, bundle.length - 1)))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => new Reassembler().pushAll(Uint8Array.of(2, 0, 0, 0)))).toBe('MALFORMED');
    expect(codeOf(() => new Reassembler().pushAll(Uint8Array.of(2, 0, 0, 0, 0, 7)))).toBe(
      'MALFORMED',
    );
    expect(() =>
      bundleChunks([
        chunkFrame(new Uint8Array(chunkBytesMax))[0]!,
        chunkFrame(Uint8Array.of(1))[0]!,
      ]),
    ).toThrow(RangeError);
  });
});

describe('wire frames', () => {
  it('round-trips every frame type', () => {
    const id = new Uint8Array(16).fill(3);
    const payload = Uint8Array.of(9, 8, 7);
    expect(decodeFrame(encodeFrame({ type: 'message', payload }))).toEqual({
      type: 'message',
      payload,
    });
    expect(
      decodeFrame(encodeFrame({ type: 'gossip', ttl: 4, id, covered: new Uint8Array(0), payload })),
    ).toEqual({ type: 'gossip', ttl: 4, id, covered: new Uint8Array(0), payload });
    const covered = concatBytes(peerTag('did:key:a'), peerTag('did:key:b'));
    expect(decodeFrame(encodeFrame({ type: 'gossip', ttl: 4, id, covered, payload }))).toEqual({
      type: 'gossip',
      ttl: 4,
      id,
      covered,
      payload,
    });
    expect(coversTag(covered, peerTag('did:key:b'))).toBe(true);
    expect(coversTag(covered, peerTag('did:key:c'))).toBe(false);
    expect(decodeFrame(encodeFrame({ type: 'ping', nonce: 0xfffffffe }))).toEqual({
      type: 'ping',
      nonce: 0xfffffffe,
    });
    expect(decodeFrame(encodeFrame({ type: 'pong', nonce: 5 }))).toEqual({
      type: 'pong',
      nonce: 5,
    });
    expect(decodeFrame(encodeFrame({ type: 'hello', hello: { a: 1 } }))).toEqual({
      type: 'hello',
      hello: { a: 1 },
    });
  });

  it('rejects unknown types, truncated frames, bad JSON and oversized control frames', () => {
    expect(codeOf(() => decodeFrame(Uint8Array.of(99)))).toBe('UNKNOWN_TYPE');
    expect(codeOf(() => decodeFrame(Uint8Array.of(3, 1, 2)))).toBe('MALFORMED');
    expect(codeOf(() => decodeFrame(Uint8Array.of(4, 1)))).toBe('MALFORMED');
    // A gossip frame naming more covered tags than it holds, or more than the limit.
    expect(
      codeOf(() =>
        decodeFrame(Uint8Array.of(3, 1, ...new Uint8Array(16), 2, ...new Uint8Array(8))),
      ),
    ).toBe('MALFORMED');
    expect(
      codeOf(() =>
        decodeFrame(
          Uint8Array.of(
            3,
            1,
            ...new Uint8Array(16),
            gossipCoveredMax + 1,
            ...new Uint8Array(8 * (gossipCoveredMax + 1)),
          ),
        ),
      ),
    ).toBe('TOO_LARGE');
    expect(() =>
      encodeFrame({
        type: 'gossip',
        ttl: 1,
        id: new Uint8Array(16),
        covered: new Uint8Array(7),
        payload: Uint8Array.of(1),
      }),
    ).toThrow(RangeError);
    expect(codeOf(() => decodeFrame(Uint8Array.of(1, 0xff, 0xfe)))).toBe('MALFORMED');
    expect(codeOf(() => decodeFrame(new Uint8Array(5000).fill(1)))).toBe('TOO_LARGE');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BotError);
        }
      }),
    );
  });
});
