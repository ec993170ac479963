// npm test: install what is missing, then type-check, unit tests (Node), browser tests
// (Chromium: IndexedDB, WebCrypto), end-to-end tests (Playwright driving the built app).
import { spawn, spawnSync } from 'node:child_process';
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
const seconds = (from) => Math.round((Date.now() - from) / 1000);

/**
 * Run `command` without blocking; resolves with its exit status. `buffered`: its output is kept
 * and printed whole by `together` once every stage ended (stages running at once do not
 * interleave line by line); otherwise it goes to this terminal as it comes.
 */
function start(name, command, args, buffered = false) {
  const from = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    const chunks = [];
    child.stdout?.on('data', (chunk) => chunks.push(chunk));
    child.stderr?.on('data', (chunk) => chunks.push(chunk));
    child.on('close', (status) => {
      const ended = `\n[npm test] ${name}: exit ${status}, ${seconds(from)} s\n`;
      if (!buffered) process.stdout.write(ended);
      resolve({
        name,
        command: `${command} ${args.join(' ')}`,
        status,
        output: buffered ? [...chunks, ended] : [],
      });
    });
  });
}

/**
 * Run the stages at once; print the buffered ones' output, the passed stages first and a failed
 * one last (a log cut to its tail, as CI shows it, then still names the failing test); stop npm
 * test with the first failure's status.
 */
async function together(...stages) {
  const results = await Promise.all(stages);
  const ordered = [
    ...results.filter((r) => r.status === 0),
    ...results.filter((r) => r.status !== 0),
  ];
  for (const result of ordered)
    process.stdout.write(Buffer.concat(result.output.map((c) => Buffer.from(c))));
  const failed = results.find((r) => r.status !== 0);
  if (!failed) return;
  console.error(`\n${failed.command} failed (exit ${failed.status}).`);
  process.exit(failed.status ?? 1);
}

// The checks read the sources only (the build writes dist/, which tsc, biome and tidy skip): the
// type-check (one core) and the build (mostly one core) run beside biome and tidy.
await together(
  start('tsc', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], true),
  start('biome', 'npx', ['biome', 'ci', '.'], true),
  start('tidy', process.execPath, ['scripts/tidy/tidy.mjs'], true),
  start('vite build', 'npx', ['vite', 'build', '--logLevel', 'warn'], true),
);

// Vitest beside the serial `network` project of Playwright (one worker: one spec at a time, much
// of it waiting on links and timeouts), when vitest can have a network namespace of its own: the
// network specs change theirs (a firewall, an interface taken down), and vitest's WebRTC and
// relay tests must not see that. Elsewhere one after the other, as before.
const ownNamespace =
  process.env.BOT_IN_NETNS === '1' && spawnSync('bash', ['scripts/netns-run', 'true']).status === 0;
if (ownNamespace) {
  await together(
    start('playwright pages', 'npx', [
      'playwright',
      'test',
      '--project=pages-long',
      '--project=pages',
    ]),
  );
  await together(
    start(
      'playwright network',
      'npx',
      ['playwright', 'test', '--project=network', '--no-deps'],
      true,
    ),
    start(
      'vitest',
      'bash',
      ['scripts/netns-run', 'env', 'BOT_IN_NETNS=1', 'npx', 'vitest', 'run'],
      true,
    ),
  );
} else {
  run('npx', ['vitest', 'run']);
  run('npx', ['playwright', 'test']);
}
console.log(`\nAll test stages passed in ${seconds(started)} s.`);
