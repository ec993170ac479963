// npm run bench: builds the app, serves it, runs the peer benchmark in headless Chromium (in a
// Web Worker), prints the figures and writes bench/results/peer.json.
//   BENCH_TXS=10000            transactions (default 100,000)
//   BENCH_VERIFIER_THREADS=n       verifier threads (default: one per core, at most 4; 0: verify on the peer thread)
//   BENCH_CPU_PROFILE=out.cpuprofile   a V8 CPU profile of the worker over the IndexedDB run (from "submitting" to its last commit)
// The worker's JS heap is read over CDP (Runtime.getHeapUsage on the worker target, after a
// forced garbage collection), because `performance.memory` does not exist in workers.
import { writeFileSync, mkdirSync } from 'node:fs';
import { ensureChromium, ensureDependencies, run } from './ensure.mjs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { workerChannel } from './cdp-worker.mjs';

ensureDependencies();
ensureChromium();
// BENCH_NO_MINIFY=1 keeps function names readable in a CPU profile.
run('npx', [
  'vite',
  'build',
  '--logLevel',
  'warn',
  ...(process.env.BENCH_NO_MINIFY === '1' ? ['--minify', 'false'] : []),
]);
const { chromium } = await import('playwright');
const { createAppServer } = await import('../server/index.mjs');
const server = createAppServer();
await new Promise((resolve) => server.listen(0, resolve));
const port = server.address().port;
const txs = Number(process.env.BENCH_TXS ?? 100_000);
const profilePath = process.env.BENCH_CPU_PROFILE;
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });

try {
  const page = await browser.newPage();
  const worker = await workerChannel(page);
  let profiling = null;
  page.on('console', (m) => {
    const text = m.text();
    console.log(`[page] ${text}`);
    if (profilePath && !profiling && text.startsWith('progress: submitting')) {
      profiling = worker.ready.then(async () => {
        await worker.send('Profiler.enable');
        await worker.send('Profiler.setSamplingInterval', { interval: 250 });
        await worker.send('Profiler.start');
      });
    }
  });
  const threadsParam =
    process.env.BENCH_VERIFIER_THREADS === undefined
      ? ''
      : `&verifierThreads=${Number(process.env.BENCH_VERIFIER_THREADS)}`;
  // The profile covers the IndexedDB run only: it stops when the memory-store run starts.
  let profileSaved = null;
  page.on('console', (m) => {
    if (
      !profiling ||
      profileSaved ||
      !m.text().startsWith('progress: the same run on the memory store')
    )
      return;
    profileSaved = profiling.then(async () => {
      const { profile } = await worker.send('Profiler.stop');
      writeFileSync(profilePath, JSON.stringify(profile));
      console.log(`CPU profile of the worker written to ${profilePath}`);
    });
  });
  await page.goto(`http://localhost:${port}/bench.html?txs=${txs}${threadsParam}`);
  await page.waitForFunction(() => window.benchResult || window.benchError, null, {
    timeout: 30 * 60_000,
    polling: 500,
  });
  const error = await page.evaluate(() => window.benchError);
  if (error) throw new Error(error);
  const result = await page.evaluate(() => window.benchResult);
  if (profileSaved) await profileSaved;
  await worker.ready;
  await worker.send('HeapProfiler.collectGarbage');
  const heap = await worker.send('Runtime.getHeapUsage');
  result.run.heapBytesAfter = heap.usedSize;
  result.run.heapBytesTotal = heap.totalSize;
  const { verify, run: r, ratioTxToWebCryptoVerify } = result;
  console.log('\nBoT peer benchmark (headless Chromium, Web Worker, IndexedDB)');
  console.log(
    `  WebCrypto Ed25519 verifies/s        ${verify.webcrypto.toFixed(0)} before the runs, ${result.verifyAfter.webcrypto.toFixed(0)} after (one thread, 500 in flight)`,
  );
  console.log(`  noble (pure JS) verifies/s          ${verify.noble.toFixed(0)}`);
  console.log(`  verifier threads                    ${result.verifierThreads}`);
  console.log(
    `  data.put validated+applied+persisted ${r.txPerSecond.toFixed(0)} tx/s (${r.txCount} tx in ${r.blocks} blocks, ${(r.elapsedMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  ratio to WebCrypto verify rate       ${(ratioTxToWebCryptoVerify * 100).toFixed(0)} %   (target >= 70 %; to the mean of before and after)`,
  );
  console.log(
    `  block time added by persisting       ${(result.persistAddedShare * 100).toFixed(1)} %   (target <= 20 %; the same run on the memory store: ${result.memoryRun.txPerSecond.toFixed(0)} tx/s, ${result.memoryRun.blockIntervalMs.toFixed(0)} ms per block)`,
  );
  console.log(
    `  commitBlock wall time / block time   ${(r.persistShare * 100).toFixed(1)} %   (${r.persistMsPerBlock.toFixed(0)} of ${r.blockIntervalMs.toFixed(0)} ms per block; overlaps the next block's execution)`,
  );
  console.log(
    `  state checkpoints during the run     ${r.checkpoints} (${r.checkpointMs.toFixed(0)} ms from start to durable, beside the block commits)`,
  );
  console.log(
    `  waiting for signature verdicts       ${(r.verifyShare * 100).toFixed(1)} % of the run`,
  );
  console.log(
    `  JS heap after the run (live peer)    ${(r.heapBytesAfter / 1e6).toFixed(1)} MB used, ${(r.heapBytesTotal / 1e6).toFixed(1)} MB allocated   (target < 150 MB)`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/peer.json',
    JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2),
  );
} finally {
  await browser.close();
  server.close();
}
