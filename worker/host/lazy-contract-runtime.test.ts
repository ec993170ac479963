// The contract engine loads before the first step that may run a contract, not at every start
// (lazy-contract-runtime.ts): a peer that never meets a contract never loads it; one that deploys,
// receives a deploy in synced blocks, or restarts on a chain holding contracts loads it first
// and runs the contracts as before.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import type { PeerHost } from './peer-host';
import { startNetPeer, startTestHost, until } from './testing';
import { MemoryNetwork } from './memory-net';
import { loadContractRuntime } from './contract-runtime';
import { contractsMayRun, LazyContractRuntime } from './lazy-contract-runtime';
import { devChain, testIdentity } from '../core/testing';
import type { Tx } from '../core/tx';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

const counter =
  "function increment(ctx) { const n = (ctx.get('count') ?? 0) + 1; ctx.put('count', n); return n; }";

/** A lazy engine that counts its loads. */
function countingEngine(): { engine: LazyContractRuntime; loads: () => number } {
  let loads = 0;
  const engine = new LazyContractRuntime(() => {
    loads++;
    return loadContractRuntime();
  });
  return { engine, loads: () => loads };
}

async function commit(host: PeerHost, p: Promise<{ txId: string }>): Promise<number> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 20_000 });
  expect(result, JSON.stringify(result)).toMatchObject({ status: 'committed' });
  return result.height!;
}

describe('the contract engine loads on first need', () => {
  it('not at start nor for other writes; before a deploy; at a restart on a chain with contracts', async () => {
    const storage = new MemoryStorage();
    const first = countingEngine();
    const { host } = await startTestHost(storage, { contractRuntime: first.engine });
    hosts.push(host);
    await commit(host, host.submit({ type: 'data.put', body: { key: 'k', value: 'v' } }));
    expect(first.loads()).toBe(0);
    expect(first.engine.loaded).toBe(false);

    await commit(host, host.deployContract({ name: 'counter', code: counter }));
    expect(first.engine.loaded).toBe(true);
    await commit(host, host.callContract('counter', 'increment', null));
    expect((await host.contract('counter'))!.calls.at(-1)!.result).toBe(1);
    await host.stop();

    const second = countingEngine();
    const { host: again } = await startTestHost(storage, { contractRuntime: second.engine });
    hosts.push(again);
    expect(second.engine.loaded).toBe(true); // the chain holds a contract: loaded while it loaded
    await commit(again, again.callContract('counter', 'increment', null));
    expect((await again.contract('counter'))!.calls.at(-1)!.result).toBe(2);
    expect(second.loads()).toBe(1);
  });

  it('a peer that syncs a deploy from another loads the engine before it applies the block', async () => {
    const network = new MemoryNetwork();
    const a = await startNetPeer(network, hosts);
    const { invite } = await a.host.createChain({
      name: 'open',
      mode: 'public',
      consensus: 'solo',
    });
    await commit(a.host, a.host.deployContract({ name: 'counter', code: counter }));
    await commit(a.host, a.host.callContract('counter', 'increment', null));
    const late = countingEngine();
    const b = await startNetPeer(network, hosts, { contractRuntime: late.engine });
    expect(late.engine.loaded).toBe(false);
    await b.host.join(invite);
    const height = (await a.host.status()).height;
    await until(async () => (await b.host.status()).height >= height, 20_000);
    expect(late.engine.loaded).toBe(true);
    expect((await b.host.contract('counter'))!.calls.at(-1)!.result).toBe(1);
  });

  it('contractsMayRun: a contract transaction in the input, or a chain holding contracts', () => {
    const chain = devChain(testIdentity('owner')).state;
    const tx = (type: string) => ({ type }) as unknown as Tx;
    const submit = (type: string) => ({ kind: 'submit' as const, tx: tx(type), sigOk: true });
    expect(contractsMayRun(chain, submit('data.put'))).toBe(false);
    expect(contractsMayRun(chain, submit('contract.deploy'))).toBe(true);
    expect(contractsMayRun(chain, { kind: 'tick', time: 1 })).toBe(false);
    const block = (types: string[]) => ({ header: {}, txs: types.map(tx), cert: null });
    const commitOf = (types: string[]) =>
      ({
        kind: 'message',
        from: 'x',
        message: { type: 'commit', block: block(types) },
        sigOk: true,
      }) as Parameters<typeof contractsMayRun>[1];
    expect(contractsMayRun(chain, commitOf(['data.put', 'token.transfer']))).toBe(false);
    expect(contractsMayRun(chain, commitOf(['data.put', 'contract.call']))).toBe(true);
    const holding = {
      ...chain,
      contracts: { contracts: new Map([['c', {}]]), state: new Map() },
    } as unknown as typeof chain;
    expect(contractsMayRun(holding, { kind: 'tick', time: 1 })).toBe(true);
  });
});
