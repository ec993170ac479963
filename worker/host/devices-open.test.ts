// A granted reader sees a device's sealed readings (issue 15, D-8.1): the values are only in the
// gateway's dataset of the device; a peer granted the full data opens the versions on its own
// peer and deviceReadings/devices show the values (each version read once, an access record on
// chain), a peer granted an aggregate sees the aggregate of each batch and no values, and a peer
// never granted sees them sealed with what to ask for (devices()[].access).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceDatasetId } from '../core/modules/datasets/views';
import { DatasetMesh, atHeight, committed, type DatasetPeer } from './datasets-testing';
import { until } from './testing';

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

const accessOf = async (peer: DatasetPeer, did: string) =>
  (await peer.host.devices()).find((d) => d.did === did)!.access!;

/** Waits for `reader`'s open request on the gateway's dataset and grants it there. */
async function grant(gateway: DatasetPeer, reader: DatasetPeer, dataset: string) {
  await until(async () =>
    (await gateway.host.datasets()).some(
      (d) => d.id === dataset && d.requests.some((r) => r.reader === reader.did),
    ),
  );
  const request = (await gateway.host.datasets())
    .find((d) => d.id === dataset)!
    .requests.find((r) => r.reader === reader.did && r.state === 'pending')!;
  await committed(gateway.host, gateway.host.decideAccess(request.id, true));
}

describe("a granted reader sees a device's sealed values", () => {
  it('full grant: values on the reader; aggregate grant: the aggregate; never granted: sealed, with what to ask', async () => {
    const gateway = await mesh.peer();
    const reader = await mesh.peer();
    const analyst = await mesh.peer();
    const outsider = await mesh.peer();
    const all = [gateway, reader, analyst, outsider];
    await mesh.chain('ward', all);
    const { did: strap, txId } = await gateway.host.registerDevice({
      id: 'hr-3',
      kind: 'heart-rate',
      capabilities: ['heartRateBpm'],
      policy: { mode: 'owner' },
    });
    await committed(gateway.host, Promise.resolve({ txId }));
    const dataset = deviceDatasetId(strap, gateway.did);
    await committed(
      gateway.host,
      gateway.host.deviceReading(strap, { values: { heartRateBpm: 71 }, at: 1_000 }),
    );
    const batch = [
      { values: { heartRateBpm: 80 }, at: 2_000 },
      { values: { heartRateBpm: 90 }, at: 2_500 },
    ];
    await atHeight(
      all,
      await committed(
        gateway.host,
        gateway.host.deviceReadingBatch(strap, batch).then((b) => ({ txId: b.txId })),
      ),
    );

    // Not granted: sealed, and the device says which dataset to ask for.
    const before = await reader.host.deviceReadings(strap);
    expect(before.map((r) => r.sealed)).toEqual([true, true]);
    expect(await accessOf(reader, strap)).toEqual({ dataset, state: 'none', request: null });
    expect(await accessOf(gateway, strap)).toMatchObject({ dataset, state: 'gateway' });

    // The reader asks (pending), the gateway grants: its own peer opens both versions.
    await committed(reader.host, reader.host.requestAccess(dataset, 'cardiology follow-up'));
    expect(await accessOf(reader, strap)).toMatchObject({ dataset, state: 'pending' });
    await grant(gateway, reader, dataset);
    await atHeight([reader], (await gateway.host.status()).height);
    expect(await accessOf(reader, strap)).toMatchObject({ state: 'full' });
    let opened = await reader.host.deviceReadings(strap);
    await until(async () => {
      opened = await reader.host.deviceReadings(strap);
      return opened.every((r) => !r.sealed);
    });
    expect(opened.map((r) => r.values)).toEqual([{ heartRateBpm: 71 }, { heartRateBpm: 90 }]);
    expect(opened.map((r) => r.opened)).toEqual([
      { dataset, version: 1, view: 'full', aggregate: null },
      { dataset, version: 2, view: 'full', aggregate: null },
    ]);
    // The same values the gateway shows from its own copy.
    expect(opened.map((r) => r.values)).toEqual(
      (await gateway.host.deviceReadings(strap)).map((r) => r.values),
    );
    expect((await reader.host.devices())[0]!.latest!.values).toEqual({ heartRateBpm: 90 });

    // Each version was read once, accounted on chain; listing again reads nothing more.
    const reads = async () =>
      (await gateway.host.accessLog(dataset)).filter(
        (e) => e.kind === 'access' && e.reader === reader.did,
      ).length;
    await until(async () => (await reads()) === 2);
    await reader.host.deviceReadings(strap);
    await reader.host.devices();
    await atHeight(all, 2 + (await gateway.host.status()).height);
    expect(await reads()).toBe(2);

    // A reading after the grant is opened as well.
    await committed(
      gateway.host,
      gateway.host.deviceReading(strap, { values: { heartRateBpm: 66 }, at: 3_000 }),
    );
    await atHeight([reader], (await gateway.host.status()).height);
    await until(async () => {
      const latest = (await reader.host.deviceReadings(strap)).at(-1)!;
      return latest.values.heartRateBpm === 66;
    });

    // An analyst granted an aggregate sees the aggregate of each batch, never the values.
    const view = {
      kind: 'aggregate' as const,
      field: 'heartRateBpm',
      fns: ['count' as const, 'mean' as const],
    };
    await committed(analyst.host, analyst.host.requestAccess(dataset, 'ward statistics', view));
    await grant(gateway, analyst, dataset);
    await atHeight([analyst], (await gateway.host.status()).height);
    expect(await accessOf(analyst, strap)).toMatchObject({ state: 'aggregate' });
    let stats = await analyst.host.deviceReadings(strap);
    await until(async () => {
      stats = await analyst.host.deviceReadings(strap);
      return stats.every((r) => r.opened);
    });
    expect(stats.map((r) => r.opened!.aggregate)).toEqual([
      { field: 'heartRateBpm', count: 1, mean: 71 },
      { field: 'heartRateBpm', count: 2, mean: 85 },
      { field: 'heartRateBpm', count: 1, mean: 66 },
    ]);
    expect(stats.every((r) => Object.keys(r.values).length === 0)).toBe(true);

    // Never granted: still sealed.
    const theirs = await outsider.host.deviceReadings(strap);
    expect(theirs.every((r) => r.sealed && Object.keys(r.values).length === 0)).toBe(true);
    expect(await accessOf(outsider, strap)).toMatchObject({ state: 'none' });
  }, 180_000);
});
