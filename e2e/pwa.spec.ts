// The installable, offline-first PWA (issue 5; D-card-pwa). These tests own their server
// (createAppServer on a port of their own) so they can stop it and start it again.
import { expect, test, chromium, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';

// The service worker stays on here (playwright.config.ts blocks it in the other page specs):
// this spec goes offline or updates the app, which the service worker serves.
test.use({ serviceWorkers: 'allow' });

// server/index.mjs has no type declarations; this is the one function used here.
const serverModule = '../server/index.mjs';
const { createAppServer } = (await import(serverModule)) as { createAppServer: () => Server };

async function listen(port = 0): Promise<Server> {
  const server = createAppServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Playwright's own contexts are incognito, where Chromium refuses installation: use a profile. */
async function profileContext(): Promise<{
  context: BrowserContext;
  cleanup: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-pwa-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath(),
    args: chromiumArgs(),
  });
  return {
    context,
    cleanup: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openControlled(page: Page, url: string) {
  await page.goto(url);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  return page.evaluate(() => window.bot.ready());
}

test('the app is installable: no installability errors, and PWA.install installs it', async () => {
  const server = await listen();
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const { context, cleanup } = await profileContext();
  try {
    const page = await context.newPage();
    await openControlled(page, url);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
    expect(
      manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes}/${i.purpose}`),
    ).toEqual(['192x192/any', '512x512/any', '512x512/maskable']);
    const browserSession = await context.browser()!.newBrowserCDPSession();
    const manifestId = url;
    await expect(browserSession.send('PWA.getOsAppState', { manifestId })).rejects.toThrow(
      /Unknown web-app manifest id/,
    );
    await browserSession.send('PWA.install', { manifestId, installUrlOrBundleUrl: url });
    expect(await browserSession.send('PWA.getOsAppState', { manifestId })).toMatchObject({
      badgeCount: 0,
    });
    const launched = await browserSession.send('PWA.launch', { manifestId });
    expect(launched.targetId).toBeTruthy();
  } finally {
    await cleanup();
    await stop(server);
  }
});

test('with the server stopped the app starts from the service worker, loads its chain from IndexedDB and commits writes; they are there after the server returns', async () => {
  let server = await listen();
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/`;
  const { context, cleanup } = await profileContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openControlled(page, url);
    const online = await page.evaluate(async () => {
      const { txId } = await window.bot.submit({
        type: 'data.put',
        body: { key: 'online/1', value: 1 },
      });
      return window.bot.waitFor(txId, { timeoutMs: 30_000 });
    });
    expect(online.status).toBe('committed');
    const before = await page.evaluate(() => window.bot.status());

    await stop(server);
    expect(
      await page.evaluate(() =>
        fetch('/healthz').then(
          () => 'up',
          () => 'down',
        ),
      ),
    ).toBe('down');
    await page.reload();
    const offline = await page.evaluate(() => window.bot.ready());
    expect(offline.height).toBe(before.height);
    expect(offline.headHash).toBe(before.headHash);
    expect(offline.integrity.ok).toBe(true);
    await expect(page.getByTestId('height')).toHaveText(String(before.height));
    // Writes made while the server is gone: typed in the form, committed by this peer.
    await page.getByLabel('Key', { exact: true }).first().fill('offline/1');
    await page.getByLabel('Value', { exact: true }).fill('written offline');
    await page.getByRole('button', { name: 'Put' }).click();
    await expect(page.getByTestId('write-result')).toContainText(/Committed in block|Queued/);
    const queued = await page.evaluate(async () => {
      const ids = [];
      for (let i = 2; i <= 5; i++)
        ids.push(
          (await window.bot.submit({ type: 'data.put', body: { key: `offline/${i}`, value: i } }))
            .txId,
        );
      return Promise.all(ids.map((id) => window.bot.waitFor(id, { timeoutMs: 30_000 })));
    });
    expect(queued.every((r) => r.status === 'committed')).toBe(true);
    // Another page opened while offline comes from the precache too.
    await page.goto(`${url}#/ledger`);
    await expect(page.getByRole('heading', { level: 1, name: 'Ledger' })).toBeVisible();

    server = await listen(port);
    await page.goto(`${url}#/ledger/key/offline%2F1`);
    await expect(page.getByTestId('key-proof-verdict')).toContainText('verified');
    const back = await page.evaluate(async () => {
      const got = await window.bot.get('offline/5');
      return {
        value: got?.value,
        proof: got ? window.bot.verifyProof(got.proof).ok : false,
        status: await window.bot.status(),
      };
    });
    expect(back.value).toBe(5);
    expect(back.proof).toBe(true);
    expect(back.status.height).toBeGreaterThan(before.height);
    expect(errors).toEqual([]);
  } finally {
    await cleanup();
    await stop(server);
  }
});

test('offline by the browser (context.setOffline): the app reloads and shows it is offline', async ({
  page,
  context,
}) => {
  await page.goto('/');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.evaluate(() => window.bot.ready());
  await context.setOffline(true);
  await page.reload();
  // the peer starts again from IndexedDB: seconds on a loaded box
  await expect(page.getByTestId('did')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('strip-sync')).toHaveText('offline');
  await context.setOffline(false);
});
