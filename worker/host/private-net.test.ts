// Private mode through two real hosts (issue 16, D-I-private): A creates a private chain that it
// administers; B joins. B may not set rights (UNAUTHORIZED); A's admin.set changes them at once,
// without a vote: A names itself the only transactor and B's write is refused; A removes B.
// With k of n administrators (a multisig rule holding admin.set), a co-administrator's change is
// proposed for the others' approvals and takes effect at the k-th; a non-administrator is refused.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

async function committed(host: PeerHost, p: Promise<{ txId: string }>): Promise<void> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 20_000 });
  expect(result.status, JSON.stringify(result.error)).toBe('committed');
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('a private chain between two peers', () => {
  it('the administrator sets rights and members alone; another peer is refused', async () => {
    const network = new MemoryNetwork();
    const a = await startNetPeer(network, hosts);
    const b = await startNetPeer(network, hosts);
    await a.host.createChain({
      name: 'plant',
      mode: 'private',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
      admin: a.did,
    });
    await b.host.join(await a.host.invite());
    await until(async () => (await b.host.status()).admission === 'admitted');
    await committed(
      b.host,
      b.host.submit({ type: 'data.put', body: { key: 'b/first', value: 1 } }),
    );

    const gov = await b.host.governance();
    expect([gov.admins, gov.adminApprovals]).toEqual([[a.did], 1]);
    const refused = await refusal(b.host.setRole('transact', [b.did]));
    expect(refused.code).toBe('UNAUTHORIZED');
    expect(refused.message).toMatch(/you are not its administrator/);
    expect((await refusal(b.host.setMember(b.did, false))).code).toBe('UNAUTHORIZED');

    const set = a.host.setRole('transact', [a.did]);
    expect((await set).via).toBe('admin');
    await committed(a.host, set);
    await until(async () =>
      ((await b.host.governance()).roles ?? []).some((r) => r.role === 'transact'),
    );
    expect(
      (await refusal(b.host.submit({ type: 'data.put', body: { key: 'b/second', value: 2 } })))
        .code,
    ).toBe('UNAUTHORIZED');

    await committed(a.host, a.host.setMember(b.did, false));
    await until(async () => !(await a.host.governance()).members.includes(b.did));
  });

  it('k of n administrators: a co-administrator proposes, the other approves; a non-administrator is refused', async () => {
    const network = new MemoryNetwork();
    const a = await startNetPeer(network, hosts);
    const b = await startNetPeer(network, hosts);
    const c = await startNetPeer(network, hosts);
    await a.host.createChain({
      name: 'plant2',
      mode: 'private',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
      admin: a.did,
      multisig: { signers: [a.did, b.did], k: 2, types: [{ type: 'admin.set' }] },
    });
    for (const peer of [b, c]) {
      await peer.host.join(await a.host.invite());
      await until(async () => (await peer.host.status()).admission === 'admitted');
    }
    const gov = await b.host.governance();
    expect([gov.admins, gov.adminApprovals]).toEqual([[a.did, b.did], 2]);

    const refused = await refusal(c.host.setMember(c.did, false));
    expect(refused.code).toBe('UNAUTHORIZED');
    expect(refused.message).toMatch(/Only the administrators of this chain .*2 of 2 approve/);

    const proposed = b.host.setRole('transact:data.put', [b.did]);
    expect(await proposed).toMatchObject({ via: 'approvals', approvalsNeeded: 2 });
    await committed(b.host, proposed);
    expect((await b.host.governance()).roles).toEqual([]);
    const pendingOf = async () =>
      (await a.host.multisig()).proposals.find(
        (p) => p.type === 'admin.set' && p.state === 'pending',
      );
    await until(async () => (await pendingOf()) !== undefined);
    const pending = (await pendingOf())!;
    expect(pending.from).toBe(b.did);
    await committed(a.host, a.host.approveMultisig(pending.id));
    await until(async () =>
      ((await c.host.governance()).roles ?? []).some((r) => r.role === 'transact:data.put'),
    );
    expect(
      (await refusal(c.host.submit({ type: 'data.put', body: { key: 'c/1', value: 1 } }))).code,
    ).toBe('UNAUTHORIZED');
  });
});
