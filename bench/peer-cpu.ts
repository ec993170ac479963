// CPU time of the peer's own work per transaction: the pipeline of `npm run bench` in Node on the
// memory store, with signature verification stubbed (every check passes), so what is measured is
// decoding, admission, execution, hashing and the memory store, and not WebCrypto. CPU time
// (process.cpuUsage over submit-to-last-commit, all threads: GC included) moves much less than
// wall time on a shared, busy machine, so it compares two trees run in turn.
//   BENCH_TXS=100000 npx tsx bench/peer-cpu.ts
// Not the issue-2 figure (that is `npm run bench`, in Chromium, with real verification).
import { MemoryStorage } from '../worker/store/memory';
import type { Verifier } from '../worker/host/crypto';
import { throughput } from './peer-pipeline';

const txCount = Number(process.env.BENCH_TXS ?? 20_000);
const everyCheckPasses: Verifier = {
  backend: 'webcrypto',
  verifyBatch: async (checks) => checks.map(() => true),
};
let cpuStart: NodeJS.CpuUsage | null = null;
let wallStart = 0;
let cpuMs = 0;
let wallMs = 0;
const window = {
  start() {
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
  },
  end() {
    const used = process.cpuUsage(cpuStart ?? undefined);
    cpuMs = (used.user + used.system) / 1000;
    wallMs = performance.now() - wallStart;
  },
};
const { run } = await throughput(
  async () => new MemoryStorage(),
  'memory',
  everyCheckPasses,
  txCount,
  () => {},
  window,
);
console.log(
  JSON.stringify({
    txs: txCount,
    blocks: run.blocks,
    txPerSecond: Math.round(run.txPerSecond),
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    cpuMicrosecondsPerTx: +((1000 * cpuMs) / txCount).toFixed(1),
  }),
);
process.exit(0);
