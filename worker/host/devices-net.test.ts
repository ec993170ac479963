// Reads gated by grants (R-7.2.2-d, P-10.7): off-chain reading batches stay on the device's gateway;
// another peer asks the gateway over the mesh, and the gateway serves only a peer the chain records
// as granted (not pending, not revoked). The reader checks the samples against the fingerprint on
// chain. The gateway's page is told about each step (device events).
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PeerHost } from './peer-host';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { MemoryNetwork } from './memory-net';
import type { DeviceNotice, PeerEvent } from '../api';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

async function startPeer(network: MemoryNetwork) {
  const events: PeerEvent[] = [];
  const host = new PeerHost({
    storage: new MemoryStorage(),
    storageKind: 'memory',
    verifier: nobleVerifier,
    now: () => Date.now(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    emit: (e) => events.push(e),
    tickIntervalMs: 20,
    net: network.connect(),
    inviteBase: 'http://localhost:8080/',
  });
  await host.ready();
  hosts.push(host);
  const notices = () => events.flatMap((e): DeviceNotice[] => (e.type === 'device' ? [e.notice] : []));
  return { host, events, notices, did: (await host.identity()).did };
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function committed(host: PeerHost, p: Promise<{ txId: string }>): Promise<string> {
  const { txId } = await p;
  expect((await host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
  return txId;
}

describe('off-chain batches read through the gateway under the chain access records (R-7.2.2-d)', () => {
  it('serves a granted peer a batch that verifies; refuses a pending, an ungranted and a revoked peer', async () => {
    const network = new MemoryNetwork();
    const gateway = await startPeer(network);
    const reader = await startPeer(network);
    const stranger = await startPeer(network);
    const { invite } = await gateway.host.createChain({ name: 'clinic', mode: 'private', consensus: 'poa', validators: [gateway.did], timeoutMs: 200 });
    await reader.host.join(invite);
    await stranger.host.join(invite);
    await until(async () => (await gateway.host.status()).peers === 2);

    const { did: strap, txId } = await gateway.host.registerDevice({ id: 'hr-1', kind: 'heart-rate', capabilities: ['heartRateBpm'], policy: { mode: 'owner' } });
    await gateway.host.waitFor(txId, { timeoutMs: 20_000 });
    const samples = [{ values: { heartRateBpm: 71 }, at: 1000 }, { values: { heartRateBpm: 74 }, at: 2000 }, { values: { heartRateBpm: 77 }, at: 3000 }];
    const batch = await gateway.host.deviceReadingBatch(strap, samples);
    const batchHeight = (await gateway.host.waitFor(batch.txId, { timeoutMs: 20_000 })).height!;
    await until(async () => (await reader.host.status()).height >= batchHeight && (await stranger.host.status()).height >= batchHeight);

    // Pending: asked, not yet decided by the owner.
    const request = await committed(reader.host, reader.host.requestDeviceAccess(strap, { service: 'cardiology', purpose: 'review' }));
    const noticed = (kind: DeviceNotice['kind'], state: string) => until(() => gateway.notices().some((n) => n.kind === kind && n.state === state));
    await noticed('access-requested', 'pending');
    await expect(reader.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/no granted access/) });
    // Never asked.
    await expect(stranger.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    // Granted by the owner: the batch comes back and matches the fingerprint on chain.
    const grant = await committed(gateway.host, gateway.host.decideDeviceAccess(request, true));
    const grantHeight = (await gateway.host.waitFor(grant)).height!;
    await until(async () => (await reader.host.status()).height >= grantHeight);
    await noticed('access-decided', 'granted');
    const read = await reader.host.readDeviceBatch(strap, batch.digest);
    expect(read).toMatchObject({ device: strap, gateway: gateway.did, digest: batch.digest, verified: true, height: batchHeight, txId: batch.txId });
    expect(read.samples).toEqual(samples);
    await expect(stranger.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    // Revoked: refused again.
    await committed(gateway.host, gateway.host.decideDeviceAccess(request, false));
    await noticed('access-decided', 'revoked');
    await expect(reader.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // A digest the chain does not know is refused by the reader itself.
    await expect(reader.host.readDeviceBatch(strap, '00'.repeat(32))).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The gateway's page was told, in order, without asking (10.7 step 7).
    const seen = gateway.notices().map((n) => `${n.kind}:${n.state ?? ''}:${n.requester === reader.did ? 'reader' : n.requester === stranger.did ? 'stranger' : 'other'}`);
    expect(seen).toEqual([
      'access-requested:pending:reader',
      'batch-refused::reader',
      'batch-refused::stranger',
      'access-decided:granted:reader',
      'batch-served:granted:reader',
      'batch-refused::stranger',
      'access-decided:revoked:reader',
      'batch-refused::reader',
    ]);
    // Only the gateway is notified: the reader holds no key of the device.
    expect(reader.notices()).toEqual([]);
  }, 60_000);

  it('a contract deployed by one peer is called by another peer and by a device behind the first; every peer holds the same state (P-10.2)', async () => {
    const network = new MemoryNetwork();
    const gateway = await startPeer(network);
    const other = await startPeer(network);
    const { invite } = await gateway.host.createChain({ name: 'plant', mode: 'private', consensus: 'poa', validators: [gateway.did], timeoutMs: 200 });
    await other.host.join(invite);
    await until(async () => (await gateway.host.status()).peers === 1);
    const code = 'function bump(ctx, args) { const n = (ctx.get("n") ?? 0) + args.by; ctx.put("n", n); ctx.put("by/" + (ctx.device ? "device" : "peer"), ctx.caller); return n; }';
    await committed(gateway.host, gateway.host.deployContract({ name: 'tally', code }));
    const { did: sensor, txId } = await gateway.host.registerDevice({ id: 'm-1', kind: 'sensor', capabilities: ['count'] });
    await gateway.host.waitFor(txId, { timeoutMs: 20_000 });
    await until(async () => (await other.host.contracts()).length === 1);
    const fromPeer = await committed(other.host, other.host.callContract('tally', 'bump', { by: 2 }));
    const fromDevice = await committed(gateway.host, gateway.host.deviceCallContract(sensor, 'tally', 'bump', { by: 3 }));
    const top = Math.max((await gateway.host.waitFor(fromPeer)).height!, (await gateway.host.waitFor(fromDevice)).height!);
    await until(async () => (await other.host.status()).height >= top);
    const [a, b] = await Promise.all([gateway.host.contract('tally'), other.host.contract('tally')]);
    expect(a!.state).toEqual(b!.state);
    expect(a!.state).toEqual([{ key: 'by/device', value: sensor }, { key: 'by/peer', value: other.did }, { key: 'n', value: 5 }]);
    expect(b!.calls.map((c) => [c.caller, c.device])).toEqual(expect.arrayContaining([[other.did, false], [sensor, true]]));
    expect((await other.host.block(top))!.header.stateRoot).toBe((await gateway.host.block(top))!.header.stateRoot);
  }, 60_000);
});
