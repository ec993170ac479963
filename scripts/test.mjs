// npm test: install what is missing, then type-check, unit tests (Node), browser tests
// (Chromium: IndexedDB, WebCrypto), end-to-end tests (Playwright driving the built app).
import { spawnSync } from 'node:child_process';
import {
  ensureChromium,
  ensureDebianTools,
  ensureDependencies,
  ensureRedis,
  run,
} from './ensure.mjs';

ensureDependencies();
ensureChromium();
ensureRedis();
ensureDebianTools();

// WebRTC needs a non-loopback interface with a default route. As root, run the stages inside
// a private network namespace (scripts/netns-run: a veth pair, nothing leaves the machine);
// otherwise (or where unshare is refused) run them directly.
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (
  isRoot &&
  process.env.BOT_IN_NETNS !== '1' &&
  spawnSync('bash', ['scripts/netns-run', 'true']).status === 0
) {
  run('bash', [
    'scripts/netns-run',
    'env',
    'BOT_IN_NETNS=1',
    process.execPath,
    'scripts/test.mjs',
    ...process.argv.slice(2),
  ]);
  process.exit(0);
}
const started = Date.now();
run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('npx', ['biome', 'ci', '.']);
run(process.execPath, ['scripts/tidy/tidy.mjs']);
run('npx', ['vitest', 'run']);
run('npx', ['vite', 'build', '--logLevel', 'warn']);
run('npx', ['playwright', 'test']);
console.log(`\nAll test stages passed in ${Math.round((Date.now() - started) / 1000)} s.`);
