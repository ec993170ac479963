// A view grant covers the grant window (issue 15, data minimization by rights): a reader granted
// an aggregate after several versions exist gets the views of those earlier versions too, as a
// full grant gets their keys; the owner's peer derives them when the grant commits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../core/bytes';
import { DatasetMesh, atHeight, committed } from './datasets-testing';
import { until } from './testing';
import type { DatasetReadView } from '../api';

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

const records = (from: number, n: number) =>
  utf8(JSON.stringify(Array.from({ length: n }, (_, i) => ({ t: from + i, pm25: from + i }))));

describe('a view grant covers the versions before it', () => {
  it('the reader reads the views of the versions published before its grant', async () => {
    const owner = await mesh.peer();
    const reader = await mesh.peer();
    const all = [owner, reader];
    await mesh.chain('window', all);
    await committed(owner.host, owner.host.publishDataset({ id: 'air', schema: 'JSON records' }));
    for (const from of [0, 10, 20])
      await committed(owner.host, owner.host.putDatasetVersion('air', records(from, 4)));
    await atHeight(all, (await owner.host.status()).height);

    const view: DatasetReadView = { kind: 'aggregate', field: 'pm25', fns: ['count', 'min'] };
    await committed(reader.host, reader.host.requestAccess('air', 'city report', view));
    await until(async () => (await owner.host.datasets())[0]!.requests.length > 0);
    const ask = (await owner.host.datasets())[0]!.requests[0]!;
    await committed(owner.host, owner.host.decideAccess(ask.id, true));

    const viewOf = (version: number) =>
      reader.host.readDataset('air', { version }).then(
        (r) => JSON.parse(fromUtf8(r.bytes)) as { count: number; min: number },
        () => null,
      );
    await until(async () => (await viewOf(1)) !== null, 30_000);
    for (const [version, min] of [
      [1, 0],
      [2, 10],
      [3, 20],
    ] as const)
      expect(await viewOf(version)).toMatchObject({ kind: 'aggregate', count: 4, min });
    // Still no key of a full version for the viewer.
    const versions = (await reader.host.datasets())[0]!.versions;
    expect(versions.every((v) => v.view !== null)).toBe(true);
  }, 120_000);
});
