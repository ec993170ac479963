// Test and bench helpers: a real redis-server on a free port and relay processes
// (server/signal.mjs) sharing rooms through it. Used by server/signal.test.ts,
// e2e/relays.spec.ts and scripts/bench-signal.mjs.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { redisServerPath } from './ensure.mjs';

const relayScript = fileURLToPath(new URL('../server/signal.mjs', import.meta.url));

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolve when `pattern` shows up in the child's output (stdout or stderr), or reject. */
export function waitForLine(child, pattern, what, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const fail = () => done(new Error(`${what}: no "${pattern}" in ${timeoutMs} ms:\n${seen}`));
    const timer = setTimeout(fail, timeoutMs);
    const onData = (chunk) => {
      seen += chunk.toString();
      if (pattern.test(seen)) done(null);
    };
    const onExit = (code) =>
      done(new Error(`${what} exited (${code}) before it was ready:\n${seen}`));
    function done(error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

export function stopper(child) {
  return (signal = 'SIGTERM') =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
}

/** A throwaway redis-server (no persistence) on a free port of 127.0.0.1. */
export async function startRedis(port) {
  const binary = redisServerPath();
  if (!binary) {
    throw new Error('redis-server is missing: npm test installs it (scripts/ensure.mjs).');
  }
  const chosen = port ?? (await freePort());
  const child = spawn(
    binary,
    [
      '--port',
      String(chosen),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, /Ready to accept connections/, 'redis-server');
  return { url: `redis://127.0.0.1:${chosen}`, port: chosen, process: child, stop: stopper(child) };
}

/**
 * A relay process. `log` collects its output lines (dropped clients, Redis outages);
 * `waitForLog(pattern)` resolves when a line matches.
 */
export async function startRelay({ redisUrl, port, messagesPerSecond } = {}) {
  const chosen = port ?? (await freePort());
  const args = [relayScript, '--port', String(chosen)];
  if (redisUrl) args.push('--redis', redisUrl);
  if (messagesPerSecond) args.push('--messages-per-second', String(messagesPerSecond));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const collect = (chunk) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  await waitForLine(child, redisUrl ? /sharing rooms|unreachable/ : /signaling relay on/, 'relay');
  return {
    url: `ws://127.0.0.1:${chosen}/signal`,
    port: chosen,
    process: child,
    log: lines,
    async waitForLog(pattern, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (!lines.some((line) => pattern.test(line))) {
        if (Date.now() > end) {
          throw new Error(`relay: no log line ${pattern} in:\n${lines.join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: stopper(child),
  };
}
