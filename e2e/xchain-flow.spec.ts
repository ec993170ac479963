// A cross-chain operation carried end to end inside one tab (issue 18), driven as a person would:
// the tab creates two chains on the Chains page (it runs both at once), links each to the other on
// the Cross-chain page by copying one chain's genesis and pasting it into the other's link form
// (switching chains by clicking on the Chains page), then locks a record on alpha for beta by
// typing its key and value. The relay the tab runs between its own two chains
// (worker/host/xchain-local.ts) commits it on beta and finalizes it on alpha with no outside
// party: alpha's page shows it done on both chains, beta's shows it arrived, and the record is on
// beta. window.bot only asserts. Run inside the test network namespace (scripts/netns-run).
// Conformance: R-x7.2.3-a, D-10.1.
import { expect, test, type Page } from '@playwright/test';
import {
  axe,
  createChain,
  crossChainPage,
  genesisShown,
  linkByPasting,
  open,
  phone,
} from './helpers';

test.setTimeout(180_000);

async function switchTo(page: Page, name: string) {
  await page.getByTestId('nav-chains').first().click();
  const row = page.getByTestId('chains').locator(`li[data-chain-name="${name}"]`);
  await row.getByRole('button', { name: `Switch to ${name}` }).click();
  await expect(page.getByTestId('strip-chain')).toContainText(name);
}

test('one tab runs two chains, links them both ways, and a record locked on one arrives on the other, finalized, with no outside relay', async ({
  browser,
}) => {
  const page = await open(browser, '/#/chains', phone);
  await createChain(page, 'alpha', 'private', 'solo');
  await createChain(page, 'beta', 'private', 'solo');
  const chains = await page.evaluate(() => window.bot.chains());
  const alpha = chains.find((c) => c.name === 'alpha')!.chainId;
  const beta = chains.find((c) => c.name === 'beta')!.chainId;

  // beta is active: copy its genesis; on alpha, paste it and link; then the other way round.
  const genesisBeta = await genesisShown(page);
  await switchTo(page, 'alpha');
  await linkByPasting(page, genesisBeta, beta);
  const genesisAlpha = await genesisShown(page);
  await switchTo(page, 'beta');
  await linkByPasting(page, genesisAlpha, alpha);

  // On alpha, lock a record for beta by typing.
  await switchTo(page, 'alpha');
  await crossChainPage(page);
  await page.getByLabel('Record key').fill('shared/report');
  await page.getByLabel('Record value').fill('all clear');
  await page.getByTestId('xchain-lock-button').click();
  await expect(page.getByTestId('xchain-lock-result')).toContainText('Locked in block', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('xchain-operation').first()).toContainText('record shared/report');
  // The tab's own relay carries it to beta and back: alpha's page shows it done on both chains.
  await expect(page.getByTestId('xchain-status').first()).toHaveText('done on both chains', {
    timeout: 60_000,
  });
  await axe(page);

  // beta's page shows it arrived from alpha.
  await switchTo(page, 'beta');
  await crossChainPage(page);
  const arrived = page.getByTestId('xchain-operation').filter({ hasText: 'record shared/report' });
  await expect(arrived).toContainText(`from chain ${alpha.slice(0, 8)}`);
  await expect(arrived.getByTestId('xchain-status')).toHaveText('arrived');
  await axe(page);

  const seen = await page.evaluate(
    async ({ alpha, beta }) => ({
      onBeta: (await window.bot.onChain(beta).get('shared/report'))?.value,
      onAlpha: await window.bot.onChain(alpha).get('shared/report'),
      out: (await window.bot.onChain(alpha).xchain()).operations[0],
      in: (await window.bot.onChain(beta).xchain()).operations[0],
    }),
    { alpha, beta },
  );
  expect(seen.onBeta).toBe('all clear');
  expect(seen.onAlpha).toBeNull();
  expect(seen.out).toMatchObject({ side: 'out', target: beta, status: 'finalized' });
  expect(seen.in).toMatchObject({
    side: 'in',
    source: alpha,
    status: 'committed',
    id: seen.out!.id,
  });

  // Leaving beta on the Chains page (it asks first; the data is kept): beta stops, its place is
  // free for another chain, and running it again brings back what it held.
  await page.getByTestId('nav-chains').first().click();
  const row = (name: string) => page.getByTestId('chains').locator(`li[data-chain-name="${name}"]`);
  await row('beta').getByRole('button', { name: 'Leave beta…' }).click();
  const confirm = row('beta').getByTestId('leave-confirm');
  await expect(confirm).toContainText('This peer stops running it');
  await expect(confirm.getByLabel('Keep its data on this device')).toBeChecked();
  await axe(page);
  await confirm.getByRole('button', { name: 'Leave beta', exact: true }).click();
  await expect(page.getByTestId('chain-left')).toContainText('Left beta: its data stays');
  await expect(row('beta')).toContainText('left');
  const afterLeave = await page.evaluate(async () => await window.bot.chains());
  expect(afterLeave.find((c) => c.chainId === beta)).toMatchObject({ running: false, left: true });
  expect(
    await page.evaluate(
      (beta) =>
        window.bot
          .onChain(beta)
          .status()
          .then(
            () => 'ran',
            (e: { code?: string }) => e.code,
          ),
      beta,
    ),
  ).toBe('NOT_FOUND');
  await row('beta').getByRole('button', { name: 'Run beta again' }).click();
  await expect(page.getByTestId('strip-chain')).toContainText('beta');
  expect(
    (await page.evaluate((beta) => window.bot.onChain(beta).get('shared/report'), beta))?.value,
  ).toBe('all clear');
});
