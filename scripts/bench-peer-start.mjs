// A tab's peer start: the time from page.goto to window.bot.ready() in fresh browser contexts
// (each its own storage, so its own new peer), as every e2e test pays it for each page it opens.
// Several builds served side by side are compared in one run, alternating, so the box's load is
// the same for each: `node scripts/bench-peer-start.mjs http://localhost:8123 http://localhost:8122`
// (e.g. an older build's dist/ served by its server/index.mjs on one port, this one's on another),
// inside scripts/netns-run. ROUNDS (default 10) contexts per build. Prints medians and the ratio
// of each build to the first.
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const bases = process.argv.slice(2);
if (bases.length === 0) {
  console.error('usage: node scripts/bench-peer-start.mjs <base URL> [<base URL> ...]');
  process.exit(2);
}
const rounds = Number(process.env.ROUNDS ?? 10);
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
const times = bases.map(() => []);

async function start(base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const begin = performance.now();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  await page.evaluate(() => window.bot.ready());
  const ms = performance.now() - begin;
  await context.close();
  return ms;
}

for (let round = 0; round < rounds; round++) {
  // Each round in another order, so no build always goes first (or right after another's close).
  for (let k = 0; k < bases.length; k++) {
    const i = (k + round) % bases.length;
    times[i].push(await start(bases[i]));
  }
}
await browser.close();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const first = median(times[0]);
bases.forEach((base, i) => {
  const m = median(times[i]);
  console.log(
    `${base}: median ${m.toFixed(0)} ms (${rounds} starts: ${times[i].map((t) => t.toFixed(0)).join(' ')}); ratio to the first ${(m / first).toFixed(2)}`,
  );
});
