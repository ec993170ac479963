// Leaving a chain without its data in a real tab (issue 18): a tab creates a second chain on the
// Chains page, publishes a dataset on it on the Data page (its sealed chunks and manifest land in
// the chain's own IndexedDB blob database, bot-blobs-<slot>-chain-<id>), then leaves it on the
// Chains page with "Keep its data on this device" unchecked. The chain stops, and its blob
// database is still there but empty; the first chain's blob database is untouched. The page is
// driven by clicks; window.bot and IndexedDB are read only to assert.
// Conformance: D-10.1-multi (a left chain's data wiped, its dataset blobs included).
import { expect, test, type Page } from '@playwright/test';
import { axe, createChain, open } from './helpers';

test.setTimeout(180_000);

/** Entries of each store of every blob database of this origin whose name has `part` (none: absent). */
function blobCounts(page: Page, part: string): Promise<Record<string, Record<string, number>>> {
  return page.evaluate(async (part) => {
    const out: Record<string, Record<string, number>> = {};
    for (const { name } of await indexedDB.databases()) {
      if (!name?.startsWith('bot-blobs-') || !name.includes(part)) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const counts: Record<string, number> = {};
      for (const store of Array.from(db.objectStoreNames))
        counts[store] = await new Promise<number>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).count();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      db.close();
      out[name] = counts;
    }
    return out;
  }, part);
}

const total = (counts: Record<string, Record<string, number>>) =>
  Object.values(counts).reduce(
    (sum, stores) => sum + Object.values(stores).reduce((s, n) => s + n, 0),
    0,
  );

test("leaving a chain without its data deletes its dataset blobs from the tab's IndexedDB", async ({
  browser,
}) => {
  const page = await open(browser, '/#/chains');
  await createChain(page, 'gamma', 'private', 'solo');
  const gamma = (await page.evaluate(() => window.bot.chains())).find(
    (c) => c.name === 'gamma',
  )!.chainId;

  // A dataset with one version on gamma, through the Data page.
  await page.goto('/#/data');
  await page.getByTestId('dataset-id').fill('pm25');
  await page.getByTestId('publish-dataset').click();
  await expect(page.getByTestId('dataset-pm25')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('version-text').fill('pm2.5 µg/m³: 12, 14, 9');
  await page.getByTestId('add-version').click();
  await expect(page.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });
  const onGamma = await blobCounts(page, `-chain-${gamma}`);
  expect(Object.keys(onGamma)).toHaveLength(1);
  expect(total(onGamma)).toBeGreaterThan(0); // sealed chunks and the manifest, with their sizes
  const others = async () => {
    const all = await blobCounts(page, '');
    for (const name of Object.keys(all)) if (name.includes(gamma)) delete all[name];
    return all;
  };
  const othersBefore = await others();

  // Leave gamma on the Chains page, its data not kept.
  await page.getByTestId('nav-chains').first().click();
  const row = page.getByTestId('chains').locator('li[data-chain-name="gamma"]');
  await row.getByRole('button', { name: 'Leave gamma…' }).click();
  const confirm = row.getByTestId('leave-confirm');
  await confirm.getByLabel('Keep its data on this device').uncheck();
  await axe(page);
  await confirm.getByRole('button', { name: 'Leave gamma', exact: true }).click();
  await expect(page.getByTestId('chain-left')).toContainText(
    'Left gamma: its data was deleted from this device',
  );

  // The chain no longer runs; its blob database stays, empty; the other chains' blobs stay.
  expect(
    await page.evaluate(
      (gamma) =>
        window.bot
          .onChain(gamma)
          .status()
          .then(
            () => 'ran',
            (e: { code?: string }) => e.code,
          ),
      gamma,
    ),
  ).toBe('NOT_FOUND');
  const after = await blobCounts(page, `-chain-${gamma}`);
  expect(Object.keys(after)).toEqual(Object.keys(onGamma));
  expect(total(after)).toBe(0);
  expect(await others()).toEqual(othersBefore);

  // Reloaded (the worker restarts), nothing of gamma comes back.
  await page.reload();
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  await page.evaluate(() => window.bot.ready());
  expect((await page.evaluate(() => window.bot.chains())).map((c) => c.chainId)).not.toContain(
    gamma,
  );
  expect(total(await blobCounts(page, `-chain-${gamma}`))).toBe(0);
  await page.context().close();
});
