// The Node peer's identity seed sealed at rest (issue 15, keys at rest): the store holds only a
// sealed record, the key is in its own 0600 file, a restart opens it, an old store's plain seed
// is sealed on first start, and a wrong or altered key file stops the start with TAMPERED.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig } from './peer';
import { LevelStorage } from '../../worker/store/level';
import { seedMetaKey } from '../../worker/host/identity';
import { isSealedSecret } from '../../worker/host/keys-at-rest';
import { didFromPublicKey } from '../../worker/core/crypto/did';
import { publicKeyFromSeed } from '../../worker/core/crypto/ed25519';

const root = mkdtempSync(join(tmpdir(), 'bot-key-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const config = (dataDir: string) => ({ ...defaultConfig, port: 0, dataDir, quiet: true });

async function didOf(dataDir: string): Promise<string> {
  const peer = await startPeer(config(dataDir));
  try {
    return (await peer.host.identity()).did;
  } finally {
    await peer.stop();
  }
}

async function storedSeed(dataDir: string): Promise<unknown> {
  const storage = await LevelStorage.open(dataDir);
  try {
    return await storage.getMeta<unknown>(seedMetaKey);
  } finally {
    await storage.shutdown();
  }
}

describe('the Node peer seals its seed at rest', () => {
  it('keeps only a sealed seed in the store, the key in a 0600 file, and reopens it', async () => {
    const dataDir = join(root, `d${dirs++}`);
    const did = await didOf(dataDir);
    expect(isSealedSecret(await storedSeed(dataDir))).toBe(true);
    const keyFile = join(dataDir, 'at-rest.key');
    expect(readFileSync(keyFile).length).toBe(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await didOf(dataDir)).toBe(did); // a restart opens the same identity
  }, 60_000);

  it('seals a plain seed of an older store on first start, keeping the identity', async () => {
    const dataDir = join(root, `d${dirs++}`);
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const storage = await LevelStorage.open(dataDir);
    await storage.putMeta(seedMetaKey, seed);
    await storage.shutdown();
    expect(await didOf(dataDir)).toBe(didFromPublicKey(publicKeyFromSeed(seed)));
    expect(isSealedSecret(await storedSeed(dataDir))).toBe(true);
  }, 60_000);

  it('refuses to start with another key or an altered key file (TAMPERED)', async () => {
    const dataDir = join(root, `d${dirs++}`);
    await didOf(dataDir);
    const keyFile = join(dataDir, 'at-rest.key');
    writeFileSync(keyFile, new Uint8Array(32).fill(7));
    await expect(startPeer(config(dataDir))).rejects.toMatchObject({
      code: 'TAMPERED',
      message: expect.stringMatching(/passphrase backup/),
    });
    writeFileSync(keyFile, new Uint8Array(10));
    await expect(startPeer(config(dataDir))).rejects.toMatchObject({ code: 'TAMPERED' });
  }, 60_000);
});
