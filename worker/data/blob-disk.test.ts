import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreSuite } from './blob-store.suite';
import { DiskBlobStore } from './blob-disk';

const root = mkdtempSync(join(tmpdir(), 'bot-blobs-'));
let directories = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

blobStoreSuite(
  'disk',
  (options) => DiskBlobStore.open(join(root, `d${directories++}`), options),
  async (store, options) => {
    await store.close();
    return DiskBlobStore.open((store as DiskBlobStore).directory, options);
  },
);

it('drops a half-written temporary file at open and never counts it', async () => {
  const directory = join(root, 'crash');
  const store = await DiskBlobStore.open(directory);
  await store.put(new Uint8Array(50).fill(1));
  await store.close();
  writeFileSync(join(directory, 'tmp', `${'ab'.repeat(32)}.0`), new Uint8Array(10)); // a crash mid-put
  const again = await DiskBlobStore.open(directory);
  expect(await again.usage()).toMatchObject({ bytes: 50, blobs: 1 });
  expect(readdirSync(join(directory, 'tmp'))).toEqual([]);
});
