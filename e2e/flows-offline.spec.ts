// Offline first through the pages (issue 21):
//  - a phone whose app the service worker has cached opens an invite link while offline
//    (context.setOffline): the Join page shows the invite, Join queues it, and when the network
//    returns the phone is admitted by the inviting validator;
//  - the admitted phone goes offline again, and the validator's tab is closed; the phone writes
//    on the Peer page: the write waits, and commits when the validator and the network return.
// Tab A and phone B are separate browser contexts (separate peers) reaching each other over the
// relay and WebRTC: run inside the test network namespace (scripts/netns-run).
// Conformance: D-card-pwa, D-card-e2e.
import { expect, test, type Page } from '@playwright/test';
import { axe, createChain, open, phone, ready, readyControlled } from './helpers';

// The service worker stays on here (playwright.config.ts blocks it in the other page specs):
// this spec goes offline or updates the app, which the service worker serves.
test.use({ serviceWorkers: 'allow' });

test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

let a: Page;
let b: Page;
let chainId = '';

test.afterAll(async () => {
  await a?.context().close();
  await b?.context().close();
});

test('an invite link opened offline shows the invite and queues the join; online again, the phone is admitted', async ({
  browser,
}) => {
  a = await open(browser, '/#/chains');
  const link = await createChain(a, 'harbour');
  chainId = (await a.evaluate(() => window.bot.status())).chainId;

  // The phone opened the app once (the service worker cached it), then lost the network.
  const context = await browser.newContext(phone);
  b = await context.newPage();
  await readyControlled(b, '/');
  await context.setOffline(true);
  await b.goto('about:blank');
  await b.goto(link);
  await b.waitForFunction(() => typeof window.bot?.ready === 'function');
  expect(await b.evaluate(() => navigator.onLine)).toBe(false);
  await expect(b.getByTestId('invite-info')).toContainText('harbour');
  await expect(b.getByText('You are offline.')).toBeVisible();
  await axe(b);
  await b.getByRole('button', { name: 'Join harbour' }).click();
  const state = b.getByTestId('admission-state');
  await expect(state).toContainText('You are offline');
  // Still offline a while later: joined on this device, no peers, not admitted.
  await b.waitForTimeout(3_000);
  const waiting = await b.evaluate(() => window.bot.status());
  expect(waiting.chainId).toBe(chainId);
  expect(waiting.admission).toBe('waiting');
  expect(waiting.peers).toBe(0);
  await axe(b);

  await context.setOffline(false);
  await expect(state).toContainText('Admitted', { timeout: 150_000 });
  expect((await b.evaluate(() => window.bot.status())).admission).toBe('admitted');
  await expect(b.getByRole('link', { name: 'Open harbour' })).toBeVisible();
  await axe(b);
});

test('a write made offline on the network chain waits, and commits when the peers return', async () => {
  expect(chainId).not.toBe('');
  await b.getByRole('link', { name: 'Open harbour' }).click();
  await expect(b.getByTestId('strip-chain')).toContainText('harbour');
  // The phone loses the network and the validator's tab goes away (its peer stops).
  const aContext = a.context();
  await a.close();
  await b.context().setOffline(true);
  await expect
    .poll(async () => (await b.evaluate(() => window.bot.status())).peers, { timeout: 60_000 })
    .toBe(0);
  await b.getByLabel('Key', { exact: true }).first().fill('harbour/tide');
  await b.getByLabel('Value', { exact: true }).fill('written offline');
  await b.getByRole('button', { name: 'Put' }).click();
  const result = b.getByTestId('write-result');
  await expect(result).toContainText(/Queued/);
  await b.waitForTimeout(3_000);
  await expect(result).not.toContainText('Committed');
  await axe(b);

  // The validator's tab is opened again and the phone's network returns.
  a = await aContext.newPage();
  await ready(a, '/');
  expect((await a.evaluate(() => window.bot.status())).chainId).toBe(chainId);
  await b.context().setOffline(false);
  await expect(result).toContainText(/Committed in block \d+/, { timeout: 150_000 });
  await expect
    .poll(async () => (await a.evaluate(() => window.bot.get('harbour/tide')))?.value, {
      timeout: 60_000,
    })
    .toBe('written offline');
  await axe(b);
});
