// Device readings are confidential (Y.4560 D-8.1): a reading, single or batched, puts on chain
// only the device, the fingerprint of the samples the device signed, their count and span, and
// the device's sequence (its nonce); the values live only in the sealed version of the device's
// dataset. The gateway shows the latest sample from its own copy; a granted reader decrypts it on
// its own peer; no block on any peer holds a sample value.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode, encode } from '../core/codec';
import { utf8 } from '../core/bytes';
import { deviceDatasetId } from '../core/modules/datasets/views';
import { DatasetMesh, atHeight, committed } from './datasets-testing';
import { until } from './testing';

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

/** Whether `needle` occurs in `hay`. */
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The big-endian IEEE 754 double of `x`, as CBOR writes a number that needs 64 bits. */
function float64(x: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, x);
  return out;
}

describe('device readings are confidential (D-8.1)', () => {
  it('no block holds a sample value; the gateway shows its copy, a granted reader decrypts the version', async () => {
    const gateway = await mesh.peer();
    const reader = await mesh.peer();
    const all = [gateway, reader];
    await mesh.chain('ward', all);
    const { did: strap, txId } = await gateway.host.registerDevice({
      id: 'hr-9',
      kind: 'heart-rate',
      capabilities: ['heartRateBpm', 'note'],
      policy: { mode: 'owner' },
    });
    await committed(gateway.host, Promise.resolve({ txId }));

    const single = { heartRateBpm: 73.4567, note: 'secret-single-4417' };
    const samples = [
      { values: { heartRateBpm: 80.1234, note: 'secret-batch-first' }, at: 2_000 },
      { values: { heartRateBpm: 81.9876, note: 'secret-batch-last' }, at: 2_500 },
    ];
    await committed(gateway.host, gateway.host.deviceReading(strap, { values: single, at: 1_000 }));
    const batch = await gateway.host.deviceReadingBatch(strap, samples);
    const height = await committed(gateway.host, Promise.resolve(batch));
    await atHeight(all, height);

    // Search every encoded block on both peers for every value sent.
    const secrets = [single, ...samples.map((s) => s.values)].flatMap((v) => [
      utf8(v.note),
      float64(v.heartRateBpm),
    ]);
    const { chainId } = await gateway.host.status();
    for (const peer of all) {
      let seen = 0;
      for (let h = 0; h <= height; h++) {
        const bytes = await peer.storage.getBlock(chainId, h);
        if (!bytes) continue;
        seen++;
        for (const secret of secrets) expect(contains(bytes, secret)).toBe(false);
      }
      expect(seen).toBeGreaterThan(height / 2);
    }
    // The readings are on chain all the same: fingerprint, count, span, signed by the device.
    const block = await gateway.host.block(height);
    const tx = block!.txs.find((t) => t.txId === batch.txId)!;
    expect(tx).toMatchObject({ type: 'device.reading', from: strap });
    expect(Object.keys(tx.body as object).sort()).toEqual(['at', 'batch']);

    // The gateway shows the latest sample from its own copy; another peer sees it sealed.
    const [mine] = await gateway.host.devices();
    expect(mine!.latest!.values).toEqual(samples[1]!.values);
    const theirs = await reader.host.deviceReadings(strap);
    expect(theirs.map((r) => r.batch?.count)).toEqual([1, 2]);
    expect(theirs.every((r) => r.sealed === true && Object.keys(r.values).length === 0)).toBe(true);

    // A reader granted the device's dataset decrypts the samples on its own peer.
    const dataset = deviceDatasetId(strap, gateway.did);
    await committed(reader.host, reader.host.requestAccess(dataset, 'cardiology follow-up'));
    await until(async () =>
      (await gateway.host.datasets()).some((d) => d.id === dataset && d.requests.length > 0),
    );
    const ask = (await gateway.host.datasets()).find((d) => d.id === dataset)!.requests[0]!;
    await committed(gateway.host, gateway.host.decideAccess(ask.id, true));
    const readable = (version: number) =>
      reader.host.readDataset(dataset, { version }).then(
        (r) => r.bytes,
        () => null,
      );
    await until(async () => (await readable(2)) !== null);
    expect(await readable(2)).toEqual(encode(samples));
    expect(decode(encode([{ values: single, at: 1_000 }]), 4096)).toEqual(
      decode((await readable(1))!, 4096),
    );
  }, 120_000);
});
