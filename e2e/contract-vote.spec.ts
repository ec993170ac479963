// A contract upgraded and retired by a vote (issue 17), by clicks: the Governance page proposes
// "Contract upgrade/retire" (it computes the new code's SHA-256), the solo dev chain's validator
// passes it alone, and the contract's "Upgrade or retire" card carries it out with the proposal's
// id. window.bot only asserts.
import { expect, test, type Page } from '@playwright/test';
import { axe, open, phone } from './helpers';

const v2 =
  "function increment(ctx, args) {\n  const n = (ctx.get('count') ?? 0) + 100;\n  ctx.put('count', n);\n  return n;\n}";

async function propose(page: Page, action: 'Upgrade' | 'Retire', code?: string): Promise<string> {
  await page.evaluate(() => {
    location.hash = '#/governance';
  });
  await expect(page.getByRole('heading', { level: 1, name: 'Governance' })).toBeVisible();
  const form = page.getByRole('region', { name: 'Propose a change' });
  const selects = form.locator('select');
  await selects.first().selectOption({ label: 'Contract upgrade/retire' });
  await form.getByLabel('Contract name').fill('counter');
  await selects.nth(1).selectOption({ label: action });
  if (code) await form.getByLabel(/^New code/).fill(code);
  await form.getByRole('button', { name: 'Propose' }).click();
  const result = page.getByTestId('propose-result');
  await expect(result).toContainText(/as proposal [0-9a-f]{64}/, { timeout: 60_000 });
  return /as proposal ([0-9a-f]{64})/.exec((await result.textContent()) ?? '')![1]!;
}

async function contracts(page: Page): Promise<void> {
  await page.evaluate(() => {
    location.hash = '#/contracts';
  });
  await expect(page.getByRole('heading', { level: 1, name: 'Contracts' })).toBeVisible();
  const openIt = page.getByRole('button', { name: 'Open counter' });
  if (await openIt.isVisible()) await openIt.click();
}

test('a contract is upgraded and retired by carrying out passed proposals', async ({ browser }) => {
  const page = await open(browser, '/', phone);
  await contracts(page);
  await page.getByLabel('Contract name').fill('counter');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click(); // the example code
  await expect(page.getByTestId('deploy-result')).toContainText(/Deployed counter in block \d+/, {
    timeout: 60_000,
  });

  const upgrade = await propose(page, 'Upgrade', v2);
  await axe(page);
  const hash = await page.evaluate(async (id) => {
    const p = (await window.bot.governance()).proposals.find((x) => x.id === id);
    return (p?.change as { codeHash?: string } | undefined)?.codeHash;
  }, upgrade);
  expect(hash).toMatch(/^[0-9a-f]{64}$/);

  await contracts(page);
  await page.getByText('Upgrade or retire').click();
  await page.getByLabel(/^Passed proposal/).fill(upgrade);
  await page.getByLabel('New code (the state is kept)').fill(v2);
  await page.getByRole('button', { name: 'Upgrade counter' }).click();
  await expect(page.getByTestId('contract-version')).toContainText('Version 2', {
    timeout: 60_000,
  });
  const versions = await page.evaluate(
    async () => (await window.bot.contract('counter'))!.versions,
  );
  expect(versions.at(-1)).toMatchObject({ codeHash: hash, proposal: upgrade });
  await expect(page.getByTestId('contract-versions')).toContainText('by vote');
  await axe(page);

  const retire = await propose(page, 'Retire');
  await contracts(page);
  await page.getByText('Upgrade or retire').click();
  await page.getByLabel(/^Passed proposal/).fill(retire);
  await page.getByLabel('Why it is retired').fill('replaced by vote');
  await page.getByRole('button', { name: 'Retire counter' }).click();
  await expect(page.getByTestId('contract-version')).toContainText('retired in block', {
    timeout: 60_000,
  });
  await page.context().close();
});
