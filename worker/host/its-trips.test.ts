// A vehicle's trips stay bounded (issue 20): a phone that drives every day keeps the trips that
// can still change and the itsTripsKept newest finished ones; an older finished trip goes with
// its key and sealed seed, its reward stays in the Drive page's total, across a restart. A trip
// whose window is not settled yet, or whose observations are still queued offline, is kept.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import { startTestHost, until } from './testing';
import { testIdentity } from '../core/testing';
import { decodeTx, encodeTx, signTx } from '../core/tx';
import { fromHex } from '../core/bytes';
import {
  demoTownNetwork,
  fromPlane,
  itsTrustContractName,
  signTripCertificate,
} from '../core/modules/its';
import type { PeerHost } from './peer-host';
import type { ChainState } from '../core/ledger';
import type { Clock } from '../net/clock';
import type { Tx } from '../core/tx';
import { ItsHost } from './its';
import { itsTripsKept, itsVehicleTripsKept } from './its-limits';

let host: PeerHost | null = null;
afterEach(() => host?.stop());

const dayMs = 24 * 60 * 60 * 1000;
const at = (x: number, y: number) => fromPlane(demoTownNetwork, x, y);

/** Trip keys and seeds this peer stores (meta), by count. */
async function stored(storage: MemoryStorage): Promise<{ keys: number; seeds: number }> {
  const keys = (await storage.getMeta<unknown[]>('its/keys')) ?? [];
  const seeds = (await storage.getMeta<Record<string, unknown>>('its/trip-seeds')) ?? {};
  return { keys: keys.length, seeds: Object.keys(seeds).length };
}

type Its = Pick<
  ItsHost,
  'itsTripKeys' | 'itsCertify' | 'itsAddCertificates' | 'itsStartTrip' | 'itsReport' | 'itsStopTrip'
>;

/** One trip along Main Street's first segment (h20) at 36 km/h: one observation of h20. */
async function drive(its: Its, tick: (ms: number) => void): Promise<string> {
  const { request } = await its.itsTripKeys(1);
  await its.itsAddCertificates((await its.itsCertify(request, 'taxi 12')).certificates);
  const { trip } = await its.itsStartTrip();
  for (const x of [30, 60, 90]) {
    tick(3_000);
    const { lat, lon } = at(x, 603);
    await its.itsReport({ lat, lon, speedKmh: 36 });
  }
  tick(1_000);
  await its.itsStopTrip();
  return trip!;
}

describe('a vehicle’s trips, bounded', () => {
  it('keeps unsettled trips, drops the oldest finished ones past itsTripsKept, and keeps the reward across a restart', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    const storage = new MemoryStorage();
    host = (await startTestHost(storage, { now: () => now })).host;
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
    const h = host;
    await until(async () => (await h.contracts()).some((c) => c.name === itsTrustContractName));
    const chain = (await h.status()).chainId;
    const tick = (ms: number) => {
      now += ms;
    };
    const committed = async (txId: string) =>
      expect((await h.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
    // The queue went out (the pruning never drops a trip with a queued observation).
    const delivered = () => until(async () => (await h.itsDrive()).queued === 0);
    const counted = (count: number) =>
      until(async () => {
        const recent = (await h.itsDrive()).recent.slice(0, count);
        return recent.length === count && recent.every((r) => r.status === 'counted');
      });

    // Two trips corroborated by another vehicle and settled: 7 BOT each.
    for (let i = 0; i < 2; i++) {
      await drive(h, tick);
      await counted(1);
      const other = testIdentity(`its trips other ${i}`);
      const cert = signTripCertificate(chain, me, providerSeed(h), other.did, now + dayMs);
      const tx: Tx = signTx(
        {
          chain,
          type: 'its.observe',
          from: other.did,
          nonce: 1,
          time: now - 5_000,
          body: { cert, segment: 'h20', speedKmh: 38, congestion: 0 },
        },
        other.seed,
      );
      await committed((await h.submitRaw(encodeTx(tx))).txId);
      tick(60_000); // the window ends
      await committed((await h.submit({ type: 'data.put', body: { key: 't', value: i } })).txId);
      const { settled } = await h.itsSettle();
      expect(settled).toHaveLength(1);
      await committed(settled[0]!.txId);
    }
    expect((await h.itsDrive()).reward).toBe(14);
    // The same day, more trips than are kept, a window apart: counted, never corroborated, so
    // their windows are not settled and could still pay: none is dropped.
    for (let i = 0; i < itsTripsKept + 1; i++) {
      await drive(h, tick);
      tick(60_000);
    }
    await counted(20); // the Drive page's recent observations, the newest 20, all counted
    await drive(h, tick); // its pruning reads the older trips' verdicts: not settled
    await delivered();
    const trips = itsTripsKept + 4; // with the two settled ones and the one just started
    expect(await stored(storage)).toEqual({ keys: trips, seeds: trips });
    // A day later nothing of those trips can change: the next trip's pruning keeps itsTripsKept
    // finished ones, and the two settled trips' reward stays in the total.
    tick(dayMs + 5 * 60_000);
    await drive(h, tick);
    await delivered();
    expect(await stored(storage)).toEqual({ keys: itsTripsKept + 1, seeds: itsTripsKept + 1 });
    expect((await h.itsDrive()).reward).toBe(14);
    // A restart over the same storage: the same trips, the same reward.
    host.stop();
    host = (await startTestHost(storage, { now: () => now })).host;
    await until(async () => (await host!.status()).height > 0);
    expect((await host.itsDrive()).reward).toBe(14);
    await drive(host, tick);
    expect(await stored(storage)).toEqual({ keys: itsTripsKept + 2, seeds: itsTripsKept + 2 });
  }, 120_000);

  it('never drops a trip whose observations wait in the offline queue', async () => {
    const storage = new MemoryStorage();
    const at = { now: 1_700_000_000_000, online: false };
    const vehicle = offlineVehicle(storage, at);
    const tick = (ms: number) => {
      at.now += ms;
    };
    // A trip a day, offline for longer than the keep time: every observation is still queued.
    const count = itsTripsKept + 3;
    for (let i = 0; i < count; i++) {
      await drive(vehicle, tick);
      tick(dayMs + 5 * 60_000);
    }
    expect((await vehicle.itsDrive()).queued).toBe(count);
    expect(await stored(storage)).toEqual({ keys: count, seeds: count });
    // Back online: the queue goes out, and the next trip's pruning drops the oldest three.
    at.online = true;
    await vehicle.flush();
    expect((await vehicle.itsDrive()).queued).toBe(0);
    await drive(vehicle, tick);
    expect(await stored(storage)).toEqual({ keys: itsTripsKept + 1, seeds: itsTripsKept + 1 });
    vehicle.close();
  });

  it('hands over an observation it sealed in this run as signed here, one read back from storage as any other', async () => {
    const storage = new MemoryStorage();
    const at = { now: 1_700_000_000_000, online: false };
    const tick = (ms: number) => {
      at.now += ms;
    };
    const handed: Array<[number, boolean]> = [];
    const admit = async (tx: Tx, sealedHere?: boolean) => {
      handed.push([tx.nonce, sealedHere === true]);
      return { txId: 'x' };
    };
    const first = offlineVehicle(storage, at, admit);
    await drive(first, tick); // offline: queued
    first.close();
    const reloaded = offlineVehicle(storage, at, admit);
    await reloaded.itsDrive();
    at.online = true;
    await drive(reloaded, tick); // its observation sealed in this run; the queued one from storage
    await reloaded.flush();
    expect(handed).toEqual([
      [1, false],
      [1, true],
    ]);
    reloaded.close();
  });

  it('queues the observations of reports that come at once in nonce order', async () => {
    const storage = new MemoryStorage();
    const at = { now: 1_700_000_000_000, online: false };
    const vehicle = offlineVehicle(storage, at);
    const { request } = await vehicle.itsTripKeys(1);
    await vehicle.itsAddCertificates((await vehicle.itsCertify(request, 'van')).certificates);
    await vehicle.itsStartTrip();
    // Each report leaves the segment of the one before: every one seals an observation while
    // the next is already in (a geolocation watch does not wait for the call before).
    const points = [
      [150, 603],
      [450, 603],
      [600, 640],
      [600, 900],
      [750, 1200],
    ] as const;
    const reports: Promise<unknown>[] = [];
    for (const [x, y] of points) {
      at.now += 5_000;
      const p = fromPlane(demoTownNetwork, x, y);
      reports.push(vehicle.itsReport({ lat: p.lat, lon: p.lon, speedKmh: 30 }));
    }
    await Promise.all(reports);
    await vehicle.itsStopTrip();
    const queue = (await storage.getMeta<string[]>('its/drive/queue'))!;
    const nonces = queue.map((hex) => decodeTx(fromHex(hex)).nonce);
    expect(nonces.length).toBeGreaterThan(2);
    expect(nonces).toEqual(nonces.map((_, i) => i + 1));
    vehicle.close();
  });

  it('keeps the newest itsVehicleTripsKept trip keys per vehicle in the provider’s register', async () => {
    const storage = new MemoryStorage();
    const provider = offlineVehicle(storage, { now: 1_700_000_000_000, online: true });
    for (let round = 0; round < 3; round++) {
      const { request } = await provider.itsTripKeys(32);
      await provider.itsAddCertificates((await provider.itsCertify(request, 'bus 3')).certificates);
    }
    const register = (await storage.getMeta<Record<string, string[]>>('its/vehicles'))!;
    const keys = (await storage.getMeta<Array<{ did: string }>>('its/keys'))!.map((k) => k.did);
    expect(register['bus 3']).toEqual(keys.slice(-itsVehicleTripsKept));
    provider.close();
  });

  it('gives a drive state saved before trip records one per used key (each in the reward), and bounds them', async () => {
    const storage = new MemoryStorage();
    const at = { now: 1_700_000_000_000, online: true };
    const tick = (ms: number) => {
      at.now += ms;
    };
    const old = offlineVehicle(storage, at);
    const count = itsTripsKept + 3;
    for (let i = 0; i < count; i++) await drive(old, tick);
    old.close();
    // As the service before trip records saved it: no trips, no earlier reward.
    const saved = (await storage.getMeta<Record<string, unknown>>('its/drive'))!;
    delete saved.trips;
    delete saved.rewardEarlier;
    await storage.putMeta('its/drive', saved);
    const reloaded = offlineVehicle(storage, at);
    await reloaded.itsDrive();
    // One record per used key, waiting out the keep time from the load (none dropped yet).
    await drive(reloaded, tick);
    expect(await stored(storage)).toEqual({ keys: count + 1, seeds: count + 1 });
    const after = (await storage.getMeta<{ trips: unknown[]; used: string[] }>('its/drive'))!;
    expect(after.trips).toHaveLength(count + 1);
    expect(after.used).toHaveLength(count + 1); // the keys whose balances the reward sums
    tick(dayMs + 5 * 60_000);
    await drive(reloaded, tick);
    expect(await stored(storage)).toEqual({ keys: itsTripsKept + 1, seeds: itsTripsKept + 1 });
    reloaded.close();
  });
});

/** A vehicle's ITS service over `storage` on a chain that never commits (its own provider). */
function offlineVehicle(
  storage: MemoryStorage,
  clockAt: { now: number; online: boolean },
  admit: (tx: Tx, sealedHere?: boolean) => Promise<{ txId: string }> = async () => ({
    txId: 'x',
  }),
) {
  const provider = testIdentity('its trips provider');
  const chainState = {
    chainId: 'c'.repeat(64),
    genesis: {
      name: 'q',
      mode: 'private',
      its: { providers: [provider.did], windowMs: 60_000 },
      validators: [],
    },
    trie: { get: () => undefined },
    height: 0,
    headTime: 0,
  } as unknown as ChainState;
  const clock: Clock = {
    now: () => clockAt.now,
    setTimeout: () => 0 as never,
    clearTimeout: () => undefined,
  };
  return new ItsHost({
    storage,
    durable: () => chainState,
    self: () => provider.did,
    seed: () => provider.seed,
    admit,
    submit: async () => ({ txId: 'x' }),
    online: () => clockAt.online,
    clock,
    now: () => clockAt.now,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  });
}

/** The provider's seed, as the host signs with it (tests only: read from the host's state). */
function providerSeed(h: PeerHost): Uint8Array {
  return (h as unknown as { s: { seed: Uint8Array } }).s.seed;
}
