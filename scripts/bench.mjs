// npm run bench: builds the app, serves it, runs the peer benchmark in headless Chromium (in a
// Web Worker), prints the figures and writes bench/results/peer.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import { ensureChromium, ensureDependencies, run } from './ensure.mjs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

ensureDependencies();
ensureChromium();
run('npx', ['vite', 'build', '--logLevel', 'warn']);
const { chromium } = await import('playwright');
const { createAppServer } = await import('../server/index.mjs');
const server = createAppServer();
await new Promise((resolve) => server.listen(0, resolve));
const port = server.address().port;
const txs = Number(process.env.BENCH_TXS ?? 100_000);
const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs(), '--enable-precise-memory-info', '--js-flags=--expose-gc'] });
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  await page.goto(`http://localhost:${port}/bench.html?txs=${txs}`);
  await page.waitForFunction(() => window.benchResult || window.benchError, null, { timeout: 15 * 60_000, polling: 500 });
  const error = await page.evaluate(() => window.benchError);
  if (error) throw new Error(error);
  const result = await page.evaluate(() => window.benchResult);
  const { verify, run: r, ratioTxToWebCryptoVerify } = result;
  console.log('\nBoT peer benchmark (headless Chromium, Web Worker, IndexedDB)');
  console.log(`  WebCrypto Ed25519 verifies/s        ${verify.webcrypto.toFixed(0)}`);
  console.log(`  noble (pure JS) verifies/s          ${verify.noble.toFixed(0)}`);
  console.log(`  data.put validated+applied+persisted ${r.txPerSecond.toFixed(0)} tx/s (${r.txCount} tx in ${r.blocks} blocks, ${(r.elapsedMs / 1000).toFixed(1)} s)`);
  console.log(`  ratio to WebCrypto verify rate       ${(ratioTxToWebCryptoVerify * 100).toFixed(0)} %   (target >= 70 %)`);
  console.log(`  persistence share of block time      ${(r.persistShare * 100).toFixed(1)} %   (target <= 20 %)`);
  console.log(`  JS heap after the run                ${r.heapBytesAfter === null ? 'n/a' : (r.heapBytesAfter / 1e6).toFixed(1) + ' MB'}   (target < 150 MB)`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/peer.json', JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2));
} finally {
  await browser.close();
  server.close();
}
