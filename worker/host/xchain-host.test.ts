// Cross-chain operations between two real peers, each on its own chain, carried by a relay that
// holds nothing (worker/host/xchain.ts): tokens moved all or nothing with a relay that crashes
// half-way and is replaced; an operation aborted after its deadline while the relay was stopped.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import type { PeerHost } from './peer-host';
import { XchainRelay, type XchainEndpoint } from './xchain';
import { supplyCheck } from '../core/modules/tokens';
import { xchainReserve } from '../core/modules/xchain/types';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop();
});

async function twoChains() {
  const [{ host: a }, { host: b }] = await Promise.all([startTestHost(), startTestHost()]);
  hosts.push(a, b);
  const didA = (await a.identity()).did;
  const didB = (await b.identity()).did;
  const tokens = (symbol: string) => ({
    symbol,
    allocations: [
      { did: didA, amount: 1000 },
      { did: didB, amount: 1000 },
    ],
  });
  await a.createChain({ name: 'xa', mode: 'public', consensus: 'solo', tokens: tokens('AAA') });
  await b.createChain({ name: 'xb', mode: 'public', consensus: 'solo', tokens: tokens('BBB') });
  const endA = await a.xchainEndpoint();
  const endB = await b.xchainEndpoint();
  const run = async (end: XchainEndpoint, type: string, body: unknown) => {
    const { txId } = await end.submit({ type, body });
    const result = await end.waitFor(txId);
    expect(result.error).toBeUndefined();
    return txId;
  };
  const genesisA = endA.durable().genesis;
  const genesisB = endB.durable().genesis;
  await run(endA, 'xchain.link', {
    chain: endB.durable().chainId,
    mode: 'contract',
    genesis: genesisB,
  });
  await run(endB, 'xchain.link', {
    chain: endA.durable().chainId,
    mode: 'contract',
    genesis: genesisA,
  });
  await run(endA, 'xchain.fund', { amount: 300 });
  await run(endB, 'xchain.fund', { amount: 300 });
  return { a, b, endA, endB, didA, didB, run };
}

const balanceOn = (end: XchainEndpoint, did: string) =>
  end.durable().tokens?.balances.get(did) ?? 0;

describe('cross-chain relay between two peers', () => {
  it('moves tokens all or nothing through a relay that crashes between the commit and the finalize', async () => {
    const { a, b, endA, endB, didA } = await twoChains();
    // A bad request is refused before anything is signed, with the core's reason.
    await expect(
      a.xchainLink({ chain: endB.durable().chainId, mode: 'contract' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      a.xchainLock({
        target: endA.durable().chainId.replace(/./, 'f'),
        asset: { kind: 'tokens', amount: 0 },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const { id: lockId, txId } = await a.xchainLock({
      target: endB.durable().chainId,
      asset: { kind: 'tokens', amount: 120 },
    });
    expect((await endA.waitFor(txId)).error).toBeUndefined();
    expect(balanceOn(endA, didA)).toBe(1000 - 300 - 120);
    expect((await a.xchain()).operations[0]).toMatchObject({
      id: lockId,
      side: 'out',
      status: 'locked',
      to: didA,
    });
    // The first relay commits on B, then crashes as it sends the finalize to A.
    const crashingA: XchainEndpoint = {
      ...endA,
      submit: () => {
        throw new Error('relay crashed');
      },
    };
    const first = new XchainRelay(crashingA, endB);
    expect((await first.step()).map((i) => i.type)).toEqual(['xchain.commit']);
    expect(endB.durable().xchain!.ins.get(lockId)?.s).toBe('committed');
    await expect(first.step()).rejects.toThrow('relay crashed');
    expect(endA.durable().xchain!.outs.get(lockId)?.s).toBe('locked');
    // A new relay reads both chains and finishes the operation.
    const relay = new XchainRelay(endA, endB);
    for (let pass = 0; pass < 4 && endA.durable().xchain!.outs.get(lockId)!.s === 'locked'; pass++)
      await relay.step();
    expect(endB.durable().xchain!.ins.get(lockId)?.s).toBe('committed');
    expect(endA.durable().xchain!.outs.get(lockId)?.s).toBe('finalized');
    expect(balanceOn(endB, didA)).toBe(1000 + 120);
    expect(balanceOn(endB, xchainReserve)).toBe(300 - 120);
    expect(balanceOn(endA, xchainReserve)).toBe(300 + 120);
    for (const end of [endA, endB]) expect(supplyCheck(end.durable().tokens!)).toBeNull();
    expect(await relay.step()).toEqual([]);
    expect((await a.xchain()).operations[0]).toMatchObject({ id: lockId, status: 'finalized' });
    expect((await b.xchain()).operations[0]).toMatchObject({
      id: lockId,
      side: 'in',
      status: 'committed',
    });
    expect((await b.xchain()).links[0]).toMatchObject({
      mode: 'contract',
      chain: endA.durable().chainId,
    });
  }, 60_000);

  it('aborts an operation after its deadline when the relay was stopped, and returns the tokens', async () => {
    const { endA, endB, didA, run } = await twoChains();
    const lockId = await run(endA, 'xchain.lock', {
      target: endB.durable().chainId,
      to: didA,
      asset: { kind: 'tokens', amount: 50 },
      deadline: endA.durable().height + 3,
    });
    for (let i = 0; i < 3; i++) await run(endA, 'data.put', { key: `tick/${i}`, value: i });
    const relay = new XchainRelay(endA, endB);
    for (let pass = 0; pass < 4 && endA.durable().xchain!.outs.get(lockId)!.s === 'locked'; pass++)
      await relay.step();
    expect(endB.durable().xchain!.ins.get(lockId)?.s).toBe('refused');
    expect(endA.durable().xchain!.outs.get(lockId)?.s).toBe('aborted');
    expect(balanceOn(endA, didA)).toBe(1000 - 300);
    expect(balanceOn(endB, didA)).toBe(1000);
  }, 60_000);
});
