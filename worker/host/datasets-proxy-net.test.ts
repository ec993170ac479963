// Data asset circulation through a data proxy over a memory mesh of four real hosts (Y.4560
// Annex I.2, Figure I.6; D-I.2): the proxy asks for the enterprise, the enterprise confirms, the
// owner grants (refused before the confirm), the proxy forwards the versions granted to it, the
// enterprise reads them from the holders; revoking the proxy ends the enterprise's later
// versions; every step is in the access log on every peer with who, for whom and the purpose.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetMesh, atHeight, committed } from './datasets-testing';
import { until } from './testing';
import { utf8 } from '../core/bytes';

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

const purpose = 'load forecast for the enterprise, no resale';

describe('a data proxy over the mesh (Y.4560 Annex I.2)', () => {
  it('request for E, confirm by E, grant, forward, E reads; refusals; revocation ends it', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const proxy = await mesh.peer();
    const enterprise = await mesh.peer();
    const all = [validator, owner, proxy, enterprise];
    await mesh.chain('grid', all);

    await committed(owner.host, owner.host.publishDataset({ id: 'load', schema: 'kW per hour' }));
    const v1 = await owner.host.putDatasetVersion('load', 'hour,kW\n1,42\n2,40\n');
    await committed(owner.host, Promise.resolve(v1));

    // Step 1: the proxy asks for the enterprise.
    const asked = proxy.host.requestAccess('load', purpose, undefined, { for: enterprise.did });
    const askedHeight = await committed(proxy.host, asked);
    const request = (await asked).txId;
    await atHeight(all, askedHeight);

    // Before the enterprise confirms: the owner cannot grant, nobody else confirms, nothing to forward.
    await expect(owner.host.decideAccess(request, true)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/has not confirmed/),
    });
    await expect(validator.host.confirmProxy(request)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(proxy.host.forwardDataset(request)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(enterprise.host.readDataset('load')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });

    // Step 2: the enterprise sees the request made for it and confirms it.
    const seen = (await enterprise.host.datasets())[0]!.requests;
    expect(seen).toMatchObject([
      { id: request, reader: proxy.did, for: enterprise.did, confirmed: false, purpose },
    ]);
    await committed(enterprise.host, enterprise.host.confirmProxy(request));

    // Step 3: the owner grants to the proxy.
    const grantHeight = await committed(owner.host, owner.host.decideAccess(request, true));
    await atHeight(all, grantHeight);
    expect((await owner.host.datasets())[0]!.requests[0]).toMatchObject({
      state: 'granted',
      confirmed: true,
    });

    // Step 4: the proxy forwards; the enterprise reads from the holders, its access recorded.
    const forward = await proxy.host.forwardDataset(request);
    expect(forward.versions).toEqual([1]);
    await atHeight(all, await committed(proxy.host, Promise.resolve(forward)));
    const read = await enterprise.host.readDataset('load');
    expect(new TextDecoder().decode(read.bytes)).toBe('hour,kW\n1,42\n2,40\n');
    expect(read.accessTxId).toMatch(/^[0-9a-f]{64}$/);
    await expect(proxy.host.forwardDataset(request)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/nothing to forward/),
    });

    // A later version reaches the proxy, which forwards it too.
    const v2 = await owner.host.putDatasetVersion('load', utf8('hour,kW\n3,39\n'));
    await atHeight(all, await committed(owner.host, Promise.resolve(v2)));
    const again = await proxy.host.forwardDataset(request);
    expect(again.versions).toEqual([2]);
    await atHeight(all, await committed(proxy.host, Promise.resolve(again)));
    const read2 = await enterprise.host.readDataset('load', { version: 2 });
    expect(new TextDecoder().decode(read2.bytes)).toBe('hour,kW\n3,39\n');

    // The owner revokes the proxy: version 3 is sealed without it, and nothing more is forwarded.
    await committed(owner.host, owner.host.revokeAccess('load', proxy.did));
    const v3 = await owner.host.putDatasetVersion('load', 'hour,kW\n4,38\n');
    await atHeight(all, await committed(owner.host, Promise.resolve(v3)));
    await expect(proxy.host.forwardDataset(request)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(enterprise.host.readDataset('load', { version: 3 })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const versions = (await enterprise.host.datasets())[0]!.versions;
    expect(versions.map((v) => v.readable)).toEqual([true, true, false]);

    // The access log on every peer: each step with who, for whom and the purpose.
    const [O, P, E] = [owner.did, proxy.did, enterprise.did];
    const want = [
      ['request', P, P, E, null, purpose],
      ['confirm', E, P, E, null, purpose],
      ['grant', O, P, E, null, purpose],
      ['forward', P, E, E, 1, purpose],
      ['access', E, E, null, 1, purpose],
      ['forward', P, E, E, 2, purpose],
      ['access', E, E, null, 2, purpose],
      ['revoke', O, P, E, null, null],
    ];
    for (const peer of all)
      await until(async () => {
        const log = (await peer.host.accessLog('load'))
          .filter((e) => !['publish', 'version'].includes(e.kind))
          .map((e) => [e.kind, e.by, e.reader, e.for ?? null, e.version, e.purpose]);
        return JSON.stringify(log) === JSON.stringify(want);
      });
  });

  it('a list policy that names the proxy grants by rule, but only once the enterprise confirmed', async () => {
    const validator = await mesh.peer();
    const owner = await mesh.peer();
    const proxy = await mesh.peer();
    const enterprise = await mesh.peer();
    const all = [validator, owner, proxy, enterprise];
    await mesh.chain('grid', all);
    const policy = { mode: 'list' as const, allow: [proxy.did] };
    await committed(owner.host, owner.host.publishDataset({ id: 'load', policy }));
    await committed(owner.host, owner.host.putDatasetVersion('load', 'hour,kW\n1,42\n'));
    const asked = proxy.host.requestAccess('load', purpose, undefined, { for: enterprise.did });
    await atHeight(all, await committed(proxy.host, asked));
    const request = (await asked).txId;
    // Approved by the policy, and left waiting for the enterprise (the owner's peer grants nothing).
    await atHeight(
      all,
      await committed(validator.host, validator.host.publishDataset({ id: 'x' })),
    );
    expect((await owner.host.datasets())[0]!.requests[0]).toMatchObject({
      state: 'approved',
      confirmed: false,
    });
    await committed(enterprise.host, enterprise.host.confirmProxy(request));
    await until(async () =>
      (await proxy.host.datasets())[0]!.requests.some((r) => r.state === 'granted'),
    );
    const forward = await proxy.host.forwardDataset(request);
    await atHeight(all, await committed(proxy.host, Promise.resolve(forward)));
    const read = await enterprise.host.readDataset('load');
    expect(new TextDecoder().decode(read.bytes)).toBe('hour,kW\n1,42\n');
  });
});
