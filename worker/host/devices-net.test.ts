// Reads gated by grants (R-7.2.2-d, P-10.7): off-chain reading batches stay on the device's gateway;
// another peer asks the gateway over the mesh, and the gateway serves only a peer the chain records
// as granted (not pending, not revoked). The reader checks the samples against the fingerprint on
// chain. The gateway's page is told about each step (device events).
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committed, startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import type { DeviceNotice } from '../api';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

describe('off-chain batches read through the gateway under the chain access records (R-7.2.2-d)', () => {
  it('serves a granted peer a batch that verifies; refuses a pending, an ungranted and a revoked peer', async () => {
    const network = new MemoryNetwork();
    const gateway = await startNetPeer(network, hosts);
    const reader = await startNetPeer(network, hosts);
    const stranger = await startNetPeer(network, hosts);
    const { invite } = await gateway.host.createChain({
      name: 'clinic',
      mode: 'private',
      consensus: 'poa',
      validators: [gateway.did],
      timeoutMs: 200,
    });
    await reader.host.join(invite);
    await stranger.host.join(await gateway.host.invite()); // an invite admits one peer
    await until(async () => (await gateway.host.status()).peers === 2);
    // Both are admitted (the validator proposes each join) before anyone writes.
    await until(async () => {
      const { members } = await gateway.host.governance();
      return members.includes(reader.did) && members.includes(stranger.did);
    });

    const { did: strap, txId } = await gateway.host.registerDevice({
      id: 'hr-1',
      kind: 'heart-rate',
      capabilities: ['heartRateBpm'],
      policy: { mode: 'owner' },
    });
    expect((await gateway.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    const samples = [
      { values: { heartRateBpm: 71 }, at: 1000 },
      { values: { heartRateBpm: 74 }, at: 2000 },
      { values: { heartRateBpm: 77 }, at: 3000 },
    ];
    const batch = await gateway.host.deviceReadingBatch(strap, samples);
    const batchHeight = (await gateway.host.waitFor(batch.txId, { timeoutMs: 20_000 })).height!;
    await until(
      async () =>
        (await reader.host.status()).height >= batchHeight &&
        (await stranger.host.status()).height >= batchHeight,
    );

    // Pending: asked, not yet decided by the owner.
    const request = await committed(
      reader.host,
      reader.host.requestDeviceAccess(strap, { service: 'cardiology', purpose: 'review' }),
    );
    const noticed = (kind: DeviceNotice['kind'], state: string) =>
      until(() => gateway.notices().some((n) => n.kind === kind && n.state === state));
    await noticed('access-requested', 'pending');
    await expect(reader.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/no granted access/),
    });
    // Never asked.
    await expect(stranger.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });

    // Granted by the owner: the batch comes back and matches the fingerprint on chain.
    const grant = await committed(gateway.host, gateway.host.decideDeviceAccess(request, true));
    const grantHeight = (await gateway.host.waitFor(grant)).height!;
    await until(async () => (await reader.host.status()).height >= grantHeight);
    await noticed('access-decided', 'granted');
    const read = await reader.host.readDeviceBatch(strap, batch.digest);
    expect(read).toMatchObject({
      device: strap,
      gateway: gateway.did,
      digest: batch.digest,
      verified: true,
      height: batchHeight,
      txId: batch.txId,
    });
    expect(read.samples).toEqual(samples);
    await expect(stranger.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });

    // Revoked: refused again.
    await committed(gateway.host, gateway.host.decideDeviceAccess(request, false));
    await noticed('access-decided', 'revoked');
    await expect(reader.host.readDeviceBatch(strap, batch.digest)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    // A digest the chain does not know is refused by the reader itself.
    await expect(reader.host.readDeviceBatch(strap, '00'.repeat(32))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    // The gateway's page was told, in order, without asking (10.7 step 7).
    const seen = gateway
      .notices()
      .map(
        (n) =>
          `${n.kind}:${n.state ?? ''}:${n.requester === reader.did ? 'reader' : n.requester === stranger.did ? 'stranger' : 'other'}`,
      );
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
    const gateway = await startNetPeer(network, hosts);
    const other = await startNetPeer(network, hosts);
    const { invite } = await gateway.host.createChain({
      name: 'plant',
      mode: 'private',
      consensus: 'poa',
      validators: [gateway.did],
      timeoutMs: 200,
    });
    await other.host.join(invite);
    await until(async () => (await gateway.host.status()).peers === 1);
    // Admitted, as the joiner itself sees it, before it writes.
    await until(async () => (await other.host.governance()).members.includes(other.did));
    const code =
      'function bump(ctx, args) { const n = (ctx.get("n") ?? 0) + args.by; ctx.put("n", n); ctx.put("by/" + (ctx.device ? "device" : "peer"), ctx.caller); return n; }';
    await committed(gateway.host, gateway.host.deployContract({ name: 'tally', code }));
    const { did: sensor, txId } = await gateway.host.registerDevice({
      id: 'm-1',
      kind: 'sensor',
      capabilities: ['count'],
    });
    await gateway.host.waitFor(txId, { timeoutMs: 20_000 });
    await until(async () => (await other.host.contracts()).length === 1);
    const fromPeer = await committed(
      other.host,
      other.host.callContract('tally', 'bump', { by: 2 }),
    );
    const fromDevice = await committed(
      gateway.host,
      gateway.host.deviceCallContract(sensor, 'tally', 'bump', { by: 3 }),
    );
    const top = Math.max(
      (await gateway.host.waitFor(fromPeer)).height!,
      (await gateway.host.waitFor(fromDevice)).height!,
    );
    await until(async () => (await other.host.status()).height >= top);
    const [a, b] = await Promise.all([
      gateway.host.contract('tally'),
      other.host.contract('tally'),
    ]);
    expect(a!.state).toEqual(b!.state);
    expect(a!.state).toEqual([
      { key: 'by/device', value: sensor },
      { key: 'by/peer', value: other.did },
      { key: 'n', value: 5 },
    ]);
    expect(b!.calls.map((c) => [c.caller, c.device])).toEqual(
      expect.arrayContaining([
        [other.did, false],
        [sensor, true],
      ]),
    );
    expect((await other.host.block(top))!.header.stateRoot).toBe(
      (await gateway.host.block(top))!.header.stateRoot,
    );
  }, 60_000);

  it('a device behind one gateway messages a device behind another through the chain once its owner lets it in (r-7.2.2-e)', async () => {
    const network = new MemoryNetwork();
    const home = await startNetPeer(network, hosts); // gateway 1: a door sensor
    const office = await startNetPeer(network, hosts); // gateway 2: a thermostat
    const { invite } = await home.host.createChain({
      name: 'building',
      mode: 'private',
      consensus: 'poa',
      validators: [home.did],
      timeoutMs: 200,
    });
    await office.host.join(invite);
    await until(async () => (await home.host.status()).peers === 1);
    // Admitted, as the joiner itself sees it, before it registers its device.
    await until(async () => (await office.host.governance()).members.includes(office.did));
    const door = await home.host.registerDevice({
      id: 'door-1',
      kind: 'sensor',
      capabilities: ['open'],
    });
    const thermo = await office.host.registerDevice({
      id: 'thermo-1',
      kind: 'environment',
      capabilities: ['temperatureC'],
      policy: { mode: 'owner' },
    });
    await committed(home.host, Promise.resolve({ txId: door.txId }));
    await committed(office.host, Promise.resolve({ txId: thermo.txId }));
    await until(
      async () =>
        (await home.host.devices()).some((d) => d.did === thermo.did) &&
        (await office.host.devices()).some((d) => d.did === door.did),
    );

    // Not let in yet: refused before signing, with the typed error, and nothing reaches the chain.
    await expect(
      home.host.sendDeviceMessage(door.did, thermo.did, { open: true }),
    ).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/does not let this device or its owner in/),
    });
    // Only the gateway holding the sender's key can send as it.
    await expect(
      office.host.sendDeviceMessage(door.did, thermo.did, { open: true }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    // The door's owner asks, the thermostat's owner grants: the message goes through.
    const request = await committed(
      home.host,
      home.host.requestDeviceAccess(thermo.did, {
        service: 'door-link',
        purpose: 'heating off while the door is open',
      }),
    );
    await until(() => office.notices().some((n) => n.kind === 'access-requested'));
    const grant = await committed(office.host, office.host.decideDeviceAccess(request, true));
    const grantHeight = (await office.host.waitFor(grant)).height!;
    await until(async () => (await home.host.status()).height >= grantHeight);
    const sent = await committed(
      home.host,
      home.host.sendDeviceMessage(door.did, thermo.did, { open: true, room: 'hall' }),
    );
    const sentHeight = (await home.host.waitFor(sent)).height!;

    // The thermostat's gateway is told, live, and lists the message for the thermostat.
    await until(() => office.notices().some((n) => n.kind === 'message'));
    expect(office.notices().filter((n) => n.kind === 'message')).toEqual([
      expect.objectContaining({
        kind: 'message',
        device: thermo.did,
        requester: door.did,
        request: sent,
        height: sentHeight,
        body: { open: true, room: 'hall' },
      }),
    ]);
    await until(async () => (await office.host.status()).height >= sentHeight);
    const listed = await office.host.deviceMessages(thermo.did);
    expect(listed).toEqual([
      expect.objectContaining({
        txId: sent,
        height: sentHeight,
        from: door.did,
        owner: home.did,
        gateway: home.did,
        to: thermo.did,
        body: { open: true, room: 'hall' },
      }),
    ]);
    expect(await home.host.deviceMessages(thermo.did)).toEqual(listed);
    // The sender's gateway holds no key of the recipient: it is not notified.
    expect(home.notices().filter((n) => n.kind === 'message')).toEqual([]);

    // Revoked: refused again; the thermostat's list is unchanged.
    const revoke = await committed(office.host, office.host.decideDeviceAccess(request, false));
    const revokeHeight = (await office.host.waitFor(revoke)).height!;
    await until(async () => (await home.host.status()).height >= revokeHeight);
    await expect(
      home.host.sendDeviceMessage(door.did, thermo.did, { open: false }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await office.host.deviceMessages(thermo.did)).toEqual(listed);
  }, 60_000);
});
