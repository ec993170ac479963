// The Market page's order book for device data streams (issue 16; Y.4560 8.3) between two tabs,
// each its own peer, on a chain whose genesis gives the seller A 1000 BOT. A pays B 100 on the
// Wallet page and publishes its washer's stream (a dataset "dev-<device>-<gateway>") with a
// version on the Data page; on the Market page A asks 40 BOT a window by clicks; B (a phone)
// bids 50 by clicks and is matched at the resting ask's 40; the match shows on both pages, A's
// peer delivers the key by itself and B holds the stream's grant. A then places an ask and
// closes it by clicks. window.bot is used only to assert. Run inside the test network namespace
// (scripts/netns-run).
// Conformance: D-8.3 (supply and demand matching in an order book, payment through escrow).
import { expect, test } from '@playwright/test';
import { axe, createTokenChain, joinByLink, open, phone, sendOnWallet, walletDid } from './helpers';

test.setTimeout(300_000);

const stream = 'dev-washer1-gw1';

test('A asks and B bids on a device stream by clicks; the match shows on both; B gets the grant', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const b = await joinByLink(browser, await createTokenChain(a, 'streams'), 'streams', phone);

  // B's did from its Wallet's Receive card; A pays B 100 on the Wallet page.
  const bDid = await walletDid(b);
  await a.goto('/#/wallet');
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT', { timeout: 60_000 });
  await sendOnWallet(a, bDid, 100);

  // A publishes its washer's stream with one version on the Data page.
  await a.goto('/#/data');
  await a.getByTestId('dataset-id').fill(stream);
  await a.getByTestId('publish-dataset').click();
  await expect(a.getByTestId(`dataset-${stream}`)).toBeVisible({ timeout: 60_000 });
  await a.getByTestId('version-text').fill('cycles: 3, water 41 l');
  await a.getByTestId('add-version').click();
  await expect(a.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });

  // A asks 40 BOT a window in the Market page's order book.
  await a.goto('/#/market');
  await expect(a.getByRole('heading', { name: 'Order book' })).toBeVisible({ timeout: 60_000 });
  await expect(a.getByTestId('book-stream')).toHaveValue(stream, { timeout: 60_000 });
  await a.getByTestId('book-ask-price').fill('40');
  await a.getByTestId('book-ask-terms').fill('energy statistics only');
  await a.getByTestId('book-ask-button').click();
  await expect(a.getByTestId('book-result')).toContainText('rests in the book', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('book-asks')).toContainText('40 BOT');
  await axe(a);

  // B (a phone) sees the ask and bids 50: matched at the ask's 40.
  await b.goto('/#/market');
  await expect(b.getByTestId('market-balance')).toContainText('100 BOT', { timeout: 60_000 });
  await expect(b.getByTestId('book-stream')).toHaveValue(stream, { timeout: 60_000 });
  await expect(b.getByTestId('book-asks')).toContainText('energy statistics only', {
    timeout: 60_000,
  });
  await b.getByTestId('book-bid-price').fill('50');
  await b.getByTestId('book-bid-button').click();
  await expect(b.getByTestId('book-result')).toContainText('Matched: bought 1 window', {
    timeout: 60_000,
  });
  await expect(b.getByTestId('book-matches')).toContainText('Bought 1 window at 40 BOT');
  // A's peer delivers by itself; both pages follow the match until the key is delivered.
  await expect(b.getByTestId('book-matches')).toContainText('Key received', { timeout: 60_000 });
  await expect(b.getByTestId('market-balance')).toContainText('60 BOT');
  await expect(a.getByTestId('book-matches')).toContainText('Sold 1 window at 40 BOT', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('book-matches')).toContainText('you were paid', { timeout: 60_000 });
  await expect(a.getByTestId('book-asks-empty')).toBeVisible();
  await axe(b);

  // A places another ask and closes it by clicks.
  await a.getByTestId('book-ask-price').fill('90');
  await a.getByTestId('book-ask-terms').fill('research');
  await a.getByTestId('book-ask-expires').fill('500');
  await a.getByTestId('book-ask-button').click();
  await expect(a.getByTestId('book-result')).toContainText('rests in the book', {
    timeout: 60_000,
  });
  const mine = a.getByTestId('book-asks').getByRole('button', { name: 'Close my ask at 90 BOT' });
  await expect(a.getByTestId('book-asks')).toContainText('Open until block');
  await mine.click();
  await expect(a.getByTestId('book-asks-empty')).toBeVisible({ timeout: 60_000 });

  // The buyer holds the stream's grant; the escrow is empty.
  const readers = await b.evaluate(
    (id) => window.bot.datasets().then((all) => all.find((d) => d.id === id)?.readers ?? []),
    stream,
  );
  expect(readers).toContain(bDid);
  const trades = await b.evaluate(() => window.bot.marketTrades());
  expect(trades.purchases.map((p) => [p.dataset, p.state, p.price])).toEqual([
    [stream, 'delivered', 40],
  ]);
  expect(await a.evaluate(() => window.bot.marketOffers().then((m) => m.escrow))).toBe(0);
  const book = await a.evaluate((id) => window.bot.streamBook(id), stream);
  expect(book.asks.concat(book.bids)).toEqual([]);
});
