import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

const port = Number(process.env.E2E_PORT ?? 8091);

// Specs that change the shared network namespace (a firewall, an interface taken down), time a
// peer's return against a link timeout (net-reopen), or load the 2 cores with many tabs or a 20 MB
// dataset: they run one at a time, after the others. Specs that only start processes of their own
// on free ports (relays.spec's relays and Redis, services.spec's example service,
// flows-update.spec's app server, the Node peers of xchain-peers and its-consortium: e2e/node-peer.ts
// takes a free port) or link two or three tabs in a room of their own (net.spec) run with the
// rest, two at a time (E2E_WORKERS): the serial project left one core idle through their waits.
// In the step timings of BENCHMARKS.md "Test time", most of a page test's time is CPU (the peer
// starting in each new page, axe scans, blocks), few waits are idle (for blocks or timers): a
// third worker on the 2 cores was tried (BENCHMARKS.md "Test time") and three tests failed at the
// then 5 s expect default after a peer (re)start; try E2E_WORKERS=3 again on an idle box before
// changing this. npm test (scripts/test.mjs) runs vitest beside the network project, in a network
// namespace of its own: the network specs still run one at a time, and its 10 tests passed in 342 s
// beside vitest (BENCHMARKS.md "Test time: stages at once").
const exclusive = [
  'turn.spec.ts',
  'net-reopen.spec.ts',
  'mesh.spec.ts',
  'overlay.spec.ts',
  'datasets-offline.spec.ts',
].map((name) => `**/${name}`);

// The page specs that took longest (sum of their tests) in the fresh-clone CI of BENCHMARKS.md
// "Test time: a fresh clone after session 16's merges", 74-132 s each.
const long = [
  'washer.spec.ts',
  'its-consortium.spec.ts',
  'net.spec.ts',
  'pwa.spec.ts',
  'app.spec.ts',
  'relays.spec.ts',
  'xchain-peers.spec.ts',
  'notify.spec.ts',
  'devices.spec.ts',
].map((name) => `**/${name}`);

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  // A page's content waits for its peer, which starts (or restarts) in a worker in seconds: on a
  // loaded 2-core box more than the 5 s default (runs failed there after a load or a restart).
  // Only the longest wait for a condition: what each assertion checks is unchanged.
  expect: { timeout: 15_000 },
  workers: Number(process.env.E2E_WORKERS ?? 2),
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() },
    screenshot: 'only-on-failure',
  },
  // Workers take spec files in project order, then in file-name order: the longest page specs
  // (`long`) go first so that the pages project does not end with one worker still in a long
  // spec and the other idle. Both are the pages project's halves; `npm test` runs them as one.
  // The page specs run with service workers blocked: each new context (a fresh profile, so a
  // fresh peer) otherwise installs the app's service worker, which precaches all 64 files of the
  // build (3.4 MB, both wasm modules with them) on every start: 0.7 s of CPU more per context in
  // BENCHMARKS.md "Test time: service workers in the page specs", on a stage that is CPU-bound.
  // A first visit loads the same files from the server without it. The specs that go offline or
  // update the app (pwa, flows-offline, flows-update, its) turn it back on with
  // test.use({ serviceWorkers: 'allow' }); the network project keeps it.
  projects: [
    { name: 'pages-long', testMatch: long, use: { serviceWorkers: 'block' } },
    { name: 'pages', testIgnore: [...exclusive, ...long], use: { serviceWorkers: 'block' } },
    { name: 'network', testMatch: exclusive, dependencies: ['pages-long', 'pages'], workers: 1 },
  ],
  webServer: {
    command: `node server/index.mjs`,
    env: { PORT: String(port) },
    url: `http://localhost:${port}/healthz`,
    reuseExistingServer: false,
  },
});
