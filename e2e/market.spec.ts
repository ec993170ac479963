// The Market page (issue 16; Y.4560 8.3, 9.7) between two tabs, each its own peer, on a chain
// whose genesis gives the seller A 1000 BOT (made on the Chains page). A pays B 100 on the
// Wallet page, publishes a dataset with a version on the Data page and offers it on the Market
// page; B (a phone) buys it: the price waits in escrow, A's peer delivers the key by itself, the
// escrow waits through the offer's window to report a wrong key, and B reads the content
// decrypted on its own peer. B reports a wrong key by a click: A's peer proves on chain by
// itself that the key it wrapped is the committed one, and the escrow pays A. window.bot is used
// only to assert. Run inside the test network namespace (scripts/netns-run).
// Conformance: D-8.3 (data transactions with payment through escrow; the key checked on chain), r-7.2-b.
import { expect, test } from '@playwright/test';
import { axe, createTokenChain, joinByLink, open, phone, sendOnWallet, walletDid } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

test('A offers a dataset on the Market page; B buys it through escrow and reads it', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const b = await joinByLink(browser, await createTokenChain(a, 'bazaar'), 'bazaar', phone);

  // B's did from its Wallet's Receive card; A pays B 100 on the Wallet page.
  const bDid = await walletDid(b);
  await a.goto('/#/wallet');
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT', { timeout: 60_000 });
  await sendOnWallet(a, bDid, 100);

  // A publishes a dataset with one version on the Data page.
  await a.goto('/#/data');
  await a.getByTestId('dataset-id').fill('pm25');
  await a.getByTestId('publish-dataset').click();
  await expect(a.getByTestId('dataset-pm25')).toBeVisible({ timeout: 60_000 });
  await a.getByTestId('version-text').fill('pm2.5 µg/m³: 12, 14, 9');
  await a.getByTestId('add-version').click();
  await expect(a.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });

  // A offers it on the Market page.
  await a.goto('/#/market');
  await expect(a.getByRole('heading', { name: 'Market', level: 1 })).toBeVisible();
  await expect(a.getByTestId('sell-dataset')).toHaveValue('pm25', { timeout: 60_000 });
  await a.getByTestId('sell-price').fill('40');
  await a.getByTestId('sell-terms').fill('asthma research only');
  await a.getByTestId('sell-dispute').fill('10000');
  await a.getByTestId('sell-button').click();
  await expect(a.getByTestId('sell-result')).toContainText('"pm25" is on offer for 40 BOT', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('offer-pm25')).toContainText('Withdraw my offer');
  await axe(a);

  // B (a phone) opens the Market from the More sheet and buys.
  await b.getByTestId('nav-more').click();
  await b.locator('#more-pages').getByRole('link', { name: 'Market' }).click();
  await expect(b.getByRole('heading', { name: 'Market', level: 1 })).toBeVisible();
  await expect(b.getByTestId('market-balance')).toContainText('100 BOT', { timeout: 60_000 });
  const offer = b.getByTestId('offer-pm25');
  await expect(offer).toContainText('asthma research only', { timeout: 60_000 });
  await axe(b);
  await offer.getByTestId('buy-pm25').click();
  await expect(b.getByTestId('buy-result')).toContainText('Paid 40 BOT into escrow', {
    timeout: 60_000,
  });
  // A's peer delivers by itself; B's page follows the purchase until the key arrives.
  await expect(b.getByTestId('purchase-pm25-state')).toContainText('Key received', {
    timeout: 60_000,
  });
  await expect(b.getByTestId('market-balance')).toContainText('60 BOT');
  await b.getByTestId('read-pm25').click();
  await expect(b.getByTestId('content-pm25')).toContainText('pm2.5 µg/m³: 12, 14, 9', {
    timeout: 60_000,
  });
  await axe(b);

  // B reports a wrong key: A's peer proves on chain that it is the committed one; A is paid.
  await expect(a.getByTestId('sale-pm25')).toContainText('unless the buyer reports a wrong key', {
    timeout: 60_000,
  });
  await b.getByTestId('dispute-pm25').click();
  await expect(b.getByTestId('purchase-pm25-state')).toContainText('the seller was paid', {
    timeout: 60_000,
  });

  // A's sale is delivered and paid; the escrow is empty.
  await expect(a.getByTestId('sale-pm25')).toContainText('you were paid', { timeout: 60_000 });
  await expect(a.getByTestId('market-balance')).toContainText('940 BOT');
  expect(await a.evaluate(() => window.bot.marketOffers().then((m) => m.escrow))).toBe(0);
  const trades = await b.evaluate(() => window.bot.marketTrades());
  expect(trades.purchases.map((p) => [p.dataset, p.state, p.price])).toEqual([
    ['pm25', 'delivered', 40],
  ]);
});
