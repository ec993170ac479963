// The ITS host service on a real peer (issue 20): a provider certifies a vehicle's trip keys
// (the vehicle's did is never on chain), the vehicle drives along Main Street with positions fed
// in, its observations are map-matched, signed with the trip key and committed; a second
// vehicle corroborates; settlement pays the trip key and the Drive figures show the reward; an
// implausible observation is committed as rejected and shown; the offline queue survives a
// reload and goes out when the network returns; bad input gets typed, plain refusals.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../store/memory';
import { startTestHost, startTestMultiHost, until } from './testing';
import { testIdentity } from '../core/testing';
import { encodeTx, signTx, type Tx } from '../core/tx';
import {
  fromPlane,
  demoTownNetwork,
  itsTrustContractName,
  signTripCertificate,
} from '../core/modules/its';
import type { PeerHost } from './peer-host';
import { ItsHost, congestionOf } from './its';
import { itsSegmentsReadMax } from './its-limits';
import type { ChainState } from '../core/ledger';
import type { Clock } from '../net/clock';
import { BotError } from '../core/errors';
import { randomBytes } from 'node:crypto';
import { isSealedSecret, secretBoxFromKey } from './keys-at-rest';
import { toHex } from '../core/bytes';

let host: PeerHost | null = null;
afterEach(() => host?.stop());

const at = (x: number, y: number) => fromPlane(demoTownNetwork, x, y);

async function providerChain(now: () => number, storage = new MemoryStorage()) {
  const started = await startTestHost(storage, { now });
  host = started.host;
  const me = (await host.identity()).did;
  await host.createChain({
    name: 'town',
    mode: 'private',
    consensus: 'solo',
    tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1_000 }] },
    its: {
      providers: [me],
      windowMs: 60_000,
      reward: 7,
      corroborationMin: 2,
      contract: itsTrustContractName,
    },
  });
  // The provider deployed the bundled trust contract with the chain: its verdicts count.
  await until(async () => (await host!.contracts()).some((c) => c.name === itsTrustContractName));
  return { host, me, chain: (await host.status()).chainId, events: started.events };
}

describe('ITS host service', () => {
  it('drives a trip: certify, report positions, commit, corroborate, settle, show the reward and a rejection', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000; // early in a window
    const { host: h, me, chain } = await providerChain(() => now);
    await expect(h.itsStartTrip()).rejects.toMatchObject({ code: 'NOT_READY' });
    const { request, keys } = await h.itsTripKeys(2);
    expect(keys).toBe(2);
    const { certificates, trips } = await h.itsCertify(request, 'taxi 12');
    expect(trips).toBe(2);
    expect(await h.itsAddCertificates(certificates)).toEqual({ certified: 2 });
    const started = await h.itsStartTrip();
    expect(started).toMatchObject({ active: true, certificatesLeft: 1 });
    expect(started.trip).not.toBe(me); // a pseudonym, not the peer's did
    // Along Main Street (y = 600 m) at 36 km/h: 30 m every 3 s, from h20 into h21.
    for (let x = 30; x <= 390; x += 30) {
      now += 3_000;
      const { lat, lon } = at(x, 603);
      // An OBD-II adapter gives the engine speed: 1,800 then 2,000 rpm (h20's mean: 1,900).
      const rpm = x <= 150 ? 1_800 : 2_000;
      await h.itsReport({ lat, lon, speedKmh: 36, humidityPct: 82, temperatureC: 6, rpm });
    }
    const drive = await h.itsDrive();
    expect(drive.segment).toMatchObject({ id: 'h21', name: 'Main Street' });
    await until(async () => (await h.itsDrive()).recent[0]?.status === 'counted');
    const conditions = await h.itsConditions();
    expect(conditions.conditions).toEqual([
      expect.objectContaining({
        segment: 'h20',
        trips: 1,
        speedMedianKmh: 36,
        humidityMeanPct: 82,
        engineRpmMean: 1_900,
      }),
    ]);
    expect((await h.itsDrive()).recent.at(-1)).toMatchObject({ segment: 'h20', rpm: 1_900 });
    // who reported it: one vehicle of this provider, whose trust record is empty yet (100)
    expect(conditions.conditions[0]!.reporters).toEqual([{ provider: me, trips: 1, trust: 100 }]);
    expect(conditions.providers).toEqual([{ did: me, ok: 0, bad: 0, trust: 100 }]);
    // near a point: Main Street's segments only
    const near = await h.itsConditions({ ...at(150, 600), radiusM: 100 });
    expect(near.conditions.map((c) => c.segment)).toEqual(['h20']);
    expect((await h.itsConditions({ ...at(1200, 0), radiusM: 50 })).conditions).toEqual([]);
    await expect(h.itsConditions({ lat: 47, lon: 8, radiusM: 0 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const proved = await h.itsCondition('h20');
    expect(proved.proof?.key).toBe('its/seg/h20');
    // A second vehicle (another trip key, certified by the same provider) corroborates h20.
    const other = testIdentity('its host other trip');
    const cert = signTripCertificate(chain, me, providerSeed(h), other.did, now + 3_600_000);
    const tx: Tx = signTx(
      {
        chain,
        type: 'its.observe',
        from: other.did,
        nonce: 1,
        time: now - 30_000,
        body: { cert, segment: 'h20', speedKmh: 40, congestion: 0 },
      },
      other.seed,
    );
    const { txId } = await h.submitRaw(encodeTx(tx));
    expect((await h.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
    // The window ends; settlement pays both trips 7 BOT.
    now += 60_000;
    const tick = await h.submit({ type: 'data.put', body: { key: 'tick', value: 1 } }); // a block after the window
    expect((await h.waitFor(tick.txId, { timeoutMs: 10_000 })).status).toBe('committed');
    const { settled } = await h.itsSettle();
    expect(settled.map((s) => s.segment)).toEqual(['h20']);
    expect((await h.waitFor(settled[0]!.txId, { timeoutMs: 10_000 })).status).toBe('committed');
    expect((await h.itsDrive()).reward).toBe(7);
    expect((await h.balance(other.did)).balance).toBe(7);
    // An implausible speed (150 km/h on a 50 km/h street) is committed as rejected and shown.
    for (let x = 420; x <= 480; x += 30) {
      now += 1_000;
      const { lat, lon } = at(x, 600);
      await h.itsReport({ lat, lon, speedKmh: 150 });
    }
    now += 1_000;
    await h.itsStopTrip();
    await until(async () => (await h.itsDrive()).recent[0]?.status === 'rejected');
    expect((await h.itsDrive()).recent[0]).toMatchObject({ segment: 'h21', reason: 'speed' });
    // Revocation by vehicle name: the provider's register maps it to the trip keys.
    const revoked = await h.itsRevoke('taxi 12');
    expect(revoked.trips).toBe(2);
    expect((await h.waitFor(revoked.txId, { timeoutMs: 10_000 })).status).toBe('committed');
    await expect(h.itsRevoke('bus 3')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);

  it('refuses bad input plainly', async () => {
    const { host: h } = await providerChain(() => Date.now());
    await expect(h.itsReport({ lat: 47, lon: 8 })).rejects.toMatchObject({ code: 'NOT_READY' });
    await expect(h.itsCertify('nonsense', 'car')).rejects.toThrow(/trip key request/);
    await expect(h.itsCertify('its-req:zz', 'car')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(h.itsAddCertificates('its-cert:00')).rejects.toThrow(/damaged/);
    await expect(h.itsCondition('nowhere')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.itsTripKeys(0)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const { request } = await h.itsTripKeys(1);
    await h.itsAddCertificates((await h.itsCertify(request, 'car')).certificates);
    await h.itsStartTrip();
    for (const rpm of [-1, 16_384, Number.NaN])
      await expect(h.itsReport({ lat: 47, lon: 8, rpm })).rejects.toThrow(
        /rpm must be a number from 0 to 16383/,
      );
  });
});

/** The provider's seed, as the host signs with it (tests only: read from the host's state). */
describe('the live map reads what a block touched (issue 20)', () => {
  it('names the segments of a block’s observations in an `its` event, and reads only the segments asked for', async () => {
    const now = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;
    const storage = new MemoryStorage();
    const { host: h, me, chain, events } = await providerChain(() => now, storage);
    const observe = async (name: string, segment: string) => {
      const trip = testIdentity(name);
      const cert = signTripCertificate(chain, me, providerSeed(h), trip.did, now + 3_600_000);
      const body = { cert, segment, speedKmh: 40, congestion: 0 };
      const tx = signTx(
        { chain, type: 'its.observe', from: trip.did, nonce: 1, time: now - 10_000, body },
        trip.seed,
      );
      return (await h.submitRaw(encodeTx(tx))).txId;
    };
    const ids = [await observe('map trip a', 'h20'), await observe('map trip b', 'h21')];
    for (const id of ids)
      expect((await h.waitFor(id, { timeoutMs: 10_000 })).status).toBe('committed');
    const tick = await h.submit({ type: 'data.put', body: { key: 'tick', value: 1 } });
    const tickBlock = (await h.waitFor(tick.txId, { timeoutMs: 10_000 })).height;
    const its = events.filter((e) => e.type === 'its');
    expect(its.flatMap((e) => e.segments).sort()).toEqual(['h20', 'h21']);
    // A block without ITS transactions names nothing.
    expect(its.some((e) => e.height === tickBlock)).toBe(false);
    const reads = vi.spyOn(storage, 'getState');
    const segmentReads = () => reads.mock.calls.filter(([, key]) => key.startsWith('its/seg/'));
    const one = await h.itsConditions(null, ['h21', 'h21', 'h30']);
    expect(one.conditions.map((c) => c.segment)).toEqual(['h21']);
    expect(one.segments).toEqual(['h21', 'h30']);
    expect(segmentReads().length).toBe(1);
    reads.mockClear();
    expect((await h.itsConditions()).conditions.map((c) => c.segment)).toEqual(['h20', 'h21']);
    expect(segmentReads().length).toBe(2);
    await expect(h.itsConditions(null, ['nowhere'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      h.itsConditions(
        null,
        Array.from({ length: itsSegmentsReadMax + 1 }, () => 'h20'),
      ),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
  }, 30_000);
});

function providerSeed(h: PeerHost): Uint8Array {
  return (h as unknown as { s: { seed: Uint8Array } }).s.seed;
}

describe('trip keys at rest', () => {
  it('keeps each trip seed sealed under the at-rest key, and moves a plain one there', async () => {
    const storage = new MemoryStorage();
    const secretBox = await secretBoxFromKey(new Uint8Array(randomBytes(32)));
    const started = await startTestHost(storage, { secretBox });
    host = started.host;
    const me = (await host.identity()).did;
    await host.createChain({
      name: 'town',
      mode: 'private',
      consensus: 'solo',
      its: { providers: [me], windowMs: 60_000, reward: 7, corroborationMin: 2 },
    });
    const { request } = await host.itsTripKeys(2);
    const { certificates } = await host.itsCertify(request, 'taxi 12');
    await host.itsAddCertificates(certificates);
    const keys = (await storage.getMeta<Array<Record<string, unknown>>>('its/keys'))!;
    expect(keys).toHaveLength(2);
    expect(keys.every((k) => !('seed' in k))).toBe(true);
    const seeds = (await storage.getMeta<Record<string, unknown>>('its/trip-seeds'))!;
    expect(Object.keys(seeds).sort()).toEqual(keys.map((k) => k.did).sort());
    expect(Object.values(seeds).every(isSealedSecret)).toBe(true);
    // A trip signs with the sealed seed after a reload of the service.
    expect((await host.itsStartTrip()).active).toBe(true);

    // A record from before sealing (seed as hex in its/keys) is sealed on first read.
    const plain = testIdentity('its plain trip key');
    await storage.putMeta('its/keys', [
      ...keys,
      { seed: toHex(plain.seed), did: plain.did, cert: null, used: false },
    ]);
    await storage.putMeta('its/trip-seeds', seeds);
    const reloaded = await startTestHost(storage, { secretBox });
    await host.stop();
    host = reloaded.host;
    await host.itsTripKeys(1);
    const after = (await storage.getMeta<Array<Record<string, unknown>>>('its/keys'))!;
    expect(after.every((k) => !('seed' in k))).toBe(true);
    const sealed = (await storage.getMeta<Record<string, unknown>>('its/trip-seeds'))!;
    expect(isSealedSecret(sealed[plain.did])).toBe(true);
  });
});

describe('the offline queue', () => {
  it('keeps signed observations across a reload and hands them over in order when online', async () => {
    const storage = new MemoryStorage();
    const provider = testIdentity('its queue provider');
    const chainState = {
      chainId: 'c'.repeat(64),
      genesis: {
        name: 'q',
        mode: 'private',
        its: { providers: [provider.did], windowMs: 60_000 },
        validators: [],
      },
      governance: undefined,
      tokens: undefined,
      trie: { get: () => undefined },
      height: 0,
      headTime: 0,
    } as unknown as ChainState;
    let online = false;
    const admitted: Tx[] = [];
    let now = 1_700_000_000_000;
    const timers: Array<() => void> = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn) => {
        timers.push(fn);
        return timers.length as never;
      },
      clearTimeout: () => undefined,
    };
    const make = () =>
      new ItsHost({
        storage,
        durable: () => chainState,
        self: () => provider.did,
        seed: () => provider.seed,
        admit: async (tx) => {
          admitted.push(tx);
          return { txId: 'x' };
        },
        submit: async () => ({ txId: 'x' }),
        online: () => online,
        clock,
        now: () => now,
        randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      });
    const vehicle = make();
    const { request } = await vehicle.itsTripKeys(1);
    await vehicle.itsAddCertificates((await vehicle.itsCertify(request, 'van')).certificates);
    await vehicle.itsStartTrip();
    for (const [x, y] of [
      [30, 603],
      [150, 603],
      [310, 603],
      [330, 603],
      [600, 640],
      [600, 700],
    ] as const) {
      now += 5_000;
      const p = at(x, y);
      await vehicle.itsReport({ lat: p.lat, lon: p.lon, speedKmh: 30 });
    }
    await vehicle.itsStopTrip();
    const offline = await vehicle.itsDrive();
    expect(offline).toMatchObject({ queued: 3, online: false });
    expect(admitted).toEqual([]);
    // A reload: the old service is gone (its timers with it); a new one over the same storage
    // still holds the queue.
    vehicle.close();
    timers.length = 0;
    const reloaded = make();
    await reloaded.itsDrive();
    expect((await reloaded.itsDrive()).queued).toBe(3);
    online = true;
    for (const fire of timers.splice(0)) fire();
    await reloaded.flush();
    expect((await reloaded.itsDrive()).queued).toBe(0);
    expect(admitted.map((tx) => [tx.nonce, (tx.body as { segment: string }).segment])).toEqual([
      [1, 'h20'],
      [2, 'h21'],
      [3, 'v22'],
    ]);
    expect(admitted.every((tx) => tx.from !== provider.did && tx.type === 'its.observe')).toBe(
      true,
    );
  });

  it('derives congestion from the speed against the limit', () => {
    expect([45, 25, 10, 2].map((s) => congestionOf(s, 50))).toEqual([0, 1, 2, 3]);
    expect(new BotError('NOT_READY', 'x').code).toBe('NOT_READY');
  });
});

describe('an ITS chain made by the peer of a tab or of a Node server', () => {
  // The Chains page and the HTTP API create chains through MultiHost, which runs each new chain
  // in a slot of its own: the creating provider must deploy the trust contract there too, or
  // every observation fails (NOT_FOUND) and Drive mode shows it as failed (it once stayed
  // 'pending' for ever: e2e/its.spec.ts stalled when the page named the contract).
  it('has the trust contract deployed by its creator, so a trip’s observations count', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    const multi = await startTestMultiHost({ now: () => now });
    try {
      const me = (await multi.identity()).did;
      const { chainId } = await multi.createChain({
        name: 'town',
        mode: 'private',
        consensus: 'solo',
        its: { providers: [me], windowMs: 60_000, contract: itsTrustContractName },
      });
      expect((await multi.status()).chainId).toBe(chainId);
      await until(async () =>
        (await multi.contracts()).some((c) => c.name === itsTrustContractName),
      );
      const { request } = await multi.itsTripKeys(1);
      await multi.itsAddCertificates((await multi.itsCertify(request, 'taxi 12')).certificates);
      await multi.itsStartTrip();
      for (let x = 30; x <= 390; x += 30) {
        now += 3_000;
        const { lat, lon } = at(x, 603);
        await multi.itsReport({ lat, lon, speedKmh: 36 });
      }
      await until(async () => {
        const status = (await multi.itsDrive()).recent[0]?.status;
        return status !== undefined && status !== 'pending';
      });
      expect((await multi.itsDrive()).recent[0]).toMatchObject({
        segment: 'h20',
        status: 'counted',
      });
    } finally {
      await multi.stop();
    }
  }, 60_000);

  it('shows an observation that failed in its block as failed, with its code', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    const started = await startTestHost(new MemoryStorage(), { now: () => now });
    host = started.host;
    const me = (await host.identity()).did;
    await host.createChain({
      name: 'town',
      mode: 'private',
      consensus: 'solo',
      its: { providers: [me], windowMs: 60_000 },
    });
    // The administrator names a trust contract no one deployed: observations fail (NOT_FOUND).
    const { txId } = await host.setPolicy('its.contract', itsTrustContractName);
    expect((await host.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
    const { request } = await host.itsTripKeys(1);
    await host.itsAddCertificates((await host.itsCertify(request, 'taxi 12')).certificates);
    await host.itsStartTrip();
    for (let x = 30; x <= 390; x += 30) {
      now += 3_000;
      const { lat, lon } = at(x, 603);
      await host.itsReport({ lat, lon, speedKmh: 36 });
    }
    await until(async () => (await host!.itsDrive()).recent[0]?.status === 'failed');
    expect((await host.itsDrive()).recent[0]).toMatchObject({
      segment: 'h20',
      reason: 'NOT_FOUND',
    });
  });
});
