// Roles per chain through the pages (issue 15, Y.4464 Appendix I consortium): on this peer's
// own development chain (it is the only validator, so its proposal passes at once) the
// Governance page sets the role transact:data.put to another identity; a write on the Peer page
// is then refused at once with a message naming the role. At 360 px, axe clean.
// Conformance: D-I-consortium, D-8-access.
import { expect, test } from '@playwright/test';
import { axe, open, phone } from './helpers';

test('a role set on the Governance page refuses a write that names it, at 360 px', async ({
  browser,
}) => {
  const page = await open(browser, '/#/governance', phone);
  await expect(page.getByRole('heading', { level: 1, name: 'Governance' })).toBeVisible();
  await expect(page.getByText('No role set')).toBeVisible();
  await axe(page);
  const other = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
  await page.getByTestId('role-name').fill('transact:data.put');
  await page.getByTestId('role-holders').fill(other);
  await page.getByRole('button', { name: 'Set role' }).click();
  await expect(page.getByRole('form', { name: 'Set a role' }).getByRole('status')).toContainText(
    'Committed in block',
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('roles')).toContainText('transact:data.put', { timeout: 30_000 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow, 'no horizontal scrolling at 360 px').toBeLessThanOrEqual(0);
  await axe(page);

  await page.evaluate(() => {
    location.hash = '#/';
  });
  const write = page.getByRole('region', { name: 'Write data' });
  await write.getByLabel('Key', { exact: true }).fill('greenhouse/temp');
  await write.getByLabel('Value', { exact: true }).fill('21.5');
  await write.getByRole('button', { name: 'Put' }).click();
  await expect(page.getByTestId('write-result')).toContainText(
    'does not hold the role transact:data.put',
    { timeout: 30_000 },
  );
  expect(await page.evaluate(() => window.bot.get('greenhouse/temp'))).toBeNull();
  await page.context().close();
});
