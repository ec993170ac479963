// Private mode by clicks (issue 16, D-I-private, D-8-data), between tabs that are each their own
// peer, inside the test network namespace (scripts/netns-run).
// 1. A creates a private chain it administers on the Chains page and, on the Governance page's
//    Roles card, lets only itself write data. B joins by the invite: its write is refused naming
//    the role; B, not an administrator, tries to give itself the right and is refused in plain
//    words; A gives B the right by clicks and B's write commits.
// 2. Two administrators, 2 of 2: A creates the chain naming B as co-administrator. B (a phone)
//    sees the admin forms; its role change waits on the Approvals card until A approves it. The
//    Multi-signature rule card shows the rule; A changes it to 1 of 2, B approves, and the card
//    shows the new rule. window.bot is used only to read identities and to assert.
import { expect, test, type Page } from '@playwright/test';
import { axe, didOf, open, phone } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

/** Create a private chain this tab administers (with `coAdmins`, 2 of them approve each change). */
async function createPrivate(a: Page, name: string, coAdmins = ''): Promise<string> {
  await a.getByLabel('Name').fill(name);
  await expect(a.getByLabel('Mode')).toHaveValue('private');
  await expect(a.getByTestId('mode-meaning')).toContainText('its administrator');
  await expect(a.getByLabel(/I administer this chain/)).toBeChecked();
  if (coAdmins) {
    await a.getByLabel(/Co-administrators/).fill(coAdmins);
    await a.getByLabel('Approvals needed (k)').fill('2');
  }
  await a.getByRole('button', { name: 'Create chain' }).click();
  await expect(a.getByRole('status').filter({ hasText: 'Created' })).toBeVisible();
  await expect(a.getByTestId('invite-link')).toContainText('#/join/');
  return (await a.getByTestId('invite-link').textContent())!;
}

async function join(b: Page, link: string, name: string): Promise<void> {
  await b.goto(`/${link.slice(link.indexOf('#'))}`);
  await b.getByRole('button', { name: `Join ${name}` }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });
}

/** Set a role on the Roles card. */
async function setRole(page: Page, role: string, holders: string[]): Promise<void> {
  await page.getByTestId('role-name').fill(role);
  await page.getByTestId('role-holders').fill(holders.join('\n'));
  await page.getByRole('button', { name: 'Set role' }).click();
}

const roleForm = (page: Page) => page.getByRole('form', { name: 'Set a role' });

async function write(page: Page, key: string): Promise<void> {
  await page.goto('/#/');
  const form = page.getByRole('region', { name: 'Write data' });
  await form.getByLabel('Key', { exact: true }).fill(key);
  await form.getByLabel('Value', { exact: true }).fill('21.5');
  await form.getByRole('button', { name: 'Put' }).click();
}

test('the administrator of a private chain gives a member the right to write by clicks; a non-administrator is refused', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createPrivate(a, 'plant');
  const aDid = await didOf(a);

  await a.goto('/#/governance');
  await expect(a.locator('#rights-title')).toBeVisible();
  await setRole(a, 'transact:data.put', [aDid]);
  await expect(roleForm(a).getByRole('status')).toContainText('Committed in block', {
    timeout: 60_000,
  });

  const b = await open(browser, '/#/', phone);
  await join(b, link, 'plant');
  const bDid = await didOf(b);
  await write(b, 'line/temp');
  await expect(b.getByTestId('write-result')).toContainText(
    'does not hold the role transact:data.put',
    { timeout: 30_000 },
  );

  // B is no administrator: it sees no forms, and when it tries anyway the chain refuses.
  await b.goto('/#/governance');
  await expect(b.getByTestId('rights-not-admin')).toContainText(
    'Only the administrator changes them.',
  );
  await expect(b.getByTestId('role-name')).toBeHidden();
  await b.getByText('Try a change anyway').click();
  await setRole(b, 'transact:data.put', [bDid]);
  await expect(roleForm(b).getByRole('alert')).toContainText('you are not its administrator', {
    timeout: 30_000,
  });
  await axe(b);

  // A gives B the right; B's write commits.
  await setRole(a, 'transact:data.put', [aDid, bDid]);
  await expect(roleForm(a).getByRole('status')).toContainText('Committed in block', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('roles')).toContainText('transact:data.put');
  await axe(a);
  await expect
    .poll(() => b.evaluate(() => window.bot.governance().then((g) => g.roles)), {
      timeout: 60_000,
    })
    .toEqual([{ role: 'transact:data.put', dids: [aDid, bDid] }]);
  await write(b, 'line/temp');
  await expect(b.getByTestId('write-result')).toContainText('Committed in block', {
    timeout: 60_000,
  });
  expect(await b.evaluate(() => window.bot.get('line/temp').then((e) => e?.value))).toBe('21.5');
  await a.context().close();
  await b.context().close();
});

test('2 of 2 administrators: a co-administrator proposes by clicks and the other approves; the multisig rule card changes the rule', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const b = await open(browser, '/#/', phone);
  const aDid = await didOf(a);
  const bDid = await didOf(b);
  const link = await createPrivate(a, 'works', bDid);
  await join(b, link, 'works');

  // B, a co-administrator, sees the forms; its role change waits for A's approval.
  await b.goto('/#/governance');
  await expect(b.getByRole('region', { name: 'Roles and policies' })).toContainText(
    '2 of 2 approve each change',
    { timeout: 30_000 },
  );
  await expect(b.getByTestId('msig-rule')).toContainText('admin.set need 2 of 2 signatures');
  await setRole(b, 'deploy', [aDid]);
  await expect(roleForm(b).getByRole('status')).toContainText(
    'takes effect once 2 administrators in all approve it',
    { timeout: 60_000 },
  );
  await expect(b.getByText('No role set')).toBeVisible();
  await expect(b.getByTestId('approval')).toContainText('1 of 2 approvals', { timeout: 30_000 });
  await expect(b.getByTestId('approve')).toHaveCount(0);
  await axe(b);

  await a.goto('/#/governance');
  const held = a.getByTestId('approval').filter({ hasText: 'Role deploy' });
  await expect(held).toContainText('1 of 2 approvals', { timeout: 60_000 });
  await held.getByTestId('approve').click();
  await expect(held).toContainText('executed', { timeout: 60_000 });
  await expect(a.getByTestId('roles')).toContainText('deploy');
  await expect(b.getByTestId('roles')).toContainText('deploy', { timeout: 60_000 });

  // A lowers the rule to 1 of 2 on the Multi-signature rule card; B approves; the card shows it.
  await expect(a.getByTestId('msig-signers')).toHaveValue(`${aDid}\n${bDid}`);
  await a.getByTestId('msig-k').fill('1');
  await a.getByRole('button', { name: 'Set rule' }).click();
  await expect(a.getByTestId('msig-result')).toContainText('approve it under Approvals', {
    timeout: 60_000,
  });
  await axe(a);
  const rule = b.getByTestId('approval').filter({ hasText: 'Multi-signature rule' });
  await expect(rule).toContainText('1 of 2 approvals', { timeout: 60_000 });
  await rule.getByTestId('approve').click();
  await expect(rule).toContainText('executed', { timeout: 60_000 });
  await expect(a.getByTestId('msig-rule')).toContainText('admin.set need 1 of 2 signatures', {
    timeout: 60_000,
  });
  expect(await a.evaluate(() => window.bot.multisig().then((m) => m.policy?.k))).toBe(1);
});
