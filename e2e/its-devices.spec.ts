// Drive mode with the car's own devices (issue 20), in a real phone-sized tab: the speed comes
// from an OBD-II adapter over Web Serial (the ELM327 simulator behind a fake navigator.serial,
// driven by the real driver) and road humidity and temperature from a Bluetooth environmental
// sensor (CDP BluetoothEmulation, picked in the real chooser). The tab is its own ITS provider
// (it creates the chain naming the trust contract and certifies its own trip keys), so no mesh
// is needed. The person taps Connect for each device and Start trip; the positions move slowly
// along Main Street (a few km/h) while the car, per its adapter, drives at 10 km/h or more: the
// committed observation carries the adapter's speed and the sensor's humidity. window.bot is used
// only to assert. Run inside the test network namespace (scripts/netns-run).
// Conformance: U-II.3 (OBD-II speed and road humidity in observations), D-card-its.
import { expect, test } from '@playwright/test';
import { axe } from './helpers';
import { becomeItsProviderWithTripKeys, moveTo, phoneContext } from './its-tab';
import { chooseInPrompt, emulateGattSensor, fakeSerial } from './device-emulation';

test.setTimeout(240_000);

// Environmental Sensing: humidity 82.00 % (uint16, 0.01 %), temperature 6.00 °C (sint16, 0.01 °C).
const humidity82 = [8200 & 0xff, 8200 >> 8];
const temperature6 = [600 & 0xff, 600 >> 8];

test('Drive takes the speed from an OBD-II adapter and the humidity from a Bluetooth sensor, and reports them', async ({
  browser,
}) => {
  const context = await phoneContext(browser);
  await context.addInitScript(await fakeSerial());
  // The simulated car is 25 s into its drive when the adapter connects: already moving (from
  // the drive's start it would idle for 15 s first; this test is about the speed, not the start).
  await context.addInitScript(() => {
    (window as unknown as { __fakeSerialDriveAtMs: number }).__fakeSerialDriveAtMs = 25_000;
  });
  const page = await context.newPage();
  await becomeItsProviderWithTripKeys(page, 'obd-town');

  // The road sensor: an emulated Environmental Sensing peripheral, picked in the chooser.
  const address = '0C:0C:0C:0C:0C:0C';
  await emulateGattSensor(browser, address, '181a', { '2a6f': humidity82, '2a6e': temperature6 });
  await chooseInPrompt(page, address);
  await page.getByRole('button', { name: 'Connect a road sensor (Bluetooth)' }).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Road sensor connected' })).toBeVisible({
    timeout: 20_000,
  });

  // The OBD-II adapter: the simulated car accelerates towards about 64 km/h.
  await page.getByRole('button', { name: 'Connect an OBD-II adapter (Web Serial)' }).tap();
  await expect(page.getByTestId('drive-obd')).toContainText(/\b([1-9]\d|1\d\d) km\/h/, {
    timeout: 60_000,
  });
  const sent = await page.evaluate(() =>
    (window as unknown as { __fakeSerialLog: string[] }).__fakeSerialLog.slice(0, 6),
  );
  expect(sent).toEqual(['ATZ', 'ATE0', 'ATL0', 'ATS0', 'ATH0', 'ATSP0']);
  await axe(page);

  // One tap starts the trip; the positions creep along Main Street at about 2 km/h.
  await page.getByTestId('drive-toggle').tap();
  await expect(page.getByTestId('drive-toggle')).toHaveText('Stop trip');
  for (let x = 101; x <= 106; x += 1) await moveTo(page, x, 602, 1_500);
  await expect(page.getByTestId('drive-segment')).toContainText('Main Street');
  await page.getByTestId('drive-toggle').tap();
  await expect(page.getByTestId('drive-toggle')).toHaveText('Start trip');
  await expect(
    page.getByTestId('drive-recent').locator('[data-status="counted"]').first(),
  ).toBeVisible({ timeout: 60_000 });

  // On chain: the observations carry the adapter's speed (not the positions' 2 km/h) and the
  // sensor's humidity and temperature.
  const { speeds, condition } = await page.evaluate(async () => {
    const drive = await window.bot.itsDrive();
    const { conditions } = await window.bot.itsConditions();
    return {
      speeds: drive.recent.filter((r) => r.status === 'counted').map((r) => r.speedKmh),
      condition: conditions.find((c) => c.segment === 'h20'),
    };
  });
  expect(speeds.length).toBeGreaterThan(0);
  expect(Math.max(...speeds)).toBeGreaterThanOrEqual(10);
  expect(condition).toMatchObject({ humidityMeanPct: 82 });
  expect(condition?.temperatureMeanC).toBe(6);
  await axe(page);
});
