// A light peer by clicks (issue 19): tab A makes a consortium chain with a token on the Chains
// page; tab B (a phone) opens the invite, ticks "Light peer: headers only, for phones" and
// joins. B's status strip says light and verified; A pays B on its Wallet page; B's Wallet shows
// the balance checked with its Merkle proof against a header B verified; B sends some back by
// typing, and the page reports it sent once a full peer proved it in a certified block and its
// failure record absent; a transfer beyond B's balance shows failed with its code. A page
// that needs the full state says plainly that this is a light peer; after a reload B is still
// light. The Settings page sets the overlay's link limit. window.bot is used only to assert. Run inside the test network namespace
// (scripts/netns-run).
import { expect, test } from '@playwright/test';
import { axe, createTokenChain, goTo, joinByLink, open, phone, sendOnWallet } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

test('a phone joins as a light peer by clicks, sees its balance proven and sends a transfer that commits', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createTokenChain(a, 'kiosk');

  // B joins as a light peer by clicks
  const b = await joinByLink(browser, link, 'kiosk', phone, { light: true });
  await expect(b.getByTestId('strip-chain')).toContainText(/kiosk · light · height \d+ · verified/);
  await axe(b);

  // B's did from its Receive card; A pays B 25 on its Wallet page
  await b.goto('/#/wallet');
  await expect(b.getByTestId('wallet-balance')).toContainText('0 BOT', { timeout: 60_000 });
  await expect(b.getByTestId('light-wallet-note')).toBeVisible();
  const bDid = (await b.getByTestId('my-did').getAttribute('title'))!;
  await a.goto('/#/wallet');
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT', { timeout: 60_000 });
  const aDid = (await a.getByTestId('my-did').getAttribute('title'))!;
  await sendOnWallet(a, bDid, 25);

  // B sees it, proven against a header it verified
  await expect(b.getByTestId('wallet-balance')).toContainText('25 BOT', { timeout: 60_000 });
  await expect(b.getByTestId('balance-proof')).toContainText('Checked on this device');

  // B sends 10 back by typing; committed from the inclusion proof
  await sendOnWallet(b, aDid, 10);
  await expect(b.getByTestId('wallet-balance')).toContainText('15 BOT', { timeout: 60_000 });
  await expect(a.getByTestId('wallet-balance')).toContainText('985 BOT', { timeout: 60_000 });
  await axe(b);

  // B sends more than it holds (a light peer does not precheck): the transfer is in a block but
  // fails there; B shows it failed with its code, proven from its failure record, not sent
  await b.getByTestId('send-to').fill(aDid);
  await b.getByTestId('send-amount').fill('500');
  await b.getByTestId('send-button').click();
  await expect(b.getByRole('alert').filter({ hasText: 'INSUFFICIENT_FUNDS' })).toContainText(
    'failed there',
    { timeout: 60_000 },
  );
  await expect(b.getByTestId('send-result')).toHaveCount(0);
  await expect(b.getByTestId('wallet-balance')).toContainText('15 BOT');

  // the Ledger page: a key nobody wrote is shown absent with its proof of absence, which the
  // light peer checked against a header it verified and the page checks again
  await goTo(b, 'ledger');
  const search = b.getByTestId('ledger-search');
  await search.fill('parking/spot-9');
  await search.press('Enter');
  await expect(b.getByTestId('key-absence-verdict')).toContainText(
    '✓ Proof of absence verified in this page',
    { timeout: 30_000 },
  );

  // a page that needs the full state says so plainly
  await b.goto('/#/governance');
  await expect(b.getByTestId('light-note')).toContainText('light peer');

  // the overlay's link limit is a Settings field
  await b.goto('/#/settings');
  await b.getByLabel(/Most links to other peers/).fill('6');
  await b.getByRole('button', { name: 'Save network settings' }).click();
  await expect(b.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  expect(await b.evaluate(() => window.bot.settings().then((s) => s.linksMax))).toBe(6);

  // asserted through window.bot: light, no ledger; still light after a reload
  const status = await b.evaluate(() => window.bot.status());
  expect(status.light?.verifiedHeight).toBe(status.height);
  expect(await a.evaluate(() => window.bot.balance().then((v) => v.balance))).toBe(985);
  await b.reload();
  await expect(b.getByTestId('strip-chain')).toContainText('kiosk · light', { timeout: 60_000 });
  const chains = await b.evaluate(() => window.bot.chains());
  expect(chains.find((c) => c.chainId === status.chainId)).toMatchObject({ light: true });
});
