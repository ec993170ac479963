// Issue 19: tabs on relay A and tabs on relay B (two relay processes sharing rooms through a
// real redis-server, inside the test run's network namespace) form one chain and commit;
// relay A is killed and the chain keeps its links and commits, and a tab of B reopened
// restores its links through B. Two browser contexts, so BroadcastChannel cannot join them.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { openPeer as openTab, putFromTab, waitUntil } from './helpers';
import { decode, encode } from '@ipld/dag-cbor';
import {
  startRedis,
  startRelay,
  type StartedRedis,
  type StartedRelay,
} from '../scripts/relay-cluster.mjs';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

async function openPeer(context: BrowserContext, relay: string): Promise<Page> {
  const page = await openTab(context);
  await page.evaluate((relay) => window.bot.setSettings({ relays: [relay] }), relay);
  return page;
}

/** The invite without its relay list, so each tab uses only the relay of its settings. */
function withoutRelays(invite: string): string {
  const code = /#\/join\/([A-Za-z0-9_-]+)/.exec(invite)![1]!;
  const content = decode(Buffer.from(code, 'base64url')) as Record<string, unknown>;
  const bytes = encode({ ...content, relays: [] });
  return `#/join/${Buffer.from(bytes).toString('base64url')}`;
}

const peersOf = (page: Page) => page.evaluate(async () => (await window.bot.status()).peers);

const title =
  'tabs on relay A and relay B form one chain; A is killed and the links hold or ' +
  'come back through B';
test(title, async ({ browser }) => {
  let redis: StartedRedis | null = null;
  let a: StartedRelay | null = null;
  let b: StartedRelay | null = null;
  const contexts: BrowserContext[] = [];
  try {
    redis = await startRedis();
    a = await startRelay({ redisUrl: redis.url });
    b = await startRelay({ redisUrl: redis.url });
    const onA = await browser.newContext();
    const onB = await browser.newContext();
    contexts.push(onA, onB);
    const tabs = [
      await openPeer(onA, a.url),
      await openPeer(onA, a.url),
      await openPeer(onB, b.url),
      await openPeer(onB, b.url),
    ];
    const dids = await Promise.all(
      tabs.map((t) => t.evaluate(async () => (await window.bot.identity()).did)),
    );
    const { invite } = await tabs[0]!.evaluate(
      (validators) =>
        window.bot.createChain({
          name: 'relays',
          mode: 'consortium',
          consensus: 'bft',
          validators,
          timeoutMs: 1000,
        }),
      dids,
    );
    const bare = withoutRelays(invite);
    for (const tab of tabs.slice(1)) await tab.evaluate((invite) => window.bot.join(invite), bare);
    // Each context's tabs use their own relay alone.
    for (const [i, tab] of tabs.entries()) {
      const view = await tab.evaluate(() => window.bot.network());
      expect(view.relays.map((r) => r.url)).toEqual([i < 2 ? a.url : b.url]);
    }
    await waitUntil(
      async () => (await Promise.all(tabs.map(peersOf))).every((p) => p >= 3),
      90_000,
      'the mesh across relays A and B to form',
    );
    await Promise.all([putFromTab(tabs[0]!, 'a-', 5), putFromTab(tabs[2]!, 'b-', 5)]);

    await a.stop('SIGKILL');
    await waitUntil(
      async () =>
        (await tabs[0]!.evaluate(() => window.bot.network())).relays.every(
          (r) => r.state !== 'open',
        ),
      30_000,
      'tab 0 to see relay A gone',
    );
    await putFromTab(tabs[1]!, 'after-a-', 5); // links are peer to peer: they hold

    await tabs[3]!.close();
    tabs[3] = await openPeer(onB, b.url);
    await waitUntil(
      async () => (await peersOf(tabs[3]!)) >= 3,
      90_000,
      'the reopened tab on B to link to the tabs of dead relay A',
    );
    await putFromTab(tabs[3]!, 'reopened-', 5);
  } finally {
    for (const context of contexts) await context.close();
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await redis?.stop('SIGKILL');
  }
});
