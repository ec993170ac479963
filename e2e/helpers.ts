// Shared pieces of the flow tests (issue 21): open a peer page (optionally phone-sized), run axe,
// wait for a condition. Flows act through the pages; window.bot is used only to assert.
import {
  expect,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from '@playwright/test';
import axeCore, { type AxeResults, type RunOptions } from 'axe-core';

/** A phone-sized touch context (a small Android phone). */
export const phone: BrowserContextOptions = {
  viewport: { width: 360, height: 740 },
  isMobile: true,
  hasTouch: true,
};

/** A page in a new context (its own storage, so its own peer) at `path`, with the peer ready. */
export async function open(
  browser: Browser,
  path: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await ready(page, path);
  return page;
}

/** Go to `path` and wait until the peer in the page answers. */
export async function ready(page: Page, path: string): Promise<void> {
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(path);
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  await page.evaluate(() => window.bot.ready());
}

/** Go to `path`, and wait until the service worker controls the page (the app is cached). */
export async function readyControlled(page: Page, path: string): Promise<void> {
  await ready(page, path);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/**
 * axe-core's scan of what the page shows now (`options` as axe.run takes them). axe is injected
 * once per document and run in the page itself: the app has no frames, so this is the scan
 * AxeBuilder.analyze() makes, without its per-scan re-injection and the blank tab it opens to
 * merge frames' results (about half a scan's time on a loaded 2-core box).
 */
export async function axeScan(page: Page, options: RunOptions = {}): Promise<AxeResults> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeCore.source);
  return page.evaluate(
    (o) => (window as unknown as { axe: typeof axeCore }).axe.run(document, o),
    options,
  );
}

/** No WCAG 2 A or AA violation on what the page shows now. */
export async function axe(page: Page): Promise<void> {
  const { violations } = await axeScan(page, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
  });
  expect(violations.map((v) => `${v.id}: ${v.nodes[0]?.target}`)).toEqual([]);
}

/** Poll `probe` until it returns a truthy value (returned), or fail after `timeoutMs`. */
export async function until<T>(
  probe: () => Promise<T>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Create a chain on the Chains page (open there) and return its invite link as shown. */
export async function createChain(
  page: Page,
  name: string,
  mode: 'private' | 'consortium' | 'public' = 'consortium',
  engine: 'solo' | 'poa' | 'bft' = 'poa',
): Promise<string> {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Mode').selectOption(mode);
  await page.getByLabel('Consensus engine').selectOption(engine);
  await page.getByRole('button', { name: 'Create chain' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  await expect(page.getByTestId('strip-chain')).toContainText(name);
  await expect(page.getByRole('heading', { name: `Invite to ${name}` })).toBeVisible();
  await expect(page.getByTestId('invite-link')).toContainText('#/join/');
  return (await page.getByTestId('invite-link').textContent())!;
}

/**
 * Create a consortium chain with a token on the Chains page (open there): genesis gives this
 * page's peer `balance` BOT. Returns the invite link as shown.
 */
export async function createTokenChain(page: Page, name: string, balance = 1000): Promise<string> {
  await page.getByLabel(/Token symbol/).fill('BOT');
  await page.getByLabel('Your starting balance').fill(String(balance));
  return createChain(page, name);
}

/** This peer's did, from the Receive card of its Wallet page (which it leaves open). */
export async function walletDid(page: Page): Promise<string> {
  await page.goto('/#/wallet');
  return (await page.getByTestId('my-did').getAttribute('title'))!;
}

/** Send `amount` BOT to `to` by typing on the Wallet page (open there); waits for the report. */
export async function sendOnWallet(page: Page, to: string, amount: number): Promise<void> {
  await page.getByTestId('send-to').fill(to);
  await page.getByTestId('send-amount').fill(String(amount));
  await page.getByTestId('send-button').click();
  await expect(page.getByTestId('send-result')).toContainText(`Sent ${amount} BOT`, {
    timeout: 60_000,
  });
}

/** A new browser at an invite link that joins chain `name` by clicking (as a light peer: `light`), once admitted. */
export async function joinByLink(
  browser: Browser,
  link: string,
  name: string,
  options: BrowserContextOptions = {},
  { light = false }: { light?: boolean } = {},
): Promise<Page> {
  const page = await open(browser, link, options);
  if (light) await page.getByLabel('Light peer: headers only, for phones').check();
  await page.getByRole('button', { name: `Join ${name}` }).click();
  await expect(page.getByTestId('admission-state')).toContainText('Admitted', {
    timeout: 120_000,
  });
  return page;
}

/** A new page of `context` (contexts share storage: a page of one is a tab of that browser). */
export async function openPeer(context: BrowserContext, path = '/'): Promise<Page> {
  const page = await context.newPage();
  await ready(page, path);
  return page;
}

/** Wait until `condition` holds, checking every `everyMs`; fail naming `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const didOf = (page: Page) => page.evaluate(async () => (await window.bot.identity()).did);
export const heightOf = (page: Page) =>
  page.evaluate(async () => (await window.bot.status()).height);

/** Submit `count` data.put from a tab, all at once; wait for each to commit; their ids. */
export function putFromTab(
  page: Page,
  prefix: string,
  count: number,
  timeoutMs = 180_000,
): Promise<string[]> {
  return page.evaluate(
    async ({ prefix, count, timeoutMs }) => {
      const ids = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          window.bot.submit({ type: 'data.put', body: { key: `${prefix}${i}`, value: i } }),
        ),
      );
      const results = await Promise.all(
        ids.map(({ txId }) => window.bot.waitFor(txId, { timeoutMs })),
      );
      const bad = results.filter((r) => r.status !== 'committed');
      if (bad.length) throw new Error(`${bad.length} not committed: ${JSON.stringify(bad[0])}`);
      return ids.map((i) => i.txId);
    },
    { prefix, count, timeoutMs },
  );
}

/** Open the Cross-chain page from the navigation, as a person does (issue 18). */
export async function crossChainPage(page: Page): Promise<void> {
  await page.getByTestId('nav-more').click();
  await page.locator('#more-pages').getByRole('link', { name: 'Cross-chain' }).click();
  await expect(page.getByRole('heading', { name: 'Cross-chain', level: 1 })).toBeVisible();
}

/** The genesis the Cross-chain page shows for the chain it looks at (what a person copies). */
export async function genesisShown(page: Page): Promise<string> {
  await crossChainPage(page);
  const genesis = await page.getByTestId('xchain-genesis').inputValue();
  expect(genesis).toContain('validators');
  return genesis;
}

/** Paste another chain's genesis into the Cross-chain page's link form and link it. */
export async function linkByPasting(page: Page, genesis: string, otherChainId: string) {
  await crossChainPage(page);
  await page.getByTestId('xchain-link-genesis').fill(genesis);
  await page.getByTestId('xchain-link-button').click();
  await expect(page.getByTestId('xchain-link-result')).toContainText(
    `Linked chain ${otherChainId.slice(0, 12)}`,
    { timeout: 60_000 },
  );
}

/** Through the nav as a person would: on a phone, pages past the bar are in the More sheet. */
export async function goTo(page: Page, path: string): Promise<void> {
  const link = page.getByTestId(`nav-${path || 'peer'}`);
  if (!(await link.isVisible())) await page.getByTestId('nav-more').click();
  await link.click();
}
