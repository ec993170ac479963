// Issue 4 end to end: real Chromium tabs and a real headless Node peer form one chain over
// WebRTC (inside the test run's private network namespace), keep it through a closed tab,
// catch up, and reject a rogue peer. Conformance: r-7.2.1-h, D-8-p2p, R-7.2-a, D-card-webrtc,
// D-card-e2e.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { didOf, heightOf, openPeer, putFromTab, waitUntil } from './helpers';
import { startNodePeer as startNode, type NodePeer } from './node-peer';
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PeerEvent } from '../worker/api';

// server/index.mjs has no type declarations; createAppServer is the one function used here.
const serverModule = '../server/index.mjs';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const port = Number(process.env.E2E_PORT ?? 8091);
const relay = `ws://127.0.0.1:${port}/signal`;

/** Block hashes 1..top of a tab. */
function tabHashes(page: Page, top: number): Promise<string[]> {
  return page.evaluate(async (top) => {
    const out: string[] = [];
    for (let h = 1; h <= top; h++) out.push((await window.bot.block(h))!.hash);
    return out;
  }, top);
}

async function nodeHashes(node: NodePeer, top: number): Promise<string[]> {
  const out: string[] = [];
  for (let h = 1; h <= top; h++)
    out.push((await node.api<{ hash: string }>('GET', `/v1/blocks/${h}`)).hash);
  return out;
}

async function putFromNode(node: NodePeer, prefix: string, count: number): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      node.api<{ txId: string }>('POST', '/v1/tx', {
        type: 'data.put',
        body: { key: `${prefix}${i}`, value: i },
      }),
    ),
  );
  for (const { txId } of ids) {
    const result = await node.api<{ status: string }>('GET', `/v1/tx/${txId}?timeoutMs=180000`);
    expect(result.status).toBe('committed');
  }
}

test.describe('a chain of tabs and a Node peer over WebRTC', () => {
  let context: BrowserContext;
  let tabs: Page[] = [];
  let node: NodePeer;
  let invite = '';
  let chainId = '';

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    tabs = [];
    for (let i = 0; i < 4; i++) tabs.push(await openPeer(context));
    node = await startNode(relay);
  });

  test.afterAll(async () => {
    await node?.stop();
    await context?.close();
  });

  test('four tabs and a Node peer form a bft consortium; 300 transactions from all of them commit with identical blocks everywhere', async () => {
    const dids = [...(await Promise.all(tabs.map(didOf))), node.did];
    expect(new Set(dids).size).toBe(5);
    ({ chainId, invite } = await tabs[0]!.evaluate(
      (validators) =>
        window.bot.createChain({
          name: 'fleet',
          mode: 'consortium',
          consensus: 'bft',
          validators,
          timeoutMs: 1000,
        }),
      dids,
    ));
    for (const tab of tabs.slice(1))
      expect(
        await tab.evaluate((invite) => window.bot.join(invite).then((r) => r.chainId), invite),
      ).toBe(chainId);
    expect((await node.api<{ chainId: string }>('POST', '/v1/join', { invite })).chainId).toBe(
      chainId,
    );
    await waitUntil(
      async () =>
        (await Promise.all(tabs.map((t) => t.evaluate(() => window.bot.status())))).every(
          (s) => s.chainId === chainId && s.peers >= 2,
        ),
      60_000,
      'the mesh to form',
    );

    await Promise.all([
      ...tabs.map((tab, i) => putFromTab(tab, `tab${i}-`, 60)),
      putFromNode(node, 'node-', 60),
    ]);

    const top = Math.min(
      ...(await Promise.all(tabs.map(heightOf))),
      (await node.api<{ height: number }>('GET', '/v1/status')).height,
    );
    expect(top).toBeGreaterThan(0);
    const reference = await nodeHashes(node, top);
    for (const tab of tabs) expect(await tabHashes(tab, top)).toEqual(reference);
    // Every peer reads what every other wrote, with a proof that verifies in the page.
    const verdict = await tabs[3]!.evaluate(async () => {
      const got = await window.bot.get('node-59');
      return got ? window.bot.verifyProof(got.proof) : null;
    });
    expect(verdict).toMatchObject({ ok: true, value: 59 });
    const nodeNetwork = await node.api<{
      neighbours: Array<{ did: string; state: string; via: string }>;
    }>('GET', '/v1/network');
    expect(nodeNetwork.neighbours.filter((n) => n.state === 'open').length).toBeGreaterThanOrEqual(
      2,
    );
    const status = await tabs[2]!.evaluate(() => window.bot.status());
    expect(status).toMatchObject({
      chainId,
      consensus: 'bft',
      mode: 'consortium',
      role: 'validator',
    });
    console.log(
      `[mesh] 300 txs in ${top} blocks; node links: ${nodeNetwork.neighbours.map((n) => `${n.state}/${n.via}`).join(', ')}`,
    );
    const network = await tabs[1]!.evaluate(() => window.bot.network());
    expect(network.neighbours.filter((n) => n.state === 'open').length).toBeGreaterThanOrEqual(2);
    expect(network.neighbours.some((n) => n.validator)).toBe(true);
  });

  test('a validator tab is closed and the chain keeps committing; reopened, it catches up and agrees', async () => {
    const closedDid = await didOf(tabs[3]!);
    await tabs[3]!.close();
    const before = await heightOf(tabs[0]!);
    await Promise.all([
      putFromTab(tabs[0]!, 'while-closed-', 20),
      putFromNode(node, 'while-closed-node-', 10),
    ]);
    expect(await heightOf(tabs[0]!)).toBeGreaterThan(before);

    const reopened = await openPeer(context);
    tabs[3] = reopened;
    expect(await didOf(reopened)).toBe(closedDid); // the freed slot: same identity and database
    const target = await heightOf(tabs[0]!);
    await waitUntil(
      async () => (await heightOf(reopened)) >= target,
      120_000,
      'the reopened tab to catch up',
    );
    expect(await tabHashes(reopened, target)).toEqual(await tabHashes(tabs[0]!, target));
    // And it takes part again: its own write commits everywhere.
    await putFromTab(reopened, 'back-', 5);
  });

  test('a tab joins a bft consortium of 2,000 blocks late, syncs them all with progress events, and is voted in', async () => {
    // A consortium whose four validators are Node peers (this one and three more), making
    // blocks back to back (emptyBlockIntervalMs 0), so 2,000 certified bft blocks exist in
    // well under a minute. The tab's sync checks every certificate (3 of 4 signatures) and
    // re-executes every block.
    // Each wait has its own bound (240 + 240 + 60 + 60 s); the test's own bound is their sum, not the
    // file's 300 s. It failed once in a fresh-clone CI of 3eb80c1 on a loaded box (the kept output
    // did not say at which step); alone on an idle box it takes 1.2 min.
    test.setTimeout(660_000);
    const others = await Promise.all([0, 1, 2].map(() => startNode(relay)));
    try {
      const validators = [node, ...others];
      const archive = await node.api<{ chainId: string; invite: string }>('POST', '/v1/chains', {
        name: 'archive',
        mode: 'consortium',
        consensus: 'bft',
        validators: validators.map((v) => v.did),
        timeoutMs: 1000,
        emptyBlockIntervalMs: 0,
      });
      for (const other of others) await other.api('POST', '/v1/join', { invite: archive.invite });
      const blocksWanted = 2000;
      const started = Date.now();
      await waitUntil(
        async () =>
          (await node.api<{ height: number }>('GET', '/v1/status')).height >= blocksWanted,
        240_000,
        'the Node validators to make 2,000 blocks',
      );
      const liveSeconds = (Date.now() - started) / 1000;
      const late = await openPeer(context);
      await late.evaluate(() => {
        (window as unknown as { syncEvents: unknown[] }).syncEvents = [];
        window.bot.on('sync', (e) =>
          (window as unknown as { syncEvents: unknown[] }).syncEvents.push(e),
        );
      });
      const joinedAt = Date.now();
      expect(
        await late.evaluate(
          (invite) => window.bot.join(invite).then((r) => r.chainId),
          archive.invite,
        ),
      ).toBe(archive.chainId);
      await waitUntil(
        async () => (await heightOf(late)) >= blocksWanted,
        240_000,
        'the late tab to sync 2,000 blocks',
      );
      const syncSeconds = (Date.now() - joinedAt) / 1000;
      const syncEvents = () =>
        late.evaluate(
          () =>
            (window as unknown as { syncEvents: Array<Extract<PeerEvent, { type: 'sync' }>> })
              .syncEvents,
        );
      // The chain keeps growing while the tab syncs: the sync ends once the tab is near the head.
      await waitUntil(
        async () => (await syncEvents()).some((e) => !e.syncing),
        60_000,
        'the sync to end at the head',
      );
      const events = await syncEvents();
      expect(events[0]).toMatchObject({ syncing: true });
      expect(events.filter((e) => e.syncing).length).toBeGreaterThan(3); // progress along the way
      for (const h of [1, 1000, blocksWanted]) {
        const block = await late.evaluate((h) => window.bot.block(h), h);
        expect(block!.hash).toBe((await node.api<{ hash: string }>('GET', `/v1/blocks/${h}`)).hash);
        expect(block!.cert!.signers.length).toBeGreaterThanOrEqual(3);
      }
      // A consortium join is a vote: the Node validators admit the tab (its invite is genuine), then it writes.
      await waitUntil(
        async () => (await late.evaluate(() => window.bot.status())).admission === 'admitted',
        60_000,
        'the validators to admit the late tab',
      ).catch(async (error) => {
        const tabLog = (await late.evaluate(() => window.bot.log())).map((e) => e.message);
        const nodeLog = (await node.api<Array<{ message: string }>>('GET', '/v1/log')).map(
          (e) => e.message,
        );
        console.log(
          `[mesh] late tab log:\n${tabLog.slice(-30).join('\n')}\n[mesh] node log:\n${nodeLog.slice(-30).join('\n')}`,
        );
        throw error;
      });
      const gov = await node.api<{ members: string[] }>('GET', '/v1/governance');
      expect(gov.members).toContain(await didOf(late));
      await putFromTab(late, 'archive-member-', 3);
      test.info().annotations.push({
        type: 'figures',
        description: `live: ${blocksWanted} blocks in ${liveSeconds.toFixed(1)} s; sync: ${syncSeconds.toFixed(1)} s (${(blocksWanted / syncSeconds).toFixed(0)} blocks/s)`,
      });
      console.log(
        `[mesh] live ${(blocksWanted / liveSeconds).toFixed(1)} blocks/s; catch-up ${(blocksWanted / syncSeconds).toFixed(1)} blocks/s`,
      );
      await late.close();
    } finally {
      for (const other of others) {
        await other.stop();
      }
    }
    if (chainId) await node.api('POST', `/v1/chains/${chainId}/use`, {}); // back to the fleet chain (when the tests before ran)
  });
});

test.describe('a rogue peer, and the relay going away', () => {
  let context: BrowserContext;
  let server: Server;
  let origin = '';
  let tabs: Page[] = [];
  let node: NodePeer;
  let invite = '';
  let chainId = '';

  test.beforeAll(async ({ browser }) => {
    // This describe owns its server, so it can stop the relay on it.
    const { createAppServer } = (await import(serverModule)) as {
      createAppServer: () => Server & { signalRelay: { close(): void } };
    };
    server = createAppServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    context = await browser.newContext({ baseURL: origin });
    tabs = [];
    for (let i = 0; i < 3; i++) tabs.push(await openPeer(context));
    node = await startNode(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/signal`);
    const dids = [...(await Promise.all(tabs.map(didOf))), node.did];
    ({ chainId, invite } = await tabs[0]!.evaluate(
      (validators) =>
        window.bot.createChain({
          name: 'guarded',
          mode: 'consortium',
          consensus: 'bft',
          validators,
          timeoutMs: 1000,
        }),
      dids,
    ));
    for (const tab of tabs.slice(1))
      await tab.evaluate((invite) => window.bot.join(invite), invite);
    await node.api('POST', '/v1/join', { invite });
    await waitUntil(
      async () =>
        (await Promise.all(tabs.map((t) => t.evaluate(() => window.bot.status())))).every(
          (s) => s.chainId === chainId && s.peers >= 2,
        ),
      60_000,
      'the mesh to form',
    );
    await putFromTab(tabs[0]!, 'warm-', 5);
  });

  test.afterAll(async () => {
    await node?.stop();
    await context?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  test('a rogue peer sends garbage, forged votes, a forged certificate and an oversized frame: honest peers log why, disconnect or ignore it, and keep committing', async () => {
    const validator = node.did;
    const rogue = spawn(process.execPath, ['--import', 'tsx', 'e2e/rogue-peer.ts'], {
      env: {
        ...process.env,
        ROOM: chainId,
        RELAY: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/signal`,
        VALIDATOR: validator,
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines: Array<Record<string, unknown>> = [];
    rogue.stdout!.setEncoding('utf8');
    let buffered = '';
    rogue.stdout!.on('data', (text: string) => {
      buffered += text;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
    });
    try {
      await waitUntil(
        async () => lines.some((l) => l.event === 'ready'),
        30_000,
        'the rogue to start',
      );
      const rogueDid = lines.find((l) => l.event === 'ready')!.did as string;
      const honest = [...(await Promise.all(tabs.map(didOf))), node.did];
      await waitUntil(
        async () => {
          const last = [...lines].reverse().find((l) => l.event === 'neighbours');
          return honest.every((did) => (last?.dids as string[] | undefined)?.includes(did));
        },
        60_000,
        'the rogue to link to every honest peer',
      );
      rogue.stdin!.write('attack\n');
      await waitUntil(async () => lines.some((l) => l.event === 'attacked'), 10_000, 'the attack');
      const attacked = lines.find((l) => l.event === 'attacked')!.done as Array<{
        did: string;
        attack: string;
        sent: boolean;
      }>;
      expect(attacked.every((a) => a.sent)).toBe(true);
      expect(new Set(attacked.map((a) => a.attack)).size).toBe(4);

      // Every honest peer disconnects the rogue and says why in its log.
      const tabOf = async (did: string) => {
        for (const tab of tabs) if ((await didOf(tab)) === did) return tab;
        return null;
      };
      const logOf = async (did: string): Promise<string[]> => {
        const tab = await tabOf(did);
        const entries = tab
          ? await tab.evaluate(() => window.bot.log())
          : await node.api<Array<{ message: string }>>('GET', '/v1/log');
        return entries.map((e) => e.message);
      };
      const linkedToRogue = async (did: string): Promise<boolean> => {
        const tab = await tabOf(did);
        const view = tab
          ? await tab.evaluate(() => window.bot.network())
          : await node.api<{ neighbours: Array<{ did: string; state: string }> }>(
              'GET',
              '/v1/network',
            );
        return view.neighbours.some((n) => n.did === rogueDid && n.state === 'open');
      };
      // Garbage and an oversized frame get the rogue disconnected. Its forged votes and
      // certificate never reach the verifier: on this consortium chain it is not a member, so the
      // read gate ignores its consensus messages and says so in the log (read rights, issue 15);
      // a peer behind on membership must not cut a just-admitted validator off for its votes.
      const ignoredByGate = async (did: string) =>
        (await logOf(did)).some(
          (m) => /Ignored an? \w+ message from (\S+): it is not a member/.exec(m)?.[1] === rogueDid,
        );
      for (const { did, attack } of attacked) {
        await waitUntil(
          async () => !(await linkedToRogue(did)) || (await ignoredByGate(did)),
          30_000,
          `${did} to disconnect the rogue, or ignore it as a non-member, after the ${attack}`,
        );
        const log = await logOf(did);
        const why = log.filter((m) => m.includes(rogueDid));
        expect(why.length, `the log of ${did} names the rogue after the ${attack}`).toBeGreaterThan(
          0,
        );
      }
      // The chain keeps committing.
      await Promise.all([
        putFromTab(tabs[1]!, 'after-rogue-', 10),
        putFromNode(node, 'after-rogue-node-', 5),
      ]);
    } finally {
      rogue.kill('SIGTERM');
    }
  });

  test('the relay stops after the mesh formed: the chain keeps committing, and a new tab joins and syncs without any server', async () => {
    // The mesh formed: the Node peer is linked to every tab (it is on no BroadcastChannel).
    const tabDids = await Promise.all(tabs.map(didOf));
    await waitUntil(
      async () => {
        const view = await node.api<{ neighbours: Array<{ did: string; state: string }> }>(
          'GET',
          '/v1/network',
        );
        return tabDids.every((did) =>
          view.neighbours.some((n) => n.did === did && n.state === 'open'),
        );
      },
      90_000,
      'the Node peer to link with every tab',
    );
    (server as Server & { signalRelay: { close(): void } }).signalRelay.close();
    await Promise.all([
      putFromTab(tabs[0]!, 'no-relay-', 10),
      putFromNode(node, 'no-relay-node-', 5),
    ]);
    const late = await openPeer(context);
    const lateDid = await didOf(late);
    expect(
      await late.evaluate((invite) => window.bot.join(invite).then((r) => r.chainId), invite),
    ).toBe(chainId);
    const target = await heightOf(tabs[0]!);
    await waitUntil(
      async () => (await heightOf(late)) >= target,
      60_000,
      'the new tab to catch up without a relay',
    );
    // No relay answers any more: the new tab reached the chain through its browser's
    // BroadcastChannel and the links it made, and its link to the Node peer (which is on no
    // BroadcastChannel) was signaled through the tabs.
    const linkStarted = Date.now();
    await waitUntil(
      async () =>
        (await late.evaluate(() => window.bot.network())).neighbours.some(
          (n) => n.did === node.did && n.state === 'open',
        ),
      90_000,
      'a link from the new tab to the Node peer, signaled through peers',
    );
    const failedOpens = (await late.evaluate(() => window.bot.log())).filter((e) =>
      e.message.includes('did not open in time'),
    ).length;
    console.log(
      `[mesh] new tab <-> Node peer through peers: open after ${((Date.now() - linkStarted) / 1000).toFixed(1)} s more; links that did not open in time: ${failedOpens}`,
    );
    expect(
      (await late.evaluate(() => window.bot.network())).neighbours.find((n) => n.did === node.did)!
        .via,
    ).toBe('peer');
    const nodeView = await node.api<{
      neighbours: Array<{ did: string; state: string; via: string }>;
    }>('GET', '/v1/network');
    expect(nodeView.neighbours.find((n) => n.did === lateDid)).toMatchObject({
      state: 'open',
      via: 'peer',
    });
    const view = await late.evaluate(() => window.bot.network());
    expect(view.relays.every((r) => r.state !== 'open')).toBe(true);
    // It joined a consortium: not a member until the validators vote its invite in.
    await waitUntil(
      async () => (await late.evaluate(() => window.bot.status())).admission === 'admitted',
      60_000,
      'the validators to admit the new tab',
    );
    await putFromTab(late, 'late-member-', 3);
  });
});
