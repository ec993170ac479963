// Issue 19, the overlay: 12 tabs of one browser at linksMax 4 (4 poa validators, 8 members of a
// public chain). No tab holds more than 4 links beside validator-to-validator and ring ones, the graph
// is not complete, a write from the member least linked to the validators commits and is read
// on every tab (blocks and transactions cross several hops), and a late tab syncs through the
// non-complete graph. Conformance: issue 19 (the overlay).
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { didOf, heightOf, openPeer, waitUntil } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(420_000);

const linksMax = 4;

interface Links {
  did: string;
  validator: boolean;
  open: Array<{ did: string; validator: boolean; ring: boolean }>;
}

async function linksOf(page: Page): Promise<Links> {
  return page.evaluate(async () => {
    const [network, status] = await Promise.all([window.bot.network(), window.bot.status()]);
    return {
      did: network.did,
      validator: status.role === 'validator',
      open: network.neighbours
        .filter((n) => n.state === 'open')
        .map((n) => ({ did: n.did, validator: n.validator, ring: n.ring })),
    };
  });
}

/**
 * Links that count against linksMax: all but those between two validators and the two ring
 * links each tab keeps so that the overlay stays in one piece (worker/net/overlay.ts).
 */
const counted = (l: Links) => l.open.filter((n) => !(l.validator && n.validator) && !n.ring).length;

/** Hops between every pair over the tabs' open links (Infinity when apart). */
function distances(all: Links[]): number[][] {
  const index = new Map(all.map((l, i) => [l.did, i]));
  return all.map((from) => {
    const hops = all.map(() => Number.POSITIVE_INFINITY);
    hops[index.get(from.did)!] = 0;
    let frontier = [from];
    for (let d = 1; frontier.length > 0; d++) {
      const next: Links[] = [];
      for (const l of frontier)
        for (const n of l.open) {
          const i = index.get(n.did);
          if (i !== undefined && hops[i] === Number.POSITIVE_INFINITY) {
            hops[i] = d;
            next.push(all[i]!);
          }
        }
      frontier = next;
    }
    return hops;
  });
}

test.describe('12 tabs on a bounded overlay', () => {
  let context: BrowserContext;
  const tabs: Page[] = [];
  let invite = '';

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    for (let i = 0; i < 11; i++) {
      const tab = await openPeer(context);
      await tab.evaluate((linksMax) => window.bot.setSettings({ linksMax }), linksMax);
      tabs.push(tab);
    }
  });

  test.afterAll(async () => {
    await context?.close();
  });

  test('at most 4 links a tab, a non-complete graph, and a member write seen by every tab', async () => {
    const dids = await Promise.all(tabs.map(didOf));
    ({ invite } = await tabs[0]!.evaluate(
      (validators) =>
        window.bot.createChain({
          name: 'overlay',
          mode: 'public',
          consensus: 'poa',
          validators,
          timeoutMs: 1000,
        }),
      dids.slice(0, 4),
    ));
    for (const tab of tabs.slice(1))
      await tab.evaluate((invite) => window.bot.join(invite), invite);
    let all: Links[] = [];
    await waitUntil(
      async () => {
        all = await Promise.all(tabs.map(linksOf));
        const hops = distances(all);
        return all.every((l) => l.open.length >= 1) && hops[0]!.every(Number.isFinite);
      },
      120_000,
      'a connected overlay',
      1000,
    );
    for (const l of all) expect(counted(l)).toBeLessThanOrEqual(linksMax);
    const hops = distances(all);
    const farthest = Math.max(...hops.flat());
    expect(farthest).toBeGreaterThanOrEqual(2); // not a complete graph
    // The writer: a member with the fewest links to validators (often none).
    const members = all.map((l, i) => ({ l, i })).filter(({ l }) => !l.validator);
    members.sort(
      (a, b) =>
        a.l.open.filter((n) => n.validator).length - b.l.open.filter((n) => n.validator).length,
    );
    const writer = members[0]!;
    console.log(
      `[overlay] links per tab: ${all.map((l) => l.open.length).join(' ')}; farthest pair ${farthest} hops; writer tab ${writer.i} has ${writer.l.open.filter((n) => n.validator).length} validator links`,
    );
    const result = await tabs[writer.i]!.evaluate(async () => {
      const { txId } = await window.bot.submit({
        type: 'data.put',
        body: { key: 'far', value: 'across the overlay' },
      });
      return window.bot.waitFor(txId, { timeoutMs: 120_000 });
    });
    expect(result.status).toBe('committed');
    await waitUntil(
      async () =>
        (await Promise.all(tabs.map((t) => t.evaluate(() => window.bot.get('far'))))).every(
          (got) => got?.value === 'across the overlay',
        ),
      120_000,
      'every tab to read the write',
      1000,
    );
    all = await Promise.all(tabs.map(linksOf));
    for (const l of all) expect(counted(l)).toBeLessThanOrEqual(linksMax);
  });

  test('a late tab syncs through the non-complete graph and stays within the limit', async () => {
    await tabs[1]!.evaluate(async () => {
      for (let i = 0; i < 5; i++) {
        const { txId } = await window.bot.submit({
          type: 'data.put',
          body: { key: `more${i}`, value: i },
        });
        await window.bot.waitFor(txId, { timeoutMs: 120_000 });
      }
    });
    const late = await openPeer(context);
    await late.evaluate((linksMax) => window.bot.setSettings({ linksMax }), linksMax);
    await late.evaluate((invite) => window.bot.join(invite), invite);
    const top = await heightOf(tabs[0]!);
    await waitUntil(
      async () => (await heightOf(late)) >= top,
      120_000,
      'the late tab to sync',
      1000,
    );
    const hash = (page: Page) => page.evaluate(async (h) => (await window.bot.block(h))!.hash, top);
    expect(await hash(late)).toBe(await hash(tabs[0]!));
    expect(await late.evaluate(async () => (await window.bot.get('more4'))?.value)).toBe(4);
    const mine = await linksOf(late);
    expect(counted(mine)).toBeLessThanOrEqual(linksMax);
    expect(mine.open.length).toBeLessThan(tabs.length);
    const all = await Promise.all(tabs.map(linksOf));
    for (const l of all) expect(counted(l)).toBeLessThanOrEqual(linksMax);
  });
});
