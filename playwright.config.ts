import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

const port = Number(process.env.E2E_PORT ?? 8091);

// Specs that change the shared network namespace (a firewall, an interface taken down), start
// Node peers, or load the 2 cores with many tabs or a 20 MB dataset: they run one at a time, after
// the others. Specs that only start processes of their own on free ports (relays.spec's relays
// and Redis, services.spec's example service, flows-update.spec's app server) run with the rest,
// two at a time (E2E_WORKERS), which is what keeps `npm test` within its 20 minutes on a 2-core
// machine: most of an e2e test's time is spent waiting for blocks (an idle chain decides an empty
// block every 30 s), not computing.
const exclusive = [
  'turn.spec.ts',
  'net.spec.ts',
  'net-reopen.spec.ts',
  'mesh.spec.ts',
  'overlay.spec.ts',
  'datasets-offline.spec.ts',
  'xchain-peers.spec.ts',
  'its-consortium.spec.ts',
].map((name) => `**/${name}`);

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() },
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'pages', testIgnore: exclusive },
    { name: 'network', testMatch: exclusive, dependencies: ['pages'], workers: 1 },
  ],
  webServer: {
    command: `node server/index.mjs`,
    env: { PORT: String(port) },
    url: `http://localhost:${port}/healthz`,
    reuseExistingServer: false,
  },
});
