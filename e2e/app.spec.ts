// The app against the real peer in this tab (issue 5): every page at phone and desktop size
// with an axe-core scan and a screenshot kept as a test artifact, live data on each page,
// start/stop, the explorer's in-page checks, governance, audit export, settings, identity
// backup, reset.
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { axeScan, goTo } from './helpers';

const viewports = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'desktop', width: 1280, height: 800 },
];

const pages = [
  { path: '', heading: 'Peer' },
  { path: 'network', heading: 'Network' },
  { path: 'ledger', heading: 'Ledger' },
  { path: 'chains', heading: 'Chains' },
  { path: 'governance', heading: 'Governance' },
  { path: 'audit', heading: 'Audit' },
  { path: 'devices', heading: null },
  { path: 'trace', heading: 'Trace' },
  { path: 'xchain', heading: 'Cross-chain' },

  { path: 'drive', heading: 'Drive' },
  { path: 'roads', heading: 'Roads' },

  { path: 'market', heading: 'Market' },
  { path: 'settings', heading: 'Settings' },
];

async function openPeer(page: Page, path = '') {
  await page.goto(`/#/${path}`);
  await page.waitForFunction(() => typeof window.bot?.ready === 'function');
  return page.evaluate(() => window.bot.ready());
}

async function put(page: Page, key: string, value: string) {
  await page.getByLabel('Key', { exact: true }).first().fill(key);
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Put' }).click();
  await expect(page.getByTestId('write-result')).toContainText('Committed in block');
  return Number(/block (\d+)/.exec((await page.getByTestId('write-result').textContent())!)![1]);
}

async function scanAndShoot(page: Page, testInfo: TestInfo, name: string) {
  const results = await axeScan(page);
  const serious = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  const detail = serious.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 3)
        .join(', ')}`,
  );
  // Kept as files in the test's output folder (test-results/…) for review, and attached to the report.
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(`${name}.png`, { path, contentType: 'image/png' });
  expect(detail, `axe on ${name}`).toEqual([]);
}

/** What each page shows from the live peer. */
async function expectLiveData(
  page: Page,
  path: string,
  facts: { height: number; did: string; committedHeight: number; chainName: string },
) {
  switch (path) {
    case '':
      await expect(page.getByTestId('height')).toHaveText(String(facts.height));
      await expect(page.getByTestId('did')).toHaveAttribute('title', facts.did);
      await expect(page.getByTestId('storage')).toContainText(/of/);
      break;
    case 'network':
      await expect(page.getByTestId('mesh')).toBeVisible();
      await expect(page.getByTestId('webrtc')).toContainText('WebRTC');
      break;
    case 'ledger':
      await expect(page.getByTestId('blocks')).toContainText(`#${facts.committedHeight}`);
      break;
    case 'chains':
      await expect(page.getByTestId('chains')).toContainText(facts.chainName);
      await expect(page.getByTestId('chains')).toContainText('active');
      break;
    case 'governance':
      await expect(page.getByTestId('validators')).toContainText('this peer');
      break;
    case 'audit':
      await expect(page.getByTestId('integrity')).toContainText('no tampering found');
      await expect(page.getByTestId('log')).toContainText('Peer started');
      break;
    case 'settings':
      await expect(page.getByTestId('relays-input')).toBeVisible();
      break;
    case 'xchain':
      await expect(page.getByTestId('xchain-genesis')).toHaveValue(/validators/);
      break;
    default:
      break;
  }
}

/** A fresh peer with one committed write, and what its pages should show of it. */
async function livePeer(page: Page) {
  await openPeer(page);
  const committedHeight = await put(page, 'greenhouse/temp', '21.5');
  const status = await page.evaluate(() => window.bot.status());
  const { did } = await page.evaluate(() => window.bot.identity());
  return { height: status.height, did, committedHeight, chainName: status.chainName };
}

// Every page at both sizes (30 axe scans): one test per viewport, so the two workers share them.
test.describe('every page at 360x740 and 1280x800', () => {
  test.describe.configure({ mode: 'parallel' });
  for (const viewport of viewports) {
    const dark = viewport.name === 'desktop' ? ', and two pages in the dark theme' : '';
    test(`${viewport.name}: live data from the peer, no serious axe violations, screenshots kept${dark}`, async ({
      page,
    }, testInfo) => {
      test.setTimeout(240_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const facts = await livePeer(page);
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      for (const { path, heading } of pages) {
        await goTo(page, path);
        await expect(page).toHaveURL(new RegExp(`#/${path}$`));
        if (heading)
          await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
        else await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
        await expectLiveData(page, path, facts);
        await page.waitForTimeout(150); // let lazy content settle before the scan and screenshot
        await scanAndShoot(page, testInfo, `${viewport.name}-${path || 'peer'}`);
      }
      if (dark) {
        // Dark theme: the same scan on two pages.
        await page.emulateMedia({ colorScheme: 'dark' });
        for (const path of ['', 'ledger']) {
          await page.goto(`/#/${path}`);
          await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
          await expectLiveData(page, path, facts);
          await scanAndShoot(page, testInfo, `desktop-dark-${path || 'peer'}`);
        }
      }
      expect(errors).toEqual([]);
    });
  }
});

test('routes survive a reload and the nav works from the keyboard', async ({ page }) => {
  await openPeer(page, 'audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
  await expect(page.getByTestId('nav-audit')).toHaveAttribute('aria-current', 'page');
  await page.getByTestId('nav-ledger').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Ledger' })).toBeFocused();
});

test('the explorer lists a block just committed and verifies its certificate, a key proof, a tx and an account in the page', async ({
  page,
}) => {
  await openPeer(page);
  const height = await put(page, 'sensor/kitchen', '19.0');
  const { txId, did } = await page.evaluate(async () => {
    const found = await window.bot.get('sensor/kitchen');
    return { txId: found!.txId, did: (await window.bot.identity()).did };
  });
  await page.getByTestId('nav-ledger').click();
  await expect(page.getByTestId('blocks')).toContainText(`#${height}`);
  await page.getByRole('link', { name: `#${height}`, exact: true }).click();
  await expect(page.getByTestId('certificate-verdict')).toContainText(
    '✓ Certificate verified in this page',
  );
  await expect(page.getByTestId('certificate-verdict')).toContainText(
    'links to the block before it',
  );
  const search = page.getByTestId('ledger-search');
  await search.fill('sensor/kitchen');
  await search.press('Enter');
  await expect(page.getByTestId('key-proof-verdict')).toContainText(
    '✓ Inclusion proof verified in this page',
  );
  // a key that holds nothing: its proof of absence, checked in the page too
  await search.fill('sensor/attic');
  await search.press('Enter');
  await expect(page.getByTestId('key-absent')).toContainText('No value under this key.');
  await expect(page.getByTestId('key-absence-verdict')).toContainText(
    '✓ Proof of absence verified in this page',
  );
  await search.fill(txId);
  await search.press('Enter');
  await expect(page.getByTestId('tx-found')).toContainText(`block ${height}`);
  await search.fill(did);
  await search.press('Enter');
  await expect(page.getByTestId('account-txs')).toContainText('data.put');
  await page.goto('/#/ledger/block/0');
  await expect(page.getByTestId('certificate-verdict')).toContainText('genesis');
});

test('stop and start the peer from the Peer page: the worker ends, calls say NOT_READY, the same peer comes back', async ({
  page,
}) => {
  const first = await openPeer(page);
  const { did } = await page.evaluate(() => window.bot.identity());
  await page.getByRole('button', { name: 'Stop peer' }).click();
  await expect(page.getByTestId('peer-state')).toHaveText('stopped');
  expect(
    await page.evaluate(() =>
      window.bot.status().then(
        () => 'answered',
        (e) => e.code,
      ),
    ),
  ).toBe('NOT_READY');
  await page.getByTestId('nav-ledger').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ledger' })).toBeVisible();
  await page.getByTestId('nav-peer').click();
  await page.getByRole('button', { name: 'Start peer' }).click();
  // a new worker opens the stored peer: seconds on a loaded box
  await expect(page.getByTestId('peer-state')).toHaveText('running', { timeout: 30_000 });
  await expect(page.getByTestId('height')).toHaveText(String(first.height));
  await expect(page.getByTestId('did')).toHaveAttribute('title', did);
  const log = await page.evaluate(() => window.bot.log());
  expect(log.some((e) => e.message.startsWith('Peer started'))).toBe(true);
});

test('governance: a validator proposes a member from the page; it passes and shows in the history', async ({
  page,
}) => {
  await openPeer(page, 'governance');
  await expect(page.getByTestId('validators')).toContainText('this peer');
  await page
    .getByLabel('Peer (did:key)')
    .fill('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
  await page.getByRole('button', { name: 'Propose' }).click();
  await expect(page.getByText(/Committed in block/)).toBeVisible();
  await expect(page.getByTestId('governance-history')).toContainText('Add member');
});

test('audit: the operation log is exported as JSON with the tamper check', async ({ page }) => {
  await openPeer(page, 'audit');
  await expect(page.getByTestId('integrity')).toContainText('no tampering found');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON' }).click();
  const file = await (await download).path();
  const exported = JSON.parse(readFileSync(file!, 'utf8'));
  expect(exported.integrity.ok).toBe(true);
  expect(exported.identity.did).toMatch(/^did:key:/);
  expect(exported.log.some((e: { message: string }) => e.message.startsWith('Peer started'))).toBe(
    true,
  );
});

test('settings: relays are checked and kept; the identity moves to another peer under a passphrase; reset wipes the peer', async ({
  context,
}) => {
  const one = await context.newPage();
  await openPeer(one, 'settings');
  const relays = one.getByTestId('relays-input');
  await relays.fill('https://not-a-websocket.example');
  await one.getByRole('button', { name: 'Save network settings' }).click();
  await expect(one.getByRole('alert')).toContainText('ws://');
  await relays.fill('ws://10.0.0.2:8080/signal');
  await one.getByRole('button', { name: 'Save network settings' }).click();
  await expect(one.getByText('Saved.')).toBeVisible();
  await one.reload();
  await expect(one.getByTestId('relays-input')).toHaveValue('ws://10.0.0.2:8080/signal');

  const { did } = await one.evaluate(() => window.bot.identity());
  await one.getByLabel('Passphrase (at least 8 characters)').fill('correct horse battery');
  await one.getByLabel('Passphrase again').fill('correct horse battery');
  await one.getByRole('button', { name: 'Export' }).click();
  await expect(one.getByTestId('identity-backup')).toHaveValue(new RegExp(did));
  const backup = await one.getByTestId('identity-backup').inputValue();

  const two = await context.newPage();
  await openPeer(two, 'settings');
  expect((await two.evaluate(() => window.bot.identity())).did).not.toBe(did);
  await two.getByLabel('…or paste the backup').fill(backup);
  await two.getByLabel('Passphrase', { exact: true }).fill('wrong passphrase');
  await two.getByRole('button', { name: 'Import' }).click();
  await expect(two.getByRole('alert')).toContainText('passphrase does not open');
  await two.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
  await two.getByRole('button', { name: 'Import' }).click();
  await two.getByRole('button', { name: 'Restart the peer now' }).click();
  await two.getByTestId('nav-peer').click();
  // the restarted peer opens its store again: seconds on a loaded box
  await expect(two.getByTestId('did')).toHaveAttribute('title', did, { timeout: 30_000 });

  await two.getByTestId('nav-settings').click();
  await two.getByLabel('Type reset to confirm').fill('reset');
  await two.getByRole('button', { name: 'Reset peer' }).click();
  await two.getByTestId('nav-peer').click();
  await expect(two.getByTestId('height')).toHaveText('0', { timeout: 30_000 });
  await expect(two.getByTestId('did')).not.toHaveAttribute('title', did);
});
