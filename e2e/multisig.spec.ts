// Multi-signature approvals on the Wallet page (issue 16, D-8-data) between two tabs: the chain's
// genesis (made through window.bot: the Chains page has no multisig form yet) holds transfers
// above 100 for 2 of 2 signatures. A sends 500 on the Wallet page: it is proposed, not sent; B,
// the other signer (a phone), approves it on its Wallet page; it executes once. Run inside the
// test network namespace (scripts/netns-run).
// Conformance: D-8-data (multi-signature permission on chosen transaction types).
import { expect, test } from '@playwright/test';
import { axe, open, phone } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

test('a large transfer waits for the second signer, who approves it on the Wallet page', async ({
  browser,
}) => {
  const a = await open(browser, '/#/wallet');
  const b = await open(browser, '/#/wallet', phone);
  const aDid = await a.evaluate(async () => (await window.bot.identity()).did);
  const bDid = await b.evaluate(async () => (await window.bot.identity()).did);
  const { invite } = await a.evaluate(
    ([me, other]) =>
      window.bot.createChain({
        name: 'vault',
        mode: 'consortium',
        consensus: 'poa',
        tokens: { symbol: 'BOT', allocations: [{ did: me!, amount: 1000 }] },
        multisig: {
          signers: [me!, other!],
          k: 2,
          types: [{ type: 'token.transfer', amountOver: 100 }],
        },
      }),
    [aDid, bDid],
  );
  await b.goto(`/${invite.slice(invite.indexOf('#'))}`);
  await b.getByRole('button', { name: 'Join vault' }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });

  // A sends 500 to B on the Wallet page: above 100, so it is proposed and held.
  await a.reload();
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT', { timeout: 60_000 });
  await expect(a.locator('#approvals-title')).toBeVisible();
  await a.getByTestId('send-to').fill(bDid);
  await a.getByTestId('send-amount').fill('500');
  await a.getByTestId('send-button').click();
  await expect(a.getByTestId('send-result')).toContainText('waits for 2 signatures', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('approval')).toContainText('1 of 2 approvals');
  await expect(a.getByTestId('approve')).toHaveCount(0);
  await expect(a.getByTestId('wallet-balance')).toContainText('1,000 BOT');
  await axe(a);

  // B approves on its Wallet page; the transfer executes once.
  await b.goto('/#/wallet');
  await expect(b.getByTestId('approval')).toContainText('Transfer 500', { timeout: 60_000 });
  await axe(b);
  await b.getByTestId('approve').click();
  await expect(b.getByTestId('approval')).toContainText('executed', { timeout: 60_000 });
  await expect(b.getByTestId('wallet-balance')).toContainText('500 BOT', { timeout: 60_000 });
  await expect(a.getByTestId('wallet-balance')).toContainText('500 BOT', { timeout: 60_000 });
  expect(await a.evaluate(() => window.bot.balance().then((v) => v.balance))).toBe(500);
});
