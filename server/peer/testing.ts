// Helpers for the headless peer's tests: a JSON client and a peer started as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Call the API; `body` (an object) is sent as JSON, a string as is. */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  };
}

export async function put(base: string, key: string, value: unknown): Promise<string> {
  const reply = await call(base, 'POST', '/v1/tx', { type: 'data.put', body: { key, value } });
  if (reply.status !== 202)
    throw new Error(`put ${key}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.txId;
}

export async function waitCommitted(
  base: string,
  txId: string,
  timeoutMs = 10_000,
): Promise<number> {
  const reply = await call(base, 'GET', `/v1/tx/${txId}?timeoutMs=${timeoutMs}`);
  if (reply.body.status !== 'committed')
    throw new Error(`tx ${txId}: ${JSON.stringify(reply.body)}`);
  return reply.body.height;
}

export interface ChildPeer {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Start `server/peer/main.ts` as its own process (node --import tsx), on a free port. */
export function startChildPeer(dataDir: string, extra: string[] = []): Promise<ChildPeer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/peer/main.ts', '--port', '0', '--data-dir', dataDir, ...extra],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | string>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a stray peer behind
      fail(new Error(`peer did not start:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        done({ child, url: found[1]!, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`peer exited (${code}) before listening:\n${output}`));
    });
  });
}

const exampleServices: ChildProcess[] = [];

/**
 * Start server/example-service.ts (issue 17, Y.4464 10.5) for `genesis` as its own process on a
 * free loopback port; resolves with its URL once it listens.
 */
export function startExampleService(
  genesis: unknown,
  service: string,
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'bot-svc-')), 'genesis.json');
  writeFileSync(file, JSON.stringify(genesis));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/example-service.ts', '--genesis', file, '--service', service],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  exampleServices.push(child);
  let output = '';
  return new Promise((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found) done({ url: found[1]!, child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => fail(new Error(`service exited (${code}):\n${output}`)));
  });
}

/** Stop the example services this process started. */
export function stopExampleServices(): void {
  for (const child of exampleServices.splice(0)) child.kill('SIGTERM');
}
