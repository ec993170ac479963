// Multi-signature permission through two real hosts (issue 16, D-8-data): on a chain whose
// genesis holds token transfers above 100 for 2 of 2 signatures, A's direct large transfer is
// refused with UNAUTHORIZED naming the rule; A proposes it; B sees it pending and approves; it
// executes once as A's transfer.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, startTestHost, until, committed, refusal } from './testing';
import { MemoryNetwork } from './memory-net';
import { testIdentity } from '../core/testing';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

const startPeer = (network: MemoryNetwork) => startNetPeer(network, hosts);

describe('multi-signature permission between two peers', () => {
  it('holds a large transfer until the second signer approves, then executes it once', async () => {
    const network = new MemoryNetwork();
    const a = await startPeer(network);
    const b = await startPeer(network);
    const payee = testIdentity('msig payee').did;
    await a.host.createChain({
      name: 'vault',
      mode: 'consortium',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
      tokens: { symbol: 'BOT', allocations: [{ did: a.did, amount: 1000 }] },
      multisig: {
        signers: [a.did, b.did],
        k: 2,
        types: [{ type: 'token.transfer', amountOver: 100 }],
      },
    });
    await b.host.join(await a.host.invite());
    await until(async () => (await b.host.status()).admission === 'admitted');

    await committed(a.host, a.host.transfer({ to: payee, amount: 100 }));
    const direct = await refusal(a.host.transfer({ to: payee, amount: 500 }));
    expect(direct.code).toBe('UNAUTHORIZED');
    expect(direct.message).toMatch(/above 100 needs 2 of 2 signatures/);
    const bad = await refusal(
      a.host.proposeMultisig({ type: 'token.transfer', body: { to: payee, amount: 5 } }),
    );
    expect(bad.message).toMatch(/not held for signatures/);

    const proposal = await committed(
      a.host,
      a.host.proposeMultisig({ type: 'token.transfer', body: { to: payee, amount: 500 } }),
    );
    await until(async () => (await b.host.multisig()).proposals.some((p) => p.id === proposal));
    const view = await b.host.multisig();
    expect(view).toMatchObject({ signer: true, policy: { k: 2 } });
    expect(view.proposals[0]).toMatchObject({ state: 'pending', from: a.did, approvals: [a.did] });
    expect((await b.host.balance(payee)).balance).toBe(100);
    expect((await refusal(a.host.approveMultisig(proposal))).message).toMatch(
      /approved this proposal already/,
    );

    await committed(b.host, b.host.approveMultisig(proposal));
    await until(async () => (await a.host.balance(payee)).balance === 600);
    expect((await a.host.balance()).balance).toBe(400);
    expect((await a.host.multisig()).proposals[0]).toMatchObject({
      state: 'executed',
      approvals: [a.did, b.did],
    });
    expect((await refusal(b.host.approveMultisig(proposal))).message).toMatch(/executed already/);
    // A bad rule is refused when the chain is made.
    const { host: c } = await startTestHost();
    hosts.push(c);
    const badRule = await refusal(
      c.createChain({
        name: 'x',
        mode: 'private',
        consensus: 'solo',
        multisig: { signers: [a.did], k: 3, types: [{ type: 'token.transfer' }] },
      }),
    );
    expect(badRule.code).toBe('BAD_FIELD_TYPE');
  }, 60_000);
});
