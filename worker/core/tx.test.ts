import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTx, decodeTx, encodeTx, txIdOf, txSigningBytes, withSignature, type Tx } from './tx';
import { encode } from './codec';
import { toHex } from './bytes';
import { BotError } from './errors';
import { signSync, verifyStrict } from './crypto/ed25519';
import { publicKeyFromDid } from './crypto/did';
import { devChain, put, testIdentity } from './testing';
import { txBodyBytesMax } from './limits';

const alice = testIdentity('alice');
const { state } = devChain(alice);
const good = put(alice, state.chainId, 1, 'sensor/1', { celsius: 21.5 });

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof BotError) return error.code;
    throw error;
  }
}

function reencode(change: (raw: Record<string, unknown>) => void): Uint8Array {
  const raw: Record<string, unknown> = { ...good };
  change(raw);
  return encode(raw);
}

describe('transaction decoding and stateless checks', () => {
  it('round-trips a signed data.put and its signature verifies', () => {
    const tx = decodeTx(encodeTx(good));
    expect(tx).toEqual(good);
    expect(verifyStrict(publicKeyFromDid(tx.from), txSigningBytes(tx), tx.sig)).toBe(true);
    expect(txIdOf(tx)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['missing field', (r: Record<string, unknown>) => delete r.nonce, 'MISSING_FIELD'],
    ['unknown type', (r: Record<string, unknown>) => (r.type = 'data.explode'), 'UNKNOWN_TYPE'],
    [
      'prototype name as type',
      (r: Record<string, unknown>) => (r.type = 'constructor'),
      'UNKNOWN_TYPE',
    ],
    ['nonce as text', (r: Record<string, unknown>) => (r.nonce = '1'), 'BAD_FIELD_TYPE'],
    [
      'key of wrong type',
      (r: Record<string, unknown>) => (r.body = { key: 7, value: 1 }),
      'BAD_FIELD_TYPE',
    ],
    ['empty key', (r: Record<string, unknown>) => (r.body = { key: '', value: 1 }), 'BAD_KEY'],
    ['missing value', (r: Record<string, unknown>) => (r.body = { key: 'k' }), 'MISSING_FIELD'],
    [
      'oversized body',
      (r: Record<string, unknown>) => (r.body = { key: 'k', value: 'x'.repeat(txBodyBytesMax) }),
      'TOO_LARGE',
    ],
    [
      'bad sender',
      (r: Record<string, unknown>) => (r.from = 'did:web:example.com'),
      'BAD_FIELD_TYPE',
    ],
    [
      'short signature',
      (r: Record<string, unknown>) => (r.sig = new Uint8Array(10)),
      'BAD_FIELD_TYPE',
    ],
    ['extra field', (r: Record<string, unknown>) => (r.extra = 1), 'MALFORMED'],
  ])('rejects %s with a typed error', (_name, change, code) => {
    expect(codeOf(() => decodeTx(reencode(change)))).toBe(code);
  });

  it('withSignature: a host-signed draft keeps the draft’s signed bytes and id (not encoded again) and is the signed transaction', () => {
    const { sig: _sig, ...unsigned } = good;
    const draft = checkTx({ ...unsigned, sig: new Uint8Array(64) });
    const signing = txSigningBytes(draft);
    const tx = withSignature(draft, signSync(alice.seed, signing));
    expect(Object.isFrozen(tx)).toBe(true);
    expect(txSigningBytes(tx)).toBe(signing); // the same bytes, from the cache
    expect(txIdOf(tx)).toBe(txIdOf(good));
    expect(encodeTx(tx)).toEqual(encodeTx(good));
    expect(tx).toEqual(good);
  });

  it('withSignature: the envelope built from the signed bytes is the canonical encoding of the signed transaction (property)', () => {
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9/]{1,40}$/),
        value,
        fc.integer({ min: 1, max: 1e6 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (key, datum, nonce, sig) => {
          const body = { key, value: datum };
          const { sig: _sig, ...unsigned } = good;
          const draft = checkTx({ ...unsigned, nonce, body, sig: new Uint8Array(64) });
          txSigningBytes(draft);
          const tx = withSignature(draft, sig);
          const { chain, type, from, time } = tx;
          const fresh = encode({ chain, type, from, nonce, time, body, sig });
          expect(toHex(encodeTx(tx))).toBe(toHex(fresh));
          expect(txIdOf(decodeTx(fresh))).toBe(txIdOf(tx));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects non-canonical encodings of a valid transaction', () => {
    const bytes = encodeTx(good);
    // A map header with a 1-byte length argument instead of the short form (0xa7 -> 0xb8 0x07).
    const longForm = new Uint8Array(bytes.length + 1);
    longForm[0] = 0xb8;
    longForm[1] = 0x07;
    longForm.set(bytes.subarray(1), 2);
    expect(bytes[0]).toBe(0xa7);
    expect(codeOf(() => decodeTx(longForm))).toBe('MALFORMED');
  });

  it('refuses a key with a lone surrogate (it would hash like U+FFFD) or a control character, and takes a surrogate pair and other text', () => {
    expect(codeOf(() => checkTx({ ...good, body: { key: 'sensor/\uD800', value: 1 } }))).toBe(
      'BAD_KEY',
    );
    expect(codeOf(() => checkTx({ ...good, body: { key: '\uDE00sensor', value: 1 } }))).toBe(
      'BAD_KEY',
    );
    expect(checkTx({ ...good, body: { key: 'sensor/\uD83D\uDE00', value: 1 } }).body).toEqual({
      key: 'sensor/\uD83D\uDE00',
      value: 1,
    });
    for (const key of ['a\u0000b', 'tab\there', 'del\u007f', '\u001f'])
      expect(codeOf(() => checkTx({ ...good, body: { key, value: 1 } }))).toBe('BAD_KEY');
    expect(checkTx({ ...good, body: { key: 'ü€ sensor \u0080', value: 1 } }).body).toEqual({
      key: 'ü€ sensor \u0080',
      value: 1,
    });
  });

  it('rejects garbage and oversized input', () => {
    expect(codeOf(() => decodeTx(new Uint8Array([0xff, 0x00])))).toBe('MALFORMED');
    expect(codeOf(() => decodeTx(new Uint8Array(20_000)))).toBe('TOO_LARGE');
  });

  it('never crashes and never accepts a mutated transaction as the original (property)', () => {
    const bytes = encodeTx(good);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (flips) => {
          const mutated = new Uint8Array(bytes);
          for (const [at, xor] of flips) mutated[at] = mutated[at]! ^ xor;
          let tx: Tx;
          try {
            tx = decodeTx(mutated);
          } catch (error) {
            expect(error).toBeInstanceOf(BotError);
            return;
          }
          // It decoded: then either it is a different transaction whose signature fails, or a
          // field outside the signed content could not have changed.
          const sigOk = verifyStrict(publicKeyFromDid(tx.from), txSigningBytes(tx), tx.sig);
          expect(sigOk && txIdOf(tx) !== txIdOf(good)).toBe(false);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never crashes on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeTx(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BotError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
