// A data proxy through the Data page (issue 15, D-I.2; Y.4560 Annex I.2, Figure I.6): three
// browsers on one consortium chain. The owner A publishes a version; the proxy P (a 360 px
// phone) asks on behalf of the enterprise E; A's Grant waits for E; E (a 360 px phone) confirms
// on its page; A grants; P forwards; E reads the version decrypted on its own peer. The access
// log on every peer shows each step with who, for whom and the purpose. window.bot only asserts.
// Run inside the test network namespace (scripts/netns-run).
import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, createChain, joinByLink, open, phone } from './helpers';

test.setTimeout(300_000);

const join = (browser: Browser, link: string): Promise<Page> =>
  joinByLink(browser, link, 'grid', phone);
const didOf = async (page: Page) => (await page.evaluate(() => window.bot.identity())).did;

test('a proxy asks for an enterprise, which confirms; the owner grants; the proxy forwards; the enterprise reads', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  // The same clicks and typing, then the wait for "Created" and grid's invite: the Chains page
  // shows the dev chain's invite until the new chain is made (a fresh-clone run read that one).
  const p = await join(browser, await createChain(a, 'grid', 'consortium', 'poa'));
  const e = await join(browser, await a.evaluate(() => window.bot.invite()));
  const [aDid, pDid, eDid] = [await didOf(a), await didOf(p), await didOf(e)];

  await a.goto('/#/data');
  await a.getByTestId('dataset-id').fill('load');
  await a.getByTestId('publish-dataset').click();
  await expect(a.getByTestId('dataset-load')).toBeVisible({ timeout: 60_000 });
  await a.getByTestId('version-text').fill('hour,kW\n1,42');
  await a.getByTestId('add-version').click();
  await expect(a.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });

  // Step 1: P asks on behalf of E (E's did typed into the form).
  await p.goto('/#/data');
  const pLoad = p.getByTestId('dataset-load');
  await expect(pLoad).toBeVisible({ timeout: 60_000 });
  await pLoad.getByTestId('purpose').fill('load forecast for E');
  await pLoad.getByTestId('proxy-for').fill(eDid);
  await pLoad.getByTestId('request-access').click();
  await expect(p.getByTestId('my-request-load')).toContainText('on behalf of', {
    timeout: 60_000,
  });
  await expect(pLoad).toContainText('waiting for it to confirm');

  // A sees the request, and its Grant waits for E.
  const aRequests = a.getByTestId('requests-load');
  await expect(aRequests).toContainText('to confirm the proxy', { timeout: 60_000 });
  await expect(aRequests.getByTestId('grant')).toBeDisabled();

  // Step 2: E confirms on its page.
  await e.goto('/#/data');
  const eAsked = e.getByTestId('proxy-requests-load');
  await expect(eAsked).toContainText('load forecast for E', { timeout: 60_000 });
  await eAsked.getByTestId('confirm-proxy').click();
  await expect(eAsked).toContainText('confirmed by you', { timeout: 60_000 });
  await axe(e);

  // Step 3: A grants to P.
  await expect(aRequests.getByTestId('grant')).toBeEnabled({ timeout: 60_000 });
  await aRequests.getByTestId('grant').click();
  await expect(a.getByTestId('readers-load')).toBeVisible({ timeout: 60_000 });

  // Step 4: P forwards; E reads version 1 on its own peer.
  await pLoad.getByTestId('forward').click({ timeout: 60_000 });
  await expect(p.getByTestId('forwarded')).toContainText('version(s) 1', { timeout: 60_000 });
  await axe(p);
  await e.getByTestId('read-1').click({ timeout: 60_000 });
  await expect(e.getByTestId('read-result-load')).toContainText('hour,kW', { timeout: 60_000 });

  // Every step on every peer's access log: who, for whom, the purpose.
  const want = [
    ['request', pDid, eDid, 'load forecast for E'],
    ['confirm', eDid, eDid, 'load forecast for E'],
    ['grant', aDid, eDid, 'load forecast for E'],
    ['forward', pDid, eDid, 'load forecast for E'],
    ['access', eDid, null, 'load forecast for E'],
  ];
  for (const page of [a, p, e])
    await expect
      .poll(
        async () =>
          (await page.evaluate(() => window.bot.accessLog('load')))
            .filter((x) => !['publish', 'version'].includes(x.kind))
            .map((x) => [x.kind, x.by, x.for ?? null, x.purpose]),
        { timeout: 60_000 },
      )
      .toEqual(want);
  await expect(a.getByTestId('access-log-load')).toContainText('forward');
  for (const page of [a, p, e]) await page.context().close();
});
