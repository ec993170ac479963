// The drive state in storage (issue 20): a position report writes the small drive record only,
// not the sent records (up to itsSentKept) nor the offline queue (up to itsQueueMax), which are
// written when an observation is sealed or handed over; a crash between the writes signs no nonce
// twice; a state saved as one record before loads and is split at the next save.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import { testIdentity } from '../core/testing';
import { decodeTx, type Tx } from '../core/tx';
import { fromHex } from '../core/bytes';
import { demoTownNetwork, fromPlane } from '../core/modules/its';
import type { ChainState } from '../core/ledger';
import type { Clock } from '../net/clock';
import { ItsHost } from './its';
import { driveMeta, driveQueueMeta, driveSentMeta } from './its-drive-store';

/** Storage that lists every meta write: its key and its size as JSON. */
class CountingStorage extends MemoryStorage {
  readonly writes: Array<{ key: string; chars: number }> = [];
  override async putMeta(key: string, value: unknown): Promise<void> {
    this.writes.push({ key, chars: JSON.stringify(value).length });
    return super.putMeta(key, value);
  }
}

const provider = testIdentity('its drive store provider');

function vehicle(storage: MemoryStorage, at: { now: number; online: boolean }) {
  const chainState = {
    chainId: 'd'.repeat(64),
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
    now: () => at.now,
    setTimeout: () => 0 as never,
    clearTimeout: () => undefined,
  };
  return new ItsHost({
    storage,
    durable: () => chainState,
    self: () => provider.did,
    seed: () => provider.seed,
    admit: async (tx: Tx) => ({ txId: String(tx.nonce) }),
    submit: async () => ({ txId: 'x' }),
    online: () => at.online,
    clock,
    now: () => at.now,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  });
}

/** A vehicle with a certified trip key, its trip started, on Main Street (h20). */
async function started(storage: MemoryStorage, at: { now: number; online: boolean }) {
  const its = vehicle(storage, at);
  const { request } = await its.itsTripKeys(1);
  await its.itsAddCertificates((await its.itsCertify(request, 'van 4')).certificates);
  await its.itsStartTrip();
  return its;
}

const h20 = fromPlane(demoTownNetwork, 60, 603);
const report = (its: ItsHost) => its.itsReport({ lat: h20.lat, lon: h20.lon, speedKmh: 36 });
const queueNonces = async (storage: MemoryStorage) =>
  ((await storage.getMeta<string[]>(driveQueueMeta)) ?? []).map(
    (hex) => decodeTx(fromHex(hex)).nonce,
  );

describe('the drive state in storage', () => {
  it('a position report writes the drive record only, whose size does not grow with the sent records', async () => {
    const storage = new CountingStorage();
    const at = { now: 1_700_000_000_000, online: true };
    const its = await started(storage, at);
    // A report a minute on the same segment: each window's observation is sealed at the next.
    for (let i = 0; i < 40; i++) {
      at.now += 60_000;
      await report(its);
    }
    await its.flush();
    const sent = (await storage.getMeta<unknown[]>(driveSentMeta))!;
    expect(sent).toHaveLength(39);
    // Now twenty reports a second apart, in one window: nothing is sealed.
    at.now = Math.floor(at.now / 60_000) * 60_000 + 60_000;
    await report(its);
    await its.flush();
    storage.writes.length = 0;
    for (let i = 0; i < 20; i++) {
      at.now += 1_000;
      await report(its);
    }
    expect(storage.writes.map((w) => w.key)).toEqual(Array(20).fill(driveMeta));
    const largest = Math.max(...storage.writes.map((w) => w.chars));
    expect(largest).toBeLessThan(2_000);
    // The sent records alone are larger than any of those writes.
    expect(JSON.stringify(sent).length).toBeGreaterThan(3 * largest);
    expect(await storage.getMeta(driveMeta)).not.toHaveProperty('sent');
    // The next seal writes the sent records, the queue and the drive record, once each...
    storage.writes.length = 0;
    at.now += 60_000;
    await report(its);
    await its.flush();
    // ...and handing it over, the queue and the drive record (its last error) again.
    expect(storage.writes.map((w) => w.key)).toEqual([
      driveSentMeta,
      driveQueueMeta,
      driveMeta,
      driveQueueMeta,
      driveMeta,
    ]);
    its.close();
  });

  it('after a crash between the queue and the drive record, the next observation takes the next nonce', async () => {
    const storage = new MemoryStorage();
    const at = { now: 1_700_000_000_000, online: false };
    const its = await started(storage, at);
    for (let i = 0; i < 3; i++) {
      at.now += 60_000;
      await report(its);
    }
    const before = await storage.getMeta<Record<string, unknown>>(driveMeta);
    at.now += 60_000;
    await report(its);
    its.close();
    expect(await queueNonces(storage)).toEqual([1, 2, 3]);
    // As if the peer stopped after the queue's write: the drive record from before that seal.
    await storage.putMeta(driveMeta, before);
    const restarted = vehicle(storage, at);
    for (let i = 0; i < 2; i++) {
      at.now += 60_000;
      await report(restarted);
    }
    // The first report starts a segment (the one the stale record held was sealed as 3), the
    // second seals it as 4; with the stale record's nonce it would be signed as 3 again.
    expect(await queueNonces(storage)).toEqual([1, 2, 3, 4]);
    restarted.close();
  });

  it('loads a state saved as one record and writes it as three at the next save', async () => {
    const storage = new MemoryStorage();
    const at = { now: 1_700_000_000_000, online: false };
    const its = await started(storage, at);
    for (let i = 0; i < 3; i++) {
      at.now += 60_000;
      await report(its);
    }
    its.close();
    const record = (await storage.getMeta<Record<string, unknown>>(driveMeta))!;
    const queue = (await storage.getMeta<string[]>(driveQueueMeta))!;
    const sent = (await storage.getMeta<unknown[]>(driveSentMeta))!;
    const fresh = new MemoryStorage();
    for (const key of ['its/keys', 'its/trip-seeds'])
      await fresh.putMeta(key, await storage.getMeta(key));
    await fresh.putMeta(driveMeta, { ...record, queue, sent });
    const reloaded = vehicle(fresh, at);
    expect(await reloaded.itsDrive()).toMatchObject({ queued: 2, active: true });
    at.now += 60_000;
    await report(reloaded);
    expect(await fresh.getMeta(driveMeta)).not.toHaveProperty('queue');
    expect(await queueNonces(fresh)).toEqual([1, 2, 3]);
    expect(await fresh.getMeta<unknown[]>(driveSentMeta)).toHaveLength(3);
    reloaded.close();
  });
});
