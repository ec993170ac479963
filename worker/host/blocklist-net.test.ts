// Gateways against hijacked devices on a memory network (Y.4464 II.2, issue 17): three gateways
// on one chain; a device floods its gateway A, which refuses the excess (policy
// devices.messagesPerMinuteMax) and reports it on its own; gateway B reports the same device
// (a pattern it saw); two distinct reports reach the default threshold and block it on every
// peer: A refuses its traffic at the transport, its owner (on C) is told; A, its gateway, lifts
// the block and its readings commit again.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until, committedHeight } from './testing';
import { MemoryNetwork } from './memory-net';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

describe('three gateways block a flooding device and its gateway lifts it (Y.4464 II.2)', () => {
  it('reports, blocks on every gateway, notifies the owner, lifts', async () => {
    const network = new MemoryNetwork();
    const a = await startNetPeer(network, hosts);
    const b = await startNetPeer(network, hosts);
    const c = await startNetPeer(network, hosts);
    await a.host.createChain({
      name: 'gateways',
      mode: 'consortium',
      consensus: 'poa',
      validators: [a.did],
      timeoutMs: 200,
    });
    await b.host.join(await a.host.invite());
    await c.host.join(await a.host.invite());
    await until(async () => {
      const { members } = await a.host.governance();
      return members.includes(b.did) && members.includes(c.did);
    });
    const register = async (peer: typeof a, id: string, owner?: string) => {
      const { did, txId } = await peer.host.registerDevice({
        id,
        kind: 'sensor',
        capabilities: ['t'],
        ...(owner ? { owner } : {}),
      });
      await committedHeight(peer.host, Promise.resolve({ txId }));
      return did;
    };
    const hijacked = await register(a, 'camera-1', c.did);
    await register(b, 'meter-b');
    const last = await committedHeight(a.host, a.host.setPolicy('devices.messagesPerMinuteMax', 5));
    await until(async () => (await a.host.status()).height > last);

    // The flood: A takes 5 readings a minute from the device, refuses the rest and reports it.
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => a.host.deviceReading(hijacked, { values: { t: i } })),
    );
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused.length).toBe(3);
    expect(refused[0]).toMatchObject({
      code: 'POLICY',
      message: expect.stringContaining('devices.messagesPerMinuteMax'),
    });
    await until(async () =>
      (await a.host.blockedDevices()).some((d) => d.reports.some((r) => r.gateway === a.did)),
    );
    const [one] = await a.host.blockedDevices();
    expect(one).toMatchObject({ device: hijacked, blockedHeight: null, threshold: 2 });

    // B reports too: two distinct gateways block it on every peer.
    const blockedAt = await committedHeight(
      b.host,
      b.host.reportDevice(hijacked, 'port scan pattern'),
    );
    for (const peer of [a, b, c])
      await until(async () => (await peer.host.status()).height >= blockedAt);
    for (const peer of [a, b, c]) {
      const [view] = await peer.host.blockedDevices();
      expect(view).toMatchObject({ device: hijacked, blockedHeight: blockedAt });
      expect(view!.reports.map((r) => r.gateway).sort()).toEqual([a.did, b.did].sort());
    }
    await expect(a.host.deviceReading(hijacked, { values: { t: 99 } })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('is blocked'),
    });
    await expect(a.host.sendDeviceMessage(hijacked, hijacked, 'hi')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    // The owner (on C) is told; the device's view shows the block.
    await until(() =>
      c.notices().some((n) => n.kind === 'device-blocked' && n.device === hijacked),
    );
    const listed = (await c.host.devices()).find((d) => d.did === hijacked);
    expect(listed?.blocklist?.blockedHeight).toBe(blockedAt);

    // Only its gateway or owner lifts it: B may not; A (its gateway) does.
    await expect(b.host.unblockDevice(hijacked, 'fixed')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const liftedAt = await committedHeight(
      a.host,
      a.host.unblockDevice(hijacked, 'firmware reflashed'),
    );
    await until(() =>
      c.notices().some((n) => n.kind === 'device-unblocked' && n.device === hijacked),
    );
    expect(await a.host.blockedDevices()).toEqual([]);
    expect(liftedAt).toBeGreaterThan(blockedAt);
    await committedHeight(a.host, a.host.deviceReading(hijacked, { values: { t: 100 } }));
  });
});
