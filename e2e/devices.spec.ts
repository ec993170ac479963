// Devices end to end in real headless Chromium (issue 6):
//  - a heart-rate sensor emulated with CDP BluetoothEmulation (browser-level session) and picked in
//    the chooser with DeviceAccess (page-level session) is paired from the Devices page through
//    the real navigator.bluetooth, registered on chain, and its reading commits signed by the
//    device key;
//  - a fake navigator.serial (injected before load) backed by the ELM327 and GPS simulators drives
//    the real serial drivers; vehicle speed and a GPS position commit on chain;
//  - with two tabs on one BFT chain (WebRTC mesh), the reading shows up in the second tab.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axeScan } from './helpers';
import { chooseInPrompt, emulateGattSensor, fakeSerial } from './device-emulation';

async function openDevices(page: Page) {
  await page.goto('/#/devices');
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  await page.evaluate(() => window.bot.ready());
  await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
}

const heartRate72 = [0x16, 72, 0x00, 0x04]; // flags: contact detected, RR present; 72 bpm; RR 1024/1024 s

/** An emulated heart-rate strap at `address`, answering every read with `value`. */
const emulateHeartRateSensor = (browser: Browser, address: string, value: number[]) =>
  emulateGattSensor(browser, address, '180d', { '2a37': value });

/** Pair the emulated strap from the Devices page, register it, wait for a committed reading; returns the device did. */
async function pairAndRegisterHeartRate(page: Page): Promise<string> {
  await page.getByTestId('pair-source').selectOption('bt-heart-rate');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('session-state')).toHaveText('connected', { timeout: 20_000 });
  await expect(page.getByTestId('live-heartRateBpm')).toHaveText('72 bpm');
  await page.getByRole('button', { name: 'Register on chain' }).click();
  await expect(page.getByTestId('register-note')).toContainText('Registered in block', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('reading-committed')).toBeVisible({ timeout: 60_000 });
  const devices = await page.evaluate(() => window.bot.devices());
  const strap = devices.find((d) => d.kind === 'heart-rate' && d.held)!;
  expect(strap).toBeTruthy();
  return strap.did;
}

test('an emulated Bluetooth heart-rate sensor is paired, registered, and its reading commits signed by the device key', async ({
  page,
  browser,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const address = '09:09:09:09:09:09';
  await openDevices(page);
  await emulateHeartRateSensor(browser, address, heartRate72);
  await chooseInPrompt(page, address);
  const did = await pairAndRegisterHeartRate(page);

  const me = (await page.evaluate(() => window.bot.identity())).did;
  const readings = await page.evaluate((d) => window.bot.deviceReadings(d), did);
  expect(readings.at(-1)!.values).toMatchObject({
    heartRateBpm: 72,
    rrMs: 1000,
    contact: 'detected',
  });
  // The chain shows who produced the reading: the device's own key, registered by this gateway.
  const block = await page.evaluate((h) => window.bot.block(h), readings.at(-1)!.height);
  const tx = block!.txs.find((t) => t.txId === readings.at(-1)!.txId)!;
  expect(tx).toMatchObject({ type: 'device.reading', from: did });
  const device = (await page.evaluate(() => window.bot.devices())).find((d) => d.did === did)!;
  expect(device).toMatchObject({ gateway: me, owner: me, held: true, status: 'online' });

  // The device appears in the chain's device list with its readings and access log.
  await page
    .getByTestId('device-row')
    .filter({ hasText: 'heart-rate' })
    .getByRole('button')
    .click();
  await expect(page.getByTestId('chain-reading')).toContainText('Signed by the device key');
  expect(errors).toEqual([]);
});

test('Web Serial: the ELM327 and GPS simulators behind a fake navigator.serial drive the real drivers; speed and position commit on chain', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(await fakeSerial());
  await openDevices(page);

  // The car: ATZ ... ATSP0 and mode 01 polling over the fake port.
  await page.evaluate(
    () => ((window as unknown as { __fakeSerialNext: string }).__fakeSerialNext = 'elm327'),
  );
  await page.getByTestId('pair-source').selectOption('serial-elm327');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('session-state')).toHaveText('connected', { timeout: 20_000 });
  await expect(page.getByTestId('live-speedKmh')).toHaveText(/\d+ km\/h/, { timeout: 20_000 });
  const sent = await page.evaluate(() =>
    (window as unknown as { __fakeSerialLog: string[] }).__fakeSerialLog.slice(0, 6),
  );
  expect(sent).toEqual(['ATZ', 'ATE0', 'ATL0', 'ATS0', 'ATH0', 'ATSP0']);
  await page.getByLabel('Device id').fill('car-1');
  await page.getByRole('button', { name: 'Register on chain' }).click();
  await expect(page.getByTestId('reading-committed')).toBeVisible({ timeout: 60_000 });

  // The GPS receiver: NMEA streaming over the fake port.
  await page.evaluate(
    () => ((window as unknown as { __fakeSerialNext: string }).__fakeSerialNext = 'gps'),
  );
  await page.getByTestId('pair-source').selectOption('serial-gps');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('live-latitude')).toHaveText(/48\.\d+ °/, { timeout: 20_000 });
  await page.getByLabel('Device id').fill('gps-1');
  await page.getByRole('button', { name: 'Register on chain' }).click();
  await expect(page.getByTestId('reading-committed')).toBeVisible({ timeout: 60_000 });

  const onChain = await page.evaluate(async () => {
    const devices = await window.bot.devices();
    const out: Record<string, unknown> = {};
    for (const d of devices) out[d.kind] = (await window.bot.deviceReadings(d.did)).at(-1)?.values;
    return out;
  });
  expect(typeof (onChain.vehicle as { speedKmh: number }).speedKmh).toBe('number');
  expect((onChain.gps as { latitude: number }).latitude).toBeGreaterThan(48);
  expect((onChain.gps as { longitude: number }).longitude).toBeGreaterThan(11);

  // Garbage on the wire: a clear message in the UI, no crash, the session keeps going.
  await page.evaluate(() =>
    (window as unknown as { __fakeSerialInject: (t: string) => void }).__fakeSerialInject(
      '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*00\r\n\u0000\u00ff@@\r\n',
    ),
  );
  await expect(page.getByTestId('device-error')).toContainText(/checksum/i);
  await expect(page.getByTestId('session-state')).toHaveText('connected');
  expect(errors).toEqual([]);
});

test('bad input from devices: a short GATT value and a disconnect mid-read show clear errors; nothing half-written on chain', async ({
  page,
  browser,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.addInitScript(await fakeSerial());
  await openDevices(page);

  // A strap whose value says "16-bit heart rate" but carries one byte.
  const address = '0B:0B:0B:0B:0B:0B';
  await emulateHeartRateSensor(browser, address, [0x01, 0x48]);
  await chooseInPrompt(page, address);
  await page.getByTestId('pair-source').selectOption('bt-heart-rate');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('device-error')).toContainText(
    /Heart rate from .*(ends|short|byte)/i,
    { timeout: 20_000 },
  );
  await expect(page.getByText('Waiting for the first reading…')).toBeVisible();
  await page.getByRole('button', { name: 'Disconnect' }).click();

  await page.evaluate(
    () => ((window as unknown as { __fakeSerialNext: string }).__fakeSerialNext = 'elm327'),
  );
  await page.getByTestId('pair-source').selectOption('serial-elm327');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('live-speedKmh')).toHaveText(/km\/h/, { timeout: 20_000 });
  const heightBefore = (await page.evaluate(() => window.bot.status())).height;
  await page.evaluate(() =>
    (window as unknown as { __fakeSerialUnplug: () => void }).__fakeSerialUnplug(),
  );
  await expect(page.getByTestId('device-error')).toContainText(
    /unplugged|closed the connection|stopped sending/,
  );
  await expect(page.getByTestId('session-state')).toHaveText('disconnected');
  // The device was never registered: the chain has no device and no reading from it.
  expect(await page.evaluate(() => window.bot.devices())).toEqual([]);
  // A reading for a device that is not registered is refused before it is signed.
  const refused = await page.evaluate(() =>
    window.bot
      .deviceReading('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', {
        values: { x: 1 },
      })
      .then(
        () => 'accepted',
        (e) => e.code,
      ),
  );
  expect(refused).toBe('NOT_FOUND');
  expect((await page.evaluate(() => window.bot.status())).height).toBe(heightBefore);
  expect(pageErrors).toEqual([]);
});

test('the Devices page at 360 px, light and dark: a demo device paired, registered and recorded; no serious axe violations', async ({
  page,
}, testInfo) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme });
    await openDevices(page);
    await page.getByTestId('pair-source').selectOption('demo-environment');
    await page.getByRole('button', { name: 'Pair' }).click();
    await expect(page.getByTestId('live-temperatureC')).toHaveText(/°C/);
    if (colorScheme === 'light') {
      await page.getByRole('button', { name: 'Register on chain' }).click();
      await expect(page.getByTestId('reading-committed')).toBeVisible({ timeout: 60_000 });
      await page.getByTestId('device-row').first().getByRole('button').click();
      await expect(page.getByTestId('chain-reading')).toBeVisible();
    }
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow, 'no horizontal scrolling at 360 px').toBeLessThanOrEqual(0);
    const results = await axeScan(page);
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id}: ${v.help} — ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(', ')}`,
      );
    await page.screenshot({
      path: testInfo.outputPath(`devices-360-${colorScheme}.png`),
      fullPage: true,
    });
    expect(serious, `axe (${colorScheme})`).toEqual([]);
  }
});

// Needs the WebRTC mesh between tabs (createChain/join plus block gossip and sync). Until the
// network layer is wired into the worker ("This peer runs without a network."), tab two stays at
// height 0 and this test fails at the poll below. Run it inside scripts/netns-run as root.
test('two tabs on one BFT chain: a heart-rate reading from the first tab appears committed in the second', async ({
  browser,
  context,
}) => {
  const address = '0A:0A:0A:0A:0A:0A';
  const one = await context.newPage();
  const two = await context.newPage();
  await openDevices(one);
  await openDevices(two);
  const [a, b] = await Promise.all([
    one.evaluate(() => window.bot.identity()),
    two.evaluate(() => window.bot.identity()),
  ]);
  expect(a.did).not.toBe(b.did);
  const { invite } = await one.evaluate(
    (did) =>
      window.bot.createChain({
        name: 'devices-e2e',
        mode: 'consortium',
        consensus: 'bft',
        validators: [did],
      }),
    a.did,
  );
  await two.evaluate((link) => window.bot.join(link), invite);

  await emulateHeartRateSensor(browser, address, heartRate72);
  await chooseInPrompt(one, address);
  await one.bringToFront();
  const did = await pairAndRegisterHeartRate(one);
  const reading = (await one.evaluate((d) => window.bot.deviceReadings(d), did)).at(-1)!;

  // The second tab syncs the block, discovers the device and sees the reading it committed.
  await expect
    .poll(
      async () =>
        two.evaluate(
          (d) =>
            window.bot.deviceReadings(d).then(
              (r) => r.map((x) => x.txId),
              () => [],
            ),
          did,
        ),
      { timeout: 60_000 },
    )
    .toContain(reading.txId);
  const seen = await two.evaluate((h) => window.bot.block(h), reading.height);
  expect(seen!.txs.find((t) => t.txId === reading.txId)).toMatchObject({
    type: 'device.reading',
    from: did,
  });
  await two.reload();
  await expect(two.getByTestId('device-row').filter({ hasText: 'heart-rate' })).toBeVisible({
    timeout: 30_000,
  });
  await two.getByTestId('device-row').filter({ hasText: 'heart-rate' }).getByRole('button').click();
  // The sensor keeps notifying, so later readings may have committed by now: the latest shown is
  // the one registered first or a later one.
  await expect
    .poll(async () =>
      Number((await two.getByTestId('chain-reading').textContent())?.match(/block (\d+)/)?.[1]),
    )
    .toBeGreaterThanOrEqual(reading.height);
});

test('a demo device invokes a deployed contract from the Devices page; the gateway is notified live of access to it', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await openDevices(page);
  await page.getByTestId('pair-source').selectOption('demo-environment');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByTestId('live-temperatureC')).toHaveText(/°C/);
  await page.getByRole('button', { name: 'Register on chain' }).click();
  await expect(page.getByTestId('register-note')).toContainText('Registered in block', {
    timeout: 60_000,
  });
  const device = (await page.evaluate(() => window.bot.devices())).find(
    (d) => d.kind === 'environment' && d.held,
  )!;

  // Deploy the example contract (it refuses callers that are not devices) from the page.
  await page.getByText('Deploy a contract').click();
  await page.getByRole('button', { name: 'Deploy' }).click();
  await expect(page.getByTestId('contract-note')).toContainText(
    'Deployed "device-counter" in block',
    { timeout: 60_000 },
  );
  // As this peer: the contract itself refuses, with its own message; nothing is written.
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Only registered devices may report' }),
  ).toBeVisible();
  // As the device: signed with the device key by this gateway, committed, and the state shows it.
  await page.getByTestId('call-as').selectOption(device.did);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(page.getByTestId('contract-note')).toContainText('signed by the device key', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('contract-calls')).toContainText('device');
  const detail = await page.evaluate(() => window.bot.contract('device-counter'));
  expect(detail!.state).toContainEqual({ key: `count/${device.did}`, value: 1 });
  expect(detail!.calls).toEqual([
    expect.objectContaining({ caller: device.did, device: true, method: 'report', result: 1 }),
  ]);
  const block = await page.evaluate((h) => window.bot.block(h), detail!.calls[0]!.height);
  expect(block!.txs.find((t) => t.txId === detail!.calls[0]!.txId)).toMatchObject({
    type: 'contract.call',
    from: device.did,
  });

  // Someone asks to read the device: the page shows the gateway's notice without a reload.
  await page.evaluate(
    (did) => window.bot.requestDeviceAccess(did, { service: 'e2e-dashboard' }),
    device.did,
  );
  await expect(page.getByTestId('device-notice').filter({ hasText: 'e2e-dashboard' })).toBeVisible({
    timeout: 60_000,
  });
  const results = await axeScan(page);
  expect(
    results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id}: ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(', ')}`,
      ),
  ).toEqual([]);
  expect(pageErrors).toEqual([]);
});

test('a device behind one tab messages a device behind another tab through the chain; refused until its owner opens it, then shown live', async ({
  context,
}) => {
  const one = await context.newPage();
  const two = await context.newPage();
  await openDevices(one);
  await openDevices(two);
  const [a, b] = await Promise.all([
    one.evaluate(() => window.bot.identity()),
    two.evaluate(() => window.bot.identity()),
  ]);
  const { invite } = await one.evaluate(
    (did) =>
      window.bot.createChain({
        name: 'messages-e2e',
        mode: 'consortium',
        consensus: 'bft',
        validators: [did],
      }),
    a.did,
  );
  await two.evaluate((link) => window.bot.join(link), invite);
  await expect
    .poll(async () => one.evaluate(() => window.bot.governance().then((g) => g.members)), {
      timeout: 60_000,
    })
    .toContain(b.did);

  const committed = async (page: Page, txId: string) =>
    expect(
      (await page.evaluate((id) => window.bot.waitFor(id, { timeoutMs: 60_000 }), txId)).status,
    ).toBe('committed');
  const door = await one.evaluate(() =>
    window.bot.registerDevice({ id: 'door-1', kind: 'sensor', capabilities: ['open'] }),
  );
  await committed(one, door.txId);
  await expect
    .poll(async () => two.evaluate(() => window.bot.status().then((s) => s.height)), {
      timeout: 60_000,
    })
    .toBeGreaterThan(0);
  const thermo = await two.evaluate(() =>
    window.bot.registerDevice({
      id: 'thermo-1',
      kind: 'environment',
      capabilities: ['temperatureC'],
      policy: { mode: 'owner' },
    }),
  );
  await committed(two, thermo.txId);
  await expect
    .poll(
      async () =>
        one.evaluate(
          (d) => window.bot.devices().then((list) => list.some((x) => x.did === d)),
          thermo.did,
        ),
      { timeout: 60_000 },
    )
    .toBe(true);

  // The thermostat's owner has not let the door in: refused with the chain's typed error.
  const refused = await one.evaluate(
    ([from, to]) =>
      window.bot.sendDeviceMessage(from, to, { open: true }).then(
        () => 'sent',
        (e) => e.code,
      ),
    [door.did, thermo.did] as const,
  );
  expect(refused).toBe('UNAUTHORIZED');

  // Opened by its owner: the message commits and the second tab shows it without a reload.
  const opened = await two.evaluate(
    (d) => window.bot.setDevicePolicy(d, { mode: 'open' }),
    thermo.did,
  );
  await committed(two, opened.txId);
  await expect
    .poll(
      async () =>
        one.evaluate(
          (d) => window.bot.devices().then((list) => list.find((x) => x.did === d)?.policy.mode),
          thermo.did,
        ),
      { timeout: 60_000 },
    )
    .toBe('open');
  const sent = await one.evaluate(
    ([from, to]) => window.bot.sendDeviceMessage(from, to, { open: true, room: 'hall' }),
    [door.did, thermo.did] as const,
  );
  await committed(one, sent.txId);
  await expect(
    two.getByTestId('device-notice').filter({ hasText: 'Message from device' }),
  ).toContainText('"room":"hall"', { timeout: 60_000 });
  await expect
    .poll(
      async () =>
        two.evaluate(
          (d) => window.bot.deviceMessages(d).then((m) => m.map((x) => [x.txId, x.from, x.body])),
          thermo.did,
        ),
      { timeout: 60_000 },
    )
    .toEqual([[sent.txId, door.did, { open: true, room: 'hall' }]]);
});
