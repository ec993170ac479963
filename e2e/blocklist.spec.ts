// Gateways against hijacked devices (Y.4464 II.2, issue 17), through the pages: three gateway
// tabs (separate peers) on one chain, each with a demo device. Tab A sets the chain's policies on
// the Governance page (a gateway takes 5 messages a minute from one device; one report blocks),
// then records its demo sensor at every reading: the sensor floods A, A refuses it and reports
// it, and the device is blocked on all three peers (their Devices pages show it). A, the device's
// gateway and owner, disconnects it and lifts the block on the Devices page; all three see it
// lifted. Separate contexts over the relay and WebRTC: run inside scripts/netns-run.
// Conformance: U-II.2.
import { expect, test, type Page } from '@playwright/test';
import { axe, createChain, open } from './helpers';

test.setTimeout(300_000);

async function pairAndRegister(page: Page): Promise<void> {
  await page.getByTestId('nav-devices').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  await page.getByTestId('pair-source').selectOption('demo-environment');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('live-temperatureC')).toHaveText(/°C/);
  await page.getByRole('button', { name: 'Register on chain' }).click();
  await expect(page.getByTestId('register-note')).toContainText('Registered in block', {
    timeout: 90_000,
  });
}

async function setPolicy(page: Page, name: string, value: string): Promise<void> {
  await page.getByTestId('policy-name').selectOption(name);
  await page.getByTestId('policy-value').fill(value);
  await page.getByRole('button', { name: 'Set policy' }).click();
  await expect(page.getByRole('form', { name: 'Set a policy' }).getByRole('status')).toContainText(
    'Committed in block',
    { timeout: 60_000 },
  );
}

test('a device flooding one gateway is blocked on all three; its owner lifts the block from the Devices page', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createChain(a, 'gates', 'public');
  const b = await open(browser, link);
  await b.getByRole('button', { name: 'Join gates' }).click();
  const second = await a.evaluate(() => window.bot.invite());
  const c = await open(browser, second);
  await c.getByRole('button', { name: 'Join gates' }).click();
  for (const peer of [b, c])
    await expect(peer.getByTestId('admission-state')).toContainText('Admitted', {
      timeout: 120_000,
    });

  // The chain's policies, set on A's Governance page.
  await a.evaluate(() => {
    location.hash = '#/governance';
  });
  await expect(a.getByRole('heading', { level: 1, name: 'Governance' })).toBeVisible();
  await setPolicy(a, 'devices.messagesPerMinuteMax', '5');
  await setPolicy(a, 'devices.blockThreshold', '1');
  await expect(a.getByTestId('policies')).toContainText('devices.blockThreshold = 1', {
    timeout: 60_000,
  });

  // Three gateways, each with a demo device.
  // B's and C's sensors record every 30 s, well under the limit; A's is the one that floods.
  for (const peer of [b, c]) {
    await pairAndRegister(peer);
    await peer.getByLabel('Record readings').selectOption({ label: 'Every 30 s' });
  }
  await pairAndRegister(a);
  const device = await a.evaluate(async () => {
    const held = (await window.bot.devices()).filter((d) => d.held);
    return held[0]!.did;
  });

  // A's sensor floods A: every reading is sent; past 5 a minute A refuses it and reports it.
  await a.getByLabel('Record readings').selectOption({ label: 'Every reading' });
  await expect(
    a.getByRole('alert').filter({ hasText: /devices\.messagesPerMinuteMax|is blocked/ }),
  ).toBeVisible({ timeout: 120_000 });

  // Blocked on every peer: each one's Devices page shows it, and its own peer holds the block.
  for (const peer of [a, b, c]) {
    await expect(peer.getByTestId('device-row').filter({ hasText: 'blocked' })).toHaveCount(1, {
      timeout: 90_000,
    });
    const blocked = await peer.evaluate(() => window.bot.blockedDevices());
    expect(blocked).toEqual([
      expect.objectContaining({ device, blockedHeight: expect.any(Number), threshold: 1 }),
    ]);
  }
  await expect(a.getByRole('alert').filter({ hasText: 'is blocked' })).toBeVisible({
    timeout: 60_000,
  });

  // The owner fixes the device (disconnects it) and lifts the block on the Devices page.
  await a.getByRole('button', { name: 'Disconnect' }).click();
  const row = a.getByTestId('device-row').filter({ hasText: 'blocked' });
  await row.getByRole('button').first().click();
  await expect(a.getByTestId('device-block')).toContainText('Blocked since block');
  await a.getByTestId('unblock-note').fill('firmware reflashed');
  await a.getByRole('button', { name: 'Lift the block' }).click();
  await expect(a.getByTestId('device-row').filter({ hasText: 'blocked' })).toHaveCount(0, {
    timeout: 60_000,
  });
  await axe(a);
  for (const peer of [a, b, c])
    await expect
      .poll(() => peer.evaluate(() => window.bot.blockedDevices()), { timeout: 90_000 })
      .toEqual([]);
  for (const peer of [a, b, c]) await peer.context().close();
});
