// The example service outside BoT as its own process (Y.4464 10.5, issue 17): a real peer's chain
// authorizes a device's access by consensus; the gateway presents the grant's proof over HTTP and
// the service, which holds only the genesis, serves it (200) and signs a receipt that the gateway
// records on chain; a forged certificate, an expired or revoked grant are refused (403), the old
// proof replayed after the revocation is refused (409: prove again), an oversized body is 413.
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../worker/core/bytes';
import {
  decodeGrantProof,
  encodeGrantProof,
  grantProofBytesMax,
} from '../worker/core/modules/services/proof';
import type { PeerHost } from '../worker/host/peer-host';
import { startTestHost, until } from '../worker/host/testing';
import { call, startExampleService, stopExampleServices } from './peer/testing';

afterAll(() => stopExampleServices());

async function committed(host: PeerHost, p: Promise<{ txId: string }>): Promise<string> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 10_000 });
  expect(result.status, JSON.stringify(result.error)).toBe('committed');
  return txId;
}

describe('a device accesses a service outside BoT after consensus (P-10.5)', () => {
  it('is served with a real grant and the access is recorded; forged, expired, revoked, replayed and oversized are refused', async () => {
    const { host } = await startTestHost();
    try {
      const { did: device, txId } = await host.registerDevice({
        id: 'meter-1',
        kind: 'sensor',
        name: 'Meter',
        capabilities: ['kwh'],
      });
      await committed(host, Promise.resolve({ txId }));
      const service = await startExampleService((await host.xchain()).genesis, 'weather');
      const status = await call(service.url, 'GET', '/status');
      expect(status.body).toMatchObject({ service: 'weather', height: 0 });
      await committed(
        host,
        host.registerService({ id: 'weather', name: 'Weather', url: service.url }),
      );
      expect((await host.services()).services[0]).toMatchObject({
        id: 'weather',
        key: status.body.did,
        mine: true,
      });

      const { grant } = await host.requestServiceGrant({ service: 'weather', subject: device });
      await committed(host, Promise.resolve({ txId: grant }));
      const used = await host.useService({ grant });
      expect(used.status, JSON.stringify(used.body)).toBe(200);
      expect(used.body).toMatchObject({ grant, subject: device });
      await committed(host, Promise.resolve({ txId: used.accessTxId! }));
      const recorded = (await host.services()).grants.find((g) => g.id === grant)!;
      expect(recorded.accesses).toHaveLength(1);
      expect(recorded.accesses[0]!.tx).toBe(used.accessTxId);

      // A forged certificate on the newest header: refused, whatever the grant says.
      const fresh = await host.serviceGrantProof({
        grant,
        from: (await call(service.url, 'GET', '/status')).body.height,
      });
      const forged = decodeGrantProof(fromHex(fresh.proof));
      forged.updates.at(-1)!.cert.sigs[0]!.sig[5]! ^= 1;
      const refusedForged = await call(service.url, 'POST', '/access', {
        proof: toHex(encodeGrantProof(forged)),
      });
      expect(refusedForged.status).toBe(403);
      expect(refusedForged.body.error.code).toBe('BAD_CERTIFICATE');
      const real = await call(service.url, 'POST', '/access', { proof: fresh.proof });
      expect(real.status).toBe(200);

      // Expired: a grant of the shortest life, presented after its end.
      const short = await host.requestServiceGrant({
        service: 'weather',
        subject: device,
        ttlMs: 1000,
      });
      await committed(host, Promise.resolve({ txId: short.grant }));
      const { expires } = (await host.services()).grants.find((g) => g.id === short.grant)!;
      await until(() => Date.now() > expires + 10);
      const expired = await host.useService({ grant: short.grant });
      expect(expired.status).toBe(403);
      expect(JSON.stringify(expired.body)).toMatch(/The grant expired/);
      expect(expired.accessTxId).toBeNull();

      // Revoked: the fresh proof refused, and the old proof replayed after it refused too.
      const before = await host.serviceGrantProof({ grant });
      await committed(host, host.revokeServiceGrant(grant));
      const revoked = await host.useService({ grant });
      expect(revoked.status).toBe(403);
      expect(JSON.stringify(revoked.body)).toMatch(/revoked in block/);
      const replay = await call(service.url, 'POST', '/access', { proof: before.proof });
      expect(replay.status).toBe(409);
      expect(replay.body.error.message).toMatch(/this service has verified the chain up to/);

      const oversized = await call(service.url, 'POST', '/access', {
        proof: '00'.repeat(grantProofBytesMax + 1),
      });
      expect(oversized.status).toBe(413);
      const malformed = await call(service.url, 'POST', '/access', { proof: 'zz' });
      expect(malformed.status).toBe(400);
      expect((await host.services()).grants.find((g) => g.id === grant)!.accesses).toHaveLength(1);
    } finally {
      host.stop();
    }
  }, 60_000);
});
