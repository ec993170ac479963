// Real headless Chromium: the blob contract on IndexedDB, and a sealed version read back from it
// with WebCrypto X25519 crossed with noble.
import { expect, it } from 'vitest';
import { blobStoreSuite } from './blob-store.suite';
import { IdbBlobStore } from './blob-idb';
import { sealVersion, openVersionStream } from './seal';
import { hasWebCryptoX25519, nobleX25519, webCryptoX25519 } from './x25519';
import { readerKeysFromSeed, unwrapContentKey, wrapContentKey } from './envelope';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { equalBytes } from '../core/bytes';

let counter = 0;
blobStoreSuite(
  'IndexedDB',
  (options) => IdbBlobStore.open(`blobs-${Date.now()}-${counter++}`, options),
  async (store, options) => {
    await store.close();
    return IdbBlobStore.open((store as IdbBlobStore).name, options);
  },
);

it('seals 8 MB into IndexedDB and a reader opens it as a stream, X25519 crossed between backends', async () => {
  expect(navigator.userAgent).toMatch(/Chrome/);
  expect(await hasWebCryptoX25519()).toBe(true);
  const store = await IdbBlobStore.open(`blobs-seal-${Date.now()}`);
  const length = 8 * 1024 * 1024 + 3;
  const plain = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536)
    crypto.getRandomValues(plain.subarray(i, Math.min(length, i + 65536)));
  const sealed = await sealVersion(new Blob([plain]).stream(), length, store);
  const seed = new Uint8Array(32).fill(4);
  const reader = readerKeysFromSeed(seed, didFromPublicKey(publicKeyFromSeed(seed)));
  const wrapped = await wrapContentKey(
    sealed.contentKey,
    sealed.fingerprint,
    reader.binding,
    webCryptoX25519,
  );
  const key = await unwrapContentKey([wrapped], sealed.fingerprint, reader, nobleX25519);
  const back = new Uint8Array(
    await new Response(
      openVersionStream(sealed.fingerprint, key, (id) => store.get(id)),
    ).arrayBuffer(),
  );
  expect(back.length).toBe(length);
  expect(equalBytes(back, plain)).toBe(true);
  await store.close();
});
