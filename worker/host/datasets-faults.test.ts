// Faults of confidential datasets that served wrong data or lost writes (issue 15), over a memory
// mesh of four real hosts with one holder per blob:
// - a holder serves a reader holding a key only once that reader's access record is committed
//   (before, any key holder got the bytes without the read being accounted for on chain);
// - two concurrent putDatasetVersion calls land as consecutive versions (before, both picked the
//   same number and the second failed in its block);
// - a read streams chunk by chunk with progress (before, only the whole plaintext was returned).
import { DatasetMesh, committed, datasetService, type DatasetPeer } from './datasets-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { WireMessage } from './wire';
import { until } from './testing';
import { holdersOf } from '../core/modules/datasets/placement';
import { decodeManifest } from '../core/modules/datasets/manifest';
import { equalBytes, fromHex, toHex } from '../core/bytes';
import { chunkPlainBytes } from '../core/modules/datasets/limits';
import type { PeerEvent } from '../api';

type BlobAnswer = Extract<WireMessage, { kind: 'blobData' }>;
/** The datasets service's one-holder ask (its private blob exchange), reached for the test. */
interface Asker {
  exchange: { ask(peer: string, id: string): Promise<BlobAnswer | null> };
}

const mesh = new DatasetMesh();
afterAll(() => mesh.stopAll());
type Peer = DatasetPeer;
const service = datasetService;

let validator: Peer;
let owner: Peer;
let reader: Peer;
let other: Peer;
const content = new Uint8Array(randomBytes(6 * chunkPlainBytes + 11));
let fingerprint = '';

beforeAll(async () => {
  validator = await mesh.peer();
  owner = await mesh.peer();
  reader = await mesh.peer();
  other = await mesh.peer();
  // One holder per blob, so most chunks are held by someone other than the reader.
  await mesh.chain('faults', [validator, owner, reader, other], 1);
  await committed(owner.host, owner.host.publishDataset({ id: 'flow', labels: ['water'] }));
  const put = await owner.host.putDatasetVersion('flow', content);
  fingerprint = put.fingerprint;
  await committed(owner.host, Promise.resolve(put));
  await committed(reader.host, reader.host.requestAccess('flow', 'leak study'));
  await until(async () =>
    (await owner.host.datasets())[0]!.requests.some((r) => r.state === 'pending'),
  );
  const request = (await owner.host.datasets())[0]!.requests[0]!;
  const granted = await committed(owner.host, owner.host.decideAccess(request.id, true));
  await until(async () => (await reader.host.status()).height >= granted);
}, 120_000);

describe('dataset faults (issue 15)', () => {
  it('a holder serves a key holder only once its access record is committed', async () => {
    const members = [validator, owner, reader, other].map((p) => p.did);
    const chunks = decodeManifest((await owner.blobs.get(fingerprint))!).chunks.map((c) =>
      toHex(c.hash),
    );
    const notHeld = chunks.find(
      (c) => !holdersOf(fromHex(c), members, 1).includes(reader.did),
    ) as string;
    expect(notHeld).toBeDefined();
    expect((await reader.host.datasets())[0]!.versions[0]!.readable).toBe(true);

    // The reader holds a key but has recorded no read: the owner's peer refuses the chunk.
    const asker = ((await service(reader)) as unknown as Asker).exchange;
    const before = await asker.ask(owner.did, notHeld);
    expect(before?.bytes).toBeNull();
    expect(before?.error?.code).toBe('UNAUTHORIZED');
    expect((await owner.host.log()).some((e) => /Refused blob .*flow/.test(e.message))).toBe(true);

    // A read records the access first; then the same chunk is served.
    const read = await reader.host.readDataset('flow', { purpose: 'leak study' });
    expect(equalBytes(read.bytes, content)).toBe(true);
    const after = await asker.ask(owner.did, notHeld);
    expect(after?.error).toBeNull();
    expect(after?.bytes?.length).toBeGreaterThan(0);
  }, 60_000);

  it('two concurrent putDatasetVersion calls land as consecutive versions', async () => {
    const [a, b] = await Promise.all([
      owner.host.putDatasetVersion('flow', 'second'),
      owner.host.putDatasetVersion('flow', 'third'),
    ]);
    expect([a.version, b.version]).toEqual([2, 3]);
    await committed(owner.host, Promise.resolve(a));
    await committed(owner.host, Promise.resolve(b));
    const view = (await owner.host.datasets())[0]!;
    expect(view.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(new TextDecoder().decode((await owner.host.readDataset('flow')).bytes)).toBe('third');
    expect(
      new TextDecoder().decode((await owner.host.readDataset('flow', { version: 2 })).bytes),
    ).toBe('second');
  }, 60_000);

  it('a read streams chunk by chunk, with progress, before the whole version is fetched', async () => {
    const events: PeerEvent[] = reader.events;
    const seen = events.length;
    const stream = await reader.host.readDatasetStream('flow', {
      version: 1,
      purpose: 'leak study',
    });
    expect(stream.plainBytes).toBe(content.length);
    expect(stream.accessTxId).toMatch(/^[0-9a-f]{64}$/);
    let at = 0;
    const progressAtChunk: number[] = [];
    for await (const chunk of stream.chunks) {
      expect(chunk.length).toBeLessThanOrEqual(chunkPlainBytes);
      expect(equalBytes(chunk, content.subarray(at, at + chunk.length))).toBe(true);
      at += chunk.length;
      const progress = events
        .slice(seen)
        .filter((e) => e.type === 'dataset' && e.progress.phase === 'read');
      progressAtChunk.push(progress.length);
    }
    expect(at).toBe(content.length);
    // Each chunk is handed over as it is decrypted: the first before the second is opened.
    expect(progressAtChunk).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(stream.servedBy.length).toBeGreaterThan(0);
  }, 60_000);
});
