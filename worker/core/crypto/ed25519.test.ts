import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes';
import { precheck, publicKeyFromSeed, signerFromSeed, signSync, verifyStrict } from './ed25519';
import { rfc8032, speccheck } from '../fixtures/ed25519-vectors';
import { malleatedVectors } from './ed25519-extra';

describe('strict Ed25519 verification (pure JS path)', () => {
  for (const v of [...rfc8032, ...speccheck, ...malleatedVectors()]) {
    it(`${v.name}: ${v.valid ? 'accepts' : 'rejects'} (${v.why})`, () => {
      expect(verifyStrict(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(
        v.valid,
      );
    });
  }

  it('signs RFC 8032 TEST 1 to the official bytes', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    expect(toHex(publicKeyFromSeed(seed))).toBe(rfc8032[0]!.publicKey);
    expect(toHex(signSync(seed, new Uint8Array(0)))).toBe(rfc8032[0]!.signature);
  });

  it('signs with a pre-expanded key to the same bytes as signSync (RFC 8032 TEST 1, and other messages)', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const sign = signerFromSeed(seed);
    expect(toHex(sign(new Uint8Array(0)))).toBe(rfc8032[0]!.signature);
    for (let i = 1; i < 40; i++) {
      const message = new Uint8Array(i * 7).map((_, j) => (i * 13 + j) & 255);
      expect(toHex(sign(message))).toBe(toHex(signSync(seed, message)));
      expect(verifyStrict(publicKeyFromSeed(seed), message, sign(message))).toBe(true);
    }
  });

  it('names the rule a precheck failure breaks', () => {
    expect(precheck(new Uint8Array(31), new Uint8Array(64))).toBe('bad-length');
    expect(precheck(fromHex(speccheck[1]!.publicKey), fromHex(speccheck[1]!.signature))).toBe(
      'small-order-key',
    );
    expect(precheck(fromHex(speccheck[6]!.publicKey), fromHex(speccheck[6]!.signature))).toBe(
      's-too-large',
    );
  });

  it('decides y < p and S < L at the exact boundaries, for every sign bit (byte comparison, no BigInt)', () => {
    const le = (value: bigint) =>
      Uint8Array.from({ length: 32 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
    const p = 2n ** 255n - 19n;
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const key = publicKeyFromSeed(new Uint8Array(32).fill(7));
    const goodR = signSync(new Uint8Array(32).fill(7), new Uint8Array(0)).subarray(0, 32);
    const signature = (r: Uint8Array, s: Uint8Array) => new Uint8Array([...r, ...s]);
    for (const [s, verdict] of [
      [L - 1n, 'ok'],
      [L, 's-too-large'],
      [L + 1n, 's-too-large'],
      [L + 256n, 's-too-large'],
      [L - 256n, 'ok'],
      [2n ** 256n - 1n, 's-too-large'],
      [0n, 'ok'],
    ] as const) {
      expect(precheck(key, signature(goodR, le(s)))).toBe(verdict);
    }
    for (const sign of [0, 0x80]) {
      for (const [y, verdict] of [
        [p - 2n, 'ok'],
        [p, 'non-canonical-r'],
        [p + 1n, 'non-canonical-r'],
        [2n ** 255n - 1n, 'non-canonical-r'],
      ] as const) {
        const r = le(y);
        r[31] = r[31]! | sign;
        // y = p - 2 is canonical and not a small-order point (p - 1 is one: the point of order 2).
        expect(precheck(key, signature(r, le(1n)))).toBe(verdict);
      }
    }
  });
});
