// AES-256-GCM opening (FIPS 197, NIST SP 800-38D), pure and synchronous, for the chain's own
// checks of small sealed values (a content key wrapped for a buyer: 32 bytes and a 16-byte tag,
// worker/core/modules/market/keycheck.ts). Bulk data is sealed and opened with WebCrypto in the
// host (worker/data); this opens what WebCrypto sealed, and aes-gcm.test.ts crosses the two.
// Not constant-time: it opens values that are revealed on chain anyway.

const sbox = new Uint8Array(256);
{
  // The S-box from the multiplicative inverse in GF(2^8) and the affine map (FIPS 197 5.1.1).
  let p = 1;
  let q = 1;
  do {
    p = p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const x = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4);
    sbox[p] = (x ^ 0x63) & 0xff;
  } while (p !== 1);
  sbox[0] = 0x63;
}

function rotl8(x: number, n: number): number {
  return ((x << n) | (x >> (8 - n))) & 0xff;
}

const xtime = (b: number) => ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;

/** The 15 round keys of AES-256 (240 bytes). */
function expandKey(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('AES-256 key: expected 32 bytes');
  const w = new Uint8Array(240);
  w.set(key);
  let rcon = 1;
  for (let i = 32; i < 240; i += 4) {
    let t0 = w[i - 4]!;
    let t1 = w[i - 3]!;
    let t2 = w[i - 2]!;
    let t3 = w[i - 1]!;
    if (i % 32 === 0) {
      [t0, t1, t2, t3] = [sbox[t1]! ^ rcon, sbox[t2]!, sbox[t3]!, sbox[t0]!];
      rcon = xtime(rcon);
    } else if (i % 32 === 16) {
      [t0, t1, t2, t3] = [sbox[t0]!, sbox[t1]!, sbox[t2]!, sbox[t3]!];
    }
    w[i] = w[i - 32]! ^ t0;
    w[i + 1] = w[i - 31]! ^ t1;
    w[i + 2] = w[i - 30]! ^ t2;
    w[i + 3] = w[i - 29]! ^ t3;
  }
  return w;
}

function encryptBlock(w: Uint8Array, input: Uint8Array): Uint8Array {
  const s = new Uint8Array(16);
  for (let i = 0; i < 16; i++) s[i] = input[i]! ^ w[i]!;
  for (let round = 1; round <= 14; round++) {
    // SubBytes and ShiftRows (state column-major: byte r + 4c).
    const t = new Uint8Array(16);
    for (let c = 0; c < 4; c++)
      for (let r = 0; r < 4; r++) t[r + 4 * c] = sbox[s[r + 4 * ((c + r) % 4)]!]!;
    if (round < 14) {
      for (let c = 0; c < 4; c++) {
        const a0 = t[4 * c]!;
        const a1 = t[4 * c + 1]!;
        const a2 = t[4 * c + 2]!;
        const a3 = t[4 * c + 3]!;
        const all = a0 ^ a1 ^ a2 ^ a3;
        t[4 * c] = a0 ^ all ^ xtime(a0 ^ a1);
        t[4 * c + 1] = a1 ^ all ^ xtime(a1 ^ a2);
        t[4 * c + 2] = a2 ^ all ^ xtime(a2 ^ a3);
        t[4 * c + 3] = a3 ^ all ^ xtime(a3 ^ a0);
      }
    }
    for (let i = 0; i < 16; i++) s[i] = t[i]! ^ w[16 * round + i]!;
  }
  return s;
}

const toBig = (b: Uint8Array): bigint => {
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return x;
};

const fromBig = (x: bigint): Uint8Array => {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
};

const gcmR = 0xe1n << 120n;

/** Multiplication in GF(2^128) with GCM's bit order (SP 800-38D 6.3). */
function gmul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ gcmR : v >> 1n;
  }
  return z;
}

function ghash(h: bigint, aad: Uint8Array, data: Uint8Array): bigint {
  let y = 0n;
  const absorb = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; at += 16) {
      const block = new Uint8Array(16);
      block.set(bytes.subarray(at, at + 16));
      y = gmul(y ^ toBig(block), h);
    }
  };
  absorb(aad);
  absorb(data);
  y = gmul(y ^ ((BigInt(aad.length * 8) << 64n) | BigInt(data.length * 8)), h);
  return y;
}

/** Small values only: what the chain opens is a key, never bulk data. */
export const gcmOpenBytesMax = 4096;

/**
 * Open AES-256-GCM `sealed` (ciphertext and 16-byte tag) under `key` with a 12-byte `nonce` and
 * `aad`: the plaintext, or null when the tag does not match (wrong key, nonce, aad or bytes).
 */
export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  if (nonce.length !== 12) throw new RangeError('GCM nonce: expected 12 bytes');
  if (sealed.length < 16 || sealed.length > gcmOpenBytesMax + 16) return null;
  const w = expandKey(key);
  const h = toBig(encryptBlock(w, new Uint8Array(16)));
  const data = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  const counter = new Uint8Array(16);
  counter.set(nonce);
  counter[15] = 1;
  const expected = fromBig(ghash(h, aad, data) ^ toBig(encryptBlock(w, counter)));
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= expected[i]! ^ tag[i]!;
  if (diff !== 0) return null;
  const plain = new Uint8Array(data.length);
  for (let block = 0; block * 16 < data.length; block++) {
    const n = block + 2;
    counter[12] = (n >>> 24) & 0xff;
    counter[13] = (n >>> 16) & 0xff;
    counter[14] = (n >>> 8) & 0xff;
    counter[15] = n & 0xff;
    const stream = encryptBlock(w, counter);
    for (let i = 0; i < 16 && block * 16 + i < data.length; i++)
      plain[block * 16 + i] = data[block * 16 + i]! ^ stream[i]!;
  }
  return plain;
}
