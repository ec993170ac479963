// Validators by stake through two real hosts (issue 16, public mode): B joins A's public chain,
// is paid, bonds, and after the epoch boundary the chain list shows B as a validator of the
// active chain (the set in force, not the genesis one).
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until, committed } from './testing';
import { MemoryNetwork } from './memory-net';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

describe('validators by stake between two peers', () => {
  it('shows an elected peer as a validator in chains()', async () => {
    const network = new MemoryNetwork();
    const a = await startNetPeer(network, hosts);
    const b = await startNetPeer(network, hosts);
    await a.host.createChain({
      name: 'agora',
      mode: 'public',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
      tokens: { symbol: 'BOT', allocations: [{ did: a.did, amount: 1000 }] },
      staking: {
        minBond: 10,
        unbondingBlocks: 3,
        maxValidators: 3,
        slashPercent: 10,
        epochBlocks: 2,
        bond: 100,
      },
    });
    await b.host.join(await a.host.invite());
    await until(async () => (await b.host.status()).admission === 'admitted');
    await committed(a.host, a.host.transfer({ to: b.did, amount: 300 }));
    await until(async () => (await b.host.balance()).balance === 300);
    expect((await b.host.chains()).find((c) => c.active)?.role).toBe('member');
    await committed(b.host, b.host.bond(50));
    await until(async () => (await b.host.status()).role === 'validator');
    expect((await b.host.chains()).find((c) => c.active)?.role).toBe('validator');
  });
});
