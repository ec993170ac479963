// A public chain with validators by stake (issue 16, public mode), between two tabs, each its
// own peer. A creates the chain on the Chains page (public, bft, a token, epoch of 2 blocks, its
// own bond of 100) and reads what the mode means; B joins by the invite (a public chain admits
// anyone), is paid 300 BOT by A on the Wallet page, and bonds 200 on its Stake card by typing and
// clicking. After the epoch boundary B is a validator with power 200 of 300, so no block can be
// decided without B's signature: the next block's certificate carries it. window.bot is used only
// to assert. Run inside the test network namespace (scripts/netns-run).
// Conformance: D-I-public.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, didOf, open, phone, until } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

async function join(browser: Browser, link: string): Promise<Page> {
  const page = await open(browser, link, phone);
  await page.getByRole('button', { name: 'Join agora' }).click();
  await expect(page.getByTestId('admission-state')).toContainText('Admitted', {
    timeout: 120_000,
  });
  return page;
}

/** A sends `amount` BOT to `to` on its Wallet page and waits for the block. */
async function pay(a: Page, to: string, amount: number): Promise<void> {
  await a.getByTestId('send-to').fill(to);
  await a.getByTestId('send-amount').fill(String(amount));
  await a.getByTestId('send-button').click();
  await expect(a.getByTestId('send-result')).toContainText(`Sent ${amount} BOT`, {
    timeout: 60_000,
  });
}

test('a new peer joins a public chain, bonds stake by clicks and signs blocks after the epoch boundary', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains', phone);
  await a.getByLabel('Name').fill('agora');
  await a.getByLabel('Mode').selectOption('public');
  await expect(a.getByTestId('mode-meaning')).toContainText(
    'anyone who bonds tokens can become a validator, with voting power by stake',
  );
  await a.getByLabel('Consensus engine').selectOption('bft');
  await a.getByLabel(/Token symbol/).fill('BOT');
  await a.getByLabel('Your starting balance').fill('1000');
  await a.getByLabel(/Epoch/).fill('2');
  await a.getByLabel(/Your bond as the first validator/).fill('100');
  await axe(a);
  await a.getByRole('button', { name: 'Create chain' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  await expect(a.getByTestId('invite-link')).toContainText('#/join/');
  const b = await join(browser, (await a.getByTestId('invite-link').textContent())!);
  const aDid = await didOf(a);
  const bDid = await didOf(b);

  // A pays B 300 on the Wallet page; A's Stake card shows A alone with power 100.
  await a.goto('/#/wallet');
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT', { timeout: 60_000 });
  await expect(a.getByTestId('stake-validators')).toContainText('power 100 (100%)');
  await pay(a, bDid, 300);

  // B bonds 200 on its Stake card.
  await b.goto('/#/wallet');
  await expect(b.getByTestId('wallet-balance')).toContainText('300 BOT', { timeout: 60_000 });
  await expect(b.getByTestId('my-stake')).toContainText('Bonded 0 BOT');
  await b.getByTestId('stake-amount').fill('200');
  await b.getByRole('button', { name: 'Bond', exact: true }).click();
  await expect(b.getByTestId('stake-result')).toContainText('Bonded 200 BOT', { timeout: 60_000 });
  await expect(b.getByTestId('my-stake')).toContainText('Bonded 200 BOT');
  await axe(b);

  // Blocks go on (A pays 1 at a time) until the epoch boundary elects B.
  await until(
    async () => {
      if (await b.evaluate(() => window.bot.staking().then((s) => s.validator))) return true;
      await pay(a, bDid, 1);
      return false;
    },
    'B elected at the epoch boundary',
    180_000,
  );
  await expect(b.getByTestId('my-stake')).toContainText('validator', { timeout: 60_000 });
  await expect(b.getByTestId('stake-validators')).toContainText('power 200 (67%)');
  const staking = await b.evaluate(() => window.bot.staking());
  expect(staking.validators).toEqual([
    { did: bDid, power: 200 },
    { did: aDid, power: 100 },
  ]);
  expect(staking.bond).toBe(200);

  // The next block needs B: A's 100 of 300 is no quorum alone. Its certificate carries B.
  const from = await b.evaluate(() => window.bot.status().then((s) => s.height));
  await pay(a, bDid, 1);
  const signed = await until(
    () =>
      b.evaluate(
        async ({ from, bDid }) => {
          const head = (await window.bot.status()).height;
          for (let h = from + 1; h <= head; h++) {
            const block = await window.bot.block(h);
            if (block?.cert?.signers.includes(bDid))
              return { height: h, signers: block.cert.signers };
          }
          return null;
        },
        { from, bDid },
      ),
    'a block signed by B',
  );
  expect(signed!.signers).toContain(bDid);
  expect(
    await a.evaluate(
      (h) => window.bot.block(h).then((block) => block?.cert?.signers ?? []),
      signed!.height,
    ),
  ).toContain(bDid);
});
