// A device accesses a service outside BoT after consensus (Y.4464 10.5, issue 17), through the
// Devices page: the gateway pairs and registers a demo device, registers the example service
// (server/example-service.ts, started here inside the network namespace, holding only the chain's
// genesis) by its URL, asks the chain for a grant for the device, and uses it: the service checks
// the grant's proof from the genesis and serves; its signed receipt is recorded on chain and the
// access record appears. Revoked, the grant is refused by the service. Conformance: P-10.5.
import { expect, test } from '@playwright/test';
import { axe, open } from './helpers';
import { startExampleService, stopExampleServices } from '../server/peer/testing';

test.setTimeout(180_000);
test.afterAll(() => stopExampleServices());

test('P-10.5: a device is granted a service outside the chain by clicks; the service accepts it and the access is recorded', async ({
  browser,
}) => {
  const page = await open(browser, '/#/devices');
  await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
  await page.getByTestId('pair-source').selectOption('demo-environment');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('live-temperatureC')).toHaveText(/°C/);
  await page.getByRole('button', { name: 'Register on chain' }).click();
  await expect(page.getByTestId('register-note')).toContainText('Registered in block', {
    timeout: 90_000,
  });

  const genesis = await page.evaluate(async () => (await window.bot.xchain()).genesis);
  const service = await startExampleService(genesis, 'weather');

  const register = page.getByRole('form', { name: 'Register a service' });
  await register.getByLabel('Service id').fill('weather');
  await register.getByLabel('Service name').fill('Weather API');
  await register.getByLabel('Service URL').fill(service.url);
  await register.getByRole('button', { name: 'Register service' }).click();
  await expect(page.getByText('Service weather registered in block')).toBeVisible({
    timeout: 60_000,
  });

  const ask = page.getByRole('form', { name: 'Request access for a device' });
  await ask.getByLabel('Valid for (minutes)').fill('5');
  await ask.getByRole('button', { name: 'Request access' }).click();
  await expect(page.getByText('Access granted by consensus in block')).toBeVisible({
    timeout: 60_000,
  });
  const grant = page.getByTestId('service-grant').first();
  await expect(grant).toContainText('active');
  await grant.getByRole('button', { name: 'Use the service' }).click();
  await expect(grant.getByTestId('service-answer')).toContainText('Served: Hello', {
    timeout: 60_000,
  });
  await expect(grant.getByTestId('service-access')).toHaveCount(1, { timeout: 60_000 });
  expect(service.output()).toMatch(/served grant [0-9a-f]{64}/);

  // On chain: the grant and its access record, with the service's receipt checked by consensus.
  const overview = await page.evaluate(() => window.bot.services());
  expect(overview.services[0]).toMatchObject({ id: 'weather', mine: true });
  expect(overview.grants[0]!.accesses).toHaveLength(1);
  const [device] = await page.evaluate(() => window.bot.devices());
  expect(overview.grants[0]!.subject).toBe(device!.did);

  // At 375 px the card is usable and accessible.
  await page.setViewportSize({ width: 375, height: 800 });
  await expect(page.getByRole('heading', { name: 'Services outside the chain' })).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(375);
  await axe(page);

  // Revoked: the grant is no longer offered, and the service refuses its proof.
  await grant.getByRole('button', { name: 'Revoke' }).click();
  await expect(grant).toContainText('revoked', { timeout: 60_000 });
  const refused = await page.evaluate(
    (id) => window.bot.useService({ grant: id }),
    overview.grants[0]!.id,
  );
  expect(refused.status).toBe(403);
  expect(JSON.stringify(refused.body)).toMatch(/revoked in block/);
});
