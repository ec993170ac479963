import { describe, expect, it } from 'vitest';
import { decryptSeed, encryptSeed, parseBackup } from './identity-backup';
import { BotError } from '../core/errors';

const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
let counter = 1;
const randomBytes = (length: number) => Uint8Array.from({ length }, () => counter++ & 0xff);
const did = 'did:key:z6MkTest';
const cheap = { did, randomBytes, now: 1, cost: 2 ** 10 };

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e) => (e instanceof BotError ? e.code : `${(e as Error).name}`),
  );
}

describe('identity backup (scrypt + AES-GCM)', () => {
  it('opens with the right passphrase and returns the same seed and did', async () => {
    const backup = await encryptSeed(seed, 'correct horse battery', cheap);
    expect(parseBackup(backup).did).toBe(did);
    expect(backup).not.toContain(Buffer.from(seed).toString('hex'));
    const opened = await decryptSeed(backup, 'correct horse battery');
    expect(opened.seed).toEqual(seed);
    expect(opened.did).toBe(did);
  });

  it('uses a fresh salt and iv each time', async () => {
    const a = parseBackup(await encryptSeed(seed, 'passphrase-1', cheap));
    const b = parseBackup(await encryptSeed(seed, 'passphrase-1', cheap));
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.cipher.iv).not.toBe(b.cipher.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('refuses a wrong passphrase, a changed ciphertext and a relabelled did', async () => {
    const backup = await encryptSeed(seed, 'correct horse battery', cheap);
    expect(await code(decryptSeed(backup, 'wrong horse battery'))).toBe('UNAUTHORIZED');
    const parsed = parseBackup(backup);
    const flipped = {
      ...parsed,
      ciphertext: (parsed.ciphertext[0] === '0' ? '1' : '0') + parsed.ciphertext.slice(1),
    };
    expect(await code(decryptSeed(JSON.stringify(flipped), 'correct horse battery'))).toBe(
      'UNAUTHORIZED',
    );
    expect(
      await code(
        decryptSeed(
          JSON.stringify({ ...parsed, did: 'did:key:z6MkOther' }),
          'correct horse battery',
        ),
      ),
    ).toBe('UNAUTHORIZED');
  });

  it('rejects damaged files and bad passphrases with typed errors', async () => {
    expect(await code(decryptSeed('not json', 'long enough'))).toBe('MALFORMED');
    expect(await code(decryptSeed(JSON.stringify({ format: 'other' }), 'long enough'))).toBe(
      'MALFORMED',
    );
    expect(await code(decryptSeed('x'.repeat(10_000), 'long enough'))).toBe('TOO_LARGE');
    const backup = await encryptSeed(seed, 'correct horse battery', cheap);
    expect(await code(decryptSeed(backup, 'short'))).toBe('BAD_REQUEST');
    expect(
      await code(
        decryptSeed(
          JSON.stringify({
            ...parseBackup(backup),
            kdf: { ...parseBackup(backup).kdf, N: 2 ** 30 },
          }),
          'correct horse battery',
        ),
      ),
    ).toBe('MALFORMED');
    await expect(encryptSeed(seed, 'short', cheap)).rejects.toThrow(RangeError);
    await expect(encryptSeed(seed.slice(1), 'long enough', cheap)).rejects.toThrow(RangeError);
  });

  it('uses scrypt at the default cost when none is given', async () => {
    const backup = parseBackup(
      await encryptSeed(seed, 'correct horse battery', { did, randomBytes, now: 1 }),
    );
    expect(backup.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 15, r: 8, p: 1 });
  });
});
