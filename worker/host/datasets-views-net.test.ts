// Data minimization by rights over a memory mesh of four real hosts (issue 15): a reader granted
// an aggregate gets only the aggregate, derived and sealed for it by the owner's peer; the only
// key wrapped for it on chain is the derived blob's, so it cannot decrypt the full version and
// holders refuse it the version's blobs; each new version gets its view, and the view is read
// from holders once the owner's peer is gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromUtf8, toHex, utf8 } from '../core/bytes';
import { decodeManifest } from '../core/modules/datasets/manifest';
import { holdersOf } from '../core/modules/datasets/placement';
import type { ChainState } from '../core/ledger';
import { DatasetMesh, atHeight, committed, datasetService } from './datasets-testing';
import { until } from './testing';
import type { DatasetReadView } from '../api';
import type { DatasetsHost } from './datasets';

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

/** The service's internals a reader could try to use against the rules. */
type Internals = {
  d: { chain(): ChainState; x25519(): Promise<unknown> };
  contentKey(dataset: string, version: number, backend: unknown): Promise<unknown>;
};
const internals = (s: DatasetsHost) => s as unknown as Internals;

const records = (from: number, n: number) =>
  utf8(
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({
        t: from + i,
        pm25: (from + i) * 2,
        home: `street ${i}`,
      })),
    ),
  );

describe('views derived for a reader (data minimization)', () => {
  it('an aggregate grant gives only the aggregate, never a key of the full version', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const reader = await mesh.peer();
    const other = await mesh.peer();
    const all = [validator, owner, reader, other];
    await mesh.chain('views', all, 3);
    await committed(owner.host, owner.host.publishDataset({ id: 'air', schema: 'JSON records' }));
    const v1 = await owner.host.putDatasetVersion('air', records(0, 10));
    await committed(owner.host, Promise.resolve(v1));

    // The reader asks for count, min, max and mean of pm25 over t in [2, 6).
    const view: DatasetReadView = {
      kind: 'aggregate',
      field: 'pm25',
      fns: ['count', 'min', 'max', 'mean'],
      window: { field: 't', from: 2, to: 6 },
    };
    await committed(reader.host, reader.host.requestAccess('air', 'city report', view));
    await until(async () => (await owner.host.datasets())[0]!.requests.length > 0);
    const request = (await owner.host.datasets())[0]!.requests[0]!;
    expect(request).toMatchObject({ state: 'pending', view });
    await committed(owner.host, owner.host.decideAccess(request.id, true));

    // The owner's peer derives the view of version 1 once the grant commits.
    await until(async () => (await reader.host.datasets())[0]!.versions[0]!.view !== null);
    const mine = (await reader.host.datasets())[0]!;
    expect(mine.versions[0]).toMatchObject({ readable: false, view });
    expect(mine.viewers).toEqual([{ reader: reader.did, view }]);
    const read = await reader.host.readDataset('air');
    expect(read.view).toEqual(view);
    expect(JSON.parse(fromUtf8(read.bytes))).toEqual({
      kind: 'aggregate',
      field: 'pm25',
      window: { field: 't', from: 2, to: 6 },
      count: 4,
      min: 4,
      max: 10,
      mean: 7,
    });
    expect(fromUtf8(read.bytes)).not.toContain('street');

    // On chain (as every peer applies it): no key of a full version is wrapped for the reader;
    // its only wrapped key is the derived blob's, for version 1 and this view.
    const service = await datasetService(reader);
    const chain = internals(service).d.chain().datasets!;
    expect(chain.versions.get('air/1')!.readers).not.toContain(reader.did);
    const derived = [...chain.derived.values()].filter((d) => d.reader === reader.did);
    expect(derived.map((d) => [d.version, d.view, d.key.reader])).toEqual([[1, view, reader.did]]);
    // Its peer cannot open the full version's key (a member may hold its ciphertext as a holder).
    const backend = await internals(service).d.x25519();
    await expect(internals(service).contentKey('air', 1, backend)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    // Asking for version 1 by number gives the view again, never the records.
    const byNumber = await reader.host.readDataset('air', { version: 1 });
    expect(byNumber.view).toEqual(view);
    expect(byNumber.bytes).toEqual(read.bytes);

    // A new version gets its view derived for the reader without anyone asking.
    const v2 = await owner.host.putDatasetVersion('air', records(4, 4));
    const v2Height = await committed(owner.host, Promise.resolve(v2));
    await until(async () => (await reader.host.datasets())[0]!.versions[1]?.view != null, 30_000);
    const kinds = (await owner.host.accessLog('air')).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'derive')).toHaveLength(2);

    // The derived blobs reach their holders; the owner's peer stops; the reader still reads.
    await atHeight(all, v2Height);
    const d2 = [...internals(service).d.chain().datasets!.derived.values()].find(
      (x) => x.version === 2,
    )!;
    const manifest = decodeManifest((await owner.blobs.get(toHex(d2.fingerprint)))!);
    const members = all.map((p) => p.did);
    const byDid = new Map(all.map((p) => [p.did, p]));
    await until(async () => {
      for (const c of manifest.chunks)
        for (const did of holdersOf(c.hash, members, 3))
          if (!(await byDid.get(did)!.blobs.has(toHex(c.hash)))) return false;
      return true;
    }, 30_000);
    // Placement is real: some holder of the view is neither the owner nor the reader (3 holders
    // among 4 members always name one; with 2 the placement could be just those two, 1 time in 6).
    expect(
      manifest.chunks.some((c) =>
        holdersOf(c.hash, members, 3).some((d) => d !== owner.did && d !== reader.did),
      ),
    ).toBe(true);
    await owner.host.stop();
    const again = await reader.host.readDataset('air', { purpose: 'city report' });
    expect(again.version).toBe(2);
    expect(JSON.parse(fromUtf8(again.bytes))).toMatchObject({ count: 2, min: 8, max: 10, mean: 9 });
    expect(again.servedBy).not.toContain(owner.did);
    const log = await validator.host.accessLog('air');
    expect(log.filter((e) => e.kind === 'access').map((e) => [e.reader, e.version])).toEqual([
      [reader.did, 1],
      [reader.did, 1],
      [reader.did, 2],
    ]);
  }, 120_000);
});
