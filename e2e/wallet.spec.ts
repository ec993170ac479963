// The Wallet page (issue 16) between two tabs, each its own peer, on a chain whose genesis gives
// A 1000 BOT (made on the Chains page). A sends 25 to B through the page, B's did scanned from
// a picture of B's Receive QR code; B's Wallet shows the balance and the history entry; a send
// above A's balance shows the plain refusal and moves nothing. window.bot is used only to
// assert. Run inside the test network namespace (scripts/netns-run).
// Conformance: D-I-public (tokens), D-8.3 (payment for data transactions), U-II.4 (wallets).
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, open, phone } from './helpers';
import { png, qrImage } from './qr-images';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

async function join(browser: Browser, link: string): Promise<Page> {
  const page = await open(browser, link, phone);
  await page.getByRole('button', { name: 'Join till' }).click();
  await expect(page.getByTestId('admission-state')).toContainText('Admitted', {
    timeout: 120_000,
  });
  return page;
}

test('A pays B on the Wallet page; B sees the balance and the entry; too much is refused plainly', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains', phone);
  await a.getByLabel('Name').fill('till');
  await a.getByLabel('Mode').selectOption('consortium');
  await a.getByLabel('Consensus engine').selectOption('poa');
  await a.getByLabel(/Token symbol/).fill('BOT');
  await a.getByLabel('Your starting balance').fill('1000');
  await a.getByRole('button', { name: 'Create chain' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  await expect(a.getByTestId('invite-link')).toContainText('#/join/');
  const b = await join(browser, (await a.getByTestId('invite-link').textContent())!);

  // B opens the Wallet from the More sheet: nothing yet, and its Receive code.
  await b.getByTestId('nav-more').click();
  await b.locator('#more-pages').getByRole('link', { name: 'Wallet' }).click();
  await expect(b.getByRole('heading', { name: 'Wallet', level: 1 })).toBeVisible();
  await expect(b.getByTestId('wallet-balance')).toContainText('0 BOT', { timeout: 60_000 });
  await expect(b.getByRole('img', { name: 'QR code of your did, to be paid' })).toBeVisible();
  const bDid = (await b.getByTestId('my-did').getAttribute('title'))!;
  await axe(b);

  // A sends 25: B's did comes from a picture of B's Receive code.
  await a.goto('/#/wallet');
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT', { timeout: 60_000 });
  await expect(a.getByTestId('balance-proof')).toContainText('Checked on this device');
  await a.getByRole('button', { name: 'Scan a QR code' }).click();
  await a.getByLabel('Scan from an image').setInputFiles({
    name: 'receive.png',
    mimeType: 'image/png',
    buffer: png(qrImage(bDid, 480)),
  });
  await expect(a.getByTestId('send-to')).toHaveValue(bDid);
  await a.getByTestId('send-amount').fill('25');
  await a.getByLabel('Note (optional)').fill('coffee');
  await a.getByTestId('send-button').click();
  await expect(a.getByTestId('send-result')).toContainText('Sent 25 BOT', { timeout: 60_000 });
  await expect(a.getByTestId('wallet-balance')).toContainText('975 BOT');
  await expect(a.getByTestId('wallet-history')).toContainText('Sent 25 BOT to');
  await axe(a);

  // B's page follows the chain: the balance and the entry.
  await expect(b.getByTestId('wallet-balance')).toContainText('25 BOT', { timeout: 60_000 });
  await expect(b.getByTestId('wallet-movement').first()).toContainText('Received 25 BOT from');
  await expect(b.getByTestId('wallet-movement').first()).toContainText('coffee');
  expect(await b.evaluate(() => window.bot.balance().then((v) => v.balance))).toBe(25);

  // Too much: the plain refusal, and nothing moved.
  await a.getByTestId('send-to').fill(bDid);
  await a.getByTestId('send-amount').fill('5000');
  await a.getByTestId('send-button').click();
  await expect(a.getByRole('alert')).toContainText('You hold 975; paying 5000 needs more.');
  await axe(a);
  expect(await a.evaluate(() => window.bot.balance().then((v) => v.balance))).toBe(975);
  const history = await b.evaluate(() => window.bot.tokenHistory());
  expect(history.map((m) => [m.dir, m.amount])).toEqual([['in', 25]]);
  expect(history[0]!.with).toBe(await a.evaluate(() => window.bot.identity().then((i) => i.did)));
});
