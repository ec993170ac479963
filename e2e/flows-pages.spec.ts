// Flows through the pages on one or two peers (issue 21): clicks, typing and files only;
// window.bot is used only to assert. Each flow runs axe on the pages it visits.
//  - deploy a contract and call it from the Contracts page (reached from the phone's More sheet);
//  - export the identity on one peer (the downloaded file) and import it on another.
// Conformance: D-card-e2e.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { axe, open, phone } from './helpers';

test.setTimeout(180_000);

test('deploy a contract and call it from the Contracts page; bad code and bad arguments say so', async ({
  browser,
}) => {
  const page = await open(browser, '/', phone);
  await page.getByTestId('nav-more').click();
  await page.getByTestId('nav-contracts').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Contracts' })).toBeVisible();
  await axe(page);

  await page.getByLabel('Contract name').fill('broken');
  await page.getByLabel(/^Code/).fill('function (ctx) {');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page.getByRole('alert')).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => window.bot.contract('broken'))).toBeNull();

  await page.getByLabel('Contract name').fill('counter');
  await page
    .getByLabel(/^Code/)
    .fill(
      "function increment(ctx, args) {\n  const n = (ctx.get('count') ?? 0) + (args?.by ?? 1);\n  ctx.put('count', n);\n  return n;\n}",
    );
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page.getByTestId('deploy-result')).toContainText(/Deployed counter in block \d+/, {
    timeout: 60_000,
  });
  await expect(page.getByRole('heading', { name: 'Contract counter' })).toBeVisible();

  await page.getByRole('combobox', { name: /^Method/ }).selectOption('increment');
  await page.getByLabel(/^Arguments/).fill('{"by": 2}');
  await page.getByRole('button', { name: 'Call increment' }).click();
  await expect(page.getByTestId('call-result')).toContainText('Result: 2', { timeout: 60_000 });
  await page.getByLabel(/^Arguments/).fill('');
  await page.getByRole('button', { name: 'Call increment' }).click();
  await expect(page.getByTestId('call-result')).toContainText('Result: 3', { timeout: 60_000 });
  await expect(page.getByTestId('contract-state')).toContainText('count');
  await page.getByLabel(/^Arguments/).fill('{by: 2}');
  await page.getByRole('button', { name: 'Call increment' }).click();
  await expect(page.getByRole('alert')).toContainText('The arguments are not JSON');
  await axe(page);

  const counter = await page.evaluate(() => window.bot.contract('counter'));
  expect(counter?.state).toEqual([{ key: 'count', value: 3 }]);
  expect(counter?.calls.map((c) => c.result)).toEqual([2, 3]);
  await page.context().close();
});

test('export the identity on one peer and import the downloaded file on another; a wrong passphrase says so', async ({
  browser,
}) => {
  const a = await open(browser, '/#/settings');
  const didA = (await a.evaluate(() => window.bot.identity())).did;
  await a.getByLabel('Passphrase (at least 8 characters)').fill('correct horse battery');
  await a.getByLabel('Passphrase again').fill('correct horse battery');
  const downloading = a.waitForEvent('download');
  await a.getByRole('button', { name: 'Export', exact: true }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`bot-identity-${didA.slice(-8)}.json`);
  await expect(a.getByRole('status').filter({ hasText: 'Backup created' })).toBeVisible();
  await axe(a);
  const file = readFileSync(await download.path());

  const b = await open(browser, '/#/settings', phone);
  const didB = (await b.evaluate(() => window.bot.identity())).did;
  expect(didB).not.toBe(didA);
  await b.getByLabel('Backup file').setInputFiles({
    name: download.suggestedFilename(),
    mimeType: 'application/json',
    buffer: file,
  });
  await expect(b.getByLabel('…or paste the backup')).not.toHaveValue('');
  await b.getByLabel('Passphrase', { exact: true }).fill('wrong horse battery');
  await b.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(b.getByRole('alert')).toBeVisible({ timeout: 60_000 });
  expect((await b.evaluate(() => window.bot.identity())).did).toBe(didB);

  await b.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
  await b.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(b.getByRole('status').filter({ hasText: `Imported ${didA}` })).toBeVisible({
    timeout: 60_000,
  });
  await axe(b);
  await b.getByRole('button', { name: 'Restart the peer now' }).click();
  await expect
    .poll(
      () =>
        b.evaluate(() =>
          window.bot.identity().then(
            (i) => i.did,
            () => '',
          ),
        ),
      {
        timeout: 60_000,
      },
    )
    .toBe(didA);
  // The pages follow the restarted peer: the Peer page shows the imported identity.
  await b.getByTestId('nav-peer').click();
  await expect(b.getByTestId('did')).toHaveAttribute('title', didA);
  await axe(b);
  await a.context().close();
  await b.context().close();
});
