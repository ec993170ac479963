// The update prompt when a new version of the app is served (issue 21; D-card-pwa). The test owns
// its server (createAppServer on a port of its own): it serves dist/, then a changed copy of it
// (index.html marked "next", its precache revision in sw.js changed, as a new build would), so the
// browser finds a new service worker; the page offers the update, and "Reload to update" runs it.
import { expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { axe, readyControlled } from './helpers';

// The service worker stays on here (playwright.config.ts blocks it in the other page specs):
// this spec goes offline or updates the app, which the service worker serves.
test.use({ serviceWorkers: 'allow' });

// server/index.mjs has no type declarations; this is the one function used here.
const serverModule = '../server/index.mjs';
const { createAppServer } = (await import(serverModule)) as {
  createAppServer: (options?: { root?: string }) => Server;
};

async function listen(port = 0, root?: string): Promise<Server> {
  const server = createAppServer(root ? { root } : {});
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A copy of dist/ as the next version: index.html says "next" and sw.js lists its new revision. */
function nextVersion(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bot-next-'));
  cpSync('dist', dir, { recursive: true });
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  writeFileSync(
    join(dir, 'index.html'),
    index.replace('<head>', '<head>\n    <meta name="bot-version" content="next" />'),
  );
  const sw = readFileSync(join(dir, 'sw.js'), 'utf8');
  const next = sw.replace(/(url:"index\.html",revision:")[0-9a-f]+"/, '$1next"');
  expect(next, 'sw.js lists index.html with a revision').not.toBe(sw);
  writeFileSync(join(dir, 'sw.js'), next);
  return dir;
}

test('a new version served: the page shows the update prompt, and "Reload to update" runs the new version', async ({
  browser,
}) => {
  const dir = nextVersion();
  let server = await listen();
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/`;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await readyControlled(page, url);
    await expect(page.locator('meta[name="bot-version"]')).toHaveCount(0);
    await expect(page.getByTestId('update-prompt')).toHaveCount(0);

    await stop(server);
    server = await listen(port, dir);
    await page.reload();
    await page.waitForFunction(() => typeof window.bot?.ready === 'function');
    const prompt = page.getByTestId('update-prompt');
    await expect(prompt).toContainText('A new version of the app is ready', { timeout: 60_000 });
    // Still the old version until the person says so.
    await expect(page.locator('meta[name="bot-version"]')).toHaveCount(0);
    await axe(page);
    await prompt.getByRole('button', { name: 'Reload to update' }).click();
    await expect(page.locator('meta[name="bot-version"]')).toHaveAttribute('content', 'next', {
      timeout: 60_000,
    });
    await page.waitForFunction(() => typeof window.bot?.ready === 'function');
    await page.evaluate(() => window.bot.ready());
    await expect(page.getByTestId('update-prompt')).toHaveCount(0);
    await axe(page);
  } finally {
    await context.close();
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
