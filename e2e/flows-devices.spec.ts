// A demo device paired on one peer, its readings seen on another (issue 21), through the pages:
// tab A creates a public chain on the Chains page, phone B opens the invite link and joins, A
// pairs a demo environment sensor on the Devices page and registers it (its reading commits,
// signed by the device key), and B finds the device and its reading on its own Devices page:
// sealed (the values are not on chain) until B requests access there and A grants it on its Data
// page, then opened on B's peer.
// Separate contexts (separate peers) over the relay and WebRTC: run inside scripts/netns-run.
// Conformance: D-card-e2e.
import { expect, test } from '@playwright/test';
import { axe, createChain, open, phone } from './helpers';

test.setTimeout(240_000);

test('a demo sensor paired and registered on A; phone B, joined from the invite link, sees its reading', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createChain(a, 'meadow', 'public');

  const b = await open(browser, link, phone);
  await b.getByRole('button', { name: 'Join meadow' }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });

  await a.getByTestId('nav-devices').click();
  await expect(a.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  await a.getByTestId('pair-source').selectOption('demo-environment');
  await a.getByRole('button', { name: 'Pair' }).click();
  await expect(a.getByTestId('live-temperatureC')).toHaveText(/°C/);
  await a.getByRole('button', { name: 'Register on chain' }).click();
  await expect(a.getByTestId('reading-committed')).toBeVisible({ timeout: 90_000 });
  const committed = (await a.getByTestId('reading-committed').textContent())!;
  const height = /block (\d+)/.exec(committed)![1];
  await axe(a);

  await b.getByTestId('nav-devices').click();
  await expect(b.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  const row = b.getByTestId('device-row').filter({ hasText: 'environment' });
  await expect(row).toBeVisible({ timeout: 90_000 });
  await row.getByRole('button').first().click();
  await expect(b.getByTestId('chain-reading')).toContainText(/Latest: block \d+/, {
    timeout: 60_000,
  });
  await expect(row).not.toContainText('gateway: this peer');
  // The values are not on chain (D-8.1): B, not granted, is told they are sealed.
  await expect(b.getByTestId('chain-reading-sealed')).toBeVisible();
  await axe(b);
  // What B shows is what B's own peer holds.
  const seen = await b.evaluate(async () => {
    const [device] = await window.bot.devices();
    return device ? (await window.bot.deviceReadings(device.did)).map((r) => r.height) : [];
  });
  expect(seen).toContain(Number(height));

  // B asks for the device's data by clicks, with a purpose; A grants it on its Data page by
  // clicks; B's Devices page then shows the values, opened on B's own peer (issue 15).
  await b.getByTestId('device-data-purpose').fill('air quality at home');
  await b.getByTestId('device-data-request').click();
  await expect(b.getByTestId('chain-reading-sealed')).toContainText('access requested', {
    timeout: 60_000,
  });
  await a.getByTestId('nav-data').click();
  const requests = a.getByTestId(/^requests-dev-/);
  await expect(requests).toContainText('air quality at home', { timeout: 60_000 });
  await requests.getByTestId('grant').first().click();
  await expect(b.getByTestId('chain-reading-opened')).toBeVisible({ timeout: 90_000 });
  await expect(b.getByTestId(/^chain-.+-temperatureC$/)).toHaveText(/°C/);
  await axe(b);
  // What B shows is what B's own peer opened: the gateway's values, not on chain.
  const opened = await b.evaluate(async () => {
    const [device] = await window.bot.devices();
    const list = device ? await window.bot.deviceReadings(device.did) : [];
    return list.filter((r) => r.opened).map((r) => r.values.temperatureC);
  });
  expect(opened.length).toBeGreaterThan(0);
  expect(opened.every((t) => typeof t === 'number')).toBe(true);
  await a.context().close();
  await b.context().close();
});
