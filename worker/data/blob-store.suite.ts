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
