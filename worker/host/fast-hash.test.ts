// The WebAssembly SHA-256 the host installs for the core gives the pure-JS reference's output
// on every input, so which one a peer runs never changes a hash, a root or a block id.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { installFastSha256 } from './fast-hash';
import { referenceSha256, sha256, taggedHash } from '../core/crypto/hash';
import { concatBytes, toHex, utf8 } from '../core/bytes';

describe('fast SHA-256', () => {
  it('installs in Node and agrees with the reference on random inputs of every length up to 2 KiB', async () => {
    expect(await installFastSha256()).toBe(true);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        (data) => toHex(sha256(data)) === toHex(referenceSha256(data)),
      ),
      { numRuns: 500 },
    );
    expect(toHex(sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(toHex(taggedHash('tx', utf8('abc')))).toBe(
      toHex(referenceSha256(concatBytes(utf8('tx'), new Uint8Array([0]), utf8('abc')))),
    );
  });

  it('returns a fresh array each time (callers may keep or change it)', async () => {
    await installFastSha256();
    const a = sha256(utf8('x'));
    const b = sha256(utf8('y'));
    a.fill(0);
    expect(toHex(sha256(utf8('x')))).toBe(toHex(referenceSha256(utf8('x'))));
    expect(toHex(b)).toBe(toHex(referenceSha256(utf8('y'))));
  });
});
