import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumPath, chromiumArgs } from './scripts/chromium.mjs';

// Two projects: `unit` runs in Node (pure core, decoders, memory storage); `browser` runs the
// files named *.browser.test.ts in real headless Chromium (IndexedDB, WebCrypto).
//
// maxWorkers 2: by default Vitest runs one file at a time on a 2-core machine (cores - 1), and
// most files spend their time waiting on timers and sockets (block rounds, relays, child peers),
// so two at a time take ~340 s instead of ~550 s there; CPU-bound files (the simulator seeds) are
// then ~1.5x slower each but never exceed their timeouts.
export default defineConfig({
  test: {
    maxWorkers: 2,
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
