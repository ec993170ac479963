import { afterEach, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startTestHost, until } from './testing';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { MemoryNetwork } from './memory-net';
const hosts: PeerHost[] = [];
afterEach(async () => { for (const h of hosts.splice(0)) await h.stop(); });
async function startPeer(network: MemoryNetwork) {
  const { host } = await startTestHost(new MemoryStorage(), { verifier: nobleVerifier, net: network.connect(), inviteBase: 'http://localhost:8080/' });
  hosts.push(host);
  return { host, did: (await host.identity()).did };
}
for (const mode of ['private', 'consortium', 'public'] as const)
it(`member write on a solo ${mode} chain`, async () => {
  const network = new MemoryNetwork();
  const a = await startPeer(network);
  const b = await startPeer(network);
  await a.host.createChain({ name: 'solo', mode, consensus: 'solo' });
  await b.host.join(await a.host.invite());
  await until(async () => (await b.host.status()).admission === 'admitted' || (await b.host.status()).height > 0, 20_000).catch(() => {});
  console.log(mode, 'b status', JSON.stringify(await b.host.status()).slice(0, 400));
  const { txId } = await b.host.submit({ type: 'data.put', body: { key: 'k', value: 1 } });
  const r = await b.host.waitFor(txId, { timeoutMs: 8000 }).catch((e) => e);
  console.log(mode, 'result', JSON.stringify(r));
  expect(r.status).toBe('committed');
}, 60_000);
