// Supply-chain traceability through the Trace page (issue 17; Y.4464 II.1, Y.4560 I.1): three
// separate browsers on one consortium chain. The farm (A) records two lots and ships them to the
// processor; the processor, which also packs (B, two roles under one identity to keep the run to
// three peers), splits the wheat lot, merges flour with barley into a box and ships the box to
// the shop (C, phone-sized). The shop types the box's identifier and the backward query finds
// both origins through every transfer, the split and the merge, each step verified and every
// document checked at the information server (a tiny HTTP server in this test, on loopback
// inside the test network namespace). A document changed on the information server is reported
// as tampered for its step; a record forged in the processor's name is refused (BAD_SIGNATURE).
// Run inside the test network namespace (scripts/netns-run).
// Conformance: Y.4464 U-II.1, Y.4560 D-I.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, createChain, open, phone } from './helpers';
import { encodeTx, signTx } from '../worker/core/tx';
import { testIdentity } from '../worker/core/testing';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const documents = new Map<string, string>([
  ['/wheat.json', '{"farm":"North field","crop":"wheat","harvest":"2026-07-01"}'],
  ['/barley.json', '{"farm":"North field","crop":"barley","harvest":"2026-07-02"}'],
  ['/ship-farm.json', '{"carrier":"truck 7","celsius":14}'],
  ['/mill.json', '{"mill":"Riverside","milled":"2026-07-05"}'],
  ['/pack.json', '{"packer":"Riverside","boxed":"2026-07-06"}'],
  ['/ship-shop.json', '{"carrier":"van 2","celsius":12}'],
]);
let infoServer: Server;
let info = '';

test.beforeAll(async () => {
  infoServer = createServer((request, response) => {
    const text = documents.get(request.url ?? '');
    response.setHeader('access-control-allow-origin', '*');
    if (text === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((done) => infoServer.listen(0, '127.0.0.1', done));
  info = `http://127.0.0.1:${(infoServer.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((done) => infoServer?.close(done));
});

async function join(browser: Browser, link: string, options = {}): Promise<Page> {
  const page = await open(browser, link, options);
  await page.getByRole('button', { name: 'Join supply' }).click();
  await expect(page.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });
  return page;
}

async function account(page: Page): Promise<string> {
  await page.goto('/#/trace');
  return (await page.getByTestId('trace-me').textContent())!;
}

/** Fill the "Record a step" form as a person would, and wait until it is committed. */
async function step(
  page: Page,
  what: 'record' | 'transfer' | 'split' | 'merge',
  fields: { id: string; to?: string; into?: string; server: string },
): Promise<void> {
  await page.getByTestId('trace-action').selectOption(what);
  await page.getByTestId('trace-step-id').fill(fields.id);
  if (fields.to) await page.getByTestId('trace-to').fill(fields.to);
  if (fields.into) await page.getByTestId('trace-into').fill(fields.into);
  await page.getByTestId('trace-server').fill(`${info}${fields.server}`);
  await page.getByTestId('trace-submit').click();
  await expect(page.getByTestId('trace-done')).toContainText(fields.id, { timeout: 60_000 });
}

async function traceBack(page: Page, id: string): Promise<void> {
  await page.getByTestId('trace-id').fill(id);
  await page.getByTestId('trace-back').click();
  await expect(page.getByTestId('trace-summary')).toBeVisible({ timeout: 60_000 });
}

test('farm, processor and packer, shop: the backward query finds every origin; tampering is reported', async ({
  browser,
}) => {
  const farm = await open(browser, '/#/chains');
  const invite = await createChain(farm, 'supply');
  const mill = await join(browser, invite);
  // an invite admits one peer: the shop gets a fresh one
  const shop = await join(browser, await farm.evaluate(() => window.bot.invite()), phone);
  const millDid = await account(mill);
  const shopDid = await account(shop);

  // The farm records two lots (the peer hashes each document) and ships both to the processor.
  await farm.goto('/#/trace');
  await step(farm, 'record', { id: 'WHEAT-1', server: '/wheat.json' });
  await step(farm, 'record', { id: 'BARLEY-1', server: '/barley.json' });
  await step(farm, 'transfer', { id: 'WHEAT-1', to: millDid, server: '/ship-farm.json' });
  await step(farm, 'transfer', { id: 'BARLEY-1', to: millDid, server: '/ship-farm.json' });

  // The processor splits the wheat into two flour lots; as the packer it merges flour and barley
  // into a box, and ships the box to the shop.
  await expect
    .poll(() => mill.evaluate(() => window.bot.traceLot('BARLEY-1').then((l) => l?.holder)), {
      timeout: 60_000,
    })
    .toBe(millDid);
  await step(mill, 'split', { id: 'WHEAT-1', into: 'FLOUR-1, FLOUR-2', server: '/mill.json' });
  await step(mill, 'merge', { id: 'FLOUR-1, BARLEY-1', into: 'BOX-1', server: '/pack.json' });
  await step(mill, 'transfer', { id: 'BOX-1', to: shopDid, server: '/ship-shop.json' });

  // Only the holder moves a lot: the farm cannot ship the processor's flour; a merged lot is closed.
  await farm.getByTestId('trace-action').selectOption('transfer');
  await farm.getByTestId('trace-step-id').fill('FLOUR-2');
  await farm.getByTestId('trace-to').fill(shopDid);
  await farm.getByTestId('trace-server').fill(`${info}/ship-farm.json`);
  await farm.getByTestId('trace-submit').click();
  await expect(farm.getByRole('alert')).toContainText('Only the current holder of lot "FLOUR-2"');
  await farm.getByTestId('trace-step-id').fill('BARLEY-1');
  await farm.getByTestId('trace-submit').click();
  await expect(farm.getByRole('alert')).toContainText('Lot "BARLEY-1" was split or merged away');

  // The shop, on a phone, traces the box back.
  await expect
    .poll(() => shop.evaluate(() => window.bot.traceLot('BOX-1').then((l) => l?.holder)), {
      timeout: 60_000,
    })
    .toBe(shopDid);
  await traceBack(shop, 'BOX-1');
  const summary = shop.getByTestId('trace-summary');
  await expect(summary).toHaveAttribute('data-verified', 'true');
  await expect(shop.getByTestId('trace-origins')).toHaveText('BARLEY-1, WHEAT-1');
  const steps = shop.getByTestId('trace-step');
  await expect(steps).toHaveCount(7);
  await expect(
    shop.locator('[data-testid="trace-step"][data-status="verified"][data-document="verified"]'),
  ).toHaveCount(7);
  await expect(shop.getByTestId('trace-node')).toHaveCount(4); // BOX-1, FLOUR-1, BARLEY-1, WHEAT-1
  expect(await steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual([
    'origin',
    'origin',
    'transfer',
    'transfer',
    'split',
    'merge',
    'transfer',
  ]);
  const width = await shop.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await axe(shop);

  // The mill's document is changed on the information server: that step's data is tampered.
  documents.set('/mill.json', '{"mill":"Riverside","milled":"2026-07-09"}');
  await shop.reload();
  await expect(summary).toHaveAttribute('data-verified', 'false', { timeout: 60_000 });
  await expect(shop.locator('[data-testid="trace-step"][data-document="tampered"]')).toHaveCount(1);
  await expect(shop.locator('[data-testid="trace-step"][data-kind="split"]')).toHaveAttribute(
    'data-document',
    'tampered',
  );
  await expect(shop.locator('[data-testid="trace-node"][data-tampered="true"]')).not.toHaveCount(0);
  documents.set('/mill.json', '{"mill":"Riverside","milled":"2026-07-05"}');

  // A record forged in the processor's name (signed with another key) is refused by the peer:
  // a record's signature is its transaction's, checked before it enters the chain and again by
  // the backward query (worker/host/trace.test.ts changes a stored record behind the peer's back).
  const forger = testIdentity('trace forger');
  const chain = await shop.evaluate(() => window.bot.status().then((s) => s.chainId));
  const genuine = signTx(
    {
      chain,
      type: 'trace.transfer',
      from: forger.did,
      nonce: 1,
      time: Date.now(),
      body: { id: 'FLOUR-2', to: shopDid, server: `${info}/mill.json`, hash: 'ab'.repeat(32) },
    },
    forger.seed,
  );
  const forged = encodeTx({ ...genuine, from: millDid });
  const refused = await shop.evaluate(
    (bytes) =>
      window.bot.submitRaw(new Uint8Array(bytes)).then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      ),
    [...forged],
  );
  expect(refused).toBe('BAD_SIGNATURE');
  await expect
    .poll(() => shop.evaluate(() => window.bot.traceLot('FLOUR-2').then((l) => l?.holder)))
    .toBe(millDid);
  await axe(shop);
});
