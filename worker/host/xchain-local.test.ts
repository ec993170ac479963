// A cross-chain operation carried end to end inside one peer (issue 18): one MultiHost runs two
// chains that link each other; the relay it runs between its own chain hosts (xchain-local.ts)
// commits a lock of A on B and finalizes it on A with nobody outside, for tokens and a record;
// a lock made before B links A is refused on B and aborted on A once its deadline has passed.
// Real hosts, memory storage, the real clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { MultiHost } from './multi-host';
import { until, committed, startTestMultiHost } from './testing';
import { bestVerifier } from './crypto';
import type { PeerHost } from './peer-host';
import { supplyCheck } from '../core/modules/tokens';
import { xchainReserve } from '../core/modules/xchain/types';
import { commitSigningBytes, decodeBlock, type SignatureCheck } from '../core/block';
import { publicKeyFromDid } from '../core/crypto/did';
import { isVerifiedSignature } from '../core/lightclient';
import { toHex } from '../core/bytes';
import { nodeSigner } from './node-signer';

const running: MultiHost[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

type HostOptions = ConstructorParameters<typeof MultiHost>[0]['host'];

async function startPeer(options: Partial<HostOptions> = {}): Promise<MultiHost> {
  const multi = await startTestMultiHost(
    { contractRuntime: null, ...options },
    { relayIntervalMs: 50 },
  );
  running.push(multi);
  return multi;
}

async function twoChains(options: Partial<HostOptions> = {}) {
  const multi = await startPeer(options);
  const did = (await multi.identity()).did;
  const tokens = (symbol: string) => ({ symbol, allocations: [{ did, amount: 1000 }] });
  const { chainId: idA } = await multi.createChain({
    name: 'xa',
    mode: 'public',
    consensus: 'solo',
    tokens: tokens('AAA'),
  });
  const { chainId: idB } = await multi.createChain({
    name: 'xb',
    mode: 'public',
    consensus: 'solo',
    tokens: tokens('BBB'),
  });
  const a = multi.chainHost(idA);
  const b = multi.chainHost(idB);
  const genesisOf = async (host: PeerHost) =>
    (await host.xchain()).genesis as Record<string, unknown>;
  const link = (from: PeerHost, to: string, genesis: Record<string, unknown>) =>
    committed(from, from.xchainLink({ chain: to, mode: 'contract', genesis }));
  await committed(b, b.xchainFund(300));
  const balance = async (host: PeerHost, who: string) =>
    (await host.xchainEndpoint()).durable().tokens?.balances.get(who) ?? 0;
  const outStatus = async (id: string) => (await a.xchain()).operations.find((o) => o.id === id);
  const inStatus = async (id: string) => (await b.xchain()).operations.find((o) => o.id === id);
  return {
    multi,
    did,
    idA,
    idB,
    a,
    b,
    linkAB: async () => link(a, idB, await genesisOf(b)),
    linkBA: async () => link(b, idA, await genesisOf(a)),
    balance,
    outStatus,
    inStatus,
  };
}

describe('the relay inside a peer that runs both chains', () => {
  it('carries tokens and a record locked on A to B and finalizes them on A, with no outside party', async () => {
    const t = await twoChains();
    await t.linkAB();
    expect(t.multi.relays.relayed()).toEqual([]); // B does not link A yet: nothing to relay
    await t.linkBA();
    await until(() => t.multi.relays.relayed().length === 1);
    expect(t.multi.relays.relayed()[0]).toEqual([t.idA, t.idB].sort());

    const tokens = await t.a.xchainLock({ target: t.idB, asset: { kind: 'tokens', amount: 120 } });
    const record = await t.a.xchainLock({
      target: t.idB,
      asset: { kind: 'record', key: 'shared/report', value: 'all clear' },
    });
    await committed(t.a, Promise.resolve(tokens));
    await committed(t.a, Promise.resolve(record));
    for (const { id } of [tokens, record]) {
      await until(async () => (await t.outStatus(id))?.status === 'finalized');
      expect(await t.inStatus(id)).toMatchObject({ side: 'in', status: 'committed' });
    }
    expect(await t.balance(t.a, t.did)).toBe(1000 - 120);
    expect(await t.balance(t.b, t.did)).toBe(1000 - 300 + 120);
    expect(await t.balance(t.b, xchainReserve)).toBe(300 - 120);
    expect(await t.balance(t.a, xchainReserve)).toBe(120);
    for (const host of [t.a, t.b])
      expect(supplyCheck((await host.xchainEndpoint()).durable().tokens!)).toBeNull();
    expect((await t.b.get('shared/report'))?.value).toBe('all clear');
    expect(await t.a.get('shared/report')).toBeNull();

    // Stopped with the host: nothing is relayed after stop().
    await t.multi.stop();
    expect(t.multi.relays.relayed()).toEqual([]);
  }, 60_000);

  it('refuses on B and aborts on A a lock whose deadline passed before B linked A', async () => {
    const t = await twoChains();
    await t.linkAB();
    const head = (await t.a.xchainEndpoint()).durable().height;
    const lock = await t.a.xchainLock({
      target: t.idB,
      asset: { kind: 'tokens', amount: 50 },
      deadline: head + 3,
    });
    await committed(t.a, Promise.resolve(lock));
    expect(await t.balance(t.a, t.did)).toBe(1000 - 50);
    for (let i = 0; i < 3; i++)
      await committed(t.a, t.a.submit({ type: 'data.put', body: { key: `tick/${i}`, value: i } }));
    await t.linkBA();
    await until(async () => (await t.outStatus(lock.id))?.status === 'aborted');
    expect(await t.inStatus(lock.id)).toMatchObject({ status: 'refused' });
    expect(await t.balance(t.a, t.did)).toBe(1000);
    expect(await t.balance(t.b, t.did)).toBe(1000 - 300);
  }, 60_000);
  it('stops relaying for a chain the peer leaves, and finishes its operation once the chain runs again', async () => {
    const t = await twoChains();
    await t.linkAB();
    await t.linkBA();
    await until(() => t.multi.relays.relayed().length === 1);
    await t.multi.leaveChain(t.idB);
    expect(t.multi.relays.relayed()).toEqual([]); // dropped at once, not at the next pass
    const lock = await t.a.xchainLock({ target: t.idB, asset: { kind: 'tokens', amount: 40 } });
    await committed(t.a, Promise.resolve(lock));
    for (let i = 0; i < 3; i++)
      await committed(t.a, t.a.submit({ type: 'data.put', body: { key: `tick/${i}`, value: i } }));
    expect(t.multi.relays.relayed()).toEqual([]);
    expect((await t.outStatus(lock.id))?.status).toBe('locked');
    // Run B again: its host is new, but the light-client material of the blocks it made before
    // it stopped was kept (A's light client of B follows them), so the operation finishes.
    await t.multi.useChain(t.idB);
    const b = t.multi.chainHost(t.idB);
    await until(async () => (await t.outStatus(lock.id))?.status === 'finalized');
    expect((await b.xchain()).operations.find((o) => o.id === lock.id)).toMatchObject({
      status: 'committed',
    });
    expect(await t.balance(b, t.did)).toBe(1000 - 300 + 40);
  }, 60_000);

  it("signs its solo blocks with the peer's faster signer and checks none of its own certificate signatures again when it relays them", async () => {
    // Every signature the verifier is asked about, and every consensus signature made.
    const asked: SignatureCheck[] = [];
    const verifier = await bestVerifier();
    let signed = 0;
    const t = await twoChains({
      verifier: {
        backend: verifier.backend,
        verifyBatch: (checks) => {
          asked.push(...checks);
          return verifier.verifyBatch(checks);
        },
      },
      voteSignerFor: (seed) => {
        const sign = nodeSigner(seed);
        return (message) => {
          signed++;
          return sign(message);
        };
      },
    });
    await t.linkAB();
    await t.linkBA();
    const lock = await t.a.xchainLock({ target: t.idB, asset: { kind: 'tokens', amount: 5 } });
    await committed(t.a, Promise.resolve(lock));
    await until(async () => (await t.outStatus(lock.id))?.status === 'finalized');
    // Each certificate of both chains: made by the peer's signer (the solo engine takes it), in
    // the light clients' memo, and never sent to the verifier (not by the relay beforehand, not
    // by the blocks that check the headers on chain).
    const certSigs: Array<{ key: Uint8Array; message: Uint8Array; sig: Uint8Array }> = [];
    for (const host of [t.a, t.b]) {
      const end = await host.xchainEndpoint();
      const state = end.durable();
      for (let height = 1; height <= state.height; height++) {
        const block = decodeBlock((await end.storage.getBlock(state.chainId, height))!);
        const { cert } = block;
        for (const entry of cert!.sigs)
          certSigs.push({
            key: publicKeyFromDid(entry.validator),
            message: commitSigningBytes(state.chainId, cert!.height, cert!.round, cert!.block),
            sig: entry.sig,
          });
      }
    }
    expect(signed).toBeGreaterThanOrEqual(certSigs.length);
    expect(certSigs.length).toBeGreaterThanOrEqual(6); // fund, links, lock, commit, finalize
    for (const c of certSigs) expect(isVerifiedSignature(c.key, c.message, c.sig)).toBe(true);
    const askedSigs = new Set(asked.map((c) => toHex(c.signature)));
    expect(certSigs.filter((c) => askedSigs.has(toHex(c.sig)))).toEqual([]);
  }, 60_000);
});
