// The network layer in real Chromium pages over real WebRTC (run inside the private network
// namespace: scripts/netns-run). Pages load a test-only harness (e2e/net-harness.html) that runs
// the production PeerNet (worker/net/browser.ts + worker/net/net-owner.ts) with a random identity.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { HarnessStart } from './net-harness/protocol';

const chunkBytesMax = 64 * 1024;
const sendBufferHighBytes = 1024 * 1024;

function newRoom(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

async function harness(context: BrowserContext, errors: string[], query = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/e2e/net-harness.html${query}`);
  await page.waitForFunction(() => typeof window.net === 'object');
  return page;
}

async function start(page: Page, options: HarnessStart): Promise<string> {
  return page.evaluate((o) => window.net.start(o), options);
}

async function linked(page: Page, did: string, timeout = 30_000): Promise<void> {
  await expect.poll(() => page.evaluate(() => window.net.neighbours()), { timeout }).toContain(did);
}

async function pagesInContexts(browser: Browser, count: number, errors: string[]): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) pages.push(await harness(await browser.newContext(), errors));
  return pages;
}

const viaRelay = (room: string): HarnessStart => ({
  room,
  relays: [],
  defaultRelay: true,
  broadcastChannel: false,
});

test('two tabs link over BroadcastChannel, authenticate, and move an 8 MiB message with backpressure', async ({
  context,
}) => {
  const errors: string[] = [];
  const [a, b] = [await harness(context, errors), await harness(context, errors)];
  const room = newRoom();
  const options: HarnessStart = { room, relays: [], defaultRelay: false, broadcastChannel: true };
  const [didA, didB] = [await start(a, options), await start(b, options)];
  await linked(a, didB);
  await linked(b, didA);
  const view = await a.evaluate(() => window.net.view());
  expect(view.neighbours).toEqual([
    expect.objectContaining({ did: didB, state: 'open', via: 'broadcast-channel' }),
  ]);
  expect(view.relays).toEqual([]);
  expect(view.webrtc).toBe('ok');

  const size = 8 * 1024 * 1024;
  const sent = await a.evaluate(({ to, size }) => window.net.send(to, size), { to: didB, size });
  expect(sent.ok).toBe(true);
  await expect
    .poll(() => b.evaluate(() => window.net.received().then((r) => r.length)), { timeout: 60_000 })
    .toBe(1);
  const [got] = await b.evaluate(() => window.net.received());
  expect(got).toMatchObject({ from: didA, bytes: size, sha256: sent.sha256 });
  const seconds = Math.max(1, got!.at - sent.at) / 1000;
  // On the page's channel or, once switched, the worker's (worker/net/direct.ts).
  const pageStats = await a.evaluate(() => window.netStats());
  const direct = await a.evaluate(() => window.net.directStats());
  const stats = {
    chunksSent: pageStats.chunksSent + direct.chunksSent,
    bufferedBytesMax: Math.max(pageStats.bufferedBytesMax, direct.bufferedBytesMax),
  };
  expect(stats.chunksSent).toBeGreaterThanOrEqual(size / chunkBytesMax);
  // Paced on bufferedAmount: never far above the high-water mark (Chromium kills at 16 MiB).
  expect(stats.bufferedBytesMax).toBeLessThanOrEqual(sendBufferHighBytes + chunkBytesMax);

  await expect
    .poll(() => a.evaluate(() => window.net.view().then((v) => v.neighbours[0]?.rttMs ?? null)), {
      timeout: 10_000,
    })
    .not.toBeNull();
  const rttMs = (await a.evaluate(() => window.net.view())).neighbours[0]!.rttMs;
  console.log(
    `BroadcastChannel-signaled link: 8 MiB in ${seconds.toFixed(2)} s = ${(size / 1e6 / seconds).toFixed(1)} MB/s; data-channel RTT ${rttMs} ms; peak bufferedAmount ${stats.bufferedBytesMax} B`,
  );

  const digest = await b.evaluate(() => window.net.broadcast(1000));
  await expect
    .poll(() => a.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toContain(digest);
  expect(errors).toEqual([]);
});

test("a link's messages go worker to worker on a data channel moved off the page", async ({
  context,
}) => {
  const errors: string[] = [];
  const [a, b] = [await harness(context, errors), await harness(context, errors)];
  const room = newRoom();
  const options: HarnessStart = { room, relays: [], defaultRelay: false, broadcastChannel: true };
  const [didA, didB] = [await start(a, options), await start(b, options)];
  await linked(a, didB);
  await linked(b, didA);
  // Both directions switch once the hellos on the moved channel are answered (worker/net/direct.ts).
  for (const page of [a, b])
    await expect
      .poll(() => page.evaluate(() => window.net.directStats().then((s) => s.linksSwitched)))
      .toBe(1);
  const pageChunksBefore = (await a.evaluate(() => window.netStats())).chunksSent;
  const size = 2 * 1024 * 1024;
  const ab = await a.evaluate(({ to, size }) => window.net.send(to, size), { to: didB, size });
  const ba = await b.evaluate(({ to }) => window.net.send(to, 1000), { to: didA });
  await expect
    .poll(() => b.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toEqual([ab.sha256]);
  await expect
    .poll(() => a.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toEqual([ba.sha256]);
  // The 2 MiB went as 32+ chunks on the worker's channel, none through the page's.
  expect((await b.evaluate(() => window.net.directStats())).chunksReceived).toBeGreaterThanOrEqual(
    size / chunkBytesMax,
  );
  expect((await a.evaluate(() => window.netStats())).chunksSent).toBe(pageChunksBefore);
  expect(errors).toEqual([]);
});

test('a remote that cannot move its channel (forced: ?direct=0) keeps the link on the page path', async ({
  context,
}) => {
  const errors: string[] = [];
  const [a, b] = [await harness(context, errors), await harness(context, errors, '?direct=0')];
  const room = newRoom();
  const options: HarnessStart = { room, relays: [], defaultRelay: false, broadcastChannel: true };
  const [didA, didB] = [await start(a, options), await start(b, options)];
  await linked(a, didB);
  await linked(b, didA);
  const size = 2 * 1024 * 1024;
  const ab = await a.evaluate(({ to, size }) => window.net.send(to, size), { to: didB, size });
  const ba = await b.evaluate(({ to }) => window.net.send(to, 1000), { to: didA });
  await expect
    .poll(() => b.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toEqual([ab.sha256]);
  await expect
    .poll(() => a.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toEqual([ba.sha256]);
  expect((await a.evaluate(() => window.netStats())).chunksSent).toBeGreaterThanOrEqual(
    size / chunkBytesMax,
  );
  for (const page of [a, b])
    expect(await page.evaluate(() => window.net.directStats())).toEqual({
      linksSwitched: 0,
      chunksSent: 0,
      chunksReceived: 0,
      bufferedBytesMax: 0,
    });
  expect(errors).toEqual([]);
});

test('peers in separate browsers link through the /signal relay and exchange messages both ways', async ({
  browser,
  baseURL,
}) => {
  const errors: string[] = [];
  const [a, b] = await pagesInContexts(browser, 2, errors);
  const room = newRoom();
  const [didA, didB] = [await start(a!, viaRelay(room)), await start(b!, viaRelay(room))];
  await linked(a!, didB);
  await linked(b!, didA);
  const view = await b!.evaluate(() => window.net.view());
  expect(view.relays).toEqual([
    { url: `${baseURL!.replace(/^http/, 'ws')}/signal`, state: 'open' },
  ]);
  expect(view.neighbours[0]).toMatchObject({ did: didA, via: 'relay', state: 'open' });
  const ab = await a!.evaluate(({ to }) => window.net.send(to, 2 * 1024 * 1024 + 3), { to: didB });
  const ba = await b!.evaluate(({ to }) => window.net.send(to, 100_000), { to: didA });
  await expect
    .poll(() => b!.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toEqual([ab.sha256]);
  await expect
    .poll(() => a!.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toEqual([ba.sha256]);
  expect(errors).toEqual([]);
});

test('a link whose hello is signed by the wrong key, or for another fingerprint, is closed', async ({
  browser,
}) => {
  const errors: string[] = [];
  const [honest, forger, faker] = await pagesInContexts(browser, 3, errors);
  const room = newRoom();
  const didHonest = await start(honest!, viaRelay(room));
  const didForger = await start(forger!, { ...viaRelay(room), forgeKey: true });
  const didFaker = await start(faker!, { ...viaRelay(room), fakeFingerprint: true });
  await expect
    .poll(() => honest!.evaluate(() => window.net.logs()), { timeout: 30_000 })
    .toContainEqual(expect.stringContaining(`The hello is not signed by ${didForger}`));
  await expect
    .poll(() => honest!.evaluate(() => window.net.logs()), { timeout: 30_000 })
    .toContainEqual(expect.stringContaining('fingerprint other than the one in the SDP'));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const neighbours = await honest!.evaluate(() => window.net.neighbours());
  expect(neighbours).not.toContain(didForger);
  expect(neighbours).not.toContain(didFaker);
  expect(await honest!.evaluate(() => window.net.view().then((v) => v.did))).toBe(didHonest);
  expect(errors).toEqual([]);
});

test('garbage and oversized frames get the sender dropped without crashing; a third peer is unaffected', async ({
  browser,
}) => {
  const errors: string[] = [];
  const [honest, rogue, rogue2, friend] = await pagesInContexts(browser, 4, errors);
  const room = newRoom();
  const didHonest = await start(honest!, viaRelay(room));
  const [didRogue, didRogue2, didFriend] = [
    await start(rogue!, viaRelay(room)),
    await start(rogue2!, viaRelay(room)),
    await start(friend!, viaRelay(room)),
  ];
  await linked(rogue!, didHonest);
  await linked(rogue2!, didHonest);
  await linked(friend!, didHonest);
  expect(await rogue!.evaluate(({ to }) => window.net.raw(to, 'garbage'), { to: didHonest })).toBe(
    true,
  );
  expect(
    await rogue2!.evaluate(({ to }) => window.net.raw(to, 'oversized'), { to: didHonest }),
  ).toBe(true);
  await expect
    .poll(() => honest!.evaluate(() => window.net.logs()))
    .toContainEqual(expect.stringMatching(new RegExp(`${didRogue}.*bad data \\(MALFORMED\\)`)));
  await expect
    .poll(() => honest!.evaluate(() => window.net.logs()))
    .toContainEqual(expect.stringMatching(new RegExp(`${didRogue2}.*bad data \\(TOO_LARGE\\)`)));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const neighbours = await honest!.evaluate(() => window.net.neighbours());
  expect(neighbours).not.toContain(didRogue);
  expect(neighbours).not.toContain(didRogue2);
  expect(neighbours).toContain(didFriend);
  const sent = await honest!.evaluate(({ to }) => window.net.send(to, 300_000), { to: didFriend });
  await expect
    .poll(() => friend!.evaluate(() => window.net.received().then((r) => r.map((m) => m.sha256))))
    .toContain(sent.sha256);
  expect(errors).toEqual([]);
});

test('a Chromium page links with the headless Node peer (node-datachannel) through the relay', async ({
  browser,
  baseURL,
}) => {
  const errors: string[] = [];
  const [page] = await pagesInContexts(browser, 1, errors);
  const room = newRoom();
  const node: ChildProcess = spawn('npx', ['tsx', 'e2e/net-node-peer.ts'], {
    env: { ...process.env, ROOM: room, RELAY: `${baseURL!.replace(/^http/, 'ws')}/signal` },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const events: Array<Record<string, unknown>> = [];
    createInterface({ input: node.stdout! }).on('line', (line) => {
      try {
        events.push(JSON.parse(line));
      } catch {
        // not an event line
      }
    });
    await expect
      .poll(() => events.find((e) => e.event === 'ready')?.did, { timeout: 30_000 })
      .toBeTruthy();
    const nodeDid = events.find((e) => e.event === 'ready')!.did as string;
    const pageDid = await start(page!, viaRelay(room));
    await linked(page!, nodeDid);
    await expect
      .poll(() =>
        events.some((e) => e.event === 'neighbours' && (e.dids as string[]).includes(pageDid)),
      )
      .toBe(true);
    const size = 4 * 1024 * 1024;
    const sent = await page!.evaluate(({ to, size }) => window.net.send(to, size), {
      to: nodeDid,
      size,
    });
    await expect
      .poll(() => events.find((e) => e.event === 'message')?.sha256, { timeout: 60_000 })
      .toBe(sent.sha256);
    // The Node peer answers with the digest: a message the other way.
    await expect
      .poll(() =>
        page!.evaluate(() => window.net.received().then((r) => r.map((m) => [m.from, m.bytes]))),
      )
      .toContainEqual([nodeDid, 32]);
    const [echo] = await page!.evaluate(() => window.net.received());
    // A Node peer makes no direct channel: the page's hellos go unanswered, the page path stays.
    expect((await page!.evaluate(() => window.net.directStats())).linksSwitched).toBe(0);
    console.log(
      `Chromium -> Node: 4 MiB and the answer back in ${((echo!.at - sent.at) / 1000).toFixed(2)} s`,
    );
    expect(errors).toEqual([]);
  } finally {
    node.stdin!.end();
    node.kill('SIGTERM');
  }
});
