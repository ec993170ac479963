// Install what a fresh clone lacks, with Node built-ins only (runs before node_modules exists).
import { existsSync, lstatSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chromiumPath } from './chromium.mjs';

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

/** npm ci when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync('package-lock.json').mtimeMs)
    return;
  // A node_modules linked from another checkout (a git worktree sharing one install) is that
  // checkout's: npm ci here would empty it under the other one. Use it as it is.
  if (existsSync('node_modules') && lstatSync('node_modules').isSymbolicLink()) {
    console.log(
      "node_modules is a link to another checkout's install: not reinstalling it (run npm ci there if it is stale).",
    );
    return;
  }
  console.log('Installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Debian's chromium when no browser is present (as root); otherwise a clear message. */
export function ensureChromium() {
  if (existsSync(chromiumPath())) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      'No Chromium found. Install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH, then run npm test again.',
    );
    process.exit(1);
  }
  console.log('Installing Debian chromium (apt-get)…');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** The redis-server binary, or null. BOT_REDIS_SERVER overrides the path. */
export function redisServerPath() {
  const candidates = [
    process.env.BOT_REDIS_SERVER,
    '/usr/bin/redis-server',
    '/usr/local/bin/redis-server',
  ];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/**
 * Debian's redis-server when missing (as root): the relay tests start their own on a free
 * port (server/signal.mjs shares rooms through it). Otherwise a clear message.
 */
export function ensureRedis() {
  if (redisServerPath()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      'No redis-server found. Install it (Debian: sudo apt-get install ' +
        'redis-server) or set BOT_REDIS_SERVER, then run npm test again.',
    );
    process.exit(1);
  }
  console.log('Installing Debian redis-server (apt-get)…');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * Debian packages a test needs beyond Chromium and redis: coturn (the TURN test's server) and
 * nftables (its firewall, inside the test's network namespace). Installed as root when a binary
 * is missing; otherwise a clear message.
 */
export function ensureDebianTools() {
  const wanted = [
    { pkg: 'coturn', paths: [process.env.BOT_TURNSERVER, '/usr/bin/turnserver'] },
    { pkg: 'nftables', paths: ['/usr/sbin/nft', '/sbin/nft'] },
  ].filter(({ paths }) => !paths.some((path) => path && existsSync(path)));
  if (wanted.length === 0) return;
  const names = wanted.map((w) => w.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `Missing ${names.join(', ')}. Install (Debian: sudo apt-get install ${names.join(' ')}), then run npm test again.`,
    );
    process.exit(1);
  }
  console.log(`Installing Debian ${names.join(', ')} (apt-get)…`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
