// node scripts/icons.mjs: render public/icon.svg and public/maskable.svg to the PNG icons of
// the web app manifest with the local Chromium (no download, no image library). The PNGs are
// committed; run this again only after changing the SVGs.
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const jobs = [
  { svg: 'public/icon.svg', out: 'public/icon-192.png', size: 192 },
  { svg: 'public/icon.svg', out: 'public/icon-512.png', size: 512 },
  { svg: 'public/maskable.svg', out: 'public/maskable-512.png', size: 512 },
  { svg: 'public/icon.svg', out: 'public/apple-touch-icon.png', size: 180 },
];
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
try {
  for (const { svg, out, size } of jobs) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const data = `data:image/svg+xml;base64,${readFileSync(svg).toString('base64')}`;
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img src="${data}" width="${size}" height="${size}" style="display:block"></body></html>`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    writeFileSync(
      out,
      await page.screenshot({
        omitBackground: true,
        clip: { x: 0, y: 0, width: size, height: size },
      }),
    );
    await page.close();
    console.log(`${out} (${size}x${size})`);
  }
} finally {
  await browser.close();
}
