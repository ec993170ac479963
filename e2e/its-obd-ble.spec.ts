// An OBD-II adapter over Web Bluetooth (issue 20), in real phone-sized tabs: a BLE ELM327 clone
// (service FFF0: FFF1 out, FFF2 in) emulated through CDP BluetoothEmulation, whose other end is
// the app's own ELM327 simulator with the car under way, picked in the real chooser after a tap.
// The page's driver writes the AT and PID commands as GATT writes and reassembles the replies up
// to the '>' prompt (app/devices/bleElm.ts; CDP cannot push notifications, so it reads them).
//  - Drive: the car's speed and rpm show on the page, and the trip's committed observations
//    carry the adapter's speed, not the positions' walking pace, and its mean rpm (shown on
//    Roads). Mid-trip the adapter drops (CDP simulateGATTDisconnection) and refuses connections
//    for a while: Drive says so, the trip goes on, the page reconnects with growing waits and
//    the engine data resumes.
//  - Devices: the same adapter pairs as a vehicle, registers on chain, and its reading (speed,
//    rpm) commits.
// window.bot is used only to assert. Conformance: U-II.3, D-card-its.
import { expect, test } from '@playwright/test';
import { axe, ready } from './helpers';
import { chooseInPrompt, emulateBleObdAdapter } from './device-emulation';
import { becomeItsProviderWithTripKeys, moveTo, phoneContext } from './its-tab';

test.setTimeout(240_000);

const initCommands = ['ATZ', 'ATE0', 'ATL0', 'ATS0', 'ATH0', 'ATSP0'];

test('Drive takes speed and rpm from a Bluetooth OBD-II adapter, reconnects it when it drops, and the trip reports its speed and rpm', async ({
  browser,
}) => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await becomeItsProviderWithTripKeys(page, 'ble-obd-town');

  const address = '0D:0D:0D:0D:0D:0D';
  const adapter = await emulateBleObdAdapter(browser, address);
  await chooseInPrompt(page, address);
  await page.getByRole('button', { name: 'Connect an OBD-II adapter (Bluetooth)' }).tap();
  await expect(page.getByTestId('drive-obd')).toContainText(/\b([1-9]\d|1\d\d) km\/h/, {
    timeout: 60_000,
  });
  await expect(page.getByTestId('drive-rpm')).toHaveText(/^[1-9]\d{2,3}$/);
  expect(adapter.commands.slice(0, 6)).toEqual(initCommands);
  expect(adapter.commands.slice(6).every((c) => /^01([0-9A-F]{2}){1,6}$/.test(c))).toBe(true);
  await axe(page);

  // One tap starts the trip; the positions creep along Main Street at about 2 km/h.
  await page.getByTestId('drive-toggle').tap();
  await expect(page.getByTestId('drive-toggle')).toHaveText('Stop trip');
  for (let x = 101; x <= 103; x += 1) await moveTo(page, x, 602, 1_500);
  await expect(page.getByTestId('drive-segment')).toContainText('Main Street');

  // The adapter drops (gattserverdisconnected) and is out of range for a while: Drive says so,
  // the trip goes on with the GPS, and the page tries to connect again with growing waits.
  const initsBefore = adapter.commands.filter((c) => c === 'ATZ').length;
  await adapter.drop();
  const lost = page.getByTestId('drive-obd-lost');
  await expect(lost).toContainText('OBD-II adapter lost: OBDII disconnected; reconnecting (try 1');
  await expect(lost).toContainText('The trip goes on with the GPS speed.');
  await expect(page.getByTestId('drive-rpm')).toHaveText('–');
  await moveTo(page, 104, 602, 1_500);
  await expect.poll(() => adapter.connections(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  await expect(lost).toContainText(/try [2-9] of 10/, { timeout: 30_000 });
  await expect(page.getByTestId('drive-toggle')).toHaveText('Stop trip');
  // Back in range: the next try connects, the adapter is initialised again, engine data resumes.
  await adapter.back();
  await expect(lost).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId('drive-rpm')).toHaveText(/^[1-9]\d{2,3}$/, { timeout: 30_000 });
  expect(adapter.commands.filter((c) => c === 'ATZ').length).toBeGreaterThan(initsBefore);
  for (let x = 105; x <= 106; x += 1) await moveTo(page, x, 602, 1_500);
  await page.getByTestId('drive-toggle').tap();
  await expect(page.getByTestId('drive-toggle')).toHaveText('Start trip');
  await expect(
    page.getByTestId('drive-recent').locator('[data-status="counted"]').first(),
  ).toBeVisible({ timeout: 60_000 });

  const speeds = await page.evaluate(async () =>
    (await window.bot.itsDrive()).recent
      .filter((r) => r.status === 'counted')
      .map((r) => r.speedKmh),
  );
  expect(speeds.length).toBeGreaterThan(0);
  expect(Math.max(...speeds)).toBeGreaterThanOrEqual(10);
  // The observation carries the engine's mean rpm over the segment, and the map shows it.
  await expect(page.getByTestId('drive-recent')).toContainText(
    /h20: \d+ km\/h, engine [1-9]\d{2,3} rpm/,
  );
  await page.goto('/#/roads');
  await expect(page.getByTestId('its-condition-h20')).toContainText(
    /engines at [1-9]\d{2,3} rpm on average/,
    { timeout: 30_000 },
  );
  expect(errors).toEqual([]);
  await context.close();
});

test('Devices pairs a Bluetooth OBD-II adapter on a phone, registers it, and its speed and rpm commit', async ({
  browser,
}) => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await ready(page, '/#/devices');
  await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();

  const address = '0E:0E:0E:0E:0E:0E';
  const adapter = await emulateBleObdAdapter(browser, address);
  await chooseInPrompt(page, address);
  await page.getByTestId('pair-source').selectOption('bt-elm327');
  await page.getByRole('button', { name: 'Pair' }).tap();
  await expect(page.getByTestId('session-state')).toHaveText('connected', { timeout: 30_000 });
  await expect(page.getByTestId('live-speedKmh')).toHaveText(/[1-9]\d* km\/h/, {
    timeout: 30_000,
  });
  await expect(page.getByTestId('live-rpm')).toHaveText(/[1-9]\d+(\.\d+)? rpm/);
  expect(adapter.commands.slice(0, 6)).toEqual(initCommands);
  await page.getByLabel('Device id').fill('car-ble');
  await page.getByRole('button', { name: 'Register on chain' }).tap();
  await expect(page.getByTestId('reading-committed')).toBeVisible({ timeout: 60_000 });

  const values = await page.evaluate(async () => {
    const car = (await window.bot.devices()).find((d) => d.kind === 'vehicle' && d.held);
    return car ? (await window.bot.deviceReadings(car.did)).at(-1)?.values : undefined;
  });
  expect(values?.speedKmh).toBeGreaterThan(0);
  expect(values?.rpm).toBeGreaterThan(500);
  await axe(page);
  expect(errors).toEqual([]);
  await context.close();
});
