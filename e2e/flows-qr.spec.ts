// Scanning an invite's QR code on the Chains page (issue 21), through the pages only:
//  - with the camera: a second Chromium whose fake camera (--use-file-for-fake-video-capture)
//    films a Y4M video of the invite's QR code, made here with uqr; Chromium on Linux has no
//    BarcodeDetector, so this decodes with zxing-wasm, which the page loads only for the scan;
//  - from an image (the installed app's way): a PNG of the code given to the file input;
//  - a file that is no image, an image without a code, and a code that is no invite: plain words.
// Run inside the test network namespace (scripts/netns-run). Conformance: D-card-pwa, D-card-e2e.
import { chromium, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { axe, createChain, open, phone, ready } from './helpers';
import { blankImage, png, qrImage, y4m } from './qr-images';

test.describe.configure({ mode: 'serial' });
test.setTimeout(180_000);

let link = '';

test('the camera scans the invite QR code (zxing-wasm, loaded only for the scan) and opens the Join page', async ({
  browser,
  baseURL,
}) => {
  const a = await open(browser, '/#/chains');
  link = await createChain(a, 'orchard');
  await a.context().close();

  const dir = mkdtempSync(join(tmpdir(), 'bot-qr-'));
  const video = join(dir, 'invite.y4m');
  writeFileSync(video, y4m(qrImage(link, 720)));
  const camera = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      ...chromiumArgs(),
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  try {
    const context = await camera.newContext({ ...phone, baseURL, permissions: ['camera'] });
    const b = await context.newPage();
    const requests: string[] = [];
    b.on('request', (request) => requests.push(request.url()));
    await ready(b, '/#/chains');
    expect(await b.evaluate(() => 'BarcodeDetector' in window)).toBe(false);
    expect(requests.filter((url) => /zxing/i.test(url))).toEqual([]); // not in the main bundle
    await axe(b);
    await b.getByRole('button', { name: 'Scan QR' }).click();
    await expect(b).toHaveURL(/#\/join\//, { timeout: 30_000 });
    expect(b.url()).toBe(link);
    await expect(b.getByTestId('invite-info')).toContainText('orchard');
    await expect(b.getByRole('button', { name: 'Join orchard' })).toBeVisible();
    expect(requests.some((url) => /zxing_reader.*\.wasm$/.test(url))).toBe(true);
    // The camera is off once the code is read: no live track is left.
    expect(await b.evaluate(() => document.querySelector('video'))).toBeNull();
    await axe(b);
  } finally {
    await camera.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scan from an image: a PNG of the invite QR code opens the Join page; a bad file, a blank image and a code that is no invite say so', async ({
  browser,
}) => {
  expect(link).toContain('#/join/');
  const b = await open(browser, '/#/chains', phone);
  const input = b.getByLabel('Scan from an image');
  const message = b.getByTestId('scan-message');

  await input.setInputFiles({
    name: 'notes.png',
    mimeType: 'image/png',
    buffer: Buffer.from('these are not the pixels you are looking for'),
  });
  await expect(message).toContainText('not an image the browser can read');
  await input.setInputFiles({
    name: 'wall.png',
    mimeType: 'image/png',
    buffer: png(blankImage(400)),
  });
  await expect(message).toContainText('No QR code was found in this image');
  await input.setInputFiles({
    name: 'menu.png',
    mimeType: 'image/png',
    buffer: png(qrImage('https://cafe.example/menu', 400)),
  });
  await expect(message).toContainText('https://cafe.example/menu');
  await expect(message).toContainText('not a BoT invite link');
  await axe(b);
  expect(b.url()).toMatch(/#\/chains$/);

  await input.setInputFiles({
    name: 'invite.png',
    mimeType: 'image/png',
    buffer: png(qrImage(link, 800)),
  });
  await expect(b).toHaveURL(/#\/join\//);
  expect(b.url().split('#')[1]).toBe(link.split('#')[1]);
  await expect(b.getByTestId('invite-info')).toContainText('orchard');
  await axe(b);
  await b.context().close();
});
