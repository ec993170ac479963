import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { playwright } from '@vitest/browser-playwright';
import { chromiumPath, chromiumArgs } from './scripts/chromium.mjs';

// Two projects: `unit` runs in Node (pure core, decoders, memory storage); `browser` runs the
// files named *.browser.test.ts in real headless Chromium (IndexedDB, WebCrypto).
//
// maxWorkers 2: by default Vitest runs one file at a time on a 2-core machine (cores - 1), and
// most files spend their time waiting on timers and sockets (block rounds, relays, child peers),
// so two at a time take ~340 s instead of ~550 s there; CPU-bound files (the simulator seeds) are
// then ~1.5x slower each but never exceed their timeouts.
// The unit files that took longest (8-94 s each, most CPU-bound: the simulator seeds, peers in
// child processes) in the runs of BENCHMARKS.md "Test time: vitest without isolation". A fresh
// clone has no durations cached, and Vitest then starts the largest files first, which put
// these small ones at the end: the run closed with two seeds files alone on the two workers
// (about 90 s). They now start first, the rest fill in beside them.
const long = [
  'worker/sim/seeds-a.test.ts',
  'worker/sim/seeds-b.test.ts',
  'server/peer/process.test.ts',
  'worker/store/level-crash.test.ts',
  'worker/host/light.test.ts',
  'worker/sim/host-scale.test.ts',
  'worker/sim/host-seeds-a.test.ts',
  'worker/sim/host-seeds-b.test.ts',
  'worker/sim/host-seeds-c.test.ts',
  'worker/sim/host-seeds-d.test.ts',
  'worker/sim/stake-sim.test.ts',
  'worker/sim/host-overlay.test.ts',
  'worker/net/overlay.test.ts',
  'worker/host/light-host.test.ts',
  'worker/host/keep-alive.test.ts',
  'server/peer/migrate.test.ts',
  'worker/host/devices-open.test.ts',
  'worker/sim/host-scenarios.test.ts',
  'worker/sim/issue22.test.ts',
  'worker/host/contract-limits.test.ts',
  'worker/net/hub.test.ts',
  'server/peer/openapi.test.ts',
];

/** Vitest's order (failed, then longest cached, then largest), with the `long` files first. */
class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = long.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return at === -1 ? long.length : at;
    };
    return sorted
      .map((spec, index) => ({ spec, index }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.index - b.index)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'worker/**/*.test.ts',
            'app/**/*.test.ts',
            'server/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.browser.test.ts', 'node_modules/**'],
          environment: 'node',
          // One module registry per worker process, not one per file: each file in its own
          // registry imported the peer's module graph again (188 s of the run's import time, a
          // third of its CPU; BENCHMARKS.md "Test time: vitest without isolation"). The files
          // keep no state in shared modules between them (every file passed so), and fake timers
          // and spies are undone by the files that set them.
          isolate: false,
          testTimeout: 60_000,
          // A beforeAll that starts a peer (api, openapi) waits on a loaded box like a test
          // does; the default 10 s ran out with two files at a time and other jobs running.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['worker/**/*.browser.test.ts', 'app/**/*.browser.test.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
