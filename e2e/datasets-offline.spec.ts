// A 20 MB dataset version read after its owner's browser is gone (issue 15; Y.4560 8.2, 8.4):
// three tabs (owner A, reader B, member C, each its own browser) and a Node peer on a poa
// consortium chain over WebRTC inside the test network namespace. The four are the chain's
// validators (3 of 4 keep committing once A is gone: B's read is recorded on chain first). A tab
// creates the chain and the Node peer joins through the invite (POST /v1/join). A publishes on
// the Data page, B asks with a purpose, A grants by clicking, A adds a 20 MB file as version 1;
// the holders (3 of the 4 members per chunk) fetch their chunks, and the Node peer's and C's
// copies are ciphertext (no plaintext marker in them). A's browser is closed; B clicks Read and
// the downloaded file has the SHA-256 of what A put. C, never granted, is refused. The signaling
// relay (this test's own app server, whose outgoing frames are captured) forwarded no plaintext,
// and far fewer bytes than the version: the chunks went over the peers' encrypted data channels.
// Conformance: Y.4560, R-7.1.3-b, D-8.2, D-8.4.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ready, waitUntil } from './helpers';
import { startNodePeer } from './node-peer';
import { decodeManifest } from '../worker/core/modules/datasets/manifest';
import { holdersOf } from '../worker/core/modules/datasets/placement';
import { toHex } from '../worker/core/bytes';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const serverModule = '../server/index.mjs';
const versionBytes = 20 * 1024 * 1024;
/** Repeated through the plaintext: what must never cross the relay or sit at a holder. */
const marker = 'PLAINTEXT-MARKER-7f3a';

/** 20 MB of numbered lines carrying the marker (each line differs, so every chunk does). */
function plaintext(): Buffer {
  const out = Buffer.alloc(versionBytes);
  let at = 0;
  for (let line = 0; at < versionBytes; line++)
    at += out.write(`${marker} ${line}\n`, at, 'latin1');
  return out;
}

/** Every blob file the Node peer holds (any chain's store under its data directory): id to path. */
function nodeBlobs(dataDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (dir.endsWith(join('blobs', 'blobs'))) out.set(entry.name, path);
    }
  };
  if (existsSync(dataDir)) walk(dataDir);
  return out;
}

/** The blob ids a tab's peer holds (its IndexedDB stores bot-blobs-*), and whether any holds `needle`. */
const tabBlobs = (page: Page, scan = false) =>
  page.evaluate(
    async ({ needle, scan }) => {
      const held: string[] = [];
      let plain = false;
      const bytes = new TextEncoder().encode(needle);
      const contains = (hay: Uint8Array) => {
        outer: for (let i = 0; i + bytes.length <= hay.length; i++) {
          for (let j = 0; j < bytes.length; j++) if (hay[i + j] !== bytes[j]) continue outer;
          return true;
        }
        return false;
      };
      for (const { name } of await indexedDB.databases()) {
        if (!name?.startsWith('bot-blobs-')) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        if (db.objectStoreNames.contains('blobs')) {
          const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
            const request = db.transaction('blobs').objectStore('blobs').getAllKeys();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          for (const key of keys) {
            held.push(String(key));
            if (!scan) continue;
            const value = await new Promise<unknown>((resolve, reject) => {
              const request = db.transaction('blobs').objectStore('blobs').get(key);
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => reject(request.error);
            });
            const blob =
              value instanceof Uint8Array
                ? value
                : value instanceof ArrayBuffer
                  ? new Uint8Array(value)
                  : value instanceof Blob
                    ? new Uint8Array(await value.arrayBuffer())
                    : null;
            if (blob && contains(blob)) plain = true;
          }
        }
        db.close();
      }
      return { held, plain };
    },
    { needle: marker, scan },
  );

async function tab(browser: Browser, origin: string, phoneSized = false): Promise<Page> {
  const context = await browser.newContext({
    baseURL: origin,
    acceptDownloads: true,
    ...(phoneSized
      ? { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }
      : {}),
  });
  const page = await context.newPage();
  await ready(page, '/');
  return page;
}

test('B reads a 20 MB version from replicas after the owner closed; holders and the relay see no plaintext', async ({
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
  const content = plaintext();
  const sha256 = createHash('sha256').update(content).digest('hex');
  try {
    const [a, b, c] = [
      await tab(browser, origin),
      await tab(browser, origin, true),
      await tab(browser, origin),
    ];
    const dids = await Promise.all(
      [a, b, c].map((p) => p.evaluate(async () => (await window.bot.identity()).did)),
    );
    const members = [...dids, node.did];
    // A tab creates the chain with all four as validators; the others join through its invite.
    const { chainId, invite } = await a.evaluate(
      (validators) =>
        window.bot.createChain({
          name: 'offline',
          mode: 'consortium',
          consensus: 'poa',
          validators,
          timeoutMs: 1000,
        }),
      members,
    );
    for (const page of [b, c]) await page.evaluate((link) => window.bot.join(link), invite);
    expect((await node.api<{ chainId: string }>('POST', '/v1/join', { invite })).chainId).toBe(
      chainId,
    );
    await waitUntil(
      async () => {
        const view = await node.api<{ neighbours: Array<{ did: string; state: string }> }>(
          'GET',
          '/v1/network',
        );
        return dids.every((did) =>
          view.neighbours.some((n) => n.did === did && n.state === 'open'),
        );
      },
      90_000,
      'the Node peer to link with every tab',
    );

    // A publishes on the Data page; B asks with a purpose; A grants by clicking.
    await a.goto('/#/data');
    await a.getByTestId('dataset-id').fill('traffic');
    await a.getByTestId('publish-dataset').click();
    await expect(a.getByTestId('dataset-traffic')).toBeVisible({ timeout: 60_000 });
    await b.goto('/#/data');
    const bDataset = b.getByTestId('dataset-traffic');
    await expect(bDataset).toBeVisible({ timeout: 60_000 });
    await bDataset.getByTestId('purpose').fill('congestion model');
    await bDataset.getByTestId('request-access').click();
    await expect(b.getByTestId('my-request-traffic')).toContainText('pending', {
      timeout: 60_000,
    });
    await expect(a.getByTestId('requests-traffic')).toContainText('congestion model', {
      timeout: 60_000,
    });
    await a.getByTestId('requests-traffic').getByTestId('grant').click();
    await expect(a.getByTestId('readers-traffic')).toBeVisible({ timeout: 60_000 });

    // A's tab is linked to every holder before it seals: its pushes go straight to them.
    await waitUntil(
      async () => {
        const view = await a.evaluate(() => window.bot.network());
        return [dids[1], dids[2], node.did].every((did) =>
          view.neighbours.some((n) => n.did === did && n.state === 'open'),
        );
      },
      90_000,
      "A's tab to link with B, C and the Node peer",
    );

    // A adds the 20 MB file as version 1 on the page: sealed on A's peer, each chunk pushed to
    // its holders as it is sealed.
    await a.getByLabel('Or a file').setInputFiles({
      name: 'traffic.txt',
      mimeType: 'text/plain',
      buffer: content,
    });
    await a.getByTestId('add-version').click();
    await expect(a.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
      timeout: 120_000,
    });
    const fingerprint = await a.evaluate(
      async () => (await window.bot.datasets())[0]!.versions[0]!.fingerprint,
    );
    // The chunk list, from A's own store (the manifest blob; not yet on the Node peer maybe).
    const manifest = await a.evaluate(async (id) => {
      for (const { name } of await indexedDB.databases()) {
        if (!name?.startsWith('bot-blobs-')) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const value = db.objectStoreNames.contains('blobs')
          ? await new Promise<unknown>((resolve, reject) => {
              const request = db.transaction('blobs').objectStore('blobs').get(id);
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => reject(request.error);
            })
          : undefined;
        db.close();
        if (value instanceof Uint8Array) return [...value];
        if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
        if (value instanceof Blob) return [...new Uint8Array(await value.arrayBuffer())];
      }
      return null;
    }, fingerprint);
    expect(manifest).not.toBeNull();
    const chunks = decodeManifest(Uint8Array.from(manifest!)).chunks;
    expect(chunks.length).toBe(20);
    const idsOf = (did: string) =>
      chunks.filter((c) => holdersOf(c.hash, members, 3).includes(did)).map((c) => toHex(c.hash));

    // Pushed while sealing: A's log counts every copy placed on B, C and the Node peer as kept
    // by its holder, and each of them holds its chunks now that the version is recorded.
    const copies = [dids[1]!, dids[2]!, node.did].reduce((sum, did) => sum + idsOf(did).length, 0);
    const pushedLine = (await a.evaluate(() => window.bot.log()))
      .map((e) => e.message)
      .find((m) => m.startsWith('Version 1 of "traffic"'));
    expect(pushedLine).toBe(
      `Version 1 of "traffic": ${copies} chunk copies pushed while sealing, kept by 3 holder(s).`,
    );
    const heldNow = nodeBlobs(node.dataDir);
    expect(idsOf(node.did).filter((id) => !heldNow.has(id))).toEqual([]);
    const bNow = new Set((await tabBlobs(b)).held);
    expect(idsOf(dids[1]!).filter((id) => !bNow.has(id))).toEqual([]);
    let cHeld = await tabBlobs(c);
    expect(idsOf(dids[2]!).filter((id) => !cHeld.held.includes(id))).toEqual([]);

    // The manifest reaches the Node peer once the version commits (replication fetches it).
    await waitUntil(
      async () => nodeBlobs(node.dataDir).has(fingerprint),
      120_000,
      'the manifest on the Node peer',
    );
    // The holders keep ciphertext only: C (never granted) and the Node peer hold no plaintext.
    expect(idsOf(dids[2]!).length).toBeGreaterThan(0);
    cHeld = await tabBlobs(c, true);
    expect(cHeld.held.length).toBeGreaterThan(0);
    expect(cHeld.plain).toBe(false);
    const onNode = idsOf(node.did);
    expect(onNode.length).toBeGreaterThan(0);
    const nodeFiles = nodeBlobs(node.dataDir);
    for (const id of onNode) expect(readFileSync(nodeFiles.get(id)!).includes(marker)).toBe(false);

    // The owner's browser goes away.
    await a.context().close();

    // B reads version 1 on the Data page by a click; the file it downloads is A's 20 MB.
    await expect(b.getByTestId('read-1')).toBeVisible({ timeout: 60_000 });
    const [download] = await Promise.all([
      b.waitForEvent('download', { timeout: 180_000 }),
      b.getByTestId('read-1').click(),
    ]);
    const read = readFileSync((await download.path())!);
    expect(read.length).toBe(versionBytes);
    expect(createHash('sha256').update(read).digest('hex')).toBe(sha256);
    await expect(b.getByTestId('read-result-traffic')).toContainText('decrypted on this peer');
    await expect(b.getByTestId('read-result-traffic')).toContainText(`${marker} 0`);
    // The read is accounted for on chain, without the owner: the three remaining validators.
    const log = await b.evaluate(() => window.bot.accessLog('traffic'));
    expect(log.filter((e) => e.kind === 'access').map((e) => [e.reader, e.version])).toEqual([
      [dids[1], 1],
    ]);

    // C was never granted.
    await c.goto('/#/data');
    await expect(c.getByTestId('dataset-traffic')).toContainText('not shared with you', {
      timeout: 60_000,
    });
    expect(
      await c.evaluate(() =>
        window.bot.readDataset('traffic').then(
          () => 'read',
          (e: { code?: string }) => e.code,
        ),
      ),
    ).toBe('UNAUTHORIZED');

    // The relay forwarded signaling only: no plaintext, and far fewer bytes than the version.
    const seen = Buffer.concat(relayed);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.includes(marker)).toBe(false);
    expect(seen.length).toBeLessThan(versionBytes / 10);
    console.log(
      `[datasets-offline] relay forwarded ${seen.length} bytes; the Node peer held ${onNode.length} of ${chunks.length} chunks, C ${idsOf(dids[2]!).length}`,
    );
    for (const page of [b, c]) await page.context().close();
  } finally {
    await node.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
