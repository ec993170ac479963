// A consortium of ITS providers (issue 20; Y.4464 II.3), in real tabs and a Node peer. Provider
// A (a tab) creates chain "ring" on the Chains page with two validators, itself and provider B (a
// headless Node peer), and names B as the second ITS provider; B joins through the invite. Two
// vehicles (phone tabs, emulated geolocation) join: V1 of provider A, whose trip keys A certifies
// on its Roads page, and V2 of provider B, whose keys B's operator certifies through B's HTTP API
// (POST /v1/its/certify). Both drive along Main Street at the same time; each vehicle's Roads page
// shows the segments the other provider's vehicle reported, with that provider's trust. A pays B
// tokens on its Wallet page (B pays its own vehicles); after the windows end A settles, both
// vehicles are paid, and every phone sees both providers' trust records grow. A third phone joins
// as a light peer and reads the road conditions near it on the Roads page, each proven against a
// header it verified. Pages are driven by taps and typing; window.bot is used only to assert.
// Blocks every 1 s on the idle chain; 10 s windows. Run inside the test network namespace
// (scripts/netns-run).
// Conformance: U-II.3, D-card-its.
import { expect, test, type BrowserContextOptions, type Page } from '@playwright/test';
import { axe, didOf, open, waitUntil } from './helpers';
import { startNodePeer, type NodePeer } from './node-peer';

test.setTimeout(420_000);

const port = Number(process.env.E2E_PORT ?? 8091);

// Demo town: origin 47.0 N, 8.0 E; Main Street (h20 then h21) runs east at y = 600 m.
const metresPerDegree = 111_320;
const cosLat = Math.cos((47 * Math.PI) / 180);
const at = (x: number, y: number) => ({
  latitude: 47 + y / metresPerDegree,
  longitude: 8 + x / (metresPerDegree * cosLat),
  accuracy: 5,
});

const phoneAt = (x: number, y: number): BrowserContextOptions => ({
  viewport: { width: 375, height: 812 },
  isMobile: true,
  hasTouch: true,
  permissions: ['geolocation'],
  geolocation: at(x, y),
});

async function joinByTap(page: Page, light = false): Promise<void> {
  if (light) await page.getByLabel('Light peer: headers only, for phones').check();
  await page.getByRole('button', { name: 'Join ring' }).tap();
  await expect(page.getByTestId('admission-state')).toContainText('Admitted', {
    timeout: 120_000,
  });
}

/** A fresh invite from A's Chains page (a token admits one peer): A opens the page again. */
async function freshInvite(provider: Page): Promise<string> {
  await provider.goto('/#/network');
  await provider.goto('/#/chains');
  await expect(provider.getByTestId('invite-link')).toContainText('#/join/');
  return (await provider.getByTestId('invite-link').textContent())!;
}

/** A vehicle's Drive page: make trip keys, hand the request over, paste the certificates back. */
async function certified(vehicle: Page, certify: (request: string) => Promise<string>) {
  await vehicle.goto('/#/drive');
  await expect(vehicle.getByRole('heading', { name: 'Drive', level: 1 })).toBeVisible();
  await vehicle.getByRole('button', { name: 'Make trip keys' }).tap();
  const request = await vehicle.getByTestId('its-request').inputValue();
  const certificates = await certify(request);
  await vehicle.getByLabel('Certificates from your provider').fill(certificates);
  await vehicle.getByRole('button', { name: 'Add certificates' }).tap();
  await expect(
    vehicle.getByRole('status').filter({ hasText: '8 trip keys certified' }),
  ).toBeVisible();
}

test('two ITS providers, each with its own validator, share road conditions: each vehicle sees the other provider’s reports with trust, both are paid, a light phone reads them proven', async ({
  browser,
}) => {
  let node: NodePeer | null = null;
  try {
    node = await startNodePeer(`ws://127.0.0.1:${port}/signal`);
    const b = node;
    const providerA = await open(browser, '/#/chains', { viewport: { width: 1280, height: 800 } });
    const didA = await didOf(providerA);
    const didB = b.did;

    // Provider A founds the consortium: both providers validate, both certify vehicles.
    await providerA.getByLabel('Name').fill('ring');
    await providerA.getByLabel('Mode').selectOption('consortium');
    await providerA.getByLabel('Consensus engine').selectOption('poa');
    await providerA.getByLabel(/^Empty block every/).fill('1');
    await providerA.getByLabel(/^Validators \(did:key/).fill(`${didA}\n${didB}`);
    await providerA.getByLabel(/Token symbol/).fill('BOT');
    await providerA.getByLabel('Your starting balance').fill('1000');
    await providerA.getByLabel(/Road conditions \(ITS\)/).check();
    await providerA.getByLabel('Observation window (seconds)').fill('10');
    await providerA.getByLabel(/Other ITS providers/).fill(didB);
    await providerA.getByLabel(/Vehicles that must agree/).fill('2');
    await providerA.getByLabel(/Reward per agreeing observation/).fill('5');
    await providerA.getByRole('button', { name: 'Create chain' }).click();
    await expect(providerA.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
    const link = (await providerA.getByTestId('invite-link').textContent())!;
    const chainId = await providerA.evaluate(async () => (await window.bot.status()).chainId);

    // Provider B's operator joins its headless peer (a validator named in the genesis).
    await b.api('POST', '/v1/join', { invite: link });
    await waitUntil(
      async () => {
        const s = await b.api<{ admission: string; height: number }>(
          'GET',
          `/v1/chains/${chainId}/status`,
        );
        return s.admission === 'admitted' && s.height >= 2;
      },
      120_000,
      'provider B to join and blocks to commit',
    );

    // A pays B 100 BOT on its Wallet page: B pays its own vehicles' rewards.
    await providerA.goto('/#/wallet');
    await expect(providerA.getByTestId('wallet-balance')).toContainText('1,000 BOT', {
      timeout: 60_000,
    });
    await providerA.getByTestId('send-to').fill(didB);
    await providerA.getByTestId('send-amount').fill('100');
    await providerA.getByTestId('send-button').click();
    await expect(providerA.getByTestId('send-result')).toContainText('Sent 100 BOT', {
      timeout: 60_000,
    });

    // Two vehicles join by tapping the invite; A certifies V1's keys on its Roads page, B's
    // operator V2's through B's HTTP API.
    const v1 = await open(browser, await freshInvite(providerA), phoneAt(200, 602));
    await joinByTap(v1);
    const v2 = await open(browser, await freshInvite(providerA), phoneAt(200, 598));
    await joinByTap(v2);
    await providerA.goto('/#/roads');
    await certified(v1, async (request) => {
      await providerA.getByLabel(/Trip key request/).fill(request);
      await providerA.getByLabel(/Vehicle name/).fill('taxi 12');
      await providerA.getByRole('button', { name: 'Certify trip keys' }).click();
      return providerA.getByTestId('its-certificates').inputValue();
    });
    await certified(v2, async (request) => {
      const { certificates } = await b.api<{ certificates: string }>(
        'POST',
        `/v1/chains/${chainId}/its/certify`,
        { request, vehicle: 'bus 4' },
      );
      return certificates;
    });
    expect(await v1.evaluate(async () => (await window.bot.itsDrive()).provider)).toBe(didA);
    expect(await v2.evaluate(async () => (await window.bot.itsDrive()).provider)).toBe(didB);

    // Both drive east along Main Street side by side at about 36 km/h, from h20 into h21.
    for (const v of [v1, v2]) {
      await v.getByTestId('drive-toggle').tap();
      await expect(v.getByTestId('drive-toggle')).toHaveText('Stop trip');
    }
    for (let x = 220; x <= 380; x += 20) {
      await v1.context().setGeolocation(at(x, 602));
      await v2.context().setGeolocation(at(x, 598));
      await v1.waitForTimeout(2_000);
    }
    for (const v of [v1, v2]) {
      await v.getByTestId('drive-toggle').tap();
      await expect(v.getByTestId('drive-toggle')).toHaveText('Start trip');
      await expect(
        v.getByTestId('drive-recent').locator('[data-status="counted"]').first(),
      ).toBeVisible({ timeout: 60_000 });
    }

    // Each vehicle's Roads page shows the other provider's vehicle among the reporters, with
    // that provider's trust; the list of providers names both.
    const reporter = (page: Page, provider: string) =>
      page.locator(`[data-testid^="its-reporters-"] [data-provider="${provider}"]`).first();
    await v1.goto('/#/roads');
    await v2.goto('/#/roads');
    await expect(reporter(v1, didB)).toContainText('provider trust', { timeout: 60_000 });
    await expect(reporter(v1, didA)).toContainText('your provider');
    await expect(reporter(v2, didA)).toContainText('provider trust', { timeout: 60_000 });
    await expect(v2.getByTestId('its-condition-h20')).toContainText('Main Street');
    await expect(
      v2.getByTestId('its-providers').locator(`[data-provider="${didB}"]`),
    ).toContainText('your provider');
    await axe(v1);

    // After the windows end, A settles: both vehicles are paid (each by its own provider) and
    // both providers' trust records count agreeing observations, on every phone.
    await providerA.goto('/#/roads');
    await expect(async () => {
      await providerA.getByRole('button', { name: 'Settle ended windows' }).click();
      await expect(providerA.getByTestId('its-provider-note')).toContainText('Settling', {
        timeout: 2_000,
      });
    }).toPass({ timeout: 90_000, intervals: [3_000] });
    for (const v of [v1, v2])
      await waitUntil(
        async () => (await v.evaluate(async () => (await window.bot.itsDrive()).reward)) >= 5,
        60_000,
        'the vehicle to be paid',
      );
    for (const did of [didA, didB])
      await expect(
        v2.getByTestId('its-providers').locator(`[data-provider="${did}"]`),
      ).toContainText(/[1-9]\d* agreeing/, { timeout: 60_000 });
    const fromB = await b.api<{ providers: Array<{ did: string; ok: number }> }>(
      'GET',
      `/v1/chains/${chainId}/its/conditions`,
    );
    expect(fromB.providers.map((p) => p.did)).toEqual([didA, didB]);
    expect(fromB.providers.every((p) => p.ok >= 1)).toBe(true);

    // A light phone on Main Street joins by tapping and reads the road conditions near it, proven.
    const light = await open(browser, await freshInvite(providerA), phoneAt(150, 600));
    await joinByTap(light, true);
    await light.goto('/#/roads');
    await expect(light.getByTestId('its-light-note')).toContainText('light peer');
    await expect(light.getByTestId('its-condition-h20')).toContainText('Main Street', {
      timeout: 60_000,
    });
    await expect(light.getByTestId('its-height')).toContainText('each proven');
    await expect(
      light.getByTestId('its-providers').locator(`[data-provider="${didB}"]`),
    ).toContainText(/[1-9]\d* agreeing/);
    await axe(light);
    const status = await light.evaluate(() => window.bot.status());
    expect(status.light).toBeDefined();
  } finally {
    await node?.stop();
  }
});
