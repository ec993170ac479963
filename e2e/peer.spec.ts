// The foundation end to end in real Chromium: 100 puts through window.bot, a reload that keeps
// everything with valid proofs, and a block tampered in IndexedDB that the peer reports.
import { expect, test, type Page } from '@playwright/test';

async function openPeer(page: Page) {
  await page.goto('/');
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  return page.evaluate(() => window.bot.ready());
}

test('commits 100 puts, keeps them across a reload with valid proofs, reports a tampered block', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const first = await openPeer(page);
  expect(first.consensus).toBe('solo');
  expect(first.storage).toBe('indexeddb');
  // Signatures are checked in the verifier workers beside the peer's worker (one per core).
  expect(first.verifier.backend).toBe('webcrypto');
  expect(first.verifier.threads).toBeGreaterThanOrEqual(1);
  const identity = await page.evaluate(() => window.bot.identity());
  expect(identity.did).toMatch(/^did:key:z6Mk/);

  const results = await page.evaluate(async () => {
    const ids = [];
    for (let i = 0; i < 100; i++)
      ids.push(
        (
          await window.bot.submit({
            type: 'data.put',
            body: { key: `reading/${i}`, value: { celsius: 20 + i / 10 } },
          })
        ).txId,
      );
    return Promise.all(ids.map((id) => window.bot.waitFor(id, { timeoutMs: 60_000 })));
  });
  expect(results.every((r) => r.status === 'committed')).toBe(true);
  const deleted = await page.evaluate(async () => {
    const { txId } = await window.bot.submit({ type: 'data.delete', body: { key: 'reading/0' } });
    return window.bot.waitFor(txId, { timeoutMs: 30_000 });
  });
  expect(deleted.status).toBe('committed');
  const before = await page.evaluate(() => window.bot.status());
  await expect(page.getByTestId('height')).toHaveText(String(before.height));

  await page.reload();
  const after = await openPeer(page);
  expect(after.height).toBe(before.height);
  expect(after.headHash).toBe(before.headHash);
  expect(after.integrity.ok).toBe(true);
  expect((await page.evaluate(() => window.bot.identity())).did).toBe(identity.did);
  const checked = await page.evaluate(async () => {
    const out = [];
    for (let i = 0; i < 100; i++) {
      const got = await window.bot.get(`reading/${i}`);
      out.push({
        found: got !== null,
        deleted: got?.deleted,
        value: got?.value,
        proof: got ? window.bot.verifyProof(got.proof).ok : false,
      });
    }
    return out;
  });
  expect(checked.filter((c) => c.found && c.proof)).toHaveLength(100);
  expect(checked[0]!.deleted).toBe(true);
  expect(checked[42]!.value).toEqual({ celsius: 24.2 });

  // The UI look-up shows the proof verified in the page.
  await page.getByLabel('Key', { exact: true }).last().fill('reading/42');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByTestId('proof-verdict')).toContainText('verified');

  // Change one committed block inside IndexedDB, behind the peer's back.
  const tamperedHeight = await page.evaluate(async (height) => {
    const slot = sessionStorage.getItem('bot-peer-slot') ?? '0';
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(`bot-peer-${slot}`);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const status = await window.bot.status();
    const key = [status.chainId, height];
    const tx = db.transaction('blocks', 'readwrite');
    const store = tx.objectStore('blocks');
    const bytes: Uint8Array = await new Promise((resolve) => {
      const r = store.get(key);
      r.onsuccess = () => resolve(r.result);
    });
    const changed = new Uint8Array(bytes);
    changed[changed.length - 40] = changed[changed.length - 40]! ^ 0x01; // inside the last transaction
    store.put(changed, key);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    return height;
  }, 2);

  await page.reload();
  const tampered = await openPeer(page);
  expect(tampered.integrity.ok).toBe(false);
  expect(tampered.integrity.problems[0]!.height).toBe(tamperedHeight);
  await expect(page.getByTestId('tamper-alert')).toBeVisible();
  const served = await page.evaluate(
    (h) =>
      window.bot.block(h).then(
        () => 'served',
        (e) => e.code,
      ),
    tamperedHeight,
  );
  expect(served).toBe('TAMPERED');
  expect(errors).toEqual([]);
});

test('a second tab gets its own peer; bad input gets typed errors', async ({ context }) => {
  const one = await context.newPage();
  const two = await context.newPage();
  await openPeer(one);
  await openPeer(two);
  const [a, b] = await Promise.all([
    one.evaluate(() => window.bot.identity()),
    two.evaluate(() => window.bot.identity()),
  ]);
  expect(a.did).not.toBe(b.did);
  const codes = await one.evaluate(async () => {
    const attempt = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e) => e.code,
      );
    return [
      await attempt(window.bot.submit({ type: 'data.put', body: { key: 12, value: 'x' } })),
      await attempt(
        window.bot.submit({ type: 'data.put', body: { key: 'k', value: 'x'.repeat(20_000) } }),
      ),
      await attempt(window.bot.submit({ type: 'mystery', body: {} })),
      await attempt(window.bot.submitRaw(new Uint8Array([0xa1, 0x61]))),
      await attempt(window.bot.block(-1)),
    ];
  });
  expect(codes).toEqual([
    'BAD_FIELD_TYPE',
    'TOO_LARGE',
    'UNKNOWN_TYPE',
    'MALFORMED',
    'BAD_REQUEST',
  ]);
});
