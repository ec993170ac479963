// Road conditions on phones (issue 20), in real tabs. A provider tab creates a consortium chain
// with a token and ITS (itself the provider); a vehicle tab (a 375 x 812 phone, geolocation
// emulated) joins, makes trip keys on the Drive page, the provider certifies them on the Roads
// page, the person taps Start trip, positions move along Main Street, the observations commit
// and the provider's map shows the segment's condition; after the window ends the provider
// settles and the vehicle's reward shows; a speed no car drives on Main Street is refused as
// implausible and shown. Mid-trip the vehicle goes offline (context.setOffline): its observations
// queue (Drive shows the count) and reach the chain when it is back online (asserted on the
// provider's peer). window.bot is used only to assert. Run inside the test network
// namespace (scripts/netns-run).
// Conformance: U-II.3, D-card-its, R-7.2.3-c (the trip key is not the vehicle's did),
// D-card-pwa (phone half: Drive mode at 375 px, axe clean).
import { expect, test, type Page } from '@playwright/test';
import { axe, open } from './helpers';

// The service worker stays on here (playwright.config.ts blocks it in the other page specs):
// this spec goes offline or updates the app, which the service worker serves.
test.use({ serviceWorkers: 'allow' });

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const vehiclePhone = {
  viewport: { width: 375, height: 812 },
  isMobile: true,
  hasTouch: true,
  permissions: ['geolocation'],
  // On Main Street (h20, x 0 to 300 m), 100 m before its end: where the trip starts.
  geolocation: {
    latitude: 47 + 602 / 111_320,
    longitude: 8 + 200 / (111_320 * Math.cos((47 * Math.PI) / 180)),
  },
};

// Demo town: origin 47.0 N, 8.0 E; Main Street runs east at y = 600 m.
const metresPerDegree = 111_320;
const cosLat = Math.cos((47 * Math.PI) / 180);
const at = (x: number, y: number) => ({
  latitude: 47 + y / metresPerDegree,
  longitude: 8 + x / (metresPerDegree * cosLat),
  accuracy: 5,
});

async function moveTo(page: Page, x: number, y: number, pauseMs: number) {
  await page.context().setGeolocation(at(x, y));
  await page.waitForTimeout(pauseMs);
}

test('a vehicle reports road conditions under a pseudonym, offline too, the map shows them, the reward arrives, a lie is refused', async ({
  browser,
}) => {
  const provider = await open(browser, '/#/chains', { viewport: { width: 1280, height: 800 } });
  await provider.getByLabel('Name').fill('town');
  await provider.getByLabel('Mode').selectOption('consortium');
  await provider.getByLabel('Consensus engine').selectOption('poa');
  // Settling waits for a block past the window's end: on this otherwise idle chain an empty
  // block every 2 s, not every 30 round timeouts (the default).
  await provider.getByLabel(/^Empty block every/).fill('2');
  await provider.getByLabel(/Token symbol/).fill('BOT');
  await provider.getByLabel('Your starting balance').fill('1000');
  await provider.getByLabel(/Road conditions \(ITS\)/).check();
  await provider.getByLabel('Observation window (seconds)').fill('10');
  await provider.getByLabel(/Vehicles that must agree/).fill('1');
  await provider.getByLabel(/Reward per agreeing observation/).fill('5');
  await provider.getByRole('button', { name: 'Create chain' }).click();
  await expect(provider.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  const link = (await provider.getByTestId('invite-link').textContent())!;

  const vehicle = await open(browser, link, vehiclePhone);
  await vehicle.getByRole('button', { name: 'Join town' }).click();
  await expect(vehicle.getByTestId('admission-state')).toContainText('Admitted', {
    timeout: 120_000,
  });
  const vehicleDid = await vehicle.evaluate(async () => (await window.bot.identity()).did);

  // Trip keys: the vehicle's request, certified by the provider, back to the vehicle.
  await vehicle.goto('/#/drive');
  await expect(vehicle.getByRole('heading', { name: 'Drive', level: 1 })).toBeVisible();
  await vehicle.getByRole('button', { name: 'Make trip keys' }).click();
  const request = await vehicle.getByTestId('its-request').inputValue();
  await provider.goto('/#/roads');
  await expect(provider.getByRole('heading', { name: 'Roads', level: 1 })).toBeVisible();
  await provider.getByLabel(/Trip key request/).fill(request);
  await provider.getByLabel(/Vehicle name/).fill('taxi 12');
  await provider.getByRole('button', { name: 'Certify trip keys' }).click();
  const certificates = await provider.getByTestId('its-certificates').inputValue();
  await vehicle.getByLabel('Certificates from your provider').fill(certificates);
  await vehicle.getByRole('button', { name: 'Add certificates' }).click();
  await expect(
    vehicle.getByRole('status').filter({ hasText: '8 trip keys certified' }),
  ).toBeVisible();
  await axe(vehicle);

  // One tap starts the trip; the vehicle drives east on Main Street at about 36 km/h, from
  // h20 into h21 (leaving h20 seals its observation).
  await vehicle.getByTestId('drive-toggle').tap();
  await expect(vehicle.getByTestId('drive-toggle')).toHaveText('Stop trip');
  for (let x = 220; x <= 360; x += 20) await moveTo(vehicle, x, 602, 2_000);
  await expect(vehicle.getByTestId('drive-segment')).toContainText('Main Street');
  await expect(vehicle.getByTestId('drive-recent')).toContainText('h20', { timeout: 60_000 });
  await expect(
    vehicle.getByTestId('drive-recent').locator('[data-status="counted"]').first(),
  ).toBeVisible({
    timeout: 60_000,
  });
  // The chain never saw the vehicle's did: its observations come from the trip key.
  const trip = await vehicle.evaluate(async () => (await window.bot.itsDrive()).trip);
  expect(trip).not.toBe(vehicleDid);

  // Another tab (the provider's) shows Main Street's condition on the map, as blocks commit.
  await expect(provider.getByTestId('its-condition-h20')).toContainText('Main Street', {
    timeout: 60_000,
  });
  await expect(provider.locator('[data-segment="h20"]')).not.toHaveAttribute('data-level', 'none');
  await axe(provider);

  // The vehicle drives on through a dead zone (the browser offline) along h21: its observations
  // (a new window seals one every 10 s) are signed and queued, and Drive shows the queue.
  await vehicle.context().setOffline(true);
  for (let x = 380; x <= 480; x += 20) await moveTo(vehicle, x, 602, 2_000);
  await expect(vehicle.getByTestId('drive-sent')).toContainText(/[1-9]\d* queued \(offline\)/);
  const queued = await vehicle.evaluate(async () =>
    (await window.bot.itsDrive()).recent.filter((r) => r.status === 'pending').map((r) => r.txId),
  );
  expect(queued.length).toBeGreaterThan(0);
  // Back online: the queue goes out and reaches the chain, as the provider's peer sees it.
  await vehicle.context().setOffline(false);
  await expect(vehicle.getByTestId('drive-sent')).toContainText(/\b0 queued$/, { timeout: 60_000 });
  const delivered = await provider.evaluate(
    (ids) => Promise.all(ids.map((id) => window.bot.waitFor(id, { timeoutMs: 90_000 }))),
    queued,
  );
  expect(delivered.map((r) => r.status)).toEqual(queued.map(() => 'committed'));
  await expect(provider.getByTestId('its-condition-h21')).toContainText('Main Street', {
    timeout: 30_000,
  });

  // The trip ends; after its windows end the provider settles, and the trip key is paid (a
  // person retries while the chain has not yet passed the window's end).
  await vehicle.getByTestId('drive-toggle').tap();
  await expect(vehicle.getByTestId('drive-toggle')).toHaveText('Start trip');
  await expect(async () => {
    await provider.getByRole('button', { name: 'Settle ended windows' }).click();
    await expect(provider.getByTestId('its-provider-note')).toContainText('Settling', {
      timeout: 2_000,
    });
  }).toPass({ timeout: 90_000, intervals: [3_000] });
  await expect(vehicle.getByTestId('drive-reward')).not.toContainText(/^0 /, { timeout: 60_000 });
  const reward = await vehicle.evaluate(async () => (await window.bot.itsDrive()).reward);
  expect(reward).toBeGreaterThanOrEqual(5);

  // A second trip, under a fresh pseudonym, reports a speed no car drives on Main Street
  // (jumps of about 260 m a second on h22): refused as implausible, and shown.
  await vehicle.getByTestId('drive-toggle').tap();
  await expect(vehicle.getByTestId('drive-toggle')).toHaveText('Stop trip');
  const second = await vehicle.evaluate(async () => (await window.bot.itsDrive()).trip);
  expect(second).not.toBe(trip);
  for (const x of [620, 880, 620, 880]) await moveTo(vehicle, x, 600, 1_000);
  await moveTo(vehicle, 1000, 600, 1_500);
  await vehicle.getByTestId('drive-toggle').tap();
  await expect(vehicle.getByTestId('drive-toggle')).toHaveText('Start trip');
  await expect(vehicle.getByTestId('drive-recent')).toContainText(
    'refused as implausible (speed)',
    { timeout: 60_000 },
  );
  await axe(vehicle);
});
