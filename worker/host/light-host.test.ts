// Joining as a light peer (issue 19): a MultiHost joins a consortium chain with { light: true }
// over an in-process network, admitted through the invite's token; it follows headers and certificates only (status.light, no ledger), reads
// a balance and a data key with proofs checked against headers it verified, signs a transfer,
// hands it to a full peer and reports it committed once a full peer proves it is in a certified
// block; a method that needs the full state is refused plainly; the choice and the verified
// headers survive a restart. Bad input: a forged inclusion proof, a header of another chain, a
// join option that is not a boolean, and a light join of a chain held as a full peer. A failed
// transaction (in its block, its failure record fail/<txId> in the state) shows failed with its
// code; a full peer that hides that record, or any other entry, gets no "committed" nor
// "absent" from the light peer without a proof of absence, and the light peer asks another.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { MultiHost } from './multi-host';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { MemoryNetwork } from './memory-net';
import { startNetPeer, startTestMultiHost, until } from './testing';
import type { PeerHost } from './peer-host';
import { dispatch } from './dispatch';
import { endpointLightSource, LightFollower, lightProofTriesMax } from './light';
import { decodeWire, encodeWire, type LightAbsence, type LightProof } from './wire';
import { failurePrefix } from '../core/ledger';
import { sha256 } from '../core/crypto/hash';
import { trustGenesis } from '../core/lightclient';
import { checkAbsenceProof, checkBalanceProof, checkProof } from '../core/proof';
import type { PeerEvent } from '../api';
import { fromPlane, demoTownNetwork, itsTrustContractName } from '../core/modules/its';
import { verifyStateProof } from '../core/state-trie';
import { fromHex } from '../core/bytes';

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

/**
 * Make a full peer's net lie to light peers: its answers drop the entry or the proof of absence
 * of every key `hidden` names (as a full peer that hides a failure record would).
 */
function hideFromLightPeers(
  net: { send(to: string, bytes: Uint8Array): boolean },
  hidden: (key: string) => boolean,
): void {
  const send = net.send.bind(net);
  net.send = (to, bytes) => {
    const message = decodeWire(bytes);
    if (message.kind !== 'lightData') return send(to, bytes);
    const key = message.proof?.key ?? message.absence?.key;
    if (key === undefined || !hidden(key)) return send(to, bytes);
    return send(to, encodeWire({ ...message, proof: null, absence: null }));
  };
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

  it('shows a failed transaction failed with its code, and never committed on the word of a full peer that hides its failure record', async () => {
    const network = new MemoryNetwork();
    const liar = await startNetPeer(network, hosts);
    hideFromLightPeers(liar.net, (key) => key.startsWith(failurePrefix));
    const { invite } = await liar.host.createChain({
      name: 'tolls',
      mode: 'public',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: liar.did, amount: 1000 }] },
    } as never);
    const { multi, events } = await lightPeer(network, new MemoryStorage(), new Map());
    await multi.ready();
    const me = (await multi.identity()).did;
    await multi.join(invite, { light: true });
    const paid = await liar.host.waitFor((await liar.host.transfer({ to: me, amount: 10 })).txId);
    await until(async () => (await multi.status()).height >= paid.height!);

    // a transfer beyond the balance: in its block, failed there (the light peer does not precheck)
    const { txId: doomed } = await multi.transfer({ to: liar.did, amount: 500 });
    expect(await liar.host.waitFor(doomed)).toMatchObject({
      status: 'rejected',
      error: { code: 'INSUFFICIENT_FUNDS' },
    });
    // the only full peer proves the inclusion and hides the failure record: refused, not committed
    const refused = (e: PeerEvent) =>
      e.type === 'log' && e.entry.message.includes(`neither ${failurePrefix}${doomed}`);
    const reported = (e: PeerEvent) => e.type === 'tx' && e.txId === doomed;
    await until(() => events.some(refused) || events.some(reported));
    expect(events.find(reported)).toBeUndefined();
    expect(events.some(refused)).toBe(true);
    expect(await refusal(multi.waitFor(doomed, { timeoutMs: 1 }))).toMatchObject({
      code: 'TIMEOUT',
    });

    // an honest full peer links: the light peer asks it too, and shows the failure with its code
    const honest = await startNetPeer(network, hosts);
    await honest.host.join(invite);
    const failed = await multi.waitFor(doomed, { timeoutMs: 30_000 });
    expect(failed).toMatchObject({
      status: 'rejected',
      height: expect.any(Number),
      error: { code: 'INSUFFICIENT_FUNDS' },
    });
    expect(events.find((e) => e.type === 'tx' && e.txId === doomed)).toMatchObject({
      result: { status: 'rejected' },
    });
    // the next one (the failed one used its nonce) succeeds: committed with the record proven absent
    const { txId } = await multi.transfer({ to: liar.did, amount: 4 });
    expect(await multi.waitFor(txId, { timeoutMs: 30_000 })).toMatchObject({
      status: 'committed',
    });
    expect((await honest.host.balance(me)).balance).toBe(6);
  }, 60_000);

  it('hands the page a proof of absence for a key that holds nothing, checked again by the page; a full peer that hides it is refused', async () => {
    const network = new MemoryNetwork();
    const liar = await startNetPeer(network, hosts);
    hideFromLightPeers(liar.net, (key) => key === 'data/nowhere');
    const { invite } = await liar.host.createChain({
      name: 'q',
      mode: 'public',
      consensus: 'solo',
    });
    await liar.host.waitFor(
      (await liar.host.submit({ type: 'data.put', body: { key: 'here', value: 1 } })).txId,
    );
    // the full peer's own answer: null for a key that has a value, a proof the page accepts otherwise
    expect(await liar.host.absenceProof('here')).toBeNull();
    const full = await liar.host.absenceProof('nowhere');
    expect(full).toMatchObject({ key: 'data/nowhere', height: expect.any(Number) });
    expect(checkAbsenceProof(full!).ok).toBe(true);
    // a proof for one key does not prove another absent, nor under another root
    expect(checkAbsenceProof({ ...full!, key: 'data/here' }).ok).toBe(false);
    expect(checkAbsenceProof({ ...full!, stateRoot: '00'.repeat(32) }).ok).toBe(false);
    expect(checkAbsenceProof({ ...full!, siblings: ['zz'] }).ok).toBe(false);

    const { multi } = await lightPeer(network, new MemoryStorage(), new Map());
    await multi.ready();
    await multi.join(invite, { light: true });
    await until(async () => (await multi.status()).height >= 1);
    // the only full peer hides the proof: TAMPERED, never "absent" on its word
    expect((await refusal(multi.absenceProof('nowhere'))).code).toBe('TAMPERED');
    expect(await multi.absenceProof('here')).toBeNull();
    // an honest full peer links: its proof, checked against a verified header, reaches the page
    const honest = await startNetPeer(network, hosts);
    await honest.host.join(invite);
    const head = (await liar.host.status()).height;
    await until(async () => (await honest.host.status()).height >= head);
    let proof = null as Awaited<ReturnType<typeof multi.absenceProof>>;
    await until(async () => {
      proof = await multi.absenceProof('nowhere').catch(() => null);
      return proof !== null;
    });
    expect(checkAbsenceProof(proof!).ok).toBe(true);
    expect((await multi.status()).light).toBeTruthy();
    expect((await refusal(multi.absenceProof(''))).code).toBe('BAD_REQUEST');
  }, 60_000);

  it('takes "absent" only with a proof of absence: a hidden entry, a bent or misplaced proof are refused (TAMPERED) and asked again', async () => {
    const network = new MemoryNetwork();
    const full = await startNetPeer(network, hosts);
    await full.host.createChain({ name: 'p', mode: 'public', consensus: 'solo' });
    const put = await full.host.submit({ type: 'data.put', body: { key: 'here', value: 1 } });
    await full.host.waitFor(put.txId);
    const doomed = await full.host.submit({
      type: 'member.vote',
      body: { proposal: 'ab'.repeat(32), approve: true },
    });
    expect((await full.host.waitFor(doomed.txId)).status).toBe('rejected');
    const done = await full.host.submit({ type: 'data.put', body: { key: 'done', value: 2 } });
    await full.host.waitFor(done.txId);
    const end = await full.host.xchainEndpoint();
    const honest = endpointLightSource(end);
    const follower = new LightFollower(trustGenesis(end.durable().genesis), honest);
    await follower.follow();

    // honest: an absent key is null with its proof of absence; results proven both ways
    expect(await follower.get('nowhere')).toBeNull();
    const absent = (await honest.prove('nowhere')) as LightAbsence;
    expect(absent).toMatchObject({ key: 'data/nowhere', siblings: expect.any(Array) });
    expect(await follower.result(doomed.txId)).toMatchObject({
      status: 'rejected',
      error: { code: 'NOT_FOUND' },
    });
    expect(await follower.result(done.txId)).toMatchObject({ status: 'committed' });

    // a source that counts its answers and lies in each
    const lying = (prove: typeof honest.prove) => {
      const asked = { count: 0 };
      const source = {
        ...honest,
        prove: async (key: string, raw?: boolean) => {
          asked.count++;
          return prove(key, raw);
        },
      };
      return { asked, follower: new LightFollower(follower.state, source) };
    };
    const here = (await honest.prove('here')) as LightProof;
    const cases: Array<[string, typeof honest.prove, () => Promise<unknown>]> = [
      // the failure record hidden: the failed transaction is not reported committed
      ['hides the failure record', async () => null, () => liarOf.follower.result(doomed.txId)],
      // a data entry that is there, hidden: not taken as absent
      ['hides an entry', async () => null, () => liarOf.follower.get('here')],
      // an entry that is there, said absent with another key's proof of absence
      ['proves another key absent', async () => absent, () => liarOf.follower.get('here')],
      // the same key, with a proof of absence built on its own path
      [
        'bends a proof of absence',
        async () =>
          ({
            key: here.key,
            height: here.height,
            siblings: here.siblings,
            other: null,
          }) as LightAbsence,
        () => liarOf.follower.get('here'),
      ],
      // the key itself offered as the other leaf found on its path
      [
        'offers the key itself as the other leaf',
        async () =>
          ({
            key: here.key,
            height: here.height,
            siblings: here.siblings,
            other: {
              keyHash: sha256(new TextEncoder().encode(here.key)),
              valueHash: sha256(here.entry),
            },
          }) as LightAbsence,
        () => liarOf.follower.get('here'),
      ],
    ];
    let liarOf = lying(honest.prove);
    for (const [what, prove, read] of cases) {
      liarOf = lying(prove);
      const error = await refusal(read());
      expect(error, what).toMatchObject({ code: 'TAMPERED' });
      expect(liarOf.asked.count, what).toBe(lightProofTriesMax);
    }
    // a proof of absence at a height whose header no full peer gives: asked again (the peer
    // that proved it may be ahead of those that give headers), then NOT_READY
    const ahead = lying(async () => ({ ...absent, height: 10_000 }));
    expect((await refusal(ahead.follower.get('nowhere'))).code).toBe('NOT_READY');
    expect(ahead.asked.count).toBe(lightProofTriesMax);
    // one lie, then an honest answer: the light peer asks again and takes the proven one
    let lies = 1;
    const once = lying(async (key, raw) => (lies-- > 0 ? null : honest.prove(key, raw)));
    expect(await once.follower.result(done.txId)).toMatchObject({ status: 'committed' });
    expect(once.asked.count).toBe(2);
  }, 60_000);

  it("reads the road conditions near its position with proofs (issue 20), and the providers' trust; the whole map and bad input are refused plainly; it reports as a vehicle and is paid", async () => {
    const network = new MemoryNetwork();
    const full = await startNetPeer(network, hosts);
    const h = full.host;
    const { invite } = await h.createChain({
      name: 'town',
      mode: 'consortium',
      consensus: 'poa',
      tokens: { symbol: 'BOT', allocations: [{ did: full.did, amount: 1000 }] },
      its: {
        providers: [full.did],
        windowMs: 1_000,
        reward: 5,
        corroborationMin: 1,
        contract: itsTrustContractName,
      },
    } as never);
    await until(async () => (await h.contracts()).some((c) => c.name === itsTrustContractName));
    // The provider's own vehicle drives Main Street (h20) at 36 km/h and stops: one observation.
    const { request } = await h.itsTripKeys(1);
    await h.itsAddCertificates((await h.itsCertify(request, 'taxi 1')).certificates);
    await h.itsStartTrip();
    for (let x = 60; x <= 240; x += 30) {
      const { lat, lon } = fromPlane(demoTownNetwork, x, 603);
      await h.itsReport({ lat, lon, speedKmh: 36 });
    }
    await h.itsStopTrip();
    await until(async () => (await h.itsDrive()).recent[0]?.status === 'counted', 20_000);
    // After the window ends a block passes, and settlement writes the provider's trust record.
    await new Promise((r) => setTimeout(r, 1_100));
    await h.waitFor((await h.submit({ type: 'data.put', body: { key: 'tick', value: 1 } })).txId);
    const { settled } = await h.itsSettle();
    expect(settled.length).toBeGreaterThan(0);
    for (const s of settled) expect((await h.waitFor(s.txId)).status).toBe('committed');
    const fullView = await h.itsConditions();
    expect(fullView.providers).toEqual([{ did: full.did, ok: settled.length, bad: 0, trust: 100 }]);
    expect(fullView.conditions.find((c) => c.segment === 'h20')?.reporters).toEqual([
      { provider: full.did, trips: 1, trust: 100 },
    ]);

    const { multi } = await lightPeer(network, new MemoryStorage(), new Map());
    await multi.ready();
    await multi.join(invite, { light: true });
    const top = (await h.status()).height;
    await until(async () => (await multi.status()).height >= top, 20_000);
    const mainStreet = fromPlane(demoTownNetwork, 150, 600);
    const near = await multi.itsConditions({ ...mainStreet, radiusM: 120 });
    expect(near.proven).toBe(true);
    expect(near.near).toEqual({ ...mainStreet, radiusM: 120 });
    const h20 = near.conditions.find((c) => c.segment === 'h20');
    const fullH20 = fullView.conditions.find((c) => c.segment === 'h20')!;
    expect(h20).toEqual({ ...fullH20, reporters: [], trustMin: null });
    expect(h20).toMatchObject({ name: 'Main Street', speedMedianKmh: 36 });
    // the trust record, proven too
    expect(near.providers).toEqual(fullView.providers);
    // far from Main Street: none of it
    const far = await multi.itsConditions({ ...fromPlane(demoTownNetwork, 1200, 0), radiusM: 50 });
    expect(far.conditions.some((c) => c.segment === 'h20')).toBe(false);
    // one segment with its proof, checked here from the bytes against the root it names
    const one = await multi.itsCondition('h20');
    expect(one.condition).toEqual(h20);
    const proof = one.proof!;
    expect(proof.key).toBe('its/seg/h20');
    expect(
      verifyStateProof(fromHex(proof.stateRoot), proof.key, sha256(fromHex(proof.entry)), {
        siblings: proof.siblings.map(fromHex),
      }),
    ).toBe(true);
    const header = await h.block(proof.height);
    expect(header?.header.stateRoot).toBe(proof.stateRoot);

    // the whole map needs a full peer; bad input and what needs the full state: plain refusals
    const whole = await refusal(multi.itsConditions());
    expect(whole).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/near/) });
    expect((await refusal(multi.itsCondition('nowhere'))).code).toBe('NOT_FOUND');
    const badNear = await refusal(dispatch(multi, 'itsConditions', [{ lat: 91, lon: 8 }]));
    expect(badNear.message).toMatch(/near.lat/);
    const tooWide = await refusal(multi.itsConditions({ ...mainStreet, radiusM: 50_000 }));
    expect(tooWide.message).toMatch(/itsNearRadiusMaxM/);

    // The light phone reports as a vehicle: trip keys certified by the provider, observations
    // signed here and handed to the full peer, their verdicts and the reward read with proofs.
    const phone = await multi.itsTripKeys(1);
    await multi.itsAddCertificates((await h.itsCertify(phone.request, 'phone 1')).certificates);
    expect((await multi.itsStartTrip()).active).toBe(true);
    for (let x = 60; x <= 240; x += 30)
      await multi.itsReport({ ...fromPlane(demoTownNetwork, x, 603), speedKmh: 40, rpm: 2_100 });
    await multi.itsStopTrip();
    await until(async () => (await multi.itsDrive()).recent[0]?.status === 'counted', 20_000);
    const sent = (await multi.itsDrive()).recent[0]!;
    expect(sent).toMatchObject({ segment: 'h20', speedKmh: 40, rpm: 2_100, status: 'counted' });
    expect((await h.waitFor(sent.txId)).status).toBe('committed');
    // After its window a block passes; the provider settles, and the phone's trip key is paid.
    await new Promise((r) => setTimeout(r, 1_100));
    await h.waitFor((await h.submit({ type: 'data.put', body: { key: 'tick', value: 2 } })).txId);
    for (const s of (await h.itsSettle()).settled)
      expect((await h.waitFor(s.txId)).status).toBe('committed');
    await until(async () => (await multi.itsDrive()).reward === 5, 20_000);
    expect(await multi.itsDrive()).toMatchObject({ reward: 5, symbol: 'BOT', queued: 0 });
    // a full peer proves ITS trust records, not any contract's state
    const source = endpointLightSource(await h.xchainEndpoint());
    expect((await refusal(source.prove('ct/state/its-trust/secret', true))).code).toBe(
      'BAD_REQUEST',
    );
  }, 60_000);
});
