// A member's write on a solo chain (one validator; the engine takes no votes) reaches the
// validator and commits. Before, a solo chain's core neither gossiped a member's accepted
// transaction nor took one from the mesh, so the member was told "accepted" and the write never
// happened (found relaying cross-chain operations through a Node peer, issue 18).
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

async function startPeer(network: MemoryNetwork) {
  return (await startNetPeer(network, hosts)).host;
}

describe('a solo chain with members', () => {
  it("commits a member's write, made on the member's peer, through the validator", async () => {
    const network = new MemoryNetwork();
    const a = await startPeer(network);
    const b = await startPeer(network);
    await a.createChain({ name: 'solo', mode: 'private', consensus: 'solo' });
    await b.join(await a.invite());
    await until(async () => (await b.network()).neighbours.some((n) => n.state === 'open'));
    const { txId } = await b.submit({ type: 'data.put', body: { key: 'k', value: 'from b' } });
    const result = await b.waitFor(txId, { timeoutMs: 20_000 });
    expect(result.status).toBe('committed');
    await until(async () => (await a.get('k'))?.value === 'from b');
  }, 60_000);
});
