// The LevelDB store of the Node peer (level.ts): the storage contract, durability, damage (issue
// 14 §3: only a never-completed write may be dropped) and the migration of old data directories.
import { afterAll, describe, expect, it } from 'vitest';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { storageSuite } from './storage.suite';
import { LevelStorage } from './level';
import { databaseDirName, migratingDirName } from './level-keys';
import { keptNames } from './level-migrate';
import { commitMarker } from './level-wal';
import { DiskStorage, logFileName, metaFileName } from './disk';
import { logRecordsFileName } from './audit-file';
import type { BlockCommit } from './storage';

const root = mkdtempSync(join(tmpdir(), 'bot-level-'));
let directories = 0;
const freshDirectory = () => join(root, `d${directories++}`);
const suiteStores: LevelStorage[] = [];
afterAll(async () => {
  await Promise.all(suiteStores.map((store) => store.shutdown()));
  rmSync(root, { recursive: true, force: true });
});

storageSuite(
  'LevelDB',
  async () => {
    const store = await LevelStorage.open(freshDirectory());
    suiteStores.push(store);
    return store;
  },
  async (store) => {
    const { directory } = store as LevelStorage;
    await (store as LevelStorage).shutdown();
    const again = await LevelStorage.open(directory);
    suiteStores.push(again);
    return again;
  },
);

const bytes = (...values: number[]) => new Uint8Array(values);
/** Block bytes of `height`: random (so they can be found in a file), the same within a run. */
const blockBytes = new Map<number, Uint8Array>();
const blockOf = (height: number) => {
  if (!blockBytes.has(height)) blockBytes.set(height, new Uint8Array(randomBytes(40 + height)));
  return blockBytes.get(height)!;
};
const commitOf = (height: number, chainId = 'c1'): BlockCommit => ({
  chainId,
  height,
  block: blockOf(height),
  writes: new Map([
    [`data/k${height}`, bytes(height, 1)],
    ['data/shared', bytes(height, 2)],
  ]),
  txIds: [`tx${height}a`, `tx${height}b`],
});

/** The write-ahead log of a database directory (LevelDB keeps one open at a time). */
function walPath(directory: string): string {
  const dbPath = join(directory, databaseDirName);
  const logs = readdirSync(dbPath).filter((n) => /^\d+\.log$/.test(n));
  expect(logs).toHaveLength(1);
  return join(dbPath, logs[0]!);
}

describe('LevelStorage: durability', () => {
  it('reopening restores meta, blocks, state, history, the tx index and the audit log', async () => {
    const directory = freshDirectory();
    const store = await LevelStorage.open(directory);
    await store.putMeta('identity.seed', bytes(1, 2, 3));
    for (let h = 0; h < 5; h++) await store.commitBlock(commitOf(h));
    await store.commitBlock(commitOf(0, 'c2'));
    await store.appendLog([{ seq: 1, bytes: bytes(1) }]);
    await store.shutdown();
    const again = await LevelStorage.open(directory);
    expect(again.report).toEqual({ records: 6, tornTailBytes: 0, problems: [] });
    expect(await again.getMeta('identity.seed')).toEqual(bytes(1, 2, 3));
    expect(await again.headHeight('c1')).toBe(4);
    expect(await again.headHeight('c2')).toBe(0);
    expect(await again.getBlock('c1', 3)).toEqual(blockOf(3));
    expect(await again.getState('c1', 'data/shared')).toEqual(bytes(4, 2));
    expect((await again.history('c1', 'data/shared')).map((v) => v.height)).toEqual([
      0, 1, 2, 3, 4,
    ]);
    expect(await again.txLocation('tx2b')).toEqual({ chainId: 'c1', height: 2, index: 1 });
    expect(await again.readLog()).toEqual([{ seq: 1, bytes: bytes(1) }]);
    await again.shutdown();
  });

  it('one process per directory: a second open is refused until the first is shut down', async () => {
    const directory = freshDirectory();
    const store = await LevelStorage.open(directory);
    await expect(LevelStorage.open(directory)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await store.shutdown();
    await (await LevelStorage.open(directory)).shutdown();
    await expect(store.commitBlock(commitOf(0))).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
  });
});

describe('LevelStorage: crashes and damage', () => {
  /** Blocks 0..2 of c1 in one session: all three are in the write-ahead log; its sizes before and after block 2. */
  async function threeBlocks(): Promise<{ directory: string; before: number; after: number }> {
    const directory = freshDirectory();
    const store = await LevelStorage.open(directory);
    await store.putMeta('identity.seed', bytes(7));
    await store.commitBlock(commitOf(0));
    await store.commitBlock(commitOf(1));
    const before = statSync(walPath(directory)).size;
    await store.commitBlock(commitOf(2));
    await store.shutdown();
    return { directory, before, after: statSync(walPath(directory)).size };
  }

  /** A copy of `directory` whose write-ahead log is `wal`. */
  function withWal(directory: string, wal: Buffer): string {
    const copy = freshDirectory();
    cpSync(directory, copy, { recursive: true });
    writeFileSync(walPath(copy), wal);
    return copy;
  }

  it('a write-ahead log cut anywhere in its last record (every byte of its head and end) reopens with the whole block or none of it', async () => {
    const { directory, before, after } = await threeBlocks();
    const wal = readFileSync(walPath(directory));
    expect(wal.subarray(wal.length - commitMarker.length).equals(commitMarker)).toBe(true);
    for (let cut = before; cut <= after; cut++) {
      if (cut > before + 8 && cut < after - 12 && cut % 9 !== 0) continue; // every byte of its head and end, every 9th between
      const copy = withWal(directory, wal.subarray(0, cut));
      const store = await LevelStorage.open(copy);
      const whole = cut === after;
      expect(store.report.problems, `cut at ${cut}`).toEqual([]);
      expect(await store.headHeight('c1'), `cut at ${cut}`).toBe(whole ? 2 : 1);
      expect(await store.getBlock('c1', 2)).toEqual(whole ? blockOf(2) : undefined);
      expect(await store.getState('c1', 'data/shared')).toEqual(whole ? bytes(2, 2) : bytes(1, 2));
      expect(await store.getState('c1', 'data/k2')).toEqual(whole ? bytes(2, 1) : undefined);
      expect((await store.history('c1', 'data/shared')).length).toBe(whole ? 3 : 2);
      expect(await store.txLocation('tx2a')).toEqual(
        whole ? { chainId: 'c1', height: 2, index: 0 } : undefined,
      );
      await store.commitBlock(commitOf(whole ? 3 : 2));
      await store.shutdown();
      const reopened = await LevelStorage.open(copy);
      expect(await reopened.headHeight('c1')).toBe(whole ? 3 : 2);
      expect(reopened.report.problems).toEqual([]);
      await reopened.shutdown();
      rmSync(copy, { recursive: true });
    }
  });

  /** Open a copy with `wal` as its log: damage is reported, commits are refused, meta stays writable, and a restart still reports it. */
  async function expectTampered(
    directory: string,
    wal: Buffer,
    what: string,
  ): Promise<LevelStorage> {
    const copy = withWal(directory, wal);
    const store = await LevelStorage.open(copy);
    expect(store.report.problems.length, what).toBeGreaterThan(0);
    expect(store.damage()).toEqual(store.report.problems);
    await expect(store.commitBlock(commitOf(9)), what).rejects.toMatchObject({ code: 'TAMPERED' });
    await store.putMeta('still', 'writable');
    await store.shutdown();
    const again = await LevelStorage.open(copy); // LevelDB has rewritten its log: the damage is remembered
    expect(again.report.problems, `${what}, after a restart`).toEqual(store.report.problems);
    await again.shutdown();
    rmSync(copy, { recursive: true });
    return store;
  }

  it('a flipped bit in the last record of the write-ahead log (every bit of its header and commit marker, every 31st of the rest) is damage, never dropped as torn', async () => {
    const { directory, before, after } = await threeBlocks();
    const wal = readFileSync(walPath(directory));
    const bits = (after - before) * 8;
    for (let bit = 0; bit < bits; bit++) {
      const edge = bit < 7 * 8 || bit >= bits - commitMarker.length * 8;
      if (!edge && bit % 31 !== 0) continue;
      const file = Buffer.from(wal);
      file[before + (bit >> 3)]! ^= 1 << (bit & 7);
      // Every 11th: the full check (refused commits, remembered after a restart); else the report.
      if (bit % 11 === 0) await expectTampered(directory, file, `bit ${bit}`);
      else {
        const copy = withWal(directory, file);
        const store = await LevelStorage.open(copy);
        await store.shutdown();
        expect(store.report.problems.length, `bit ${bit}`).toBeGreaterThan(0);
        rmSync(copy, { recursive: true });
      }
    }
  });

  it('bytes removed from the last record or from the middle of the log, or junk appended, are damage', async () => {
    const { directory, before, after } = await threeBlocks();
    const wal = readFileSync(walPath(directory));
    for (const at of [20, before - 30, before + 3, before + 30, after - 12, after - 3, after - 2]) {
      const file = Buffer.concat([wal.subarray(0, at), wal.subarray(at + 1)]);
      await expectTampered(directory, file, `byte ${at} removed (${before}..${after})`);
    }
    await expectTampered(directory, Buffer.concat([wal, Buffer.alloc(40, 7)]), 'junk appended');
    // Random junk whose first 7 bytes read as a record header LevelDB writes (type 1-4, a length
    // that runs past the end and fits its block) is exactly what a torn write leaves, and is
    // dropped as one (level-wal.ts): about 1 in 120 random tails (the fresh-clone CI drew one).
    // The junk here is random but for its header's type, which LevelDB never writes.
    const junk = randomBytes(30);
    junk[6] = 5 + (junk[6]! % 251);
    junk.writeUInt16LE(30 + (junk.readUInt16LE(4) % 30_000), 4);
    await expectTampered(directory, Buffer.concat([wal, junk]), 'random junk appended');
  });

  it('a flipped byte in a stored block (in a table file, after compaction) is damage naming the block; it is never served', async () => {
    const { directory } = await threeBlocks();
    const store = await LevelStorage.open(directory); // recovery moves the log into a table file
    await store.compact();
    await store.shutdown();
    const dbPath = join(directory, databaseDirName);
    const table = readdirSync(dbPath)
      .filter((n) => n.endsWith('.ldb'))
      .map((n) => join(dbPath, n))
      .find((path) => readFileSync(path).includes(Buffer.from(blockOf(2))))!;
    const file = readFileSync(table);
    file[file.indexOf(Buffer.from(blockOf(2))) + 10]! ^= 0x20;
    writeFileSync(table, file);
    const damaged = await LevelStorage.open(directory);
    expect(damaged.report.problems, JSON.stringify(damaged.report.problems)).toHaveLength(1);
    expect(damaged.report.problems[0]).toMatchObject({ chainId: 'c1', height: 2 });
    expect(damaged.report.problems[0]!.message).toMatch(/a block of chain c1 at height 2/);
    await expect(damaged.getBlock('c1', 2)).rejects.toMatchObject({ code: 'TAMPERED' });
    expect(await damaged.getBlock('c1', 1)).toEqual(blockOf(1));
    await expect(damaged.commitBlock(commitOf(3))).rejects.toMatchObject({ code: 'TAMPERED' });
    await damaged.shutdown();
  });

  it('a flipped byte in an older block is found by the check of every value after open, before anything reads it', async () => {
    const { directory } = await threeBlocks();
    const store = await LevelStorage.open(directory);
    await store.compact();
    await store.shutdown();
    const dbPath = join(directory, databaseDirName);
    // every table holding block 1 (a compaction may leave an obsolete one beside the live one
    // until LevelDB deletes it), every copy in it: the damage must reach what the store reads
    const tables = readdirSync(dbPath)
      .filter((n) => n.endsWith('.ldb'))
      .map((n) => join(dbPath, n))
      .filter((path) => readFileSync(path).includes(Buffer.from(blockOf(1))));
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      const file = readFileSync(table);
      const block = Buffer.from(blockOf(1));
      for (let at = file.indexOf(block); at >= 0; at = file.indexOf(block, at + 1))
        file[at + 5]! ^= 0x04;
      writeFileSync(table, file);
    }
    // The open checks heads, block keys and the newest block; block 1 is the scan's to find.
    const damaged = await LevelStorage.open(directory);
    await damaged.checked();
    expect(damaged.report.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/a block of chain c1 at height 1/),
    ]);
    await expect(damaged.commitBlock(commitOf(3))).rejects.toMatchObject({ code: 'TAMPERED' });
    await damaged.shutdown();
    const again = await LevelStorage.open(directory); // remembered across a restart
    expect(again.report.problems).toHaveLength(1);
    await again.shutdown();
  });

  it('a block removed from the database (its head record intact) is damage', async () => {
    const { directory } = await threeBlocks();
    const db = new ClassicLevel<Buffer, Buffer>(join(directory, databaseDirName), {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    });
    const key = Buffer.concat([
      Buffer.from('B'),
      Buffer.of(0, 2),
      Buffer.from('c1'),
      Buffer.alloc(8),
    ]);
    key[key.length - 1] = 1;
    expect(await db.get(key)).toBeDefined();
    await db.del(key);
    await db.close();
    const store = await LevelStorage.open(directory);
    expect(store.report.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/chain c1 records head 2 with 3 blocks, but 2 blocks/),
    ]);
    await store.shutdown();
  });

  it('setAside (repair) keeps the damaged database under another name, keeps meta and the audit log, and starts empty', async () => {
    const { directory, before } = await threeBlocks();
    const wal = readFileSync(walPath(directory));
    wal[before + 20]! ^= 1;
    writeFileSync(walPath(directory), wal);
    const store = await LevelStorage.open(directory);
    await store.appendLog([{ seq: 4, bytes: bytes(4) }]);
    expect(store.damage()).toHaveLength(1);
    const { movedTo } = await store.setAside();
    expect(existsSync(join(movedTo, 'CURRENT'))).toBe(true);
    expect(store.damage()).toEqual([]);
    expect(await store.headHeight('c1')).toBe(-1);
    expect(await store.getMeta('identity.seed')).toEqual(bytes(7));
    expect(await store.readLog()).toEqual([{ seq: 4, bytes: bytes(4) }]);
    await store.commitBlock(commitOf(0));
    await store.shutdown();
    const again = await LevelStorage.open(directory);
    expect(again.report).toMatchObject({ records: 1, problems: [] });
    expect(await again.getMeta('identity.seed')).toEqual(bytes(7));
    await again.shutdown();
  });
});

describe('LevelStorage: migration of an old data directory (disk.ts format 2)', () => {
  // worker/store/fixtures/disk-v2 was written by the old DiskStorage: meta (identity.seed,
  // chain.active), blocks 0..3 of c1 (writes data/k<h> = [h, 1] and data/shared = [h, 2], txs
  // tx<h>a, tx<h>b), block 0 of c2 (data/x = [9], tx c2tx), audit records 1..3.
  const fixture = join(__dirname, 'fixtures', 'disk-v2');
  const oldFiles = [logFileName, metaFileName, logRecordsFileName];
  function copyFixture(): string {
    const directory = freshDirectory();
    mkdirSync(directory);
    for (const name of oldFiles) cpSync(join(fixture, name), join(directory, name));
    return directory;
  }
  async function expectFixture(store: LevelStorage, head = 3): Promise<void> {
    expect(store.report.problems).toEqual([]);
    expect(await store.getMeta('identity.seed')).toEqual(bytes(7, 7, 7));
    expect(await store.getMeta('chain.active')).toEqual({ chainId: 'c1', name: 'fixture' });
    expect(await store.headHeight('c1')).toBe(head);
    expect(await store.headHeight('c2')).toBe(0);
    expect(await store.getBlock('c1', 2)).toEqual(new Uint8Array(42).fill(2));
    expect(await store.getBlocks('c1', 0, 10)).toHaveLength(head + 1);
    expect(await store.getState('c1', 'data/k3')).toEqual(bytes(3, 1));
    expect(await store.getState('c2', 'data/x')).toEqual(bytes(9));
    expect((await store.history('c1', 'data/shared')).map((v) => v.height).slice(0, 4)).toEqual([
      0, 1, 2, 3,
    ]);
    expect(await store.txLocation('tx1b')).toEqual({ chainId: 'c1', height: 1, index: 1 });
    expect(await store.txLocation('c2tx')).toEqual({ chainId: 'c2', height: 0, index: 0 });
    expect((await store.readLog()).map((r) => r.seq)).toEqual([1, 2, 3]);
  }

  it('converts it at open, keeps the old files under their migrated names, and reports it', async () => {
    const directory = copyFixture();
    const store = await LevelStorage.open(directory);
    expect(store.report.migration).toMatchObject({
      blocks: 5,
      metaKeys: 2,
      auditRecords: 3,
      problems: [],
    });
    expect(store.report.migratedFrom).toBe(join(directory, keptNames[logFileName]!));
    for (const name of oldFiles) {
      expect(existsSync(join(directory, name)), name).toBe(false);
      expect(
        readFileSync(join(directory, keptNames[name]!)).equals(readFileSync(join(fixture, name))),
      ).toBe(true);
    }
    await expectFixture(store);
    await store.commitBlock(commitOf(4));
    await store.shutdown();
    const again = await LevelStorage.open(directory);
    expect(again.report.migratedFrom).toBeUndefined();
    await expectFixture(again, 4);
    await again.shutdown();
  });

  it('a migration that stopped before its database was complete is started again from the old files', async () => {
    const directory = copyFixture();
    // What a crash in the middle leaves: a partial database under the migrating name.
    const partial = new ClassicLevel(join(directory, migratingDirName));
    await partial.put('half', 'done');
    await partial.close();
    const store = await LevelStorage.open(directory);
    expect(store.report.migration).toMatchObject({ blocks: 5 });
    expect(existsSync(join(directory, migratingDirName))).toBe(false);
    await expectFixture(store);
    await store.shutdown();
  });

  it('a migration that stopped after its database was in place only moves the old files aside', async () => {
    const directory = copyFixture();
    await (await LevelStorage.open(directory)).shutdown();
    for (const name of oldFiles) cpSync(join(fixture, name), join(directory, name)); // as before the renames
    const store = await LevelStorage.open(directory);
    expect(store.report.migration).toBeUndefined();
    for (const name of oldFiles) expect(existsSync(join(directory, name))).toBe(false);
    await expectFixture(store);
    await store.shutdown();
  });

  it('an old log damaged in the middle: its good prefix is migrated and the damage stays reported', async () => {
    const directory = copyFixture();
    const old = await DiskStorage.open(directory);
    await old.shutdown();
    const path = join(directory, logFileName);
    const file = readFileSync(path);
    file[file.length - 60]! ^= 4; // inside the last record (c2's block)
    writeFileSync(path, file);
    const store = await LevelStorage.open(directory);
    expect(store.report.migration).toMatchObject({ blocks: 4 });
    expect(store.report.problems).toHaveLength(1);
    expect(store.report.problems[0]!.message).toMatch(/found in the old ledger\.log/);
    expect(await store.headHeight('c1')).toBe(3);
    await expect(store.commitBlock(commitOf(4))).rejects.toMatchObject({ code: 'TAMPERED' });
    await store.shutdown();
    const again = await LevelStorage.open(directory);
    expect(again.report.problems).toHaveLength(1);
    await again.shutdown();
  });
});
