// Issue 14 section 3: damage is never silent, and a damaged tab is repaired from its peers from
// the page. Two Chromium tabs hold one chain over WebRTC (inside the test run's private network
// namespace): a validator tab and a member tab that synced it. One committed block is changed in
// the member tab's IndexedDB behind its back; after a reload the tamper check fails and the alert
// shows; its Repair button sets the damaged ledger aside and the tab syncs the chain again from
// the validator, with the same blocks and no alert.
import { expect, test, type Page } from '@playwright/test';
import { openPeer, waitUntil } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

const statusOf = (page: Page) => page.evaluate(() => window.bot.status());
const hashAt = (page: Page, height: number) =>
  page.evaluate((h) => window.bot.block(h).then((b) => b?.hash ?? null), height);

test('a tab whose IndexedDB was changed shows the tamper alert, and Repair re-syncs it from a peer', async ({
  browser,
}) => {
  const context = await browser.newContext();
  try {
    const validator = await openPeer(context);
    const member = await openPeer(context);
    const validatorDid = await validator.evaluate(async () => (await window.bot.identity()).did);
    const { chainId, invite } = await validator.evaluate(
      (did) =>
        window.bot.createChain({
          name: 'repair',
          mode: 'consortium',
          consensus: 'bft',
          validators: [did],
          timeoutMs: 500,
        }),
      validatorDid,
    );
    await member.evaluate((invite) => window.bot.join(invite), invite);
    await validator.evaluate(async () => {
      const ids = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          window.bot.submit({ type: 'data.put', body: { key: `reading/${i}`, value: i } }),
        ),
      );
      for (const { txId } of ids) await window.bot.waitFor(txId, { timeoutMs: 60_000 });
    });
    const target = (await statusOf(validator)).height;
    await waitUntil(
      async () => {
        const s = await statusOf(member);
        return s.chainId === chainId && s.height >= target;
      },
      90_000,
      'the member tab to sync the chain',
    );
    const damagedHeight = 2;
    const goodHash = await hashAt(validator, damagedHeight);
    expect(await hashAt(member, damagedHeight)).toBe(goodHash);

    // Change one committed block inside the member tab's IndexedDB, behind the peer's back.
    await member.evaluate(
      async ({ chainId, height }) => {
        const slot = sessionStorage.getItem('bot-peer-slot') ?? '0';
        // A chain joined beside the peer's first one has a database of its own (multi-host).
        const names = (await indexedDB.databases()).map((d) => d.name);
        const own = `bot-peer-${slot}-chain-${chainId}`;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(names.includes(own) ? own : `bot-peer-${slot}`);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const tx = db.transaction('blocks', 'readwrite');
        const store = tx.objectStore('blocks');
        const key = [chainId, height];
        const bytes: Uint8Array = await new Promise((resolve) => {
          const r = store.get(key);
          r.onsuccess = () => resolve(r.result);
        });
        const changed = new Uint8Array(bytes);
        changed[changed.length - 40] = changed[changed.length - 40]! ^ 0x01;
        store.put(changed, key);
        await new Promise((resolve) => (tx.oncomplete = resolve));
        db.close();
      },
      { chainId, height: damagedHeight },
    );
    await member.reload();
    await member.waitForFunction(() => typeof window.bot?.ready === 'function');
    const damaged = await member.evaluate(() => window.bot.ready());
    expect(damaged.integrity.ok).toBe(false);
    expect(damaged.integrity.problems[0]!.height).toBe(damagedHeight);
    await expect(member.getByTestId('tamper-alert')).toBeVisible();
    expect(
      await member.evaluate(
        (h) =>
          window.bot.block(h).then(
            () => 'served',
            (e) => e.code,
          ),
        damagedHeight,
      ),
    ).toBe('TAMPERED');

    // The user repairs it from the page.
    member.once('dialog', (dialog) => void dialog.accept());
    await member.getByTestId('repair').click();
    // The alert (and its note) goes away once the re-synced ledger passes the tamper check.
    await waitUntil(
      async () => {
        const s = await statusOf(member);
        return s.integrity.ok && s.chainId === chainId && s.height >= target;
      },
      90_000,
      'the repaired tab to sync the chain again from the validator tab',
    );
    await expect(member.getByTestId('tamper-alert')).toBeHidden();
    expect(await hashAt(member, damagedHeight)).toBe(goodHash);
    expect(await hashAt(member, target)).toBe(await hashAt(validator, target));
    const value = await member.evaluate(() => window.bot.get('reading/5'));
    expect(value?.value).toBe(5);
  } finally {
    await context.close();
  }
});
