// The Cross-chain page (issue 18) between two tabs, each its own peer on its own chain: B's
// genesis is copied from B's page and pasted into A's link form (a bad paste is refused plainly),
// A links B in contract mode (an on-chain light client of B), then locks a record for B by
// typing its key and value; A's page lists the operation as locked. window.bot only asserts.
// Carrying the proofs to B needs a relay holding both chains (worker/host/xchain.ts; tested in
// worker/host/xchain-host.test.ts). Run inside the test network namespace (scripts/netns-run).
// Conformance, R-x7.2.3-a, D-10.2.
import { expect, test, type Page } from '@playwright/test';
import { axe, open, phone } from './helpers';

test.setTimeout(180_000);

async function crossChainPage(page: Page) {
  await page.getByTestId('nav-more').click();
  await page.locator('#more-pages').getByRole('link', { name: 'Cross-chain' }).click();
  await expect(page.getByRole('heading', { name: 'Cross-chain', level: 1 })).toBeVisible();
}

test('A links B from its genesis and locks a record for B; a bad genesis is refused plainly', async ({
  browser,
}) => {
  const a = await open(browser, '/', phone);
  const b = await open(browser, '/', phone);
  await crossChainPage(b);
  const genesisB = await b.getByTestId('xchain-genesis').inputValue();
  const chainB = (await b.getByTestId('xchain-chain-id').textContent())!;
  expect(genesisB).toContain('validators');
  await axe(b);

  await crossChainPage(a);
  await expect(a.getByText('Link another chain first.')).toBeVisible();
  await a.getByTestId('xchain-link-genesis').fill('this is not a genesis');
  await a.getByTestId('xchain-link-button').click();
  await expect(a.getByRole('alert')).toContainText('The genesis must be the JSON');
  await a.getByTestId('xchain-link-genesis').fill(genesisB);
  await a.getByTestId('xchain-link-button').click();
  await expect(a.getByTestId('xchain-link-result')).toContainText(
    `Linked chain ${chainB.slice(0, 12)}`,
    { timeout: 60_000 },
  );

  await a.getByLabel('Record key').fill('shared/report');
  await a.getByLabel('Record value').fill('all clear');
  await a.getByTestId('xchain-lock-button').click();
  await expect(a.getByTestId('xchain-lock-result')).toContainText('Locked in block', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('xchain-operation').first()).toContainText('record shared/report');
  await expect(a.getByTestId('xchain-status').first()).toHaveText(
    'locked, waiting for the other chain',
  );
  await axe(a);
  const overview = await a.evaluate(() => window.bot.xchain());
  expect(overview.links[0]).toMatchObject({ chain: chainB, mode: 'contract', verifiedHeight: 0 });
  expect(overview.operations[0]).toMatchObject({ side: 'out', target: chainB, status: 'locked' });
});
