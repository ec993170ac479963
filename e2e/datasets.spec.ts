// Confidential datasets through the Data page (issue 15): three separate browsers on one
// consortium chain. The owner A publishes and adds a version on the page; phone-sized B asks
// with a purpose, A grants by clicking, B reads it (decrypted on B's peer); C, never granted,
// gets UNAUTHORIZED; after A revokes B, B cannot read the next version; B's read is in the access
// log on every peer. Run inside the test network namespace (scripts/netns-run).
// Conformance: Y.4560, R-7.1.5-a, D-8.4, D-I.2.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, joinByLink, open, phone } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const phone375 = { ...phone, viewport: { width: 375, height: 740 } };

const join = (browser: Browser, link: string): Promise<Page> =>
  joinByLink(browser, link, 'lab', phone375);

const readError = (page: Page, version?: number) =>
  page.evaluate(
    (v) =>
      window.bot.readDataset('pm25', v ? { version: v } : {}).then(
        () => 'read',
        (e: { code?: string }) => e.code,
      ),
    version,
  );

test('owner shares with B and not C through the Data page; revoke; the access log everywhere', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  await a.getByLabel('Name').fill('lab');
  await a.getByLabel('Mode').selectOption('consortium');
  await a.getByLabel('Consensus engine').selectOption('poa');
  await a.getByRole('button', { name: 'Create chain' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  await expect(a.locator('.strip')).toContainText('lab');
  await expect(a.getByTestId('invite-link')).toContainText('#/join/');
  const b = await join(browser, (await a.getByTestId('invite-link').textContent())!);
  const c = await join(browser, await a.evaluate(() => window.bot.invite()));
  const bDid = (await b.evaluate(() => window.bot.identity())).did;

  // A publishes and adds a version on the Data page.
  await a.goto('/#/data');
  await a.getByTestId('dataset-id').fill('pm25');
  await a.getByTestId('publish-dataset').click();
  await expect(a.getByTestId('dataset-pm25')).toBeVisible({ timeout: 60_000 });
  await a.getByTestId('version-text').fill('pm2.5 µg/m³: 12, 14, 9');
  await a.getByTestId('add-version').click();
  await expect(a.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });

  // B (a phone) asks with a purpose; A grants by clicking.
  await b.goto('/#/data');
  const bDataset = b.getByTestId('dataset-pm25');
  await expect(bDataset).toBeVisible({ timeout: 60_000 });
  await expect(bDataset.getByText('not shared with you')).toBeVisible();
  await bDataset.getByTestId('purpose').fill('asthma study');
  await bDataset.getByTestId('request-access').click();
  await expect(b.getByTestId('my-request-pm25')).toContainText('pending', { timeout: 60_000 });
  await axe(b);
  await expect(a.getByTestId('requests-pm25')).toContainText('asthma study', { timeout: 60_000 });
  await a.getByTestId('requests-pm25').getByTestId('grant').click();
  await expect(a.getByTestId('readers-pm25')).toBeVisible({ timeout: 60_000 });

  // B reads version 1 on its own peer.
  await expect(b.getByTestId('read-1')).toBeVisible({ timeout: 60_000 });
  await b.getByTestId('read-1').click();
  await expect(b.getByTestId('read-result-pm25')).toContainText('pm2.5 µg/m³: 12, 14, 9', {
    timeout: 60_000,
  });

  // C was never granted: UNAUTHORIZED, and its page says the version is not shared.
  await c.goto('/#/data');
  await expect(c.getByTestId('dataset-pm25')).toContainText('not shared with you', {
    timeout: 60_000,
  });
  expect(await readError(c)).toBe('UNAUTHORIZED');

  // A revokes B and adds version 2: B cannot read it; B's page says why.
  await a.getByRole('button', { name: /^Revoke/ }).click();
  await expect(a.getByTestId('readers-pm25')).toHaveCount(0, { timeout: 60_000 });
  await a.getByTestId('version-text').fill('second version');
  await a.getByTestId('add-version').click();
  await expect(a.getByRole('status').filter({ hasText: 'Version 2 sealed' })).toBeVisible({
    timeout: 60_000,
  });
  await expect(b.getByTestId('dataset-pm25')).toContainText('Version 2', { timeout: 60_000 });
  await expect(b.getByText('Your access was revoked')).toBeVisible();
  expect(await readError(b, 2)).toBe('UNAUTHORIZED');

  // B's read is in the access log on every peer, and on A's page.
  for (const page of [a, b, c]) {
    await expect
      .poll(
        async () =>
          (await page.evaluate(() => window.bot.accessLog('pm25')))
            .filter((e) => e.kind === 'access')
            .map((e) => [e.reader, e.version, e.purpose]),
        { timeout: 60_000 },
      )
      .toEqual([[bDid, 1, 'asthma study']]);
  }
  await expect(a.getByTestId('access-log-pm25')).toContainText('access');
  await axe(a);
  for (const page of [a, b, c]) await page.context().close();
});
