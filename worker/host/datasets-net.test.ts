// Confidential datasets over a memory mesh of four real hosts (issue 15; Y.4560 8.2, 8.4): the
// owner seals a version on its peer, holders placed by rendezvous hashing fetch the blobs when it
// commits, a granted reader decrypts on its own peer, an ungranted member gets UNAUTHORIZED, a
// holder serving wrong bytes is dropped for another, the reader still reads once the owner is
// stopped, a revoked reader cannot read the next version, and every read is in the access log
// on every peer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetMesh, atHeight, committed } from './datasets-testing';
import { randomBytes } from 'node:crypto';
import { until } from './testing';
import { MemoryBlobStore } from '../data/blob-store';
import { holdersOf } from '../core/modules/datasets/placement';
import { equalBytes, fromHex, toHex } from '../core/bytes';
import { decodeWire, encodeWire, type WireMessage } from './wire';
import { testIdentity } from '../core/testing';
import type { PeerEvent } from '../api';

/** A blob store whose reads can be switched to return altered bytes (a lying holder). */
class RogueBlobStore extends MemoryBlobStore {
  lying = false;
  served = 0;
  override async get(id: string) {
    const bytes = await super.get(id);
    if (!bytes || !this.lying) return bytes;
    this.served += 1;
    bytes[bytes.length - 1]! ^= 1;
    return bytes;
  }
}

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

describe('confidential datasets over the mesh (Y.4560 8.2, 8.4)', () => {
  it('replicates to holders, reads granted only, drops a lying holder, survives the owner, revokes', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer(new RogueBlobStore());
    const reader = await mesh.peer();
    const other = await mesh.peer();
    const all = [validator, owner, reader, other];
    // The chain asks for 2 holders per blob (a governance policy).
    await mesh.chain('air', [validator, owner, reader, other], 2);

    // The owner publishes and seals 12 MiB (13 chunks) on its own peer.
    await committed(
      owner.host,
      owner.host.publishDataset({ id: 'pm25', labels: ['air'], schema: 'µg/m³ per minute' }),
    );
    const content = new Uint8Array(randomBytes(12 * 1024 * 1024 + 5));
    const put = await owner.host.putDatasetVersion('pm25', content);
    expect(put.version).toBe(1);
    const v1Height = await committed(owner.host, Promise.resolve(put));
    expect(owner.events.some((e) => isProgress(e, 'seal'))).toBe(true);

    // The reader asks; the other member is refused (never asked, never granted).
    await committed(reader.host, reader.host.requestAccess('pm25', 'asthma study'));
    await expect(other.host.readDataset('pm25')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await until(async () =>
      (await owner.host.datasets())[0]!.requests.some((r) => r.state === 'pending'),
    );
    const request = (await owner.host.datasets())[0]!.requests[0]!;
    expect(request).toMatchObject({ reader: reader.did, purpose: 'asthma study' });
    const grantHeight = await committed(owner.host, owner.host.decideAccess(request.id, true));
    await atHeight(all, Math.max(grantHeight, v1Height));

    // Every chunk reaches its two holders (the owner keeps its own copies too).
    const members = all.map((p) => p.did);
    const manifestId = put.fingerprint;
    const chunks = await (async () => {
      const { decodeManifest } = await import('../core/modules/datasets/manifest');
      return decodeManifest((await owner.blobs.get(manifestId))!).chunks.map((c) => c.hash);
    })();
    expect(chunks).toHaveLength(13);
    const byDid = new Map(all.map((p) => [p.did, p]));
    await until(async () => {
      for (const hash of chunks)
        for (const did of holdersOf(hash, members, 2))
          if (!(await byDid.get(did)!.blobs.has(toHex(hash)))) return false;
      return true;
    }, 30_000);
    expect(await reader.blobs.has(manifestId)).toBe(true);
    // Placement is real: some chunk is not on the reader, so it must come over the mesh.
    expect(chunks.some((h) => !holdersOf(h, members, 2).includes(reader.did))).toBe(true);

    // The owner's peer lies (altered bytes): it is dropped, and the other holders serve.
    (owner.blobs as RogueBlobStore).lying = true;
    const read = await reader.host.readDataset('pm25', { purpose: 'asthma study' });
    expect(equalBytes(read.bytes, content)).toBe(true);
    expect((owner.blobs as RogueBlobStore).served).toBeGreaterThan(0);
    expect(read.dropped).toEqual([owner.did]);
    expect(read.servedBy).not.toContain(owner.did);
    expect(reader.events.some((e) => isProgress(e, 'read'))).toBe(true);
    (owner.blobs as RogueBlobStore).lying = false;

    // The owner revokes and adds version 2: the reader may not read it; version 1 stays read.
    await committed(owner.host, owner.host.revokeAccess('pm25', reader.did));
    const v2 = await owner.host.putDatasetVersion('pm25', 'version two');
    const v2Height = await committed(owner.host, Promise.resolve(v2));
    await atHeight([reader, other, validator], v2Height);
    const view = (await reader.host.datasets())[0]!;
    expect(view.versions.map((v) => v.readable)).toEqual([true, false]);
    await expect(reader.host.readDataset('pm25', { version: 2 })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });

    // The owner's peer stops; the reader still reads version 1 from the other holders.
    await owner.host.stop();
    const again = await reader.host.readDataset('pm25', { version: 1, purpose: 'asthma study' });
    expect(equalBytes(again.bytes, content)).toBe(true);
    expect(again.servedBy).not.toContain(owner.did);

    // Both reads are in the access log of every running peer.
    const last = (await reader.host.waitFor(again.accessTxId!)).height!;
    for (const p of [validator, reader, other]) {
      await atHeight([p], last);
      const log = await p.host.accessLog('pm25');
      const reads = log.filter((e) => e.kind === 'access');
      expect(reads.map((e) => [e.reader, e.version, e.purpose])).toEqual([
        [reader.did, 1, 'asthma study'],
        [reader.did, 1, 'asthma study'],
      ]);
      expect(log.map((e) => e.kind)).toEqual([
        'publish',
        'version',
        'request',
        'grant',
        'access',
        'revoke',
        'version',
        'access',
      ]);
    }
  }, 120_000);

  it('a list policy grants by rule; a rogue peer is refused blobs; when a member leaves, its chunks move', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const listed = await mesh.peer();
    const leaver = await mesh.peer();
    const all = [validator, owner, listed, leaver];
    // The chain asks for 2 holders per blob (a governance policy).
    await mesh.chain('repair', [validator, owner, listed, leaver], 2);
    await committed(
      owner.host,
      owner.host.publishDataset({ id: 'meter', policy: { mode: 'list', allow: [listed.did] } }),
    );
    const content = new Uint8Array(randomBytes(12 * 1024 * 1024));
    const put = await owner.host.putDatasetVersion('meter', content);
    await committed(owner.host, Promise.resolve(put));

    // The listed reader is approved by the policy and the owner's peer wraps its key unasked.
    await committed(listed.host, listed.host.requestAccess('meter', 'billing'));
    await until(async () => (await listed.host.datasets())[0]!.versions[0]!.readable);
    const read = await listed.host.readDataset('meter');
    expect(equalBytes(read.bytes, content)).toBe(true);
    expect((await owner.host.accessLog('meter')).map((e) => [e.kind, e.by])).toContainEqual([
      'grant',
      owner.did,
    ]);

    const { decodeManifest } = await import('../core/modules/datasets/manifest');
    const chunks = decodeManifest((await owner.blobs.get(put.fingerprint))!).chunks.map(
      (c) => c.hash,
    );

    // A rogue peer in the room (linked, not a member) asks the owner for a chunk and the
    // manifest: refused with UNAUTHORIZED, and the owner logs the refusal.
    const rogue = mesh.network.connect();
    const answers: WireMessage[] = [];
    rogue.start(
      {
        did: testIdentity('rogue').did,
        sign: async () => new Uint8Array(64),
        room: (await owner.host.status()).chainId,
        validators: [],
        relays: [],
        iceServers: [],
      },
      {
        onMessage: (_from, bytes) => {
          const message = decodeWire(bytes);
          if (message.kind === 'blobData') answers.push(message);
        },
        onNeighbours: () => {},
      },
    );
    await until(() => rogue.neighbours().some((n) => n.did === owner.did));
    rogue.send(owner.did, encodeWire({ kind: 'blobGet', id: 1, blob: chunks[0]! }));
    rogue.send(owner.did, encodeWire({ kind: 'blobGet', id: 2, blob: fromHex(put.fingerprint) }));
    // The read gate (read-rights) stops a non-member's blob requests before the datasets
    // service sees them: no bytes ever reach the rogue, and the owner logs why.
    await until(async () =>
      (await owner.host.log()).some((e) =>
        /Ignored a blobGet message from .*not a member|Refused blob .*not a reader/.test(e.message),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.every((a) => a.kind === 'blobData' && a.bytes === null)).toBe(true);
    rogue.stop();

    // The leaver is voted out: the chunks it held get a new holder among those who stay.
    const before = all.map((p) => p.did);
    const after = [validator, owner, listed].map((p) => p.did);
    const moved = chunks.filter((h) => holdersOf(h, before, 2).includes(leaver.did));
    expect(moved.length).toBeGreaterThan(0);
    const height = (await validator.host.status()).height;
    await committed(
      validator.host,
      validator.host.submit({
        type: 'member.propose',
        body: { change: { kind: 'removeMember', did: leaver.did }, height },
      }),
    );
    const byDid = new Map(all.map((p) => [p.did, p]));
    await until(async () => {
      for (const hash of chunks)
        for (const did of holdersOf(hash, after, 2))
          if (!(await byDid.get(did)!.blobs.has(toHex(hash)))) return false;
      return true;
    }, 30_000);
  }, 120_000);
});

function isProgress(e: PeerEvent, phase: string): boolean {
  return e.type === 'dataset' && e.progress.phase === phase;
}
