// A phone-sized tab that is its own ITS provider (issue 20): it creates a solo chain naming the
// trust contract (10 s windows, one vehicle enough to agree), makes trip keys on the Drive page
// and certifies them on the Roads page, all by clicks; it ends on the Drive page, ready for a
// trip. Shared by the Drive specs with the car's devices (its-devices, its-obd-ble).
import { expect, type Browser, type Page } from '@playwright/test';
import { ready } from './helpers';

// Demo town: origin 47.0 N, 8.0 E; Main Street (h20) runs east at y = 600 m.
const cosLat = Math.cos((47 * Math.PI) / 180);
/** The position `x` m east and `y` m north of the demo town's origin. */
export const at = (x: number, y: number) => ({
  latitude: 47 + y / 111_320,
  longitude: 8 + x / (111_320 * cosLat),
  accuracy: 5,
});

/** A phone (375 x 812, touch) with geolocation granted, standing on Main Street. */
export const phoneContext = (browser: Browser) =>
  browser.newContext({
    viewport: { width: 375, height: 812 },
    isMobile: true,
    hasTouch: true,
    permissions: ['geolocation'],
    geolocation: at(100, 602),
  });

export async function moveTo(page: Page, x: number, y: number, pauseMs: number) {
  await page.context().setGeolocation(at(x, y));
  await page.waitForTimeout(pauseMs);
}

/** Create the ITS chain `name` in this tab and certify its own trip keys; ends on /#/drive. */
export async function becomeItsProviderWithTripKeys(page: Page, name: string): Promise<void> {
  await ready(page, '/#/chains');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Mode').selectOption('private');
  await page.getByLabel('Consensus engine').selectOption('solo');
  await page.getByLabel(/Road conditions \(ITS\)/).check();
  await page.getByLabel('Observation window (seconds)').fill('10');
  await page.getByLabel(/Vehicles that must agree/).fill('1');
  await page.getByRole('button', { name: 'Create chain' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  await expect
    .poll(async () => (await page.evaluate(() => window.bot.contracts())).map((c) => c.name), {
      timeout: 60_000,
    })
    .toContain('its-trust');

  // Trip keys, certified by this same provider on the Roads page.
  await page.goto('/#/drive');
  await page.getByRole('button', { name: 'Make trip keys' }).click();
  const request = await page.getByTestId('its-request').inputValue();
  await page.goto('/#/roads');
  await page.getByLabel(/Trip key request/).fill(request);
  await page.getByLabel(/Vehicle name/).fill('van 7');
  await page.getByRole('button', { name: 'Certify trip keys' }).click();
  const certificates = await page.getByTestId('its-certificates').inputValue();
  await page.goto('/#/drive');
  await page.getByLabel('Certificates from your provider').fill(certificates);
  await page.getByRole('button', { name: 'Add certificates' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'trip keys certified' })).toBeVisible();
}
