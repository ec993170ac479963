// Device sociability end to end (Y.4464 II.4, issue 16, U-II.4), in two tabs, each its own peer,
// by clicks: the supplier opens the bundled detergent shop on the Devices page (its order
// terminal is a device it is the gateway of); the owner pairs a washing machine over Bluetooth
// (emulated with CDP BluetoothEmulation, its detergent level a characteristic the test changes),
// registers it, funds its wallet, sets its spending rule and turns on the reorder rule. The
// washer's level drops: the gateway's peer (the rule runs there, worker/host/reorder-host.ts;
// the page only sets it and lists its orders) has the washer order, signed with its key and paid
// from its wallet; the supplier's tab is told of the order through the chain. The supplier raises the
// price above the rule: the next order is refused with UNAUTHORIZED, shown plainly, and nothing
// moves. window.bot is used only to assert. Run inside the test network namespace.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, open, phone } from './helpers';
import { chooseInPrompt, emulateGattSensor } from './device-emulation';

test.setTimeout(300_000);

const washerService = 'a3c87500-8ed3-4bdf-8a39-a01bebede295';
const detergentLevel = 'a3c87501-8ed3-4bdf-8a39-a01bebede295';
const address = '0A:0B:0C:0D:0E:0F';

async function join(browser: Browser, link: string): Promise<Page> {
  const page = await open(browser, link, phone);
  await page.getByRole('button', { name: 'Join laundry' }).click();
  await expect(page.getByTestId('admission-state')).toContainText('Admitted', {
    timeout: 120_000,
  });
  return page;
}

test('a washer low on detergent buys from the supplier’s contract under its owner’s rule; above it UNAUTHORIZED', async ({
  browser,
}) => {
  // The owner makes a chain with a token; the supplier joins it.
  const home = await open(browser, '/#/chains', phone);
  await home.getByLabel('Name').fill('laundry');
  await home.getByLabel('Mode').selectOption('consortium');
  await home.getByLabel('Consensus engine').selectOption('poa');
  await home.getByLabel(/Token symbol/).fill('BOT');
  await home.getByLabel('Your starting balance').fill('1000');
  await home.getByRole('button', { name: 'Create chain' }).click();
  await expect(home.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  const supplier = await join(browser, (await home.getByTestId('invite-link').textContent())!);
  const supplierDid = await supplier.evaluate(async () => (await window.bot.identity()).did);

  // The supplier opens the shop at 10 a box.
  await supplier.goto('/#/devices');
  const shopCard = supplier.getByRole('region', { name: 'Detergent shop' });
  await shopCard.getByLabel('Price of a box (tokens)').fill('10');
  await shopCard.getByRole('button', { name: 'Open the shop' }).click();
  await expect(shopCard.getByTestId('shop-note')).toContainText('The shop is open in block', {
    timeout: 90_000,
  });

  // The owner pairs the washer over Bluetooth and registers it, recording every reading.
  const emulated = await emulateGattSensor(
    browser,
    address,
    washerService,
    { [detergentLevel]: [80] },
    'Washer',
  );
  const washer = { set: (bytes: number[]) => emulated.set(detergentLevel, bytes) };
  await home.goto('/#/devices');
  await expect(home.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  await chooseInPrompt(home, address);
  await home.getByTestId('pair-source').selectOption('bt-washer');
  await home.getByRole('button', { name: 'Pair' }).click();
  await expect(home.getByTestId('session-state')).toHaveText('connected', { timeout: 20_000 });
  await expect(home.getByTestId('live-detergentPct')).toHaveText('80 %');
  const live = home.getByRole('region', { name: /Paired/ });
  await live.getByLabel('Name').fill('Washer');
  await live.getByRole('button', { name: 'Register on chain' }).click();
  await expect(live.getByTestId('register-note')).toContainText('Registered in block', {
    timeout: 60_000,
  });
  await live.getByLabel('Record readings').selectOption('0');
  await expect(live.getByTestId('reading-committed')).toBeVisible({ timeout: 60_000 });
  const washerDid = await home.evaluate(
    async () => (await window.bot.devices()).find((d) => d.held && d.name === 'Washer')!.did,
  );

  // Its wallet: 100 BOT, and the rule: at most 30 a payment, 100 a day.
  await home
    .getByTestId('device-row')
    .filter({ hasText: 'Washer' })
    .getByRole('button')
    .first()
    .click();
  const wallet = home.getByRole('region', { name: 'Wallet of Washer' });
  await wallet.getByLabel('Send it (BOT)').fill('100');
  await wallet.getByRole('button', { name: 'Fund the device' }).click();
  await expect(wallet.getByTestId('device-wallet-note')).toContainText('Sent 100 BOT', {
    timeout: 60_000,
  });
  await expect(wallet.getByTestId('device-rule')).toContainText('No spending rule');
  await wallet.getByLabel(/At most per payment/).fill('30');
  await wallet.getByLabel(/At most per day/).fill('100');
  await wallet.getByRole('button', { name: 'Set the spending rule' }).click();
  await expect(wallet.getByTestId('device-wallet-note')).toContainText('Rule set in block', {
    timeout: 60_000,
  });
  await expect(wallet.getByTestId('device-rule')).toContainText('at most 30 a payment, 100 a day');

  // The reorder rule: under 20 % the washer orders one box from the shop.
  const reorder = home.getByRole('region', { name: 'Reorder rule' });
  await reorder.getByLabel('Device that orders').selectOption(washerDid);
  await reorder.getByLabel('Value watched').selectOption('detergentPct');
  await reorder.getByLabel('Order when under').fill('20');
  await reorder.getByRole('button', { name: 'Turn the rule on' }).click();
  await expect(reorder.getByTestId('reorder-level')).toContainText('80 %', { timeout: 60_000 });
  await axe(home);

  // The level drops: the order commits, paid from the washer's wallet, signed by the washer.
  washer.set([15]);
  const attempt = reorder.getByTestId('reorder-attempt').first();
  await expect(attempt).toContainText('Washer ordered 1 × detergent for 10 in block', {
    timeout: 90_000,
  });
  await expect(attempt).toContainText('signed with its own key');
  await expect(wallet.getByTestId('device-payment').first()).toContainText(
    'Paid 10 BOT to contract:detergent-shop',
    { timeout: 60_000 },
  );

  // The supplier's tab is told through the chain, for its order terminal; the order is on chain.
  await expect(supplier.getByTestId('device-notices')).toContainText(
    `Order 1 from device ${washerDid}: 1 × detergent, paid 10`,
    { timeout: 60_000 },
  );
  await expect(shopCard.getByTestId('shop-order')).toHaveCount(1, { timeout: 60_000 });
  await axe(supplier);

  // The supplier raises the price to 40, above the washer's rule of 30 a payment.
  await shopCard.getByLabel('Price of a box (tokens)').fill('40');
  await shopCard.getByRole('button', { name: 'Change the price' }).click();
  await expect(shopCard.getByTestId('shop-note')).toContainText('The price is 40', {
    timeout: 60_000,
  });
  await expect(home.getByTestId('shop-open')).toContainText('at 40 a box', { timeout: 60_000 });

  // Refilled, then low again: the order is refused with UNAUTHORIZED, shown plainly.
  washer.set([90]);
  await expect(reorder.getByTestId('reorder-level')).toContainText('90 %', { timeout: 60_000 });
  washer.set([10]);
  await expect(attempt).toContainText('refused (UNAUTHORIZED)', { timeout: 90_000 });
  await expect(attempt).toContainText('may pay at most 30 at a time; this payment takes 40');
  await axe(home);

  // Nothing moved: the washer paid 10 once, the supplier got 10, one order on chain.
  const balances = await home.evaluate(
    async ([w, s]) => [
      (await window.bot.balance(w)).balance,
      (await window.bot.balance(s)).balance,
    ],
    [washerDid, supplierDid],
  );
  expect(balances).toEqual([90, 10]);
  const state = await supplier.evaluate(
    async () => (await window.bot.contract('detergent-shop'))!.state,
  );
  expect(state.filter((s) => s.key.startsWith('order/')).length).toBe(1);
});
