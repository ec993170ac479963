// npm test: install what is missing, then type-check, unit tests (Node), browser tests
// (Chromium: IndexedDB, WebCrypto), end-to-end tests (Playwright driving the built app).
import { ensureChromium, ensureDependencies, run } from './ensure.mjs';

ensureDependencies();
ensureChromium();
const started = Date.now();
run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('npx', ['vitest', 'run']);
run('npx', ['vite', 'build', '--logLevel', 'warn']);
run('npx', ['playwright', 'test']);
console.log(`\nAll test stages passed in ${Math.round((Date.now() - started) / 1000)} s.`);
