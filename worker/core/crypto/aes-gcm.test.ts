// The chain's AES-256-GCM opening against WebCrypto's sealing (the host's), over random keys,
// nonces, additional data and lengths; a changed byte anywhere is refused (null).
import { describe, expect, it } from 'vitest';
import { aesGcmOpen } from './aes-gcm';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

async function seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array) {
  const k = await crypto.subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, [
    'encrypt',
  ]);
  return new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource },
      k,
      plain as BufferSource,
    ),
  );
}

describe('AES-256-GCM opening in the core', () => {
  it('opens what WebCrypto sealed, and nothing altered', async () => {
    for (const [plainBytes, aadBytes] of [
      [32, 60],
      [0, 0],
      [1, 16],
      [17, 5],
      [64, 100],
    ] as const) {
      const key = random(32);
      const nonce = random(12);
      const aad = random(aadBytes);
      const plain = random(plainBytes);
      const sealed = await seal(key, nonce, aad, plain);
      expect(aesGcmOpen(key, nonce, aad, sealed)).toEqual(plain);
      const flip = (b: Uint8Array, i: number) => {
        const c = b.slice();
        c[i]! ^= 1;
        return c;
      };
      expect(aesGcmOpen(flip(key, 3), nonce, aad, sealed)).toBeNull();
      expect(aesGcmOpen(key, flip(nonce, 11), aad, sealed)).toBeNull();
      if (aadBytes > 0) expect(aesGcmOpen(key, nonce, flip(aad, 0), sealed)).toBeNull();
      expect(aesGcmOpen(key, nonce, aad, flip(sealed, sealed.length - 1))).toBeNull();
      if (plainBytes > 0) expect(aesGcmOpen(key, nonce, aad, flip(sealed, 0))).toBeNull();
    }
  });
});
