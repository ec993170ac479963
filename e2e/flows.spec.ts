// The product's flows driven through the pages as a person would (issue 21): clicks, typing,
// opening links; window.bot only to assert. Tab A and a phone-sized context B are separate
// browsers (separate storage), so B reaches A over the WebSocket relay and WebRTC: run inside
// the test network namespace (scripts/netns-run). Conformance: D-card-pwa, D-card-e2e.
import { expect, test } from '@playwright/test';
import { axe, open, phone } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

let link = '';

test('A creates a consortium chain on the Chains page; phone B opens the invite link, joins, is admitted, writes; A reads it', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  await a.getByLabel('Name').fill('greenhouse');
  await a.getByLabel('Mode').selectOption('consortium');
  await a.getByLabel('Consensus engine').selectOption('poa');
  await a.getByRole('button', { name: 'Create chain' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  // The status strip follows the new chain (it kept showing "dev" before).
  await expect(a.locator('.strip')).toContainText('greenhouse');
  await expect(a.getByTestId('invite-link')).toContainText('#/join/');
  link = (await a.getByTestId('invite-link').textContent())!;
  const chainId = (await a.evaluate(() => window.bot.status())).chainId;
  await axe(a);

  const b = await open(browser, link, phone);
  const info = b.getByTestId('invite-info');
  await expect(info).toContainText('greenhouse');
  await expect(info).toContainText('consortium');
  await expect(info).toContainText('poa');
  await expect(info).toContainText('a validator of this chain');
  await axe(b);
  await b.getByRole('button', { name: 'Join greenhouse' }).click();
  await expect(b.getByTestId('admission-state')).toContainText(/Waiting|Looking|Admitted/);
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });
  expect((await b.evaluate(() => window.bot.status())).chainId).toBe(chainId);
  await b.getByRole('link', { name: 'Open greenhouse' }).click();
  await b.getByLabel('Key', { exact: true }).first().fill('greenhouse/phone');
  await b.getByLabel('Value', { exact: true }).fill('from the phone');
  await b.getByRole('button', { name: 'Put' }).click();
  await expect(b.getByTestId('write-result')).toContainText(/committed/i, { timeout: 60_000 });
  await expect
    .poll(async () => (await a.evaluate(() => window.bot.get('greenhouse/phone')))?.value, {
      timeout: 60_000,
    })
    .toBe('from the phone');
  await a.context().close();
  await b.context().close();
});

test('a tampered invite link says so in plain words and joins nothing', async ({ browser }) => {
  expect(link).toContain('#/join/');
  // Rename the chain inside the link: the inviter's signature no longer matches the chain it names.
  const [origin, code] = link.split('#/join/') as [string, string];
  const bytes = Buffer.from(code, 'base64url');
  const at = bytes.indexOf(Buffer.from('greenhouse'));
  expect(at).toBeGreaterThan(0);
  bytes[at + 9] = 'f'.charCodeAt(0);
  const b = await open(browser, `${origin}#/join/${bytes.toString('base64url')}`, phone);
  await expect(b.getByRole('alert')).toContainText('was changed after it was made');
  await expect(b.getByRole('button', { name: /^Join/ })).toHaveCount(0);
  const cut = await open(browser, `${origin}#/join/${code.slice(0, 30)}`, phone);
  await expect(cut.getByRole('alert')).toContainText('too short');
  expect((await b.evaluate(() => window.bot.status())).chainName).not.toContain('greenhous');
  await b.context().close();
  await cut.context().close();
});

test('every page is one tap away from the phone nav: four in the bar, the rest in More', async ({
  browser,
}) => {
  const b = await open(browser, '/', phone);
  const paths = [
    '',
    'network',
    'ledger',
    'contracts',
    'chains',
    'governance',
    'audit',
    'devices',
    'data',
    'settings',
  ];
  const more = b.getByTestId('nav-more');
  for (const path of paths) {
    const link = b.getByTestId(`nav-${path || 'peer'}`);
    const inBar = await link.isVisible();
    if (!inBar) {
      await more.click();
      await expect(more).toHaveAttribute('aria-expanded', 'true');
      await expect(b.locator('#more-pages a').first()).toBeFocused();
    }
    const box = (await link.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(48);
    await link.click();
    await expect(b).toHaveURL(new RegExp(`#/${path}$`));
    await expect(link).toHaveAttribute('aria-current', 'page');
    await expect(more).toHaveAttribute('aria-expanded', 'false');
    await expect(b.getByTestId('strip-chain')).toContainText('dev');
  }
  // Escape closes the sheet and gives the focus back to More.
  await more.click();
  await b.keyboard.press('Escape');
  await expect(more).toBeFocused();
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await axe(b);
  await b.context().close();
});
