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
