import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes';

describe('hex', () => {
  it('writes two lower-case digits per byte, and reads them back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toBe(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
        expect(fromHex(hex)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
    const a = toHex(new Uint8Array([0xab, 0x01]));
    const b = toHex(new Uint8Array(32).fill(0xff));
    expect([a, b]).toEqual(['ab01', 'f'.repeat(64)]);
  });
});
