import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageSuite } from './storage.suite';
import { DiskStorage, logFileName, lockFileName, metaFileName, recordHeaderBytes } from './disk';
import type { BlockCommit } from './storage';

const root = mkdtempSync(join(tmpdir(), 'bot-disk-'));
let directories = 0;
const freshDirectory = () => join(root, `d${directories++}`);
const suiteStores: DiskStorage[] = [];
afterAll(async () => {
  await Promise.all(suiteStores.map((store) => store.shutdown()));
  rmSync(root, { recursive: true, force: true });
});

storageSuite(
  'disk',
  async () => {
    const store = await DiskStorage.open(freshDirectory());
    suiteStores.push(store);
    return store;
  },
  async (store) => {
    const { directory } = store as DiskStorage;
    await (store as DiskStorage).shutdown();
    const again = await DiskStorage.open(directory);
    suiteStores.push(again);
    return again;
  },
);

const bytes = (...values: number[]) => new Uint8Array(values);
const commitOf = (height: number, chainId = 'c1'): BlockCommit => ({
  chainId,
  height,
  block: new Uint8Array(40 + height).fill(height),
  writes: new Map([
    [`data/k${height}`, bytes(height, 1)],
    ['data/shared', bytes(height, 2)],
  ]),
  txIds: [`tx${height}a`, `tx${height}b`],
});

describe('DiskStorage: durability', () => {
  it('reopening the directory restores meta, blocks, state, history and the tx index of every chain', async () => {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await store.putMeta('identity.seed', bytes(1, 2, 3));
    await store.putMeta('chain.active', { chainId: 'c1', genesis: { name: 'dev', validators: [{ did: 'x', power: 1 }] } });
    for (let h = 0; h < 5; h++) await store.commitBlock(commitOf(h));
    await store.commitBlock(commitOf(0, 'c2'));
    await store.shutdown();

    const again = await DiskStorage.open(directory);
    expect(again.report).toEqual({ records: 6, tornTailBytes: 0, problems: [] });
    expect(await again.getMeta('identity.seed')).toEqual(bytes(1, 2, 3));
    expect(await again.getMeta('chain.active')).toEqual({ chainId: 'c1', genesis: { name: 'dev', validators: [{ did: 'x', power: 1 }] } });
    expect(await again.headHeight('c1')).toBe(4);
    expect(await again.headHeight('c2')).toBe(0);
    expect(await again.getBlock('c1', 3)).toEqual(commitOf(3).block);
    expect(await again.getState('c1', 'data/shared')).toEqual(bytes(4, 2));
    expect((await again.history('c1', 'data/shared')).map((v) => v.height)).toEqual([0, 1, 2, 3, 4]);
    expect(await again.txLocation('tx2b')).toEqual({ chainId: 'c1', height: 2, index: 1 });
    expect((await again.allState('c1')).length).toBe(6);
    await again.shutdown();
  });

  it('clear() wipes the directory for good', async () => {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await store.putMeta('x', 1);
    await store.commitBlock(commitOf(0));
    await store.clear();
    await store.commitBlock(commitOf(0, 'c9'));
    await store.shutdown();
    const again = await DiskStorage.open(directory);
    expect(await again.getMeta('x')).toBeUndefined();
    expect(await again.headHeight('c1')).toBe(-1);
    expect(await again.headHeight('c9')).toBe(0);
    await again.shutdown();
  });

  it('one process per directory: a second open is refused, a dead owner\'s lock is taken over', async () => {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await expect(DiskStorage.open(directory)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await store.shutdown();
    expect(existsSync(join(directory, lockFileName))).toBe(false);
    writeFileSync(join(directory, lockFileName), '999999999'); // no such process: as after kill -9
    const again = await DiskStorage.open(directory);
    await again.shutdown();
    writeFileSync(join(directory, lockFileName), String(process.pid)); // a restarted container reusing the pid
    const reused = await DiskStorage.open(directory);
    await reused.shutdown();
  });

  it('refuses writes after close and reports nothing half-done', async () => {
    const store = await DiskStorage.open(freshDirectory());
    await store.shutdown();
    await expect(store.commitBlock(commitOf(0))).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
  });
});

describe('DiskStorage: crashes and damage', () => {
  /** A directory with blocks 0..2 of c1; returns the log sizes before and after block 2. */
  async function threeBlocks(): Promise<{ directory: string; before: number; after: number }> {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await store.putMeta('identity.seed', bytes(7));
    await store.commitBlock(commitOf(0));
    await store.commitBlock(commitOf(1));
    const before = statSync(join(directory, logFileName)).size;
    await store.commitBlock(commitOf(2));
    await store.shutdown();
    return { directory, before, after: statSync(join(directory, logFileName)).size };
  }

  it('a log cut at every byte offset of the last record reopens with the whole block or none of it', async () => {
    const { directory, before, after } = await threeBlocks();
    const full = readFileSync(join(directory, logFileName));
    const copy = freshDirectory();
    mkdirSync(copy);
    copyFileSync(join(directory, metaFileName), join(copy, metaFileName));
    for (let cut = before; cut <= after; cut++) {
      writeFileSync(join(copy, logFileName), full.subarray(0, cut));
      const store = await DiskStorage.open(copy);
      const whole = cut === after;
      expect(await store.headHeight('c1'), `cut at ${cut}`).toBe(whole ? 2 : 1);
      expect(await store.getBlock('c1', 2)).toEqual(whole ? commitOf(2).block : undefined);
      expect(await store.getState('c1', 'data/shared')).toEqual(whole ? bytes(2, 2) : bytes(1, 2));
      expect(await store.getState('c1', 'data/k2')).toEqual(whole ? bytes(2, 1) : undefined);
      expect((await store.history('c1', 'data/shared')).length).toBe(whole ? 3 : 2);
      expect(await store.txLocation('tx2a')).toEqual(whole ? { chainId: 'c1', height: 2, index: 0 } : undefined);
      expect(store.report.tornTailBytes).toBe(whole ? 0 : cut - before);
      expect(store.report.problems).toEqual([]);
      // The torn tail is cut off at open, so the next block lands where it belongs and survives.
      await store.commitBlock(commitOf(whole ? 3 : 2));
      await store.shutdown();
      const reopened = await DiskStorage.open(copy);
      expect(await reopened.headHeight('c1')).toBe(whole ? 3 : 2);
      expect(reopened.report).toMatchObject({ tornTailBytes: 0, problems: [] });
      await reopened.shutdown();
    }
  });

  it('a damaged record in the middle is reported and skipped; the records after it are kept', async () => {
    const { directory, before } = await threeBlocks();
    const path = join(directory, logFileName);
    const file = readFileSync(path);
    file[before - 5]! ^= 0x40; // inside block 1's record (its tx ids)
    writeFileSync(path, file);
    const store = await DiskStorage.open(directory);
    expect(store.report.problems).toHaveLength(1);
    expect(store.report.problems[0]!.message).toMatch(/checksum mismatch/);
    expect(store.report.tornTailBytes).toBe(0);
    expect(await store.getBlock('c1', 1)).toBeUndefined(); // the host's tamper check reports it missing
    expect(await store.getBlock('c1', 0)).toEqual(commitOf(0).block);
    expect(await store.getBlock('c1', 2)).toEqual(commitOf(2).block);
    expect(await store.headHeight('c1')).toBe(2);
    await store.shutdown();
  });

  it('bytes chosen inside a block that look like a record are never taken for one', async () => {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await store.commitBlock(commitOf(0));
    await store.shutdown();
    // A block whose bytes carry a copy of a genuine record (magic, length, MAC, payload).
    const genuine = readFileSync(join(directory, logFileName)).subarray(32);
    const again = await DiskStorage.open(directory);
    const before = statSync(join(directory, logFileName)).size;
    await again.commitBlock({ chainId: 'c1', height: 1, block: new Uint8Array(genuine), writes: new Map(), txIds: [] });
    await again.shutdown();
    const path = join(directory, logFileName);
    writeFileSync(path, readFileSync(path).subarray(0, before + recordHeaderBytes + 20)); // torn inside it
    const reopened = await DiskStorage.open(directory);
    expect(await reopened.headHeight('c1')).toBe(0);
    expect(reopened.report.problems).toEqual([]);
    await reopened.shutdown();
  });

  it('a damaged meta file stops the open instead of silently creating a new identity', async () => {
    const { directory } = await threeBlocks();
    const path = join(directory, metaFileName);
    const file = readFileSync(path);
    file[file.length - 1]! ^= 1;
    writeFileSync(path, file);
    await expect(DiskStorage.open(directory)).rejects.toMatchObject({ code: 'STORAGE_FAILED', message: expect.stringMatching(/damaged/) });
    expect(existsSync(join(directory, lockFileName))).toBe(false);
  });
});
