// Issue 15, read rights end to end: real Chromium tabs on a consortium chain, each in its own
// browser context (no BroadcastChannel between them), signaling through a relay this test
// watches. A tab holding the chain's invite but not yet admitted syncs headers only: its status
// shows the chain's height, and get() of a written key says it is not a member. Once the
// validator admits it, it reads the value. Everything the relay passed on is recorded and shown
// to be signaling alone: JSON envelopes of kind announce or signal, never the written value.
// Runs inside the test network namespace (scripts/netns-run). Conformance: R-7.2-c, D-8-access,
// D-I-consortium.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode, encode } from '@ipld/dag-cbor';
import { WebSocket, WebSocketServer } from 'ws';

test.setTimeout(240_000);

const port = Number(process.env.E2E_PORT ?? 8091);
const upstream = `ws://127.0.0.1:${port}/signal`;

/** A relay in front of the app's relay: passes every message on and keeps a copy of each. */
async function watchedRelay(): Promise<{
  url: string;
  seen: Array<{ binary: boolean; text: string }>;
  close(): Promise<void>;
}> {
  const seen: Array<{ binary: boolean; text: string }> = [];
  const server: Server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (client, request) => {
    const query = new URL(request.url ?? '/', 'http://relay').search;
    const onward = new WebSocket(upstream + query);
    const pending: Array<{ data: Buffer; binary: boolean }> = [];
    client.on('message', (data: Buffer, binary) => {
      seen.push({ binary, text: binary ? data.toString('hex') : data.toString('utf8') });
      if (onward.readyState === WebSocket.OPEN) onward.send(data, { binary });
      else pending.push({ data, binary });
    });
    onward.on('open', () => {
      for (const m of pending.splice(0)) onward.send(m.data, { binary: m.binary });
    });
    onward.on('message', (data: Buffer, binary) => {
      seen.push({ binary, text: binary ? data.toString('hex') : data.toString('utf8') });
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
    });
    onward.on('close', () => client.close());
    onward.on('error', () => client.close());
    client.on('close', () => onward.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${address.port}/signal`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

async function openTab(browser: Browser, relay: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto('/');
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  await page.evaluate(() => window.bot.ready());
  await page.evaluate((relay) => window.bot.setSettings({ relays: [relay] }), relay);
  return page;
}

/** The invite with no relays of its own (each tab uses the watched relay of its settings). */
function rewrite(invite: string, change: Record<string, unknown>): string {
  const code = /#\/join\/([A-Za-z0-9_-]+)/.exec(invite)![1]!;
  const content = decode(Buffer.from(code, 'base64url')) as Record<string, unknown>;
  return `#/join/${Buffer.from(encode({ ...content, relays: [], ...change })).toString('base64url')}`;
}

async function put(page: Page, key: string, value: string): Promise<number> {
  return page.evaluate(
    async ({ key, value }) => {
      const { txId } = await window.bot.submit({ type: 'data.put', body: { key, value } });
      const result = await window.bot.waitFor(txId, { timeoutMs: 60_000 });
      if (result.status !== 'committed') throw new Error(JSON.stringify(result));
      return result.height!;
    },
    { key, value },
  );
}

const getOutcome = (page: Page, key: string) =>
  page.evaluate(async (key) => {
    try {
      return { value: (await window.bot.get(key))?.value ?? null, code: null, message: '' };
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return { value: null, code: e.code ?? 'unknown', message: e.message ?? '' };
    }
  }, key);

test('a tab holding the invite but not admitted gets headers only; admitted, it reads; the relay carries signaling alone', async ({
  browser,
}) => {
  const relay = await watchedRelay();
  const pages: Page[] = [];
  try {
    const a = await openTab(browser, relay.url); // the validator
    const b = await openTab(browser, relay.url); // a member
    const d = await openTab(browser, relay.url); // holds the invite, not admitted
    pages.push(a, b, d);
    const [aDid, dDid] = (await Promise.all(
      [a, d].map((p) => p.evaluate(async () => (await window.bot.identity()).did)),
    )) as [string, string];
    const { invite } = await a.evaluate(
      (validator) =>
        window.bot.createChain({
          name: 'guarded',
          mode: 'consortium',
          consensus: 'poa',
          validators: [validator],
        }),
      aDid,
    );
    await b.evaluate((invite) => window.bot.join(invite), rewrite(invite, {}));
    await expect
      .poll(async () => (await b.evaluate(() => window.bot.status())).admission, {
        timeout: 90_000,
      })
      .toBe('admitted');
    const secret = `members-only-${Date.now().toString(36)}`;
    await put(a, 'guarded/secret', secret);
    for (let i = 0; i < 4; i++) await put(b, `guarded/filler-${i}`, `f${i}`);
    const height = (await a.evaluate(() => window.bot.status())).height;

    // D holds the chain's invite without a single-use token: a validator admits it by hand.
    await d.evaluate((invite) => window.bot.join(invite), rewrite(invite, { token: null }));
    await expect
      .poll(async () => (await d.evaluate(() => window.bot.status())).headerHeight, {
        timeout: 90_000,
      })
      .toBeGreaterThanOrEqual(height);
    const waiting = await d.evaluate(() => window.bot.status());
    expect(waiting).toMatchObject({ admission: 'waiting', readAccess: 'headers', height: 0 });
    const refused = await getOutcome(d, 'guarded/secret');
    expect(refused).toMatchObject({ value: null, code: 'NOT_MEMBER' });
    expect(refused.message).toContain('headers only');
    const neighbours = (await d.evaluate(() => window.bot.network())).neighbours;
    expect(neighbours.length).toBeGreaterThan(0); // linked to members, and still served headers only

    // The validator admits D: the members now serve it blocks, and it reads the value.
    await a.evaluate(async (did) => {
      const { height } = await window.bot.status();
      const { txId } = await window.bot.submit({
        type: 'member.propose',
        body: { change: { kind: 'addMember', did }, height: height + 1 },
      });
      const result = await window.bot.waitFor(txId, { timeoutMs: 60_000 });
      if (result.status !== 'committed') throw new Error(JSON.stringify(result));
    }, dDid);
    await expect
      .poll(async () => (await getOutcome(d, 'guarded/secret')).value, { timeout: 90_000 })
      .toBe(secret);
    expect(await d.evaluate(() => window.bot.status())).toMatchObject({
      admission: 'admitted',
      readAccess: 'full',
    });

    // The relay passed on signaling only: JSON envelopes, never a block, a value or a key.
    expect(relay.seen.length).toBeGreaterThan(0);
    for (const m of relay.seen) {
      expect(m.binary).toBe(false);
      const envelope = JSON.parse(m.text) as { kind?: string };
      expect(['announce', 'signal']).toContain(envelope.kind);
      expect(m.text).not.toContain(secret);
      expect(m.text).not.toContain('guarded/');
      expect(m.text).not.toContain(Buffer.from(secret).toString('hex'));
      expect(m.text).not.toContain(Buffer.from(secret).toString('base64'));
    }
  } finally {
    for (const page of pages) await page.context().close();
    await relay.close();
  }
});
