import { afterAll, describe, expect, it } from 'vitest';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
  mkdirSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageSuite } from './storage.suite';
import { DiskStorage, logFileName, lockFileName, metaFileName, migratedLogFileName } from './disk';
import { recordHeadBytes, recordTrailerBytes } from './disk-log';
import { outboxFileName } from './outbox-file';
import { parseOwner, processStart, selfOwner } from './disk-lock';
import { spawn } from 'node:child_process';
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
    await store.putMeta('chain.active', {
      chainId: 'c1',
      genesis: { name: 'dev', validators: [{ did: 'x', power: 1 }] },
    });
    for (let h = 0; h < 5; h++) await store.commitBlock(commitOf(h));
    await store.commitBlock(commitOf(0, 'c2'));
    await store.shutdown();

    const again = await DiskStorage.open(directory);
    expect(again.report).toEqual({ records: 6, tornTailBytes: 0, problems: [] });
    expect(await again.getMeta('identity.seed')).toEqual(bytes(1, 2, 3));
    expect(await again.getMeta('chain.active')).toEqual({
      chainId: 'c1',
      genesis: { name: 'dev', validators: [{ did: 'x', power: 1 }] },
    });
    expect(await again.headHeight('c1')).toBe(4);
    expect(await again.headHeight('c2')).toBe(0);
    expect(await again.getBlock('c1', 3)).toEqual(commitOf(3).block);
    expect(await again.getState('c1', 'data/shared')).toEqual(bytes(4, 2));
    expect((await again.history('c1', 'data/shared')).map((v) => v.height)).toEqual([
      0, 1, 2, 3, 4,
    ]);
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

  it("one process per directory: a second open is refused, a dead owner's lock is taken over", async () => {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await expect(DiskStorage.open(directory)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(parseOwner(readFileSync(join(directory, lockFileName), 'utf8'))).toEqual(selfOwner());
    await store.shutdown();
    expect(existsSync(join(directory, lockFileName))).toBe(false);
    writeFileSync(join(directory, lockFileName), '999999999'); // no such process: as after kill -9
    const again = await DiskStorage.open(directory);
    await again.shutdown();
    writeFileSync(join(directory, lockFileName), String(process.pid)); // a restarted container reusing the pid
    const reused = await DiskStorage.open(directory);
    await reused.shutdown();
  });

  it('the lock names its owner by pid and start time: a reused pid does not hold it, the live owner does', async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const live = processStart(other.pid!);
      expect(live).not.toBeNull();
      const boot = selfOwner().boot;
      // The crashed peer's pid now belongs to another process (another start time): taken over.
      writeFileSync(
        join(directory, lockFileName),
        JSON.stringify({ pid: other.pid, start: String(Number(live!.start) - 1), boot }),
      );
      const store = await DiskStorage.open(directory);
      await store.shutdown();
      // Written before a reboot: taken over.
      writeFileSync(
        join(directory, lockFileName),
        JSON.stringify({ pid: other.pid, start: live!.start, boot: 'another-boot' }),
      );
      await (await DiskStorage.open(directory)).shutdown();
      // The owner itself, still running: refused, and its lock is left alone.
      const owner = JSON.stringify({ pid: other.pid, start: live!.start, boot });
      writeFileSync(join(directory, lockFileName), owner);
      await expect(DiskStorage.open(directory)).rejects.toMatchObject({
        code: 'STORAGE_FAILED',
        message: expect.stringContaining(`process ${other.pid}`),
      });
      expect(readFileSync(join(directory, lockFileName), 'utf8')).toBe(owner);
    } finally {
      other.kill('SIGKILL');
    }
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
      expect(await store.txLocation('tx2a')).toEqual(
        whole ? { chainId: 'c1', height: 2, index: 0 } : undefined,
      );
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

  /** Reopen `directory` with `file` as its log; expect the damage to be reported and new blocks refused. */
  async function expectTampered(
    directory: string,
    file: Buffer,
    what: string,
  ): Promise<DiskStorage> {
    writeFileSync(join(directory, logFileName), file);
    const store = await DiskStorage.open(directory);
    expect(store.report.problems, what).toHaveLength(1);
    expect(store.damage()).toEqual(store.report.problems);
    expect(store.report.tornTailBytes, what).toBe(0);
    await expect(store.commitBlock(commitOf(9)), what).rejects.toMatchObject({ code: 'TAMPERED' });
    await store.putMeta('still', 'writable'); // meta (identity, settings) stays writable for the repair
    await store.shutdown();
    expect(readFileSync(join(directory, logFileName)).equals(file), `${what}: nothing is cut`).toBe(
      true,
    );
    return store;
  }

  it('a flipped bit anywhere in the last record (every bit of its head and trailer, every 7th of its payload) is reported as damage with its offset, never dropped as torn', async () => {
    const { directory, before, after } = await threeBlocks();
    const full = readFileSync(join(directory, logFileName));
    const bits = (after - before) * 8;
    const framing = (bit: number) =>
      bit < recordHeadBytes * 8 || bit >= bits - recordTrailerBytes * 8;
    for (let bit = 0; bit < bits; bit++) {
      if (!framing(bit) && bit % 7 !== 0) continue; // every bit of the head and trailer, every 7th of the payload
      const file = Buffer.from(full);
      file[before + (bit >> 3)]! ^= 1 << (bit & 7);
      // Every bit: reported at the record's offset with the two blocks before it; every 29th: the full check (fsyncs are slow).
      let store: DiskStorage;
      if (bit % 29 === 0) store = await expectTampered(directory, file, `bit ${bit}`);
      else {
        writeFileSync(join(directory, logFileName), file);
        store = await DiskStorage.open(directory);
        await store.shutdown();
        expect(store.report.problems, `bit ${bit}`).toHaveLength(1);
        expect(store.report.tornTailBytes).toBe(0);
      }
      expect(store.report.problems[0]!.offset).toBe(before);
      expect(store.report.records).toBe(2);
      if (bit >= (recordHeadBytes + 12) * 8 && bit < (after - before - recordTrailerBytes) * 8)
        expect(store.report.problems[0]).toMatchObject({ chainId: 'c1', height: 2 });
    }
  });

  it('one byte removed from the middle of the log, or of its last record, is damage (the blocks before it stay)', async () => {
    const { directory, before, after } = await threeBlocks();
    const full = readFileSync(join(directory, logFileName));
    for (const at of [
      40,
      before - 60,
      before - 20,
      before + 30,
      after - 20,
      after - 10,
      after - 4,
      after - 3,
      after - 2,
    ]) {
      const file = Buffer.concat([full.subarray(0, at), full.subarray(at + 1)]);
      const store = await expectTampered(directory, file, `byte ${at} removed`);
      expect(store.report.problems[0]!.message).toMatch(/damaged at offset \d+/);
      expect(store.report.problems[0]!.offset).toBeLessThanOrEqual(at);
    }
    // The blocks before the damage are still read (and served, up to the host's tamper check).
    const file = Buffer.concat([full.subarray(0, before + 30), full.subarray(before + 31)]);
    writeFileSync(join(directory, logFileName), file);
    const store = await DiskStorage.open(directory);
    expect(await store.headHeight('c1')).toBe(1);
    expect(await store.getBlock('c1', 1)).toEqual(commitOf(1).block);
    await store.shutdown();
  });

  it('a damaged record in the middle stops the index there: nothing after it is served or cut', async () => {
    const { directory, before } = await threeBlocks();
    const file = readFileSync(join(directory, logFileName));
    file[before - 30]! ^= 0x40; // inside block 1's record
    const store = await expectTampered(directory, file, 'flip in block 1');
    expect(store.report.problems[0]!.message).toMatch(/checksum mismatch/);
    const again = await DiskStorage.open(directory);
    expect(await again.getBlock('c1', 0)).toEqual(commitOf(0).block);
    expect(await again.getBlock('c1', 1)).toBeUndefined();
    expect(await again.getBlock('c1', 2)).toBeUndefined();
    expect(await again.headHeight('c1')).toBe(0);
    await again.shutdown();
  });

  it('bytes appended after the last record are damage, not a torn tail', async () => {
    const { directory } = await threeBlocks();
    const file = readFileSync(join(directory, logFileName));
    await expectTampered(directory, Buffer.concat([file, Buffer.alloc(40, 7)]), 'junk appended');
  });

  it('setAside (repair) keeps the damaged log under another name, keeps meta, and starts an empty log', async () => {
    const { directory, before } = await threeBlocks();
    const file = readFileSync(join(directory, logFileName));
    file[before + 50]! ^= 1;
    writeFileSync(join(directory, logFileName), file);
    const store = await DiskStorage.open(directory);
    const { movedTo } = await store.setAside();
    expect(readFileSync(movedTo).equals(file)).toBe(true);
    expect(store.damage()).toEqual([]);
    expect(await store.headHeight('c1')).toBe(-1);
    expect(await store.getMeta('identity.seed')).toEqual(bytes(7));
    await store.commitBlock(commitOf(0));
    await store.shutdown();
    const again = await DiskStorage.open(directory);
    expect(again.report).toMatchObject({ records: 1, problems: [] });
    await again.shutdown();
  });

  it('a log in the old format (1) is migrated at open: same blocks, state, history and tx index; the old file is kept', async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    const fixture = join(__dirname, 'fixtures', 'ledger-v1');
    for (const name of [logFileName, metaFileName])
      copyFileSync(join(fixture, name), join(directory, name));
    const store = await DiskStorage.open(directory);
    expect(store.report).toMatchObject({
      records: 5,
      tornTailBytes: 0,
      problems: [],
      migratedFrom: join(directory, migratedLogFileName),
    });
    expect(readFileSync(join(directory, logFileName)).subarray(0, 8).toString('latin1')).toBe(
      'BOTLEDG2',
    );
    expect(
      readFileSync(join(directory, migratedLogFileName)).equals(
        readFileSync(join(fixture, logFileName)),
      ),
    ).toBe(true);
    const check = async (s: DiskStorage, head: number) => {
      expect(await s.getMeta('identity.seed')).toEqual(bytes(7, 7, 7));
      expect(await s.headHeight('c1')).toBe(head);
      expect(await s.getBlock('c1', 2)).toEqual(new Uint8Array(42).fill(2));
      expect(await s.getState('c1', 'data/k3')).toEqual(bytes(3, 1));
      expect((await s.history('c1', 'data/shared')).map((v) => v.height).slice(0, 4)).toEqual([
        0, 1, 2, 3,
      ]);
      expect(await s.txLocation('tx1b')).toEqual({ chainId: 'c1', height: 1, index: 1 });
      expect(await s.getState('c2', 'data/x')).toEqual(bytes(9));
    };
    await check(store, 3);
    await store.commitBlock(commitOf(4));
    await store.shutdown();
    const again = await DiskStorage.open(directory);
    expect(again.report).toMatchObject({ records: 6, problems: [] });
    expect(again.report.migratedFrom).toBeUndefined();
    await check(again, 4);
    await again.shutdown();
  });

  it('an old-format log damaged in the middle is reported and not migrated', async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    const fixture = join(__dirname, 'fixtures', 'ledger-v1');
    copyFileSync(join(fixture, metaFileName), join(directory, metaFileName));
    const file = readFileSync(join(fixture, logFileName));
    file[120]! ^= 4; // inside the first record
    const store = await expectTampered(directory, file, 'format 1 damaged');
    expect(store.report.migratedFrom).toBeUndefined();
    expect(existsSync(join(directory, migratedLogFileName))).toBe(false);
  });

  it('a damaged meta file stops the open instead of silently creating a new identity', async () => {
    const { directory } = await threeBlocks();
    const path = join(directory, metaFileName);
    const file = readFileSync(path);
    file[file.length - 1]! ^= 1;
    writeFileSync(path, file);
    await expect(DiskStorage.open(directory)).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      message: expect.stringMatching(/damaged/),
    });
    expect(existsSync(join(directory, lockFileName))).toBe(false);
  });
});

describe('DiskStorage: the outbox file', () => {
  const entry = (seq: number) => ({
    seq,
    chainId: 'c1',
    txId: `tx${seq}`,
    nonce: seq,
    bytes: new Uint8Array(100).fill(seq),
  });

  it('an update cut short by a crash is dropped whole (a torn tail); the updates before it stay', async () => {
    const directory = freshDirectory();
    const store = await DiskStorage.open(directory);
    await store.updateOutbox([entry(1), entry(2)], []);
    await store.updateOutbox([entry(3)], [1]);
    await store.shutdown();
    const path = join(directory, outboxFileName);
    const whole = readFileSync(path);
    // The last update (put 3, drop 1) written only in part: as if the process died mid-write.
    writeFileSync(path, whole.subarray(0, whole.length - 20));
    const again = await DiskStorage.open(directory);
    suiteStores.push(again);
    expect((await again.readOutbox()).map((e) => e.seq)).toEqual([1, 2]);
    await again.updateOutbox([entry(4)], [2]);
    expect((await again.readOutbox()).map((e) => e.seq)).toEqual([1, 4]);
  });
});
