// One behaviour suite every BlobStore adapter passes (memory and disk in Node, IndexedDB in
// Chromium).
import { describe, expect, it } from 'vitest';
import { blobIdOf, type BlobStore, type BlobStoreOptions } from './blob-store';
import { blobBytesMax } from './limits';
import { errorCode } from './errors';

const bytesOf = (length: number, fill: number) => new Uint8Array(length).fill(fill);

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return errorCode(error) ?? (error as Error).name;
  }
  return undefined;
}

/**
 * `open` makes an empty store; `reopen` (adapters that persist) closes it and opens the same
 * data again, as a reload or a restart does.
 */
export function blobStoreSuite(
  name: string,
  open: (options?: BlobStoreOptions) => Promise<BlobStore>,
  reopen?: (store: BlobStore, options?: BlobStoreOptions) => Promise<BlobStore>,
): void {
  describe(`BlobStore contract: ${name}`, () => {
    it('keeps a blob under its SHA-256 and gives back equal bytes, as a copy', async () => {
      const store = await open();
      const blob = bytesOf(1000, 7);
      const id = await store.put(blob);
      expect(id).toBe(await blobIdOf(blob));
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      blob.fill(9); // the caller reusing its buffer does not change what was stored
      const back = await store.get(id);
      expect(back).toEqual(bytesOf(1000, 7));
      back!.fill(1);
      expect(await store.get(id)).toEqual(bytesOf(1000, 7));
      expect(await store.has(id)).toBe(true);
      await store.close();
    });

    it('answers for blobs it does not hold, and deletes', async () => {
      const store = await open();
      const absent = await blobIdOf(bytesOf(3, 3));
      expect(await store.get(absent)).toBeUndefined();
      expect(await store.has(absent)).toBe(false);
      expect(await store.delete(absent)).toBe(false);
      const id = await store.put(bytesOf(3, 3));
      expect(await store.delete(id)).toBe(true);
      expect(await store.has(id)).toBe(false);
      expect(await store.usage()).toMatchObject({ bytes: 0, blobs: 0 });
      await store.close();
    });

    it('lists and counts its blobs; a second put of the same bytes is free', async () => {
      const store = await open();
      const ids = await Promise.all([1, 2, 3].map((n) => store.put(bytesOf(100 * n, n))));
      await store.put(bytesOf(200, 2));
      expect(await store.list()).toEqual([...ids].sort());
      expect(await store.usage()).toMatchObject({ bytes: 600, blobs: 3 });
      await store.close();
    });

    it('refuses bytes that do not match the expected id (TAMPERED) and keeps nothing', async () => {
      const store = await open();
      const expected = await blobIdOf(bytesOf(10, 1));
      expect(await codeOf(store.put(bytesOf(10, 2), expected))).toBe('TAMPERED');
      expect(await store.list()).toEqual([]);
      expect(await store.put(bytesOf(10, 1), expected)).toBe(expected);
      await store.close();
    });

    it('refuses a malformed id and an oversized blob', async () => {
      const store = await open();
      expect(await codeOf(store.get('../../etc/passwd'))).toBe('BAD_FIELD_TYPE');
      expect(await codeOf(store.delete('AB'.repeat(32)))).toBe('BAD_FIELD_TYPE');
      expect(await codeOf(store.put(new Uint8Array(blobBytesMax + 1)))).toBe('TOO_LARGE');
      await store.close();
    });

    it('stops at its quota with QUOTA, whole blobs only, even for puts at the same time', async () => {
      const store = await open({ quotaBytes: 1000 });
      const results = await Promise.allSettled(
        [1, 2, 3, 4, 5].map((n) => store.put(bytesOf(300, n))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused.map((r) => errorCode(r.reason))).toEqual(['QUOTA', 'QUOTA']);
      expect((refused[0]!.reason as Error).message).toMatch(/quota of 1000 bytes/);
      expect(await store.usage()).toEqual({ bytes: 900, blobs: 3, quotaBytes: 1000 });
      const [first] = await store.list();
      await store.delete(first!);
      await store.put(bytesOf(300, 9)); // room again
      expect((await store.usage()).bytes).toBe(900);
      await store.close();
    });

    it('keeps a batch of fetched blobs in one write, or none of them', async () => {
      const store = await open({ quotaBytes: 1000 });
      const blob = async (length: number, fill: number) => ({
        id: await blobIdOf(bytesOf(length, fill)),
        bytes: bytesOf(length, fill),
      });
      const [a, b, c] = [await blob(100, 1), await blob(200, 2), await blob(300, 3)];
      await store.put(a.bytes);
      await store.putMany([a, b, b]); // a held already, b twice: counted once each
      expect(await store.usage()).toMatchObject({ bytes: 300, blobs: 2 });
      expect(await store.get(b.id)).toEqual(b.bytes);
      // A malformed id or an oversized blob: refused, and nothing of the batch is kept.
      expect(await codeOf(store.putMany([c, { id: 'AB', bytes: bytesOf(5, 5) }]))).toBe(
        'BAD_FIELD_TYPE',
      );
      const huge = new Uint8Array(blobBytesMax + 1);
      expect(await codeOf(store.putMany([c, { id: a.id, bytes: huge }]))).toBe('TOO_LARGE');
      expect(await store.has(c.id)).toBe(false);
      // Past the quota as a whole: QUOTA, and nothing of the batch is kept.
      const d = await blob(500, 4);
      expect(await codeOf(store.putMany([c, d]))).toBe('QUOTA');
      expect(await store.has(c.id)).toBe(false);
      expect(await store.usage()).toMatchObject({ bytes: 300, blobs: 2 });
      await store.putMany([c]);
      expect(await store.list()).toEqual([a.id, b.id, c.id].sort());
      await store.close();
    });

    if (reopen) {
      it('keeps blobs, their count and bytes across a reopen', async () => {
        let store = await open({ quotaBytes: 5000 });
        const a = await store.put(bytesOf(1234, 1));
        const b = await store.put(bytesOf(10, 2));
        await store.delete(b);
        store = await reopen(store, { quotaBytes: 5000 });
        expect(await store.get(a)).toEqual(bytesOf(1234, 1));
        expect(await store.has(b)).toBe(false);
        expect(await store.usage()).toEqual({ bytes: 1234, blobs: 1, quotaBytes: 5000 });
        await store.close();
      });
    }
  });
}
