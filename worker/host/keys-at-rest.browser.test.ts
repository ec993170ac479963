// Keys at rest in a real browser (vitest browser project, headless Chromium; issue 15): a peer
// whose database holds a plain seed (written before this change) seals it at its next start;
// the record in IndexedDB is then not the seed, the wrapping key is a non-extractable CryptoKey
// (exportKey is refused), the peer keeps its identity across a restart, and the passphrase
// backup still exports and imports the same identity. Device keys are sealed the same way.
import { describe, expect, it } from 'vitest';
import { PeerHost } from './peer-host';
import { IdbStorage } from '../store/idb';
import { bestVerifier } from './crypto';
import { atRestKeyMetaKey, isSealedSecret, openSecretBox, SecretMeta } from './keys-at-rest';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { equalBytes } from '../core/bytes';

let counter = 0;

async function startHost(storage: IdbStorage): Promise<PeerHost> {
  const host = new PeerHost({
    storage,
    secretBox: await openSecretBox(storage),
    storageKind: 'indexeddb',
    verifier: await bestVerifier(),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: () => {},
    tickIntervalMs: 20,
    contractRuntime: null,
  });
  await host.ready();
  return host;
}

/** A meta record read straight from IndexedDB, beside the peer's adapter (as devtools would). */
async function rawMeta(name: string, key: string): Promise<unknown> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction('meta').objectStore('meta').get(key);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

describe('keys at rest in IndexedDB (issue 15)', () => {
  it('seals a plain seed at the next start under a non-extractable key; the identity stays', async () => {
    const name = `bot-keys-at-rest-${Date.now()}-${counter++}`;
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const did = didFromPublicKey(publicKeyFromSeed(seed));

    // A database from before this change: the seed stored as plain bytes.
    let storage = await IdbStorage.open(name);
    await storage.putMeta('identity.seed', seed);
    expect(equalBytes((await rawMeta(name, 'identity.seed')) as Uint8Array, seed)).toBe(true);

    let host = await startHost(storage);
    expect((await host.identity()).did).toBe(did);
    const stored = await rawMeta(name, 'identity.seed');
    expect(stored instanceof Uint8Array).toBe(false);
    expect(isSealedSecret(stored)).toBe(true);
    const record = stored as { iv: Uint8Array; ct: Uint8Array };
    expect(equalBytes(record.ct.subarray(0, 32), seed)).toBe(false);
    // Nowhere in the record are the seed's bytes.
    const flat = new Uint8Array([...record.iv, ...record.ct]);
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    expect(hex(flat).includes(hex(seed))).toBe(false);

    // The wrapping key is a CryptoKey that WebCrypto refuses to export.
    const key = (await rawMeta(name, atRestKeyMetaKey)) as CryptoKey;
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();

    // The passphrase backup is the way out: it exports the same identity.
    const backup = await host.exportIdentity('correct horse battery');
    await host.stop();
    storage.close();

    // A restart opens the sealed seed: the same identity.
    storage = await IdbStorage.open(name);
    host = await startHost(storage);
    expect((await host.identity()).did).toBe(did);
    const again = await host.importIdentity(backup, 'correct horse battery');
    expect(again.did).toBe(did);
    expect(isSealedSecret(await rawMeta(name, 'identity.seed'))).toBe(true);
    await host.stop();
    storage.close();
  });

  it('seals device keys one by one and migrates a plain map; a swapped record does not open', async () => {
    const name = `bot-keys-at-rest-${Date.now()}-${counter++}`;
    const storage = await IdbStorage.open(name);
    const a = crypto.getRandomValues(new Uint8Array(32));
    const b = crypto.getRandomValues(new Uint8Array(32));
    await storage.putMeta('devices.keys', { 'did:key:a': a, 'did:key:b': b });
    const secrets = new SecretMeta(storage, await openSecretBox(storage));
    const keys = await secrets.getMap('devices.keys');
    expect(equalBytes(keys['did:key:a']!, a)).toBe(true);
    const raw = (await rawMeta(name, 'devices.keys')) as Record<string, unknown>;
    expect(isSealedSecret(raw['did:key:a'])).toBe(true);
    expect(isSealedSecret(raw['did:key:b'])).toBe(true);
    // A's sealed record put in B's place does not open as B's key: TAMPERED.
    await storage.putMeta('devices.keys', { 'did:key:b': raw['did:key:a'] });
    await expect(secrets.getMap('devices.keys')).rejects.toMatchObject({ code: 'TAMPERED' });
    storage.close();
  });
});
