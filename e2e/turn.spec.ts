// Issue 19, TURN: two tabs whose direct paths are blocked by a firewall (nftables in the test
// run's network namespace: UDP only to and from the TURN server, no TCP between peers) link
// through a real coturn with long-term credentials from their ICE server settings, and commit.
// The link's selected candidate pair is a relay one (read from the RTCPeerConnection's stats).
// Then the namespace's interface goes down and comes back: the link recovers and the chain
// commits again without a page reload (ICE restart, or a redial if the restart cannot succeed).
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { decode, encode } from '@ipld/dag-cbor';
import { openPeer, putFromTab, waitUntil } from './helpers';
import { startRelay, type StartedRelay } from '../scripts/relay-cluster.mjs';
import {
  blockDirectPaths,
  droppedPackets,
  setInterface,
  startTurn,
  unblockDirectPaths,
} from '../scripts/turn-server.mjs';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

declare global {
  interface Window {
    __pcs: RTCPeerConnection[];
    __loadMark: number;
  }
}

/** Keep every RTCPeerConnection the page makes, to read its ICE state and stats. */
function recordPeerConnections(): void {
  window.__pcs = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      window.__pcs.push(this);
    }
  } as typeof RTCPeerConnection;
}

/** The candidate types of each connected link's selected pair, e.g. "relay/relay". */
const selectedPairs = (page: Page) =>
  page.evaluate(async () => {
    const pairs: string[] = [];
    for (const pc of window.__pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      for (const report of stats.values()) {
        if (report.type !== 'transport' || !report.selectedCandidatePairId) continue;
        const pair = stats.get(report.selectedCandidatePairId);
        const local = stats.get(pair.localCandidateId)?.candidateType;
        const remote = stats.get(pair.remoteCandidateId)?.candidateType;
        pairs.push(`${local}/${remote}`);
      }
    }
    return pairs;
  });

const iceStates = (page: Page) =>
  page.evaluate(() => window.__pcs.map((pc) => pc.iceConnectionState));

const peersOf = (page: Page) => page.evaluate(async () => (await window.bot.status()).peers);

/** The invite without its relay list, so each tab uses only the relay of its settings. */
function withoutRelays(invite: string): string {
  const code = /#\/join\/([A-Za-z0-9_-]+)/.exec(invite)![1]!;
  const content = decode(Buffer.from(code, 'base64url')) as Record<string, unknown>;
  return `#/join/${Buffer.from(encode({ ...content, relays: [] })).toString('base64url')}`;
}

test('tabs with every direct path blocked link through TURN, commit, and recover after the network drops', async ({
  browser,
}) => {
  let relay: StartedRelay | null = null;
  let turn: Awaited<ReturnType<typeof startTurn>> | null = null;
  const contexts: BrowserContext[] = [];
  try {
    turn = await startTurn();
    relay = await startRelay();
    blockDirectPaths();
    const iceServers = [{ urls: turn.urls, username: turn.username, credential: turn.credential }];
    const tabs: Page[] = [];
    for (let i = 0; i < 2; i++) {
      // Two contexts: no BroadcastChannel between them, only the relay and the TURN server.
      const context = await browser.newContext();
      contexts.push(context);
      await context.addInitScript(recordPeerConnections);
      const page = await openPeer(context);
      await page.evaluate((settings) => window.bot.setSettings(settings), {
        relays: [relay.url],
        iceServers,
      });
      tabs.push(page);
    }
    const dids = await Promise.all(
      tabs.map((t) => t.evaluate(async () => (await window.bot.identity()).did)),
    );
    const { invite } = await tabs[0]!.evaluate(
      (validators) =>
        window.bot.createChain({
          name: 'turn',
          mode: 'consortium',
          consensus: 'bft',
          validators,
          timeoutMs: 1000,
        }),
      dids,
    );
    await tabs[1]!.evaluate((invite) => window.bot.join(invite), withoutRelays(invite));
    await waitUntil(
      async () => (await Promise.all(tabs.map(peersOf))).every((p) => p >= 1),
      90_000,
      'the two tabs to link through the TURN server',
    );
    // Both validators must vote: a commit proves the link carries consensus both ways.
    await putFromTab(tabs[0]!, 'turn-', 3);
    const pairs = await selectedPairs(tabs[0]!);
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) expect(pair).toContain('relay');
    expect(turn.allocations()).toBeGreaterThan(0);
    console.log(
      `turn: selected pairs ${pairs.join(', ')}; ${turn.allocations()} allocations; ${droppedPackets()} direct packets dropped`,
    );

    // A network change: the interface goes down until ICE sees it, then comes back.
    for (const tab of tabs) await tab.evaluate(() => (window.__loadMark = 1));
    const linksBefore = (await iceStates(tabs[0]!)).length;
    setInterface(false);
    const iceRestartLogged = async () =>
      (await Promise.all(tabs.map((t) => t.evaluate(() => window.bot.log())))).some((log) =>
        log.some((e) => e.message.includes('ICE restart')),
      );
    try {
      await waitUntil(
        async () => (await iceStates(tabs[0]!)).some((s) => s === 'disconnected' || s === 'failed'),
        60_000,
        'ICE to notice the interface is down',
      );
      // The link's initiator restarts ICE once it has been disconnected for iceRestartAfterMs.
      await waitUntil(iceRestartLogged, 30_000, 'the initiator to restart ICE');
    } finally {
      setInterface(true);
    }
    await waitUntil(
      async () => {
        const states = await iceStates(tabs[0]!);
        return states.some((s) => s === 'connected' || s === 'completed');
      },
      90_000,
      'a link to come back through the TURN server',
    );
    await waitUntil(
      async () => (await Promise.all(tabs.map(peersOf))).every((p) => p >= 1),
      90_000,
      'the peers to see each other again',
    );
    await putFromTab(tabs[1]!, 'after-drop-', 3);
    // No reload: the marks set before the drop are still there.
    for (const tab of tabs) expect(await tab.evaluate(() => window.__loadMark)).toBe(1);
    const after = await selectedPairs(tabs[0]!);
    for (const pair of after) expect(pair).toContain('relay');
    console.log(
      `turn: after the drop ${after.join(', ')}; peer connections ${linksBefore} -> ${(await iceStates(tabs[0]!)).length} (equal: the same link recovered after its ICE restart)`,
    );
  } finally {
    unblockDirectPaths();
    for (const context of contexts) await context.close();
    await relay?.stop('SIGKILL');
    await turn?.stop('SIGKILL');
  }
});
