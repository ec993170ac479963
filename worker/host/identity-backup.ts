// Identity backup: the 32-byte Ed25519 seed encrypted under a passphrase.
// Key derivation: scrypt (RFC 7914, @noble/hashes); encryption: AES-256-GCM (NIST SP 800-38D,
// WebCrypto) with the backup's did as additional data, so a backup cannot be relabelled.
// The result is a small JSON document the user keeps; nothing here touches storage.
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { fromHex, toHex, utf8 } from '../core/bytes';
import { botError } from '../core/errors';
import { identityBackupLengthMax, passphraseLengthMax, passphraseLengthMin } from '../core/limits';

export const backupFormat = 'bot-identity/v1';
// The bounds are named in core/limits.ts (the API boundary checks them too: host/dispatch.ts).
export { passphraseLengthMin, passphraseLengthMax } from '../core/limits';
export const backupBytesMax = identityBackupLengthMax;
/** scrypt cost: 2^15 x 8 x 128 bytes = 32 MiB, about a quarter second in a worker. */
export const scryptCostDefault = 2 ** 15;
const scryptCostMax = 2 ** 20;
const seedBytes = 32;
const saltBytes = 16;
const ivBytes = 12;

export interface IdentityBackup {
  format: typeof backupFormat;
  did: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'AES-GCM'; iv: string };
  ciphertext: string;
  createdAt: number;
}

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string') throw new TypeError('passphrase must be a string');
  if (passphrase.length < passphraseLengthMin || passphrase.length > passphraseLengthMax) {
    throw new RangeError(
      `passphrase must be ${passphraseLengthMin} to ${passphraseLengthMax} characters long`,
    );
  }
  return passphrase.normalize('NFKC');
}

async function aesKey(passphrase: string, kdf: IdentityBackup['kdf']): Promise<CryptoKey> {
  const raw = await scryptAsync(utf8(passphrase), fromHex(kdf.salt), {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
  });
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
}

/** Encrypt `seed` under `passphrase`; returns the backup as a JSON string. */
export async function encryptSeed(
  seed: Uint8Array,
  passphrase: string,
  options: { did: string; randomBytes: (length: number) => Uint8Array; now: number; cost?: number },
): Promise<string> {
  if (!(seed instanceof Uint8Array)) throw new TypeError('seed must be a Uint8Array');
  if (seed.length !== seedBytes) throw new RangeError(`seed must be ${seedBytes} bytes`);
  const kdf = {
    name: 'scrypt' as const,
    N: options.cost ?? scryptCostDefault,
    r: 8,
    p: 1,
    salt: toHex(options.randomBytes(saltBytes)),
  };
  const iv = options.randomBytes(ivBytes);
  const key = await aesKey(checkPassphrase(passphrase), kdf);
  const sealed = await crypto.subtle.encrypt(
    {
      name: 'AES-GCM',
      iv: iv as Uint8Array<ArrayBuffer>,
      additionalData: utf8(options.did) as Uint8Array<ArrayBuffer>,
    },
    key,
    seed as Uint8Array<ArrayBuffer>,
  );
  const backup: IdentityBackup = {
    format: backupFormat,
    did: options.did,
    kdf,
    cipher: { name: 'AES-GCM', iv: toHex(iv) },
    ciphertext: toHex(new Uint8Array(sealed)),
    createdAt: options.now,
  };
  return JSON.stringify(backup);
}

const hexPattern = /^(?:[0-9a-f]{2})+$/;

/** Parse and check the shape of a backup; operating errors are BotErrors with a plain message. */
export function parseBackup(text: unknown): IdentityBackup {
  if (typeof text !== 'string')
    throw botError('BAD_REQUEST', 'The identity backup must be the text of a backup file.');
  if (text.length > backupBytesMax)
    throw botError('TOO_LARGE', 'This file is too large to be an identity backup.');
  let value: IdentityBackup;
  try {
    value = JSON.parse(text) as IdentityBackup;
  } catch {
    throw botError('MALFORMED', 'This is not an identity backup (it is not JSON).');
  }
  const kdf = value?.kdf;
  const shapeOk =
    value?.format === backupFormat &&
    typeof value.did === 'string' &&
    kdf?.name === 'scrypt' &&
    Number.isSafeInteger(kdf.N) &&
    kdf.N >= 2 &&
    kdf.N <= scryptCostMax &&
    (kdf.N & (kdf.N - 1)) === 0 &&
    kdf.r === 8 &&
    kdf.p === 1 &&
    typeof kdf.salt === 'string' &&
    hexPattern.test(kdf.salt) &&
    value.cipher?.name === 'AES-GCM' &&
    typeof value.cipher.iv === 'string' &&
    value.cipher.iv.length === ivBytes * 2 &&
    hexPattern.test(value.cipher.iv) &&
    typeof value.ciphertext === 'string' &&
    value.ciphertext.length === (seedBytes + 16) * 2 &&
    hexPattern.test(value.ciphertext);
  if (!shapeOk)
    throw botError('MALFORMED', `This is not a ${backupFormat} identity backup, or it is damaged.`);
  return value;
}

/** Decrypt a backup; a wrong passphrase or a changed file is UNAUTHORIZED. */
export async function decryptSeed(
  text: string,
  passphrase: string,
): Promise<{ seed: Uint8Array; did: string }> {
  const backup = parseBackup(text);
  let clean: string;
  try {
    clean = checkPassphrase(passphrase);
  } catch (error) {
    throw botError(
      'BAD_REQUEST',
      `The passphrase ${(error as Error).message.replace(/^passphrase /, '')}.`,
    );
  }
  const key = await aesKey(clean, backup.kdf);
  try {
    const opened = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: fromHex(backup.cipher.iv) as Uint8Array<ArrayBuffer>,
        additionalData: utf8(backup.did) as Uint8Array<ArrayBuffer>,
      },
      key,
      fromHex(backup.ciphertext) as Uint8Array<ArrayBuffer>,
    );
    return { seed: new Uint8Array(opened), did: backup.did };
  } catch {
    throw botError(
      'UNAUTHORIZED',
      'The passphrase does not open this backup (or the file was changed). Check the passphrase and try again.',
    );
  }
}
