// Vectors derived from RFC 8032 TEST 1 by changing one thing, so each breaks exactly one rule.
import { fromHex, toHex } from '../bytes';
import { rfc8032, type Vector } from '../fixtures/ed25519-vectors';

const groupOrder = 2n ** 252n + 27742317777372353535851937790883648493n;

function leToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function bigIntToLe(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

export function malleatedVectors(): Vector[] {
  const base = rfc8032[0]!;
  const sig = fromHex(base.signature);
  const s = leToBigInt(sig.subarray(32));
  const malleated = new Uint8Array(sig);
  malleated.set(bigIntToLe(s + groupOrder, 32), 32);
  const flipped = new Uint8Array(sig);
  flipped[0] = flipped[0]! ^ 1;
  const wrongMessage = { ...base, message: '00' };
  // A public key whose y is p + 1 (non-canonical encoding of y = 1 + ... ) : y = 2^255 - 18.
  const nonCanonicalKey = toHex(bigIntToLe(2n ** 255n - 18n, 32));
  return [
    {
      name: 'malleated S + L',
      publicKey: base.publicKey,
      message: base.message,
      signature: toHex(malleated),
      valid: false,
      why: 'S >= L',
    },
    {
      name: 'flipped bit in R',
      publicKey: base.publicKey,
      message: base.message,
      signature: toHex(flipped),
      valid: false,
      why: 'R changed',
    },
    {
      name: 'other message',
      publicKey: wrongMessage.publicKey,
      message: wrongMessage.message,
      signature: base.signature,
      valid: false,
      why: 'message changed',
    },
    {
      name: 'non-canonical public key',
      publicKey: nonCanonicalKey,
      message: base.message,
      signature: base.signature,
      valid: false,
      why: 'y >= p',
    },
    {
      name: 'identity public key',
      publicKey: '0100000000000000000000000000000000000000000000000000000000000000',
      message: base.message,
      signature: base.signature,
      valid: false,
      why: 'small-order key',
    },
  ];
}
