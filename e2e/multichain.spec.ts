// Several chains per peer (issue 18), driven as a person would: one tab creates two chains on the
// Chains page, both run beside the tab's first chain, each commits its own writes, the Chains
// card shows them side by side with their heights going up, and a click switches the chain the
// pages look at. window.bot only asserts (its onChain view names the chain a call runs on).
import { expect, test, type Page } from '@playwright/test';
import { axe, createChain, open } from './helpers';

test.setTimeout(180_000);

async function rowOf(page: Page, name: string) {
  return page.getByTestId('chains').locator(`li[data-chain-name="${name}"]`);
}

async function heightShown(page: Page, name: string): Promise<number> {
  const text = await (await rowOf(page, name)).getByTestId('chain-height').textContent();
  return Number(text);
}

async function putOnPeerPage(page: Page, key: string, value: string): Promise<void> {
  await page.getByTestId('nav-peer').first().click();
  await page.getByLabel('Key', { exact: true }).first().fill(key);
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Put' }).click();
  await expect(page.getByTestId('write-result')).toContainText(/committed/i, { timeout: 60_000 });
}

test('one tab runs two chains it created side by side, writes on each, and switches between them by clicking', async ({
  browser,
}) => {
  const page = await open(browser, '/#/chains');
  const first = (await page.evaluate(() => window.bot.status())).chainName;
  await createChain(page, 'alpha', 'private', 'solo');
  await createChain(page, 'beta', 'private', 'solo');
  const chains = await page.evaluate(() => window.bot.chains());
  expect(chains.map((c) => [c.name, c.running, c.active])).toEqual([
    [first, true, false],
    ['alpha', true, false],
    ['beta', true, true],
  ]);
  const alpha = chains.find((c) => c.name === 'alpha')!.chainId;
  const beta = chains.find((c) => c.name === 'beta')!.chainId;
  await expect(page.getByTestId('chains').locator('li')).toHaveCount(3);
  await expect(await rowOf(page, 'beta')).toContainText('active');

  // A write on the active chain (beta), through the Peer page.
  await putOnPeerPage(page, 'side/beta', 'on beta');
  // Switch by clicking: the strip and the pages follow alpha.
  await page.getByTestId('nav-chains').first().click();
  await (await rowOf(page, 'alpha')).getByRole('button', { name: 'Switch to alpha' }).click();
  await expect(page.getByTestId('strip-chain')).toContainText('alpha');
  await expect(await rowOf(page, 'alpha')).toContainText('active');
  await putOnPeerPage(page, 'side/alpha', 'on alpha');

  // Each write is on its own chain only.
  const seen = await page.evaluate(
    async ({ alpha, beta }) => ({
      alphaHasBeta: await window.bot.onChain(alpha).get('side/beta'),
      betaHasAlpha: await window.bot.onChain(beta).get('side/alpha'),
      beta: (await window.bot.onChain(beta).get('side/beta'))?.value,
      alpha: (await window.bot.get('side/alpha'))?.value,
    }),
    { alpha, beta },
  );
  expect(seen).toEqual({
    alphaHasBeta: null,
    betaHasAlpha: null,
    beta: 'on beta',
    alpha: 'on alpha',
  });

  // Both chains commit at the same time; the Chains card shows both heights going up live.
  await page.getByTestId('nav-chains').first().click();
  const before = { alpha: await heightShown(page, 'alpha'), beta: await heightShown(page, 'beta') };
  const committed = await page.evaluate(
    async ({ alpha, beta }) => {
      const write = async (chain: string, i: number) => {
        const on = window.bot.onChain(chain);
        const { txId } = await on.submit({
          type: 'data.put',
          body: { key: `both/${i}`, value: i },
        });
        return (await on.waitFor(txId, { timeoutMs: 60_000 })).status;
      };
      return Promise.all(Array.from({ length: 8 }, (_, i) => write(i % 2 === 0 ? alpha : beta, i)));
    },
    { alpha, beta },
  );
  expect(committed.every((s) => s === 'committed')).toBe(true);
  await expect.poll(() => heightShown(page, 'alpha')).toBeGreaterThan(before.alpha);
  await expect.poll(() => heightShown(page, 'beta')).toBeGreaterThan(before.beta);
  await axe(page);

  // Reloaded (the worker restarts), the tab runs both again and still looks at alpha.
  await page.reload();
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  await page.evaluate(() => window.bot.ready());
  await expect(page.getByTestId('strip-chain')).toContainText('alpha');
  await expect(page.getByTestId('chains').locator('li')).toHaveCount(3);
  const again = await page.evaluate(() => window.bot.chains());
  expect(again.filter((c) => c.running).map((c) => c.name)).toEqual([first, 'alpha', 'beta']);
  // Back to beta by clicking, on a phone-sized screen.
  await page.setViewportSize({ width: 360, height: 740 });
  await (await rowOf(page, 'beta')).getByRole('button', { name: 'Switch to beta' }).click();
  await expect(page.getByTestId('strip-chain')).toContainText('beta');
  expect((await page.evaluate(() => window.bot.get('side/beta')))?.value).toBe('on beta');
  await axe(page);
  await page.context().close();
});
