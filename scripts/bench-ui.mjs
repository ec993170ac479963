// npm run bench:ui (also the last step of npm run bench): the app's two UI budgets.
//  1. Initial JavaScript, gzipped: the entry chunk of index.html and its static imports, read
//     from dist/.vite/manifest.json (lazy pages and the peer worker are not initial).
//  2. Long tasks: a PerformanceObserver('longtask') on the page while the peer in its worker
//     commits BENCH_BLOCKS blocks (default 2,000) of writes on the solo dev chain, with the
//     Ledger page open and following the head. Budget: no main-thread task over 100 ms.
// Writes bench/results/ui.json.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ensureChromium, ensureDependencies, run } from './ensure.mjs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const initialJsGzipBudgetBytes = 250 * 1000;
const longTaskBudgetMs = 100;
const blocks = Number(process.env.BENCH_BLOCKS ?? 2000);
const txsPerBlock = Number(process.env.BENCH_TXS_PER_BLOCK ?? 1);

/** Entry chunk of index.html plus its static imports (recursively), from Vite's manifest. */
export function initialChunks(manifest, entry = 'index.html') {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    for (const imported of manifest[key].imports ?? []) visit(imported);
  };
  visit(entry);
  return [...seen].map((key) => manifest[key].file).filter((file) => file.endsWith('.js'));
}

function bundleSize() {
  const manifest = JSON.parse(readFileSync('dist/.vite/manifest.json', 'utf8'));
  const files = initialChunks(manifest);
  const sizes = files.map((file) => {
    const bytes = readFileSync(`dist/${file}`);
    return { file, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
  return { files: sizes, gzipBytes: sizes.reduce((sum, s) => sum + s.gzipBytes, 0), rawBytes: sizes.reduce((sum, s) => sum + s.rawBytes, 0) };
}

async function longTasks() {
  const { chromium } = await import('playwright');
  const { createAppServer } = await import('../server/index.mjs');
  const server = createAppServer();
  await new Promise((resolve) => server.listen(0, resolve));
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`http://localhost:${server.address().port}/#/ledger`);
    await page.waitForFunction(() => typeof window.bot?.ready === 'function');
    await page.evaluate(() => window.bot.ready());
    await page.waitForTimeout(1000);
    const result = await page.evaluate(async ({ blocks, txsPerBlock }) => {
      const start = performance.now();
      const before = (await window.bot.status()).height;
      // Frames: the gap between animation frames is what a user feels as jank.
      let frames = 0;
      let gapMax = 0;
      let last = performance.now();
      let running = true;
      const frame = (t) => {
        frames++;
        gapMax = Math.max(gapMax, t - last);
        last = t;
        if (running) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      // The solo engine cuts a block as soon as a transaction waits, so each round below is
      // one block; rounds go on until `blocks` new blocks are committed.
      for (let b = 0; (await window.bot.status()).height - before < blocks; b++) {
        const ids = [];
        window.__txCount = (window.__txCount ?? 0) + txsPerBlock;
        for (let i = 0; i < txsPerBlock; i++) ids.push((await window.bot.submit({ type: 'data.put', body: { key: `bench/${b % 500}/${i}`, value: { b, i, celsius: 20 + (b % 50) / 10 } } })).txId);
        await window.bot.waitFor(ids[ids.length - 1], { timeoutMs: 60_000 });
      }
      running = false;
      const elapsedMs = performance.now() - start;
      const after = (await window.bot.status()).height;
      const tasks = window.__longTasks.filter((t) => t.start >= start);
      return {
        blocks: after - before,
        txs: window.__txCount,
        elapsedMs,
        longTaskCount: tasks.length,
        longTaskMaxMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
        longTaskTotalMs: tasks.reduce((s, t) => s + t.duration, 0),
        frames,
        frameGapMaxMs: gapMax,
        startupLongTaskMaxMs: window.__longTasks.filter((t) => t.start < start).reduce((m, t) => Math.max(m, t.duration), 0),
      };
    }, { blocks, txsPerBlock });
    await page.waitForTimeout(1500);
    const shown = await page.getByTestId('blocks').textContent();
    return { ...result, ledgerPageFollowedHead: shown.includes(`#${(await page.evaluate(() => window.bot.status())).height}`) };
  } finally {
    await browser.close();
    server.close();
  }
}

ensureDependencies();
ensureChromium();
if (!process.env.BENCH_NO_BUILD) run('npx', ['vite', 'build', '--logLevel', 'warn']);
const bundle = bundleSize();
console.log('\nBoT app UI benchmark (headless Chromium)');
console.log(`  initial JS, gzip                 ${(bundle.gzipBytes / 1000).toFixed(1)} KB (${bundle.files.map((f) => f.file).join(', ')}; raw ${(bundle.rawBytes / 1000).toFixed(1)} KB)   (budget <= ${initialJsGzipBudgetBytes / 1000} KB)`);
const tasks = await longTasks();
console.log(`  heavy local writes               ${tasks.blocks} blocks, ${tasks.txs} tx in ${(tasks.elapsedMs / 1000).toFixed(1)} s (solo dev chain, Ledger page open)`);
console.log(`  main-thread long tasks           ${tasks.longTaskCount} (total ${tasks.longTaskTotalMs.toFixed(0)} ms), longest ${tasks.longTaskMaxMs.toFixed(0)} ms   (budget: none over ${longTaskBudgetMs} ms)`);
console.log(`  longest gap between frames       ${tasks.frameGapMaxMs.toFixed(0)} ms over ${tasks.frames} frames`);
console.log(`  longest task during start-up     ${tasks.startupLongTaskMaxMs.toFixed(0)} ms (not part of the budget)`);
console.log(`  Ledger page followed the head    ${tasks.ledgerPageFollowedHead ? 'yes' : 'no'}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/ui.json', JSON.stringify({ date: new Date().toISOString(), bundle, longTasks: tasks, budgets: { initialJsGzipBudgetBytes, longTaskBudgetMs } }, null, 2));
const over = bundle.gzipBytes > initialJsGzipBudgetBytes || tasks.longTaskMaxMs > longTaskBudgetMs;
if (over) console.log('\n  Over budget: see above.');
