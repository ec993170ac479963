// Scheduled contract triggers through three real hosts and the real sandbox (r-7.2-b, R-7.2.1-a,
// R-7.2.4-f; issue 17): the validator deploys a counter and schedules it every 2 blocks, three
// times, and a method that throws; no one calls either. The two members replay every block (a
// state root that differed would stop them), and all three report the same runs, counter,
// outcomes and call history; the failing run is told to its manager (contract.trigger.failed);
// a member is no manager (refused before signing); cancelling stops a trigger on every peer.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until, committedHeight } from './testing';
import { MemoryNetwork } from './memory-net';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

const startPeer = (network: MemoryNetwork) => startNetPeer(network, hosts);

const counter = `function tick(ctx, args) {
  const n = (ctx.get('count') ?? 0) + (args?.by ?? 1);
  ctx.put('count', n);
  ctx.emit({ n, trigger: ctx.trigger, caller: ctx.caller });
  return n;
}
function fail(ctx) { throw new Error('sensor offline'); }`;

describe('contract triggers on three peers (r-7.2-b)', () => {
  it('runs every 2 blocks with no caller, and every peer agrees on the runs and their outcomes', async () => {
    const network = new MemoryNetwork();
    const a = await startPeer(network);
    const b = await startPeer(network);
    const c = await startPeer(network);
    await a.host.createChain({
      name: 'timers',
      mode: 'consortium',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
    });
    for (const m of [b, c]) {
      await m.host.join(await a.host.invite());
      await until(async () => (await m.host.status()).admission === 'admitted');
    }
    await committedHeight(a.host, a.host.deployContract({ name: 'meter', code: counter }));
    await until(async () => (await c.host.contracts()).length === 1);

    // a member is not the contract's manager: refused before anything is signed
    await expect(
      b.host.scheduleTrigger({ contract: 'meter', method: 'tick', every: 2 }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      a.host.scheduleTrigger({ contract: 'meter', method: 'nothing', every: 2 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { trigger, txId } = await a.host.scheduleTrigger({
      contract: 'meter',
      method: 'tick',
      args: { by: 5 },
      every: 2,
      count: 3,
    });
    expect(trigger).toBe(txId);
    const at = (await a.host.waitFor(txId, { timeoutMs: 20_000 })).height!;
    const failing = await a.host.scheduleTrigger({ contract: 'meter', method: 'fail', every: 1 });
    await committedHeight(a.host, Promise.resolve(failing));

    // nobody calls: the triggers make the blocks and run in them, on every peer
    for (const peer of [a, b, c])
      await until(async () => (await peer.host.triggers('meter'))[0]?.ended !== null, 30_000);
    const views = await Promise.all([a, b, c].map((p) => p.host.triggers('meter')));
    const [ticking] = views[0]!;
    expect(ticking).toMatchObject({
      id: trigger,
      by: a.did,
      every: 2,
      runs: 3,
      left: 0,
      next: null,
      last: { height: at + 6, ok: true, result: 15, events: 1 },
      ended: { height: at + 6, reason: 'done' },
    });
    // the failing one failed, and was kept
    await until(async () => (await a.host.triggers('meter'))[1]!.runs >= 2);
    await committedHeight(a.host, a.host.cancelTrigger({ trigger: failing.trigger }));
    const stopped = (await a.host.triggers('meter'))[1]!;
    expect(stopped).toMatchObject({
      last: { ok: false, code: 'CONTRACT_FAILED' },
      ended: { reason: 'cancelled', by: a.did },
    });
    const head = (await a.host.status()).height;
    for (const peer of [b, c]) await until(async () => (await peer.host.status()).height >= head);
    const after = await Promise.all([a, b, c].map((p) => p.host.triggers('meter')));
    expect(after[1]).toEqual(after[0]);
    expect(after[2]).toEqual(after[0]);
    for (const peer of [a, b, c]) {
      const detail = (await peer.host.contract('meter'))!;
      expect(detail.state).toEqual([{ key: 'count', value: 15 }]);
      expect(
        detail.calls.filter((call) => call.trigger === trigger).map((call) => call.height),
      ).toEqual([at + 2, at + 4, at + 6]);
      expect(detail.calls.at(-1)!.events).toEqual([{ n: 15, trigger, caller: a.did }]);
    }
    // every peer holds the same blocks (each replayed them against its own state root)
    for (const peer of [b, c])
      expect((await peer.host.block(head))?.header).toEqual((await a.host.block(head))?.header);

    // the failing runs are told to the contract's manager
    const told = await a.host.notifications({ kinds: ['contract.trigger.failed'], to: a.did });
    expect(told.notifications.length).toBeGreaterThanOrEqual(2);
    expect(told.notifications[0]).toMatchObject({
      subject: 'meter',
      txId: failing.trigger,
      to: [a.did],
      detail: { method: 'fail', code: 'CONTRACT_FAILED' },
    });
    const stillRuns = stopped.runs;
    for (const value of [1, 2])
      await committedHeight(
        a.host,
        a.host.submit({ type: 'data.put', body: { key: 'after', value } }),
      );
    expect((await a.host.triggers('meter'))[1]!.runs).toBe(stillRuns);
  }, 90_000);
});
