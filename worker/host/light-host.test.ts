// Joining as a light peer (issue 19): a MultiHost joins a consortium chain with { light: true }
// over an in-process network, admitted through the invite's token; it follows headers and certificates only (status.light, no ledger), reads
// a balance and a data key with proofs checked against headers it verified, signs a transfer,
// hands it to a full peer and reports it committed once a full peer proves it is in a certified
// block; a method that needs the full state is refused plainly; the choice and the verified
// headers survive a restart. Bad input: a forged inclusion proof, a header of another chain, a
// join option that is not a boolean, and a light join of a chain held as a full peer.
import { afterEach, describe, expect, it } from 'vitest';
import type { MultiHost } from './multi-host';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { MemoryNetwork } from './memory-net';
import { startNetPeer, startTestMultiHost, until } from './testing';
import type { PeerHost } from './peer-host';
import { dispatch } from './dispatch';
import { endpointLightSource, LightFollower } from './light';
import { trustGenesis } from '../core/lightclient';
import { checkBalanceProof, checkProof } from '../core/proof';
import type { PeerEvent } from '../api';

const hosts: PeerHost[] = [];
const multis: MultiHost[] = [];
afterEach(async () => {
  for (const m of multis.splice(0)) await m.stop();
  for (const h of hosts.splice(0)) await h.stop();
});

async function lightPeer(
  network: MemoryNetwork,
  base: MemoryStorage,
  stores: Map<string, MemoryStorage>,
) {
  const events: PeerEvent[] = [];
  const multi = await startTestMultiHost(
    {
      storage: base,
      verifier: nobleVerifier,
      emit: (e) => events.push(e),
      contractRuntime: null,
    },
    {
      async openChain(chainId) {
        let storage = stores.get(chainId);
        if (!storage) stores.set(chainId, (storage = new MemoryStorage()));
        return { storage, net: network.connect() };
      },
    },
  );
  multis.push(multi);
  return { multi, events };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('a light peer joined by invite', () => {
  it('follows headers, reads with proofs, commits a transfer, and keeps its choice across a restart', async () => {
    const network = new MemoryNetwork();
    const full = await startNetPeer(network, hosts);
    const { invite } = await full.host.createChain({
      name: 'city',
      mode: 'consortium',
      consensus: 'poa',
      tokens: { symbol: 'BOT', allocations: [{ did: full.did, amount: 1000 }] },
    } as never);
    const base = new MemoryStorage();
    const stores = new Map<string, MemoryStorage>();
    const { multi, events } = await lightPeer(network, base, stores);
    await multi.ready();
    const me = (await multi.identity()).did;
    const { chainId } = await multi.join(invite, { light: true });

    // it follows: the status says light, verified up to the full peer's height
    const { txId: paid } = await full.host.transfer({ to: me, amount: 100 });
    expect((await full.host.waitFor(paid)).status).toBe('committed');
    const { txId: put } = await full.host.submit({
      type: 'data.put',
      body: { key: 'road/a1', value: { speed: 42 } },
    });
    const { height: putAt } = await full.host.waitFor(put);
    await until(async () => (await multi.status()).height >= putAt!);
    const status = await multi.status();
    expect(status.chainId).toBe(chainId);
    expect(status.admission).toBe('admitted'); // admitted through the invite's token
    expect(status.light?.verifiedHeight).toBe(status.height);
    await until(() =>
      events.some((e) => e.type === 'status' && !!e.status.light && e.chain === chainId),
    );
    expect((await multi.chains()).find((c) => c.chainId === chainId)).toMatchObject({
      light: true,
      active: true,
    });

    // proven reads: the page's own checks hold on what the light peer returns
    const balance = await multi.balance();
    expect(balance).toMatchObject({ account: me, balance: 100, symbol: 'BOT' });
    expect(checkBalanceProof(balance.proof!)).toEqual({ ok: true, balance: 100 });
    const read = await multi.get('road/a1');
    expect(read?.value).toEqual({ speed: 42 });
    expect(checkProof(read!.proof)).toMatchObject({ ok: true, value: { speed: 42 } });
    expect(await multi.get('road/none')).toBeNull();

    // a transfer signed here, forwarded, and reported committed from its inclusion proof
    const { txId } = await multi.transfer({ to: full.did, amount: 30 });
    const result = await multi.waitFor(txId, { timeoutMs: 20_000 });
    expect(result.status).toBe('committed');
    expect((await full.host.waitFor(txId)).status).toBe('committed');
    expect((await full.host.balance(me)).balance).toBe(70);
    expect(events.some((e) => e.type === 'tx' && e.txId === txId)).toBe(true);
    // the next one takes the next nonce
    const second = await multi.transfer({ to: full.did, amount: 5 });
    expect((await multi.waitFor(second.txId, { timeoutMs: 20_000 })).status).toBe('committed');
    expect((await full.host.balance(me)).balance).toBe(65);

    // what needs the full state is refused plainly, naming the light peer
    const history = await refusal(multi.history('road/a1'));
    expect(history.code).toBe('BAD_REQUEST');
    expect(history.message).toMatch(/light peer/);
    // bad join options, and a full join of a chain followed light
    const badOption = await refusal(dispatch(multi, 'join', [invite, { light: 'yes' }]));
    expect(badOption).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/light/),
    });
    expect((await refusal(multi.join(invite))).message).toMatch(/light peer/);

    // a restart: still light, from the verified height it saved, without a network round
    const before = (await multi.status()).height;
    await multi.stop();
    multis.splice(multis.indexOf(multi), 1);
    const again = (await lightPeer(network, base, stores)).multi;
    await again.ready();
    const restarted = await again.status();
    expect(restarted.chainId).toBe(chainId);
    expect(restarted.light).toBeDefined();
    expect(restarted.height).toBeGreaterThanOrEqual(before);
  }, 60_000);

  it('refuses a forged inclusion proof, a header of another chain, and a light join of a chain it holds in full', async () => {
    const network = new MemoryNetwork();
    const a = await startNetPeer(network, hosts);
    const b = await startNetPeer(network, hosts);
    const { invite } = await a.host.createChain({ name: 'a', mode: 'public', consensus: 'solo' });
    await b.host.createChain({ name: 'b', mode: 'public', consensus: 'solo' });
    await b.host.waitFor(
      (await b.host.submit({ type: 'data.put', body: { key: 'k', value: 0 } })).txId,
    );
    const { txId } = await a.host.submit({ type: 'data.put', body: { key: 'k', value: 1 } });
    await a.host.waitFor(txId);
    const { txId: other } = await a.host.submit({ type: 'data.put', body: { key: 'k', value: 2 } });
    await a.host.waitFor(other);
    const endA = await a.host.xchainEndpoint();
    const endB = await b.host.xchainEndpoint();
    const honest = endpointLightSource(endA);
    const follower = new LightFollower(trustGenesis(endA.durable().genesis), honest);
    await follower.follow();
    expect(await follower.inclusion(txId)).toMatchObject({ height: expect.any(Number) });

    // the proof of another transaction offered for this one; a bent audit path; a changed header
    const proofOther = (await honest.include(other))!;
    const liar = (include: typeof honest.include) =>
      new LightFollower(follower.state, { ...honest, include });
    expect((await refusal(liar(async () => proofOther).inclusion(txId))).code).toBe('TAMPERED');
    const proof = (await honest.include(txId))!;
    const bent = { ...proof, index: proof.index, path: [...proof.path, new Uint8Array(32)] };
    expect((await refusal(liar(async () => bent).inclusion(txId))).code).toBe('TAMPERED');
    const moved = { ...proof, header: { ...proof.header, time: proof.header.time + 1 } };
    expect((await refusal(liar(async () => moved).inclusion(txId))).code).toBe('TAMPERED');

    // chain b's headers offered to a follower of chain a: refused, its state unchanged
    const wrong = new LightFollower(
      trustGenesis(endA.durable().genesis),
      endpointLightSource(endB),
    );
    const refused = await refusal(wrong.follow());
    expect(['WRONG_CHAIN', 'BAD_CERTIFICATE']).toContain(refused.code);
    expect(wrong.height).toBe(0);

    // a peer that holds a chain in full does not follow it light too
    const { multi } = await lightPeer(network, new MemoryStorage(), new Map());
    await multi.join(invite);
    expect((await refusal(multi.join(invite, { light: true }))).code).toBe('BAD_REQUEST');
  }, 60_000);
});
