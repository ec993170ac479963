// Blob collection and the storage quota of confidential datasets (issue 15; Y.4560 8.2), over a
// memory mesh of four real hosts (3 holders per blob among 4 members):
// - a version no one can be granted any more (past the grant window, no current reader holds
//   its key) is dropped by its holders; the owner keeps its own copy; newer versions stay;
// - when the chain asks for fewer holders per blob (governance), a peer no longer placed on a
//   chunk drops it;
// - the quota is a setting (blobQuotaBytes): past it, sealing is refused with QUOTA and nothing
//   is written (no blob, no version on chain), and a holder's replication stops with QUOTA.
import { DatasetMesh, committed, datasetService, type DatasetPeer } from './datasets-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { until } from './testing';
import { decodeManifest } from '../core/modules/datasets/manifest';
import { fromHex, toHex } from '../core/bytes';
import { holdersOf } from '../core/modules/datasets/placement';
import { chunkPlainBytes, grantVersionsMax } from '../core/modules/datasets/limits';

const mesh = new DatasetMesh();
afterAll(() => mesh.stopAll());
type Peer = DatasetPeer;
const service = datasetService;

let validator: Peer;
let owner: Peer;
let holder: Peer;
let leaver: Peer;
let all: Peer[];

async function chunksOf(fingerprint: string): Promise<string[]> {
  return decodeManifest((await owner.blobs.get(fingerprint))!).chunks.map((c) => toHex(c.hash));
}

beforeAll(async () => {
  validator = await mesh.peer();
  owner = await mesh.peer();
  holder = await mesh.peer();
  leaver = await mesh.peer();
  all = [validator, owner, holder, leaver];
  await mesh.chain('gc', all);
  await committed(owner.host, owner.host.publishDataset({ id: 'logs' }));
}, 120_000);

describe('blob collection and quota (issue 15)', () => {
  it('holders drop a version no one can be granted any more; the owner keeps it', async () => {
    const first = await owner.host.putDatasetVersion(
      'logs',
      new Uint8Array(randomBytes(3 * chunkPlainBytes + 1)),
    );
    await committed(owner.host, Promise.resolve(first));
    const chunks = await chunksOf(first.fingerprint);
    // Every non-owner member holds the manifest and its placed chunks (3 of 4 members each).
    await until(async () => {
      for (const p of [validator, holder, leaver])
        if (!(await p.blobs.has(first.fingerprint))) return false;
      let copies = 0;
      for (const p of [validator, holder, leaver])
        for (const c of chunks) if (await p.blobs.has(c)) copies += 1;
      return copies >= chunks.length * 2;
    }, 30_000);

    // Still in the grant window: nothing is collected.
    for (const p of all) expect((await (await service(p)).collectGarbage()).blobs).toBe(0);

    // grantVersionsMax newer versions push version 1 out of the window; no reader holds its key.
    let last = first;
    for (let v = 2; v <= grantVersionsMax + 1; v++)
      last = await owner.host.putDatasetVersion('logs', `entry ${v}`);
    const height = await committed(owner.host, Promise.resolve(last));
    expect(last.version).toBe(grantVersionsMax + 1);
    await until(async () => {
      for (const p of all) if ((await p.host.status()).height < height) return false;
      return true;
    });

    // The holder replicates versions one after another: once it holds the last one's manifest,
    // version 1 is fully replicated there (an event to wait on, not a moment).
    await until(async () => holder.blobs.has(last.fingerprint));
    // What the holder frees is what it held of version 1: its manifest and the chunks placed on
    // it (the content is random, so how many of the four chunks that is varies from run to run:
    // the expectation follows the placement, not a fixed count).
    const members = all.map((p) => p.did);
    const placed = chunks.filter((c) => holdersOf(fromHex(c), members, 3).includes(holder.did));
    const heldOfFirst = [first.fingerprint, ...placed];
    for (const id of heldOfFirst) expect(await holder.blobs.has(id)).toBe(true);
    let heldBytes = 0;
    for (const id of heldOfFirst) heldBytes += (await holder.blobs.get(id))!.length;
    const freed = await (await service(holder)).collectGarbage();
    expect(freed).toEqual({ blobs: heldOfFirst.length, bytes: heldBytes });
    expect(await holder.blobs.has(first.fingerprint)).toBe(false);
    for (const c of chunks) expect(await holder.blobs.has(c)).toBe(false);
    expect(await holder.blobs.has(last.fingerprint)).toBe(true);
    // The owner keeps its own data.
    expect((await (await service(owner)).collectGarbage()).blobs).toBe(0);
    for (const c of chunks) expect(await owner.blobs.has(c)).toBe(true);
  }, 120_000);

  it('when the chain asks for fewer holders, a peer no longer holding a chunk drops it', async () => {
    const put = await owner.host.putDatasetVersion(
      'logs',
      new Uint8Array(randomBytes(6 * chunkPlainBytes)),
    );
    await committed(owner.host, Promise.resolve(put));
    const chunks = await chunksOf(put.fingerprint);
    const members = all.map((p) => p.did);
    const others = [validator, holder, leaver];
    const placed = (k: number) =>
      chunks.flatMap((c) =>
        others
          .filter((p) => holdersOf(fromHex(c), members, k).includes(p.did))
          .map((p) => `${p.did} ${c}`),
      );
    const copies = async () => {
      const out: string[] = [];
      for (const p of others)
        for (const c of chunks) if (await p.blobs.has(c)) out.push(`${p.did} ${c}`);
      return out.sort();
    };
    // Every other member holds the version's manifest and the chunks placed on it.
    await until(async () => {
      for (const p of others) if (!(await p.blobs.has(put.fingerprint))) return false;
      return (await copies()).length === placed(3).length;
    }, 30_000);
    expect(await copies()).toEqual(placed(3).sort());

    const now = (await validator.host.status()).height;
    await committed(
      validator.host,
      validator.host.submit({
        type: 'member.propose',
        body: { change: { kind: 'policy', name: 'datasets.holders', value: 2 }, height: now + 2 },
      }),
    );
    // Writes carry the chain past the policy's height (idle, it would wait for empty blocks).
    for (let i = 0; (await validator.host.status()).height < now + 3; i++)
      await committed(
        validator.host,
        validator.host.submit({ type: 'data.put', body: { key: `gc/tick${i}`, value: i } }),
      );
    await until(async () => {
      for (const p of all) if ((await p.host.status()).height < now + 3) return false;
      return true;
    });
    expect(placed(2).length).toBeLessThan(placed(3).length);
    for (const p of others) await (await service(p)).collectGarbage();
    expect(await copies()).toEqual(placed(2).sort());
    // The owner keeps every chunk of its own version.
    for (const c of chunks) expect(await owner.blobs.has(c)).toBe(true);
  }, 120_000);

  it('the quota is a setting: past it sealing is refused with QUOTA and nothing is written', async () => {
    await expect(owner.host.setSettings({ blobQuotaBytes: 5 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const used = (await owner.blobs.usage()).bytes;
    const settings = await owner.host.setSettings({ blobQuotaBytes: used + chunkPlainBytes });
    expect(settings.blobQuotaBytes).toBe(used + chunkPlainBytes);
    expect((await (await service(owner)).storageUsage()).quotaBytes).toBe(used + chunkPlainBytes);
    const latest = (await owner.host.datasets())[0]!.versions.length;
    const refused = owner.host.putDatasetVersion(
      'logs',
      new Uint8Array(randomBytes(3 * chunkPlainBytes)),
    );
    await expect(refused).rejects.toMatchObject({
      code: 'QUOTA',
      message: expect.stringMatching(/quota of \d+ bytes/),
    });
    expect((await owner.blobs.usage()).bytes).toBe(used);
    expect((await owner.host.datasets())[0]!.versions.length).toBe(latest);

    // Holders at their quota stop replicating with QUOTA (logged), and keep what they have.
    const others = [validator, holder, leaver];
    const held = new Map<Peer, number>();
    for (const p of others) {
      held.set(p, (await p.blobs.usage()).bytes);
      await p.host.setSettings({ blobQuotaBytes: held.get(p)! + 1024 * 1024 });
    }
    await owner.host.setSettings({ blobQuotaBytes: 2 ** 40 });
    const big = await owner.host.putDatasetVersion(
      'logs',
      new Uint8Array(randomBytes(4 * chunkPlainBytes)),
    );
    await committed(owner.host, Promise.resolve(big));
    // Each chunk has two holders, at most one of them the owner: some other peer hits its quota.
    await until(async () => {
      for (const p of others)
        if ((await p.host.log()).some((e) => /quota of \d+ bytes/.test(e.message))) return true;
      return false;
    }, 30_000);
    for (const p of others)
      expect((await p.blobs.usage()).bytes).toBeLessThanOrEqual(held.get(p)! + 1024 * 1024);
  }, 120_000);
});
