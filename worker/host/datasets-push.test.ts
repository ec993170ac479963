// Chunks pushed to their holders while the owner seals (issue 15, datasets-push.ts), over a memory
// mesh of four real hosts with two holders per chunk:
// - holders hold their chunks before the version has a block (the validator is stopped, so it
//   never gets one), only the chunks placed on them, and a fresh push is not collected;
// - a holder that leaves mid-stream and a holder whose pushes are corrupted on the way: sealing
//   goes on without them, the corrupted bytes are refused and never kept, and once the version
//   commits every running holder holds its chunks with the right bytes (replication);
// - a chunk not placed on the holder, and one past the holder's quota: refused, nothing kept.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  DatasetMesh,
  atHeight,
  committed,
  datasetService,
  type DatasetPeer,
} from './datasets-testing';
import { until } from './testing';
import { MemoryBlobStore, blobIdOf } from '../data/blob-store';
import { holdersOf } from '../core/modules/datasets/placement';
import { decodeManifest } from '../core/modules/datasets/manifest';
import { chunkPlainBytes } from '../core/modules/datasets/limits';
import { fromHex, toHex } from '../core/bytes';
import type { ChunkPush } from './datasets-push';
import { decodeWire } from './wire';

let mesh = new DatasetMesh();
afterEach(async () => {
  await mesh.stopAll();
  mesh = new DatasetMesh();
});

/** The datasets service's chunk push (private), reached for the test. */
async function pushOf(p: DatasetPeer): Promise<ChunkPush> {
  return ((await datasetService(p)) as unknown as { push: ChunkPush }).push;
}

/** The owner's push dependencies, whose encoded sends a test watches or alters. */
async function ownerSends(owner: DatasetPeer) {
  return (await pushOf(owner)) as unknown as {
    d: { sendEncoded(to: string, encoded: Uint8Array): boolean };
  };
}

async function chunksOf(owner: DatasetPeer, fingerprint: string): Promise<Uint8Array[]> {
  return decodeManifest((await owner.blobs.get(fingerprint))!).chunks.map((c) => c.hash);
}

const logged = async (p: DatasetPeer, pattern: RegExp) =>
  (await p.host.log()).some((e) => pattern.test(e.message));

/** A memory store that calls `onKept` after each chunk it kept from a push or a fetch. */
/** A memory store whose writes take `delayMs` (a holder slower than the owner). */
class SlowStore extends MemoryBlobStore {
  delayMs = 0;
  override async putMany(blobs: ReadonlyArray<{ id: string; bytes: Uint8Array }>) {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    await super.putMany(blobs);
  }
}

class WatchedStore extends MemoryBlobStore {
  onKept: (() => void) | null = null;
  override async putMany(blobs: ReadonlyArray<{ id: string; bytes: Uint8Array }>) {
    await super.putMany(blobs);
    for (const _ of blobs) this.onKept?.();
  }
}

describe('chunks pushed while the owner seals (issue 15)', () => {
  it('reach their holders before the version has a block, placed ones only, and stay', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const h1 = await mesh.peer();
    const h2 = await mesh.peer();
    await mesh.chain('early', [validator, owner, h1, h2], 2);
    await committed(owner.host, owner.host.publishDataset({ id: 'raw' }));
    const members = [validator, owner, h1, h2].map((p) => p.did);
    // No block will commit the version: whatever the holders hold came while the owner sealed.
    await validator.host.stop();
    const put = await owner.host.putDatasetVersion(
      'raw',
      new Uint8Array(randomBytes(12 * chunkPlainBytes + 5)),
    );
    const chunks = await chunksOf(owner, put.fingerprint);
    await until(async () => {
      for (const h of [h1, h2])
        for (const hash of chunks)
          if (holdersOf(hash, members, 2).includes(h.did) && !(await h.blobs.has(toHex(hash))))
            return false;
      return true;
    }, 30_000);
    for (const h of [h1, h2])
      for (const hash of chunks)
        if (!holdersOf(hash, members, 2).includes(h.did))
          expect(await h.blobs.has(toHex(hash))).toBe(false);
    expect((await owner.host.datasets())[0]!.versions).toHaveLength(0);
    // A collection now keeps them: the version may be a block away.
    const held = (await h1.blobs.usage()).blobs;
    expect(held).toBeGreaterThan(0);
    await (await datasetService(h1)).collectGarbage();
    expect((await h1.blobs.usage()).blobs).toBe(held);
    // The stopped validator holds some chunks: the owner went on without it.
    expect(chunks.some((c) => holdersOf(c, members, 2).includes(validator.did))).toBe(true);
    expect(
      await logged(owner, new RegExp(`Stopped pushing chunks to holder ${validator.did}`)),
    ).toBe(true);
  }, 60_000);

  it('encode each chunk once for all its holders, into one reused buffer, and are all kept when putDatasetVersion returns', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const h1 = await mesh.peer(new SlowStore());
    const h2 = await mesh.peer(new SlowStore());
    const all = [validator, owner, h1, h2];
    await mesh.chain('once', all, 3);
    await committed(owner.host, owner.host.publishDataset({ id: 'raw' }));
    const members = all.map((p) => p.did);
    // Every encoded push the owner sends, by holder (decoded as sent: the owner reuses its
    // buffer for the next chunk).
    const sends = await ownerSends(owner);
    const send = sends.d.sendEncoded.bind(sends.d);
    const sent: Array<{ to: string; blob: string; encoded: Uint8Array }> = [];
    sends.d.sendEncoded = (to, encoded) => {
      const m = decodeWire(encoded);
      if (m.kind === 'blobPush') sent.push({ to, blob: toHex(m.blob), encoded });
      return send(to, encoded);
    };
    // The holders write slowly: the owner's last pushes are answered well after its last send.
    h1.blobs.delayMs = 150;
    h2.blobs.delayMs = 150;
    const put = await owner.host.putDatasetVersion(
      'raw',
      new Uint8Array(randomBytes(6 * chunkPlainBytes + 9)),
    );
    // No wait: each holder holds every chunk placed on it once the call returns.
    const chunks = await chunksOf(owner, put.fingerprint);
    for (const p of [validator, h1, h2])
      for (const hash of chunks)
        if (holdersOf(hash, members, 3).includes(p.did))
          expect(await p.blobs.has(toHex(hash))).toBe(true);
    // One buffer per chunk, the same for each of its holders (a push names the chunk's hash).
    const copies = chunks.flatMap((hash) =>
      holdersOf(hash, members, 3).filter((did) => did !== owner.did),
    );
    expect(sent).toHaveLength(copies.length);
    for (const hash of chunks) {
      const views = new Set(sent.filter((s) => s.blob === toHex(hash)).map((s) => s.encoded));
      expect(views.size).toBe(1);
    }
    // And every chunk of the version into the same memory (no fresh 1 MiB buffer per chunk).
    expect(new Set(sent.map((s) => s.encoded.buffer)).size).toBe(1);
    expect(
      await logged(
        owner,
        new RegExp(
          `Version 1 of "raw": ${copies.length} chunk copies pushed while sealing, kept by 3 holder`,
        ),
      ),
    ).toBe(true);
  }, 60_000);

  it('go on without a holder that leaves mid-stream or gets corrupted bytes; replication makes up', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const corrupted = await mesh.peer();
    const leaver = await mesh.peer(new WatchedStore());
    const all = [validator, owner, corrupted, leaver];
    await mesh.chain('faults', all, 2);
    await committed(owner.host, owner.host.publishDataset({ id: 'raw' }));
    const members = all.map((p) => p.did);
    // Every chunk pushed to `corrupted` has one byte flipped on the way (the last byte of a push
    // is the chunk's last byte).
    const pushD = await ownerSends(owner);
    const send = pushD.d.sendEncoded.bind(pushD.d);
    pushD.d.sendEncoded = (to, encoded) => {
      if (decodeWire(encoded).kind !== 'blobPush' || to !== corrupted.did) return send(to, encoded);
      const bytes = encoded.slice();
      bytes[bytes.length - 1]! ^= 1;
      return send(to, bytes);
    };
    // The leaver's peer stops once it has kept its first pushed chunk.
    leaver.blobs.onKept = () => {
      leaver.blobs.onKept = null;
      void leaver.host.stop();
    };
    const content = new Uint8Array(randomBytes(16 * chunkPlainBytes + 3));
    const put = await owner.host.putDatasetVersion('raw', content);
    await committed(owner.host, Promise.resolve(put));
    const chunks = await chunksOf(owner, put.fingerprint);
    expect(
      chunks.filter((c) => holdersOf(c, members, 2).includes(leaver.did)).length,
    ).toBeGreaterThan(1);
    expect((await leaver.blobs.usage()).blobs).toBeLessThan(
      chunks.filter((c) => holdersOf(c, members, 2).includes(leaver.did)).length,
    );
    expect(
      await logged(corrupted, new RegExp(`Refused a chunk pushed by ${owner.did}.*TAMPERED`)),
    ).toBe(true);
    expect(
      await logged(
        owner,
        new RegExp(`Stopped pushing chunks to holder ${corrupted.did} \\(TAMPERED`),
      ),
    ).toBe(true);
    expect(await logged(owner, new RegExp(`Stopped pushing chunks to holder ${leaver.did}`))).toBe(
      true,
    );
    // Once the version commits, every running holder holds its chunks, each with its bytes.
    const running = [validator, owner, corrupted];
    await until(async () => {
      for (const hash of chunks)
        for (const p of running)
          if (holdersOf(hash, members, 2).includes(p.did) && !(await p.blobs.has(toHex(hash))))
            return false;
      return true;
    }, 30_000);
    for (const p of running)
      for (const id of await p.blobs.list())
        expect(await blobIdOf((await p.blobs.get(id))!)).toBe(id);
    expect(chunks.some((c) => holdersOf(c, members, 2).includes(corrupted.did))).toBe(true);
  }, 60_000);

  it('a chunk not placed on the holder, or past its quota, is refused and not kept', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const holder = await mesh.peer();
    const other = await mesh.peer();
    await mesh.chain('refusals', [validator, owner, holder, other], 2);
    await atHeight([owner, holder], (await validator.host.status()).height);
    const members = [validator, owner, holder, other].map((p) => p.did);
    /** Random chunk-like bytes whose placement on `holder` is `placed`. */
    const chunk = async (placed: boolean) => {
      for (;;) {
        const bytes = new Uint8Array(randomBytes(1000));
        const id = await blobIdOf(bytes);
        const hash = fromHex(id);
        if (holdersOf(hash, members, 2).includes(holder.did) === placed) return { id, bytes };
      }
    };
    const push = await pushOf(owner);
    // The owner's session is told the holder holds everything; the holder knows better.
    const notPlaced = await chunk(false);
    const s1 = push.session([holder.did], 1);
    await s1.push(notPlaced.id, notPlaced.bytes);
    await until(() => s1.gaveUp.has(holder.did));
    expect(await holder.blobs.has(notPlaced.id)).toBe(false);
    expect(await logged(holder, /Refused a chunk pushed by .*not placed here.*UNAUTHORIZED/)).toBe(
      true,
    );
    // Placed, but the holder's store is full.
    const placed = await chunk(true);
    holder.blobs.setQuota((await holder.blobs.usage()).bytes);
    const s2 = push.session(members, 2);
    await s2.push(placed.id, placed.bytes);
    await until(() => s2.gaveUp.has(holder.did));
    expect(await holder.blobs.has(placed.id)).toBe(false);
    expect(await logged(holder, /Refused a chunk pushed by .*QUOTA/)).toBe(true);
    // With room again, the same push is kept.
    holder.blobs.setQuota((await holder.blobs.usage()).bytes + 1024 * 1024);
    const s3 = push.session(members, 2);
    await s3.push(placed.id, placed.bytes);
    await until(() => s3.kept.get(holder.did) === 1);
    expect(await holder.blobs.has(placed.id)).toBe(true);
  }, 60_000);
});
