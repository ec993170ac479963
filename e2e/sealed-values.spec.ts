// Values under a read role are sealed on the chain (issue 15: "who may read which key prefixes
// ... enforced by block validity"), in real tabs: A creates a consortium chain (its only
// validator, so its proposals pass at once); B and C join by their invite links. A gives B the
// role read:lab/ on the Governance page by clicks, then types a value under lab/ on the Peer
// page. B looks the key up on its page and reads the value (its peer opened it); C, a member
// without the role, sees it sealed, not garbage and not an error; the block C holds carries no
// plaintext. A writes the key a second time. Then A grants C the role too, by clicks: C's peer
// publishes its X25519 key and B's peer shares the value and its earlier version with C by
// itself (data.share), so C, granted later, opens the value on its page by clicks and sees the
// whole history open on the Ledger page. window.bot only to assert (and to read dids and a
// second invite).
// Runs inside the test network namespace (scripts/netns-run). Conformance: R-7.2.3-a,
// D-I-consortium, D-8-access.
import { expect, test, type Page } from '@playwright/test';
import { axe, createChain, didOf, joinByLink, open, phone } from './helpers';

test.setTimeout(300_000);

async function lookUp(page: Page, key: string): Promise<void> {
  const lookup = page.getByRole('region', { name: 'Look up a key' });
  await lookup.getByLabel('Key', { exact: true }).fill(key);
  await lookup.getByRole('button', { name: 'Look up' }).click();
}

test('a value under a read role: the holder reads it on its page, a member without the role sees it sealed, a holder granted later reads it and its history', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createChain(a, 'vault');
  const b = await joinByLink(browser, link, 'vault');
  const second = await a.evaluate(() => window.bot.invite());
  const c = await joinByLink(browser, second, 'vault', phone);
  const bDid = await didOf(b);

  // A gives B the read role by clicks.
  await a.evaluate(() => {
    location.hash = '#/governance';
  });
  await a.getByTestId('role-name').fill('read:lab/');
  await a.getByTestId('role-holders').fill(bDid);
  await a.getByRole('button', { name: 'Set role' }).click();
  await expect(a.getByRole('form', { name: 'Set a role' }).getByRole('status')).toContainText(
    'Committed in block',
    { timeout: 60_000 },
  );
  await expect(a.getByTestId('roles')).toContainText('read:lab/', { timeout: 30_000 });

  // A types a value under lab/. Its peer seals it for B as soon as B's peer has published its
  // X25519 key (B does that by itself once it holds the role); until then A is told why not.
  const secret = 'launch at dawn';
  await a.evaluate(() => {
    location.hash = '#/';
  });
  const write = a.getByRole('region', { name: 'Write data' });
  await write.getByLabel('Key', { exact: true }).fill('lab/plan');
  await write.getByLabel('Value', { exact: true }).fill(secret);
  await expect(async () => {
    await write.getByRole('button', { name: 'Put' }).click();
    await expect(a.getByTestId('write-result')).toContainText('Committed in block', {
      timeout: 20_000,
    });
  }).toPass({ timeout: 120_000 });

  // B, the holder, reads it on its page.
  await b.evaluate(() => {
    location.hash = '#/';
  });
  await expect(async () => {
    await lookUp(b, 'lab/plan');
    await expect(b.getByTestId('lookup-result')).toContainText(secret, { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await expect(b.getByTestId('lookup-opened')).toContainText('read:lab/');
  await expect(b.getByTestId('proof-verdict')).toContainText('Inclusion proof verified');

  // A writes the key again: the first value becomes an earlier version in its history.
  const later = 'launch at noon';
  await write.getByLabel('Value', { exact: true }).fill(later);
  await write.getByRole('button', { name: 'Put' }).click();
  await expect(a.getByTestId('write-result')).toContainText('Committed in block', {
    timeout: 30_000,
  });
  await expect(async () => {
    await lookUp(b, 'lab/plan');
    await expect(b.getByTestId('lookup-result')).toContainText(later, { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });

  // C, a member without the role, sees that it is sealed.
  await c.evaluate(() => {
    location.hash = '#/';
  });
  await expect(async () => {
    await lookUp(c, 'lab/plan');
    await expect(c.getByTestId('lookup-sealed')).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await expect(c.getByTestId('lookup-sealed')).toContainText('encrypted for 1 holder of read:lab/');
  await expect(c.getByTestId('lookup-result')).not.toContainText(later);
  await expect(c.getByRole('alert')).toHaveCount(0);
  await axe(c);

  // Asserted through window.bot: C's copy holds the sealed value only, in the state and the block.
  const atC = await c.evaluate(async () => {
    const got = (await window.bot.get('lab/plan'))!;
    const block = (await window.bot.block(got.height))!;
    return { got, body: JSON.stringify(block.txs.map((t) => t.body)) };
  });
  expect(atC.got).toMatchObject({ value: null, sealed: { opened: false, readers: [bDid] } });
  expect(atC.body).toContain('sealed');
  expect(atC.body).not.toContain(later);
  expect(atC.got.proof.entry).not.toContain(Buffer.from(later).toString('hex'));
  const atB = await b.evaluate(() => window.bot.get('lab/plan'));
  expect(atB).toMatchObject({ value: later, sealed: { opened: true } });

  // A grants C the role as well, by clicks: C, granted after the value was written, opens it on
  // its page once B's peer has shared it (no one writes it again).
  const cDid = await didOf(c);
  await a.evaluate(() => {
    location.hash = '#/governance';
  });
  await a.getByTestId('role-name').fill('read:lab/');
  await a.getByTestId('role-holders').fill(`${bDid}, ${cDid}`);
  await a.getByRole('button', { name: 'Set role' }).click();
  await expect(a.getByRole('form', { name: 'Set a role' }).getByRole('status')).toContainText(
    'Committed in block',
    { timeout: 60_000 },
  );
  await expect(async () => {
    await lookUp(c, 'lab/plan');
    await expect(c.getByTestId('lookup-result')).toContainText(later, { timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  await expect(c.getByTestId('lookup-opened')).toContainText('read:lab/');
  await expect(c.getByTestId('proof-verdict')).toContainText('Inclusion proof verified');
  await expect(c.getByRole('alert')).toHaveCount(0);
  const shared = await c.evaluate(() => window.bot.get('lab/plan'));
  expect(shared).toMatchObject({ value: later, sealed: { opened: true, readers: [bDid, cDid] } });
  // The value was not written again: same version, same box.
  expect(shared!.txId).toBe(atC.got.txId);
  expect(shared!.proof.entry).toBe(atC.got.proof.entry);
  // The earlier version is shared too: C's Ledger page shows the whole history open.
  await expect(async () => {
    // open the key again (the page reads the history when it opens)
    await c.evaluate(() => {
      location.hash = '#/ledger';
    });
    await c.evaluate(() => {
      location.hash = '#/ledger/key/lab%2Fplan';
    });
    const history = c.getByTestId('key-history');
    await expect(history).toContainText(secret, { timeout: 5_000 });
    await expect(history).toContainText(later);
    await expect(history).not.toContainText('sealed');
  }).toPass({ timeout: 90_000 });
  await expect(c.getByRole('alert')).toHaveCount(0);
  for (const page of [a, b, c]) await page.context().close();
});
