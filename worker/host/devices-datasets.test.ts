// A device's reading batches as versions of a dataset owned by its gateway (issue 15): each batch
// is sealed and replicated like any version, so none is dropped while its fingerprint is on
// chain (the gateway used to keep only the last 64); a reader granted the dataset decrypts a
// batch on its own peer and checks it against the fingerprint the device signed; a reader
// granted an aggregate gets count/min/max/mean of the latest batch and nothing else.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode } from '../core/codec';
import { equalBytes, fromHex, fromUtf8 } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { deviceDatasetId, deviceReadingsSchema } from '../core/modules/datasets/views';
import { DatasetMesh, atHeight, committed } from './datasets-testing';
import { until } from './testing';

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

/** More batches than the gateway used to keep (64). */
const batchCount = 65;
const samplesOf = (i: number) => [
  { values: { heartRateBpm: 60 + i }, at: 1_000 * i },
  { values: { heartRateBpm: 62 + i }, at: 1_000 * i + 500 },
];

describe("a device's batches are versions of its gateway's dataset", () => {
  it('keeps every batch past the old limit, readable by a granted reader; an aggregate grant gives only the aggregate', async () => {
    const gateway = await mesh.peer();
    const full = await mesh.peer();
    const analyst = await mesh.peer();
    const all = [gateway, full, analyst];
    await mesh.chain('ward', all, 2);
    const { did: strap, txId } = await gateway.host.registerDevice({
      id: 'hr-7',
      kind: 'heart-rate',
      capabilities: ['heartRateBpm'],
      policy: { mode: 'owner' },
    });
    await committed(gateway.host, Promise.resolve({ txId }));

    // The first batch publishes the device's dataset; a reader is granted the full data.
    const first = await gateway.host.deviceReadingBatch(strap, samplesOf(1));
    const dataset = deviceDatasetId(strap, gateway.did);
    expect(first).toMatchObject({ dataset, version: 1 });
    await committed(gateway.host, Promise.resolve(first));
    const published = (await gateway.host.datasets()).find((d) => d.id === dataset)!;
    expect(published).toMatchObject({ mine: true, schema: deviceReadingsSchema });
    await atHeight(all, (await gateway.host.status()).height);
    await committed(full.host, full.host.requestAccess(dataset, 'cardiology follow-up'));
    await until(async () =>
      (await gateway.host.datasets()).some((d) => d.id === dataset && d.requests.length > 0),
    );
    const ask = (await gateway.host.datasets()).find((d) => d.id === dataset)!.requests[0]!;
    await committed(gateway.host, gateway.host.decideAccess(ask.id, true));

    // 64 more batches: more than the gateway kept before batches became datasets.
    const digests = [first.digest];
    for (let i = 2; i <= batchCount; i++) {
      const batch = await gateway.host.deviceReadingBatch(strap, samplesOf(i));
      expect(batch.version).toBe(i);
      digests.push(batch.digest);
    }
    const last = await gateway.host.deviceReadingBatch(strap, samplesOf(batchCount + 1));
    digests.push(last.digest);
    const height = (await gateway.host.waitFor(last.txId, { timeoutMs: 20_000 })).height!;
    await atHeight(all, height);

    // The gateway still has the very first batch (it dropped it before).
    const kept = await gateway.host.readDeviceBatch(strap, first.digest);
    expect(kept).toMatchObject({ verified: true, samples: samplesOf(1) });

    // The granted reader decrypts batch 1 on its own peer; it is the batch the device signed.
    await until(async () =>
      (await full.host.datasets()).some((d) => d.id === dataset && d.versions.length >= 66),
    );
    const read = await full.host.readDataset(dataset, { version: 1 });
    expect(equalBytes(sha256(read.bytes), fromHex(first.digest))).toBe(true);
    expect(equalBytes(read.bytes, encode(samplesOf(1)))).toBe(true);
    const onChain = await full.host.deviceReadings(strap, { limit: 500 });
    expect(onChain.map((r) => r.batch?.digest).filter(Boolean)).toEqual(digests);

    // An analyst asks for the mean heart rate of the latest batch; the gateway grants it.
    const view = {
      kind: 'aggregate' as const,
      field: 'heartRateBpm',
      fns: ['count' as const, 'min' as const, 'max' as const, 'mean' as const],
    };
    await committed(analyst.host, analyst.host.requestAccess(dataset, 'ward statistics', view));
    await until(async () =>
      (await gateway.host.datasets()).some((d) =>
        d.requests.some((r) => r.reader === analyst.did && r.state === 'pending'),
      ),
    );
    const request = (await gateway.host.datasets())
      .find((d) => d.id === dataset)!
      .requests.find((r) => r.reader === analyst.did)!;
    await committed(gateway.host, gateway.host.decideAccess(request.id, true));
    await until(async () =>
      (await analyst.host.datasets()).some((d) => d.id === dataset && d.versions.at(-1)?.view),
    );
    const stats = await analyst.host.readDataset(dataset);
    expect(stats.version).toBe(batchCount + 1);
    expect(JSON.parse(fromUtf8(stats.bytes))).toEqual({
      kind: 'aggregate',
      field: 'heartRateBpm',
      window: null,
      count: 2,
      min: 60 + batchCount + 1,
      max: 62 + batchCount + 1,
      mean: 61 + batchCount + 1,
      batch: last.digest,
    });
    await expect(analyst.host.readDeviceBatch(strap, first.digest)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  }, 240_000);
});
