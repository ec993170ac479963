// Leaving a chain without its data (issue 18: leaveChain(chainId, { keepData: false })) deletes
// its dataset blobs too, not only its ledger store: a peer runs two chains beside its first one,
// each with a blob directory of its own (DiskBlobStore, as on the Node peer; the tab's IndexedDB
// blob store goes through the same BlobStore interface), seals a dataset version on each, leaves
// one keeping its data and the other not. Reopened from disk, the first chain's blobs are all
// there and the second's directory holds none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import { DiskBlobStore } from '../data/blob-disk';
import { committed } from './datasets-testing';
import { startTestMultiHost } from './testing';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('leaving a chain without its data', () => {
  it('deletes its dataset blobs; a chain left with its data keeps them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bot-leave-wipe-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const stores = new Map<string, MemoryStorage>();
    const blobDir = (chainId: string) => join(root, chainId, 'blobs');
    const multi = await startTestMultiHost(
      { contractRuntime: null },
      {
        async openChain(chainId) {
          let storage = stores.get(chainId);
          if (!storage) stores.set(chainId, (storage = new MemoryStorage()));
          const blobs = await DiskBlobStore.open(blobDir(chainId));
          return { storage, blobs, close: () => blobs.close() };
        },
      },
    );
    cleanup.push(() => multi.stop());
    const chainWithBlobs = async (name: string) => {
      const { chainId } = await multi.createChain({ name, mode: 'private', consensus: 'solo' });
      const host = multi.chainHost(chainId);
      await committed(host, host.publishDataset({ id: 'readings' }));
      const version = await host.putDatasetVersion('readings', new Uint8Array(randomBytes(5000)));
      await committed(host, Promise.resolve(version));
      return chainId;
    };
    const kept = await chainWithBlobs('kept');
    const gone = await chainWithBlobs('gone');
    const held = async (chainId: string) => {
      const blobs = await DiskBlobStore.open(blobDir(chainId));
      try {
        return (await blobs.list()).length;
      } finally {
        await blobs.close();
      }
    };
    const keptBlobs = await held(kept);
    expect(keptBlobs).toBeGreaterThanOrEqual(2); // the manifest and its chunk
    expect(await held(gone)).toBe(keptBlobs);

    await multi.leaveChain(kept, { keepData: true });
    await multi.leaveChain(gone, { keepData: false });
    expect(await held(kept)).toBe(keptBlobs);
    expect(await held(gone)).toBe(0);
    expect(await stores.get(gone)!.headHeight(gone)).toBe(-1);
  }, 60_000);
});
