// Faults of confidential datasets that served wrong data or lost writes (issue 15), over a memory
// mesh of four real hosts with one holder per blob:
// - a holder serves a reader holding a key only once that reader's access record is committed
//   (before, any key holder got the bytes without the read being accounted for on chain);
// - two concurrent putDatasetVersion calls land as consecutive versions (before, both picked the
//   same number and the second failed in its block);
// - a read streams chunk by chunk with progress (before, only the whole plaintext was returned).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { PeerHost } from './peer-host';
import type { Capabilities } from './capabilities';
import type { WireMessage } from './wire';
import { startTestHost, until } from './testing';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { MemoryNetwork } from './memory-net';
import { MemoryBlobStore } from '../data/blob-store';
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

const hosts: PeerHost[] = [];
afterAll(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

async function startPeer(network: MemoryNetwork) {
  const blobs = new MemoryBlobStore();
  const { host, events } = await startTestHost(new MemoryStorage(), {
    verifier: nobleVerifier,
    net: network.connect(),
    inviteBase: 'http://localhost:8080/',
    blobs,
  });
  hosts.push(host);
  return { host, events, blobs, did: (await host.identity()).did };
}
type Peer = Awaited<ReturnType<typeof startPeer>>;

async function committed(host: PeerHost, p: Promise<{ txId: string }>): Promise<number> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 20_000 });
  expect(result).toMatchObject({ status: 'committed' });
  return result.height!;
}

const service = (p: Peer) =>
  (p.host as unknown as { capabilities: Capabilities }).capabilities.datasets();

let validator: Peer;
let owner: Peer;
let reader: Peer;
let other: Peer;
const content = new Uint8Array(randomBytes(6 * chunkPlainBytes + 11));
let fingerprint = '';

beforeAll(async () => {
  const network = new MemoryNetwork();
  validator = await startPeer(network);
  owner = await startPeer(network);
  reader = await startPeer(network);
  other = await startPeer(network);
  await validator.host.createChain({
    name: 'faults',
    mode: 'consortium',
    consensus: 'poa',
    validators: [validator.did],
    timeoutMs: 200,
  });
  for (const p of [owner, reader, other]) await p.host.join(await validator.host.invite());
  await until(async () => {
    const { members } = await validator.host.governance();
    return [owner, reader, other].every((p) => members.includes(p.did));
  });
  // One holder per blob, so most chunks are held by someone other than the reader.
  const now = (await validator.host.status()).height;
  await committed(
    validator.host,
    validator.host.submit({
      type: 'member.propose',
      body: { change: { kind: 'policy', name: 'datasets.holders', value: 1 }, height: now + 2 },
    }),
  );
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
