// Private mode through two real hosts (issue 16, D-I-private): A creates a private chain that it
// administers; B joins. B may not set rights (UNAUTHORIZED); A's admin.set changes them at once,
// without a vote: A names itself the only transactor and B's write is refused; A removes B.
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

    const refused = await refusal(b.host.setRole('transact', [b.did]));
    expect(refused.code).toBe('UNAUTHORIZED');
    expect((await refusal(b.host.setMember(b.did, false))).code).toBe('UNAUTHORIZED');

    await committed(a.host, a.host.setRole('transact', [a.did]));
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
});
