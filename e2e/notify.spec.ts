// The procedures' notifications through the pages (issue 17; Y.4464 clause 10, II.2), phone first.
//  - A gateway tab (the owner of its demo sensor) sets the chain's policies on the Governance
//    page and records the sensor at every reading: the sensor floods, the gateway reports it
//    until it is blocked, and the bell in the top bar counts the "blocked" notification; the
//    bell opens the Notifications page, which shows it and clears the count; after a reload the
//    notification is still listed (rebuilt from the stored blocks) and stays seen.
//  - P-10.3: a contract deployed by clicks on one tab is told to the other tab's dApp (its bell).
// Separate contexts over the relay and WebRTC: run inside scripts/netns-run.
// Conformance: P-10.1, P-10.3, U-II.2.
import { expect, test, type Page } from '@playwright/test';
import { axe, createChain, open, phone } from './helpers';

test.setTimeout(300_000);

async function setPolicy(page: Page, name: string, value: string): Promise<void> {
  await page.getByTestId('policy-name').selectOption(name);
  await page.getByTestId('policy-value').fill(value);
  await page.getByRole('button', { name: 'Set policy' }).click();
  await expect(page.getByRole('form', { name: 'Set a policy' }).getByRole('status')).toContainText(
    'Committed in block',
    { timeout: 60_000 },
  );
}

test("a flooding device is blocked and its owner's bell and Notifications page say so, also after a reload", async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains', phone);
  await createChain(a, 'bells', 'public');
  await expect(a.getByTestId('bell')).toHaveAccessibleName('Notifications');

  await a.evaluate(() => {
    location.hash = '#/governance';
  });
  await expect(a.getByRole('heading', { level: 1, name: 'Governance' })).toBeVisible();
  await setPolicy(a, 'devices.messagesPerMinuteMax', '5');
  await setPolicy(a, 'devices.blockThreshold', '1');

  await a.getByTestId('nav-devices').click();
  await expect(a.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  await a.getByTestId('pair-source').selectOption('demo-environment');
  await a.getByRole('button', { name: 'Pair' }).click();
  await expect(a.getByTestId('live-temperatureC')).toHaveText(/°C/);
  await a.getByRole('button', { name: 'Register on chain' }).click();
  await expect(a.getByTestId('register-note')).toContainText('Registered in block', {
    timeout: 90_000,
  });
  // registered: the owner is told (one unread)
  await expect(a.getByTestId('bell-count')).toHaveText('1', { timeout: 60_000 });

  // the sensor floods its gateway, which refuses it and reports it: blocked at one report
  await a.getByLabel('Record readings').selectOption({ label: 'Every reading' });
  await expect(a.getByTestId('device-row').filter({ hasText: 'blocked' })).toHaveCount(1, {
    timeout: 120_000,
  });
  await expect(a.getByTestId('bell-count')).toHaveText('2', { timeout: 60_000 });
  await expect(a.getByTestId('bell')).toHaveAccessibleName('Notifications: 2 unread');
  await a.getByRole('button', { name: 'Disconnect' }).click();

  await a.getByTestId('bell').click();
  await expect(a.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  const blocked = a.getByTestId('notification').filter({ hasText: 'is blocked' });
  await expect(blocked).toHaveCount(1);
  await expect(blocked).toContainText('device.blocked');
  await expect(a.getByTestId('bell-count')).toHaveCount(0);
  await axe(a);
  await a.getByTestId('notify-kind').selectOption('device.registered');
  await expect(a.getByTestId('notification')).toHaveCount(1);
  await expect(a.getByTestId('notification')).toContainText('was registered');

  // a reload: the peer rebuilds its notifications from the stored blocks; the count stays clear
  await a.reload();
  await a.waitForFunction(() => typeof window.bot?.ready === 'function');
  await expect(a.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(a.getByTestId('notification').filter({ hasText: 'is blocked' })).toHaveCount(1, {
    timeout: 60_000,
  });
  await expect(a.getByTestId('bell-count')).toHaveCount(0);
  await a.context().close();
});

test("P-10.3: a contract deployed by clicks on one peer is told to another peer's dApp", async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createChain(a, 'services', 'consortium');
  const b = await open(browser, link, phone);
  await b.getByRole('button', { name: 'Join services' }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });
  await expect(b.getByTestId('bell')).toHaveAccessibleName('Notifications');

  await a.evaluate(() => {
    location.hash = '#/contracts';
  });
  await expect(a.getByRole('heading', { level: 1, name: 'Contracts' })).toBeVisible();
  await a.getByLabel('Contract name').fill('parking');
  await a
    .getByLabel(/^Code/)
    .fill("function park(ctx, args) {\n  ctx.put('spot', args?.spot ?? 1);\n  return 'ok';\n}");
  await a.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(a.getByTestId('deploy-result')).toContainText(/Deployed parking in block \d+/, {
    timeout: 60_000,
  });

  await expect(b.getByTestId('bell-count')).toHaveText('1', { timeout: 60_000 });
  await b.getByTestId('bell').click();
  await expect(b.getByTestId('notification')).toContainText('Contract "parking" was deployed.');
  await expect(b.getByTestId('bell-count')).toHaveCount(0);
  await axe(b);
  for (const page of [a, b]) await page.context().close();
});

test('a contract upgraded and retired by clicks on the Contracts page keeps its state and its versions', async ({
  browser,
}) => {
  const page = await open(browser, '/', phone);
  await page.getByTestId('nav-more').click();
  await page.getByTestId('nav-contracts').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Contracts' })).toBeVisible();
  await page.getByLabel('Contract name').fill('counter');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click(); // the example code
  await expect(page.getByTestId('deploy-result')).toContainText(/Deployed counter in block \d+/, {
    timeout: 60_000,
  });
  await page.getByRole('button', { name: 'Call increment' }).click();
  await expect(page.getByTestId('call-result')).toContainText('Result: 1', { timeout: 60_000 });
  await expect(page.getByTestId('contract-version')).toContainText('Version 1');

  await page.getByText('Upgrade or retire').click();
  await page
    .getByLabel('New code (the state is kept)')
    .fill(
      "function increment(ctx, args) {\n  const n = (ctx.get('count') ?? 0) + 100;\n  ctx.put('count', n);\n  return n;\n}",
    );
  await page.getByRole('button', { name: 'Upgrade counter' }).click();
  await expect(page.getByTestId('contract-version')).toContainText('Version 2', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('contract-versions').getByRole('listitem')).toHaveCount(2);
  await page.getByRole('button', { name: 'Call increment' }).click();
  await expect(page.getByTestId('call-result')).toContainText('Result: 101', { timeout: 60_000 });
  await axe(page);

  // the section may still be open from the upgrade
  if (!(await page.getByLabel('Why it is retired').isVisible()))
    await page.getByText('Upgrade or retire').click();
  await page.getByLabel('Why it is retired').fill('moved to counter2');
  await page.getByRole('button', { name: 'Retire counter' }).click();
  await expect(page.getByTestId('contract-version')).toContainText('retired in block', {
    timeout: 60_000,
  });
  await expect(page.getByRole('button', { name: 'Call increment' })).toHaveCount(0);
  await expect(page.getByTestId('contract-state')).toContainText('101');
  await axe(page);
  await expect(
    page.evaluate(() => window.bot.callContract('counter', 'increment', null)),
  ).rejects.toThrow(/retired/);
  await page.context().close();
});
