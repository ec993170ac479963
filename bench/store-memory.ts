// Issue 19: memory and disk of the Node peer's ledger store as a validator's ledger grows, old
// store (disk.ts: in-memory indexes, one log) against the LevelDB store (level.ts). Commits
// blocks of 100 transactions as the peer does (block ~260 B per signed tx, one state write per
// tx to one of 1,024 sensor keys, so the state stays bounded and what grows is the ledger:
// blocks, history, tx index), and at each mark prints RSS and heap after a full GC, the data
// directory's bytes and the commit rate.
//   node --expose-gc --import tsx bench/store-memory.ts --store level|disk --txs 1000000 --marks 100000,1000000
// With BENCH_WHOLE=1 or --whole it runs the whole-peer mode instead (bench/store.ts: a Node
// validator as its own process, fed over POST /v1/tx/batch):
//   BENCH_WHOLE=1 npm run bench:store -- --txs 1000000 --marks 100000,1000000
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DiskStorage } from '../worker/store/disk';
import { LevelStorage } from '../worker/store/level';
import type { BlockCommit, Storage } from '../worker/store/storage';

if (process.env.BENCH_WHOLE === '1' || process.argv.includes('--whole')) await import('./store');
else await storeAlone();

/** The store alone, in this process: what the validator's commits cost it. */
async function storeAlone(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'level' },
      txs: { type: 'string', default: '1000000' },
      marks: { type: 'string', default: '100000,1000000' },
    },
  });
  const marks = values.marks!.split(',').map(Number);
  const txPerBlock = 100;
  const stateKeys = 1024;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');

  function commitOf(height: number): BlockCommit {
    const writes = new Map<string, Uint8Array>();
    const txIds: string[] = [];
    for (let i = 0; i < txPerBlock; i++) {
      const n = height * txPerBlock + i;
      writes.set(`data/sensor/${n % stateKeys}`, randomBytes(90)); // an encoded entry: value, height, txId
      txIds.push(randomBytes(32).toString('hex'));
    }
    return { chainId: 'bench', height, block: randomBytes(txPerBlock * 260), writes, txIds };
  }

  function directoryBytes(path: string): number {
    let sum = 0;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      sum += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
    }
    return sum;
  }

  const root = mkdtempSync(join(tmpdir(), 'bot-bench-store-memory-'));
  const directory = join(root, values.store!);
  const store: Storage & { shutdown(): Promise<void> } =
    values.store === 'disk'
      ? await DiskStorage.open(directory)
      : await LevelStorage.open(directory);
  try {
    let height = 0;
    const started = performance.now();
    for (const mark of marks) {
      const markStarted = performance.now();
      const from = height;
      while (height * txPerBlock < mark) await store.commitBlock(commitOf(height++));
      const markMs = performance.now() - markStarted;
      gc();
      await new Promise((done) => setTimeout(done, 100));
      gc();
      const memory = process.memoryUsage();
      const bytes = directoryBytes(directory);
      console.log(
        JSON.stringify({
          store: values.store,
          txs: height * txPerBlock,
          rssMB: +(memory.rss / 2 ** 20).toFixed(1),
          heapUsedMB: +(memory.heapUsed / 2 ** 20).toFixed(1),
          externalMB: +(memory.external / 2 ** 20).toFixed(1),
          dataDirBytes: bytes,
          bytesPerTx: Math.round(bytes / (height * txPerBlock)),
          committedTxPerSecondThisMark: Math.round(
            ((height - from) * txPerBlock) / (markMs / 1000),
          ),
          elapsedS: Math.round((performance.now() - started) / 1000),
        }),
      );
    }
    // Reopening the full store: the open-time checks (old: index the whole log into memory; new:
    // LevelDB recovery, heads, block keys and newest blocks; then, after open and beside the
    // peer's work, the checksum scan of every value: `checkedMs`).
    await store.shutdown();
    const reopenStarted = performance.now();
    const again =
      values.store === 'disk'
        ? await DiskStorage.open(directory)
        : await LevelStorage.open(directory);
    const reopenMs = performance.now() - reopenStarted;
    gc();
    const memoryAtOpen = process.memoryUsage();
    if (again instanceof LevelStorage) await again.checked();
    const checkedMs = performance.now() - reopenStarted;
    gc();
    const memory = process.memoryUsage();
    console.log(
      JSON.stringify({
        store: values.store,
        reopenMs: Math.round(reopenMs),
        rssAtOpenMB: +(memoryAtOpen.rss / 2 ** 20).toFixed(1),
        checkedMs: Math.round(checkedMs),
        rssAfterReopenMB: +(memory.rss / 2 ** 20).toFixed(1),
        heapAfterReopenMB: +(memory.heapUsed / 2 ** 20).toFixed(1),
        problems: again.damage?.().length ?? 0,
      }),
    );
    await again.shutdown();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
