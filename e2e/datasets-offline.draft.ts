// DRAFT, NOT RUN (Playwright runs *.spec.ts only; rename to datasets-offline.spec.ts when it
// passes). One run on branch data3 (`E2E_PORT=8207 bash scripts/netns-run npx playwright test
// e2e/datasets-offline.spec.ts`) failed at its first step: "Timed out waiting for the three tabs
// to be admitted" (180 s) to a consortium chain the Node peer created over POST /v1/chains as
// its only poa validator; e2e/datasets.spec.ts has a tab create the chain instead. The steps
// after it (20 MB version, replication waits on the Node peer's blob files and the tabs'
// IndexedDB, the owner's browser closed, B reading by clicks, the relay capture) never ran.
// A 20 MB dataset version read after its owner's peer is gone (issue 15; Y.4560 8.2, 8.4):
// a Node peer (the chain's validator and a holder) and three tabs (owner A, reader B, member C,
// each its own browser) on a consortium chain, over WebRTC inside the test network namespace.
// A seals a 20 MB version on its peer; holders (3 of the 4 members per chunk) fetch their chunks;
// A's browser is closed; B asks and reads through the Data page by clicks and typing, and the
// bytes come from the replicas (the Node peer and C). C, never granted, is refused. The signaling
// relay (this test's own app server, whose outgoing frames are captured) forwards no plaintext
// and no ciphertext: only signaling, far smaller than the version.
// Conformance: Y.4560 R-7.1.3-b, D-8.2, D-8.4.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ready, waitUntil } from './helpers';
import { decodeManifest } from '../worker/core/modules/datasets/manifest';
import { holdersOf } from '../worker/core/modules/datasets/placement';
import { toHex } from '../worker/core/bytes';

test.describe.configure({ mode: 'serial' });
test.setTimeout(600_000);

const serverModule = '../server/index.mjs';
const versionBytes = 20 * 1024 * 1024;
/** Repeated through the plaintext: what must never cross the relay. */
const marker = 'PLAINTEXT-MARKER-7f3a';

async function startNodePeer(signal: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bot-node-holder-'));
  const apiPort = 8900 + (process.pid % 90);
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
  // Start-up (tsx transpiling the peer) is slow on a loaded box: up to 90 s, not an assertion.
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

async function tab(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: origin });
  const page = await context.newPage();
  await ready(page, '/');
  return page;
}

test('B reads a 20 MB version from replicas after the owner closed; the relay sees no data', async ({
  browser,
}) => {
  // This test's own app server: the relay's outgoing frames are captured (no compression, and
  // server frames are not masked, so the bytes are what a relay operator sees).
  const { createAppServer } = (await import(serverModule)) as {
    createAppServer: () => Server;
  };
  const server = createAppServer();
  const relayed: Buffer[] = [];
  server.prependListener('upgrade', (_request, socket: Duplex) => {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as { write: (...args: unknown[]) => boolean }).write = (chunk: unknown, ...rest) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array)
        relayed.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://localhost:${port}`;
  const node = await startNodePeer(`ws://127.0.0.1:${port}/signal`);
  try {
    const { invite } = await node.api<{ invite: string }>('POST', '/v1/chains', {
      name: 'offline',
      mode: 'consortium',
      consensus: 'poa',
      validators: [node.did],
      timeoutMs: 500,
    });
    const [a, b, c] = [
      await tab(browser, origin),
      await tab(browser, origin),
      await tab(browser, origin),
    ];
    for (const page of [a, b, c]) await page.evaluate((link) => window.bot.join(link), invite);
    const dids = await Promise.all(
      [a, b, c].map((p) => p.evaluate(async () => (await window.bot.identity()).did)),
    );
    const members = [node.did, ...dids];
    await waitUntil(
      async () => {
        const { members: admitted } = await node.api<{ members: string[] }>(
          'GET',
          '/v1/governance',
        );
        return dids.every((d) => admitted.includes(d));
      },
      180_000,
      'the three tabs to be admitted',
    );

    console.log('datasets-offline: admitted');
    // A publishes; B asks on the Data page, typing its purpose; A grants.
    await a.evaluate(async () => {
      const { txId } = await window.bot.publishDataset({ id: 'traffic' });
      await window.bot.waitFor(txId, { timeoutMs: 120_000 });
    });
    await b.goto('/#/data');
    const bDataset = b.getByTestId('dataset-traffic');
    await expect(bDataset).toBeVisible({ timeout: 120_000 });
    await bDataset.getByTestId('purpose').fill('congestion model');
    await bDataset.getByTestId('request-access').click();
    await expect(b.getByTestId('my-request-traffic')).toContainText('pending', {
      timeout: 120_000,
    });
    await a.evaluate(async () => {
      for (;;) {
        const [d] = await window.bot.datasets();
        const request = d?.requests.find((r) => r.state === 'pending');
        if (request) {
          const { txId } = await window.bot.decideAccess(request.id, true);
          await window.bot.waitFor(txId, { timeoutMs: 120_000 });
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    });

    console.log('datasets-offline: granted');
    // A seals 20 MB of text on its peer (the marker repeated: easy to look for elsewhere).
    const put = await a.evaluate(
      async ({ bytes, marker }) => {
        const text = new TextEncoder().encode(`${marker} `);
        const content = new Uint8Array(bytes);
        for (let at = 0; at < bytes; at += text.length)
          content.set(text.subarray(0, Math.min(text.length, bytes - at)), at);
        const put = await window.bot.putDatasetVersion('traffic', content);
        await window.bot.waitFor(put.txId, { timeoutMs: 180_000 });
        return put;
      },
      { bytes: versionBytes, marker },
    );

    console.log('datasets-offline: sealed');
    // Every chunk reaches its holders. The Node peer's blobs are files named by their hash; the
    // tabs' are in their IndexedDB, so C and B are waited on through the chunks the Node peer
    // does not hold (each has two other holders among A, B and C).
    const blobDir = join(node.dataDir, 'blobs', 'blobs');
    const onNode = () => new Set(readdirSync(blobDir, { withFileTypes: false }) as string[]);
    await waitUntil(
      async () => onNode().has(put.fingerprint),
      180_000,
      'the manifest on the Node peer',
    );
    const chunks = decodeManifest(
      new Uint8Array(readFileSync(join(blobDir, put.fingerprint))),
    ).chunks;
    expect(chunks.length).toBe(20);
    await waitUntil(
      async () => {
        const held = onNode();
        return chunks.every(
          (c) => !holdersOf(c.hash, members, 3).includes(node.did) || held.has(toHex(c.hash)),
        );
      },
      300_000,
      'the Node peer to hold its chunks',
    );
    const replicated = (page: Page) =>
      page.evaluate(
        ({ fingerprint, ids }) =>
          (async () => {
            // The peer worker keeps its blobs in the IndexedDB database bot-blobs-<slot>.
            const held = new Set<string>();
            for (const { name } of await indexedDB.databases()) {
              if (!name?.startsWith('bot-blobs-')) continue;
              const db = await new Promise<IDBDatabase>((resolve, reject) => {
                const request = indexedDB.open(name);
                request.onsuccess = () => resolve(request.result);
                request.onerror = () => reject(request.error);
              });
              if (db.objectStoreNames.contains('sizes')) {
                const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
                  const request = db.transaction('sizes').objectStore('sizes').getAllKeys();
                  request.onsuccess = () => resolve(request.result);
                  request.onerror = () => reject(request.error);
                });
                for (const key of keys) held.add(String(key));
              }
              db.close();
            }
            return held.has(fingerprint) && ids.every((id) => held.has(id));
          })(),
        { fingerprint: put.fingerprint, ids: idsOf(b === page ? dids[1]! : dids[2]!) },
      );
    const idsOf = (did: string) =>
      chunks.filter((c) => holdersOf(c.hash, members, 3).includes(did)).map((c) => toHex(c.hash));
    await waitUntil(
      async () => (await replicated(b)) && (await replicated(c)),
      300_000,
      'B and C to hold their chunks',
    );

    console.log('datasets-offline: replicated');
    // The owner's browser goes away.
    await a.context().close();

    // B reads version 1 on the Data page; every chunk it does not hold comes from a replica.
    await expect(b.getByTestId('read-1')).toBeVisible({ timeout: 120_000 });
    await b.getByTestId('read-1').click();
    await expect(b.getByTestId('read-result-traffic')).toContainText('decrypted on this peer', {
      timeout: 300_000,
    });
    await expect(b.getByTestId('read-result-traffic')).toContainText(marker);
    const log = await b.evaluate(() => window.bot.accessLog('traffic'));
    expect(log.filter((e) => e.kind === 'access').map((e) => [e.reader, e.version])).toEqual([
      [dids[1], 1],
    ]);

    console.log('datasets-offline: read by B');
    // C was never granted.
    expect(
      await c.evaluate(() =>
        window.bot.readDataset('traffic').then(
          () => 'read',
          (e: { code?: string }) => e.code,
        ),
      ),
    ).toBe('UNAUTHORIZED');

    // The relay forwarded signaling only: no plaintext, and far fewer bytes than the version
    // (its chunks went over the peers' encrypted data channels).
    const seen = Buffer.concat(relayed);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.includes(marker)).toBe(false);
    expect(seen.length).toBeLessThan(versionBytes / 10);
    for (const page of [b, c]) await page.context().close();
  } finally {
    await node.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
