// Read rights between real hosts on the in-process network (issue 15): three members of a
// consortium chain and one peer holding its invite but not admitted. The outsider gets headers
// and certificates only (its status shows the height; its get says it is not a member); what it
// pushes is ignored; once the validators admit it, it gets the blocks and reads the values; when
// removed again, it gets no block after the one removing it.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeInvite, type PeerHost } from './peer-host';
import { startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import { encodeWire, wireKindOf } from './wire';
import { encode } from '../core/codec';
import { signTx } from '../core/tx';
import { testIdentity } from '../core/testing';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

const startPeer = (network: MemoryNetwork) => startNetPeer(network, hosts);

async function put(host: PeerHost, key: string, value: unknown): Promise<number> {
  const { txId } = await host.submit({ type: 'data.put', body: { key, value } });
  const result = await host.waitFor(txId, { timeoutMs: 20_000 });
  expect(result.status).toBe('committed');
  return result.height!;
}

/** Propose a membership change at validator 0 and have every validator approve it. */
async function governMember(
  validators: Array<{ host: PeerHost }>,
  kind: 'addMember' | 'removeMember',
  did: string,
): Promise<void> {
  const [first, ...rest] = validators;
  const height = (await first!.host.status()).height + 1;
  const { txId } = await first!.host.submit({
    type: 'member.propose',
    body: { change: { kind, did }, height },
  });
  expect((await first!.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
  const id = (await first!.host.governance()).proposals.find(
    (p) => (p.change as { kind: string; did: string }).did === did && p.passed === -1,
  )!.id;
  for (const v of rest) {
    await until(async () => (await v.host.governance()).proposals.some((p) => p.id === id));
    const vote = await v.host.submit({
      type: 'member.vote',
      body: { proposal: id, approve: true },
    });
    await v.host.waitFor(vote.txId, { timeoutMs: 20_000 }).catch(() => null);
  }
  await until(async () => {
    const members = (await first!.host.governance()).members;
    return kind === 'addMember' ? members.includes(did) : !members.includes(did);
  }, 30_000);
}

describe('read rights over the network', () => {
  it('a non-member holding the invite gets headers only; after admission it gets blocks; after removal none', async () => {
    const network = new MemoryNetwork();
    const members = await Promise.all([0, 1, 2].map(() => startPeer(network)));
    const { invite, chainId } = await members[0]!.host.createChain({
      name: 'guarded',
      mode: 'consortium',
      consensus: 'bft',
      validators: members.map((p) => p.did),
      timeoutMs: 300,
    });
    for (const p of members.slice(1)) await p.host.join(invite);
    await until(async () => (await members[0]!.host.status()).peers === 2);
    const written = await put(members[0]!.host, 'secret', 'members only');
    for (let i = 0; i < 5; i++) await put(members[1]!.host, `filler-${i}`, i);

    // The outsider holds the chain's invite without a token: the validators do not vote it in
    // by themselves, so it stays waiting for as long as this test wants.
    const outsider = await startPeer(network);
    const received: string[] = [];
    const deliver = outsider.net.deliver.bind(outsider.net);
    outsider.net.deliver = (from, bytes) => {
      received.push(wireKindOf(bytes) ?? 'unknown');
      deliver(from, bytes);
    };
    const content = decodeInvite(invite);
    const tokenless =
      'http://localhost:8080/#/join/' +
      Buffer.from(encode({ ...content, token: null })).toString('base64url');
    await outsider.host.join(tokenless);
    const height = (await members[0]!.host.status()).height;
    await until(async () => (await outsider.host.status()).headerHeight >= height, 20_000);
    const waiting = await outsider.host.status();
    expect(waiting).toMatchObject({
      chainId,
      height: 0,
      admission: 'waiting',
      readAccess: 'headers',
    });
    await expect(outsider.host.get('secret')).rejects.toMatchObject({
      code: 'NOT_MEMBER',
      message: expect.stringContaining('holds its headers only'),
    });
    // Blocks keep coming while it waits; it sees them as headers, never as payload.
    await put(members[2]!.host, 'while-waiting', 1);
    expect(received).toContain('syncHeaders');
    expect(received.filter((k) => !['head', 'syncHeaders'].includes(k))).toEqual([]);

    // What the outsider pushes is not taken in: a transaction gossiped and sent directly, and
    // made-up sync blocks. The members count the refusals and go on committing.
    const stranger = testIdentity('read-rights-stranger');
    const tx = signTx(
      {
        chain: chainId,
        type: 'data.put',
        from: stranger.did,
        nonce: 1,
        time: Date.now(),
        body: { key: 'pushed', value: 1 },
      },
      stranger.seed,
    );
    const txBytes = encodeWire({ kind: 'consensus', message: { type: 'tx', tx } });
    outsider.net.broadcast(txBytes);
    expect(outsider.net.send(members[0]!.did, txBytes)).toBe(true);
    outsider.net.send(
      members[1]!.did,
      encodeWire({ kind: 'syncBlocks', from: 1, blocks: [new Uint8Array([1, 2, 3])] }),
    );
    await until(async () => (await members[0]!.host.status()).readRefusals.taken > 0);
    await until(async () => (await members[1]!.host.status()).readRefusals.taken > 0);
    const refusedLog = (await members[0]!.host.log()).map((l) => l.message).join('\n');
    expect(refusedLog).toContain(`Ignored a consensus message from ${outsider.did}`);
    expect(members.every((m) => m.net.drops.length === 0)).toBe(true);
    // Its gossip never reached a host: the network layer of each member refused it.
    expect(members.every((m) => m.net.refusedBroadcasts > 0)).toBe(true);
    await put(members[0]!.host, 'after-push', 2);
    expect(await members[2]!.host.get('pushed')).toBeNull();

    // Admitted by the validators' vote: the members serve it blocks, and it reads the values.
    await governMember(members, 'addMember', outsider.did);
    await until(async () => (await outsider.host.status()).readAccess === 'full', 30_000);
    const admittedAt = (await members[0]!.host.status()).height;
    await until(async () => (await outsider.host.status()).height >= admittedAt, 30_000);
    expect((await outsider.host.get('secret'))?.value).toBe('members only');
    expect((await outsider.host.get('secret'))?.height).toBe(written);
    expect(received).toContain('syncBlocks');

    // Removed again: it gets nothing after the block that removes it.
    await governMember(members, 'removeMember', outsider.did);
    const removedAt = (await members[0]!.host.status()).height;
    const later = await put(members[1]!.host, 'after-removal', 'not for it');
    await put(members[2]!.host, 'after-removal-2', 'not for it either');
    await new Promise((r) => setTimeout(r, 500));
    const after = await outsider.host.status();
    expect(after.height).toBeLessThan(later);
    expect(after.height).toBeLessThanOrEqual(removedAt);
    await expect(outsider.host.get('after-removal')).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    // Nor does gossip go out to it: every member's network layer names the readers without it.
    for (const m of members) expect(m.net.readers?.has(outsider.did)).toBe(false);
  }, 120_000);
});
