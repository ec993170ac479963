// The headless Node peer (server/peer/main.ts) as a child process for the e2e tests that need one
// beside the tabs: its own data directory, the given signaling relay, and its HTTP API called as
// JSON (`api`). Start-up (tsx transpiling the peer) is slow on a loaded box: up to 90 s. Each peer
// takes a port the system just handed out, so several can run at once (one spec, or two workers).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './helpers';

export interface NodePeer {
  did: string;
  dataDir: string;
  api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 at this moment. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a Node peer on the relay `signal`; `stop()` ends it and removes its data directory. */
export async function startNodePeer(signal: string): Promise<NodePeer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-node-peer-'));
  const apiPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/peer/main.ts',
      '--port',
      String(apiPort),
      '--data-dir',
      dataDir,
      '--signal',
      signal,
      '--quiet',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${apiPort}`;
  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', host: `localhost:${apiPort}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T & { error?: { code: string; message: string } };
    if (!response.ok)
      throw new Error(
        `${method} ${path}: ${response.status} ${json.error?.code} ${json.error?.message}`,
      );
    return json;
  };
  await waitUntil(
    () =>
      api('GET', '/v1/status').then(
        () => true,
        () => false,
      ),
    90_000,
    'the Node peer to start',
  );
  const { did } = await api<{ did: string }>('GET', '/v1/identity');
  return {
    did,
    dataDir,
    api,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
