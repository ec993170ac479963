// A contract upgraded by a vote between two validators on the in-process network (issue 17): the
// deployer's peer proposes the new code's hash, the other validator cannot carry it out before it
// votes, and once the proposal passed the other validator (not the deployer) upgrades with it; both
// peers then run the new code and list the proposal in the version history.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import { sha256 } from '../core/crypto/hash';
import { toHex, utf8 } from '../core/bytes';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

const startPeer = (network: MemoryNetwork) => startNetPeer(network, hosts);

async function commit(host: PeerHost, p: Promise<{ txId: string }>): Promise<string> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 20_000 });
  expect(result, JSON.stringify(result)).toMatchObject({ status: 'committed' });
  return txId;
}

const v1 =
  "function increment(ctx) { const n = (ctx.get('count') ?? 0) + 1; ctx.put('count', n); return n; }";
const v2 =
  "function increment(ctx) { const n = (ctx.get('count') ?? 0) + 10; ctx.put('count', n); return n; }";

describe('contract upgrade by a vote of two validators (issue 17)', () => {
  it('the other validator carries out the passed upgrade, not before; both peers agree', async () => {
    const network = new MemoryNetwork();
    const [a, b] = await Promise.all([0, 1].map(() => startPeer(network)));
    const { invite } = await a!.host.createChain({
      name: 'voted',
      mode: 'consortium',
      consensus: 'bft',
      validators: [a!.did, b!.did],
      timeoutMs: 300,
    });
    await b!.host.join(invite);
    await until(async () => (await a!.host.status()).peers === 1);
    await commit(a!.host, a!.host.deployContract({ name: 'counter', code: v1 }));
    const codeHash = toHex(sha256(utf8(v2)));
    const height = (await a!.host.status()).height + 3;
    const proposal = await commit(
      a!.host,
      a!.host.submit({
        type: 'member.propose',
        body: {
          change: { kind: 'contract', name: 'counter', action: 'upgrade', codeHash },
          height,
        },
      }),
    );
    await until(async () => (await b!.host.governance()).proposals.some((p) => p.id === proposal));
    // one approval of two: not passed, so b may not carry it out (nor upgrade as a non-deployer)
    await expect(
      b!.host.upgradeContract({ name: 'counter', code: v2, proposal }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('not passed'),
    });
    await expect(b!.host.upgradeContract({ name: 'counter', code: v2 })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await commit(
      b!.host,
      b!.host.submit({ type: 'member.vote', body: { proposal, approve: true } }),
    );
    await until(async () =>
      (await b!.host.governance()).proposals.some((p) => p.id === proposal && p.applied),
    );
    await commit(b!.host, b!.host.upgradeContract({ name: 'counter', code: v2, proposal }));
    for (const peer of [a!, b!])
      await until(async () => (await peer.host.contract('counter'))?.version === 2, 20_000);
    for (const peer of [a!, b!])
      expect((await peer.host.contract('counter'))!.versions[1]).toMatchObject({
        by: b!.did,
        codeHash,
        proposal,
      });
    await commit(a!.host, a!.host.callContract('counter', 'increment', null));
    expect((await a!.host.contract('counter'))!.calls.at(-1)!.result).toBe(10);
  });
});
