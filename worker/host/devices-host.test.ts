// The peer as gateway, end to end on a solo chain in Node: register, sign readings with the
// device key, batch fingerprints, access by policy and owner, survive a restart.
import { describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startTestHost } from './testing';
import { MemoryStorage } from '../store/memory';

const startHost = async (storage: MemoryStorage) => (await startTestHost(storage)).host;

const commit = async (host: PeerHost, p: Promise<{ txId: string }>) => {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 5000 });
  expect(result.status, JSON.stringify(result.error)).toBe('committed');
  return txId;
};

describe('DevicesHost (P-10.6, P-10.7, R-7.2.2-a, R-7.2.2-b, r-7.2.2-f)', () => {
  it('registers a device, commits readings signed by its key, and keeps the key across a restart', async () => {
    const storage = new MemoryStorage();
    const host = await startHost(storage);
    const me = await host.identity();
    const { did, txId } = await host.registerDevice({
      id: 'hr-1',
      kind: 'heart-rate',
      name: 'Strap',
      capabilities: ['heartRateBpm'],
    });
    expect((await host.waitFor(txId, { timeoutMs: 5000 })).status).toBe('committed');
    const reading = await commit(
      host,
      host.deviceReading(did, { values: { heartRateBpm: 72 }, at: 1000 }),
    );
    await commit(host, host.deviceReading(did, { values: { heartRateBpm: 75 } }));
    const [device] = await host.devices();
    expect(device).toMatchObject({
      did,
      gateway: me.did,
      owner: me.did,
      held: true,
      status: 'online',
    });
    expect(device!.latest!.values.heartRateBpm).toBe(75);
    const block = await host.block((await host.waitFor(reading)).height!);
    const tx = block!.txs.find((t) => t.txId === reading)!;
    expect(tx).toMatchObject({ type: 'device.reading', from: did });

    // A value the device did not register is refused before signing: nothing reaches a block.
    await expect(host.deviceReading(did, { values: { speedKmh: 1 } })).rejects.toThrow(
      /did not register the value "speedKmh"/,
    );
    const batch = await host.deviceReadingBatch(did, [
      { values: { heartRateBpm: 80 }, at: 1 },
      { values: { heartRateBpm: 81 }, at: 2 },
    ]);
    expect((await host.waitFor(batch.txId, { timeoutMs: 5000 })).status).toBe('committed');
    const readings = await host.deviceReadings(did);
    expect(readings.map((r) => r.values.heartRateBpm)).toEqual([72, 75, 81]);
    expect(readings[2]!.batch).toMatchObject({ count: 2, digest: batch.digest });
    host.stop();

    const again = await startHost(storage);
    await commit(again, again.deviceReading(did, { values: { heartRateBpm: 70 } }));
    expect((await again.deviceReadings(did)).length).toBe(4);
    again.stop();
  });

  it('records access requests and the owner decisions, refuses decisions from others', async () => {
    const host = await startHost(new MemoryStorage());
    const { did, txId } = await host.registerDevice({
      id: 'car',
      kind: 'vehicle',
      capabilities: ['speedKmh'],
      policy: { mode: 'owner' },
    });
    await host.waitFor(txId, { timeoutMs: 5000 });
    await expect(
      host.deviceReading('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', {
        values: { speedKmh: 1 },
      }),
    ).rejects.toThrow(/No device/);
    const request = await commit(
      host,
      host.requestDeviceAccess(did, { service: 'fleet', purpose: 'trip log' }),
    );
    // The owner's own request is granted by policy (owner); the log shows it.
    const log = await host.deviceAccessLog(did);
    expect(log.events[0]).toMatchObject({
      kind: 'request',
      state: 'granted',
      by: 'policy',
      service: 'fleet',
    });
    await commit(host, host.decideDeviceAccess(request, false));
    const after = await host.deviceAccessLog(did);
    expect(after.events.map((e) => e.state)).toEqual(['granted', 'revoked']);
    expect(after.open).toEqual([]);
    await expect(host.decideDeviceAccess(request, true)).rejects.toThrow(/no pending or granted/);
    await commit(host, host.setDevicePolicy(did, { mode: 'closed' }));
    await commit(host, host.setDeviceStatus(did, 'offline', 'parked'));
    expect((await host.devices())[0]).toMatchObject({
      status: 'offline',
      statusMessage: 'parked',
      policy: { mode: 'closed' },
    });
    host.stop();
  });
});

describe('a device invokes a deployed contract (R-7.2.2-c) and the gateway is told about access (P-10.7 step 7)', () => {
  it('the gateway calls a contract as its registered device; the contract state shows it; a retired device is refused', async () => {
    const { host, events } = await startTestHost(new MemoryStorage());
    const me = await host.identity();
    const code = `function report(ctx, args) {
      if (!ctx.device) throw new Error('devices only');
      const n = (ctx.get('count/' + ctx.caller) ?? 0) + 1;
      ctx.put('count/' + ctx.caller, n);
      ctx.put('last/' + ctx.caller, { temperature: args.temperature, at: ctx.time });
      ctx.emit({ device: ctx.caller, kind: ctx.device.kind });
      return n;
    }`;
    await commit(host, host.deployContract({ name: 'thermo', code }));
    expect(await host.contracts()).toEqual([
      expect.objectContaining({ name: 'thermo', owner: me.did, methods: ['report'] }),
    ]);
    const { did, txId } = await host.registerDevice({
      id: 'probe-1',
      kind: 'environment',
      capabilities: ['temperatureC'],
    });
    await host.waitFor(txId, { timeoutMs: 5000 });
    const call = await commit(
      host,
      host.deviceCallContract(did, 'thermo', 'report', { temperature: 21.5 }),
    );
    await commit(host, host.deviceCallContract(did, 'thermo', 'report', { temperature: 22 }));
    const detail = (await host.contract('thermo'))!;
    expect(detail.state).toEqual([
      { key: `count/${did}`, value: 2 },
      { key: `last/${did}`, value: { temperature: 22, at: expect.any(Number) } },
    ]);
    expect(detail.calls[0]).toMatchObject({
      txId: call,
      caller: did,
      device: true,
      method: 'report',
      result: 1,
      events: [{ device: did, kind: 'environment' }],
    });
    const block = await host.block((await host.waitFor(call)).height!);
    expect(block!.txs.find((t) => t.txId === call)).toMatchObject({
      type: 'contract.call',
      from: did,
    });
    // The contract refuses a caller that is not a device, before anything is signed.
    await expect(host.callContract('thermo', 'report', { temperature: 1 })).rejects.toMatchObject({
      code: 'CONTRACT_FAILED',
      message: expect.stringMatching(/devices only/),
    });
    // An unregistered device is refused; a retired one too, by the chain's rule.
    await expect(
      host.deviceCallContract(
        'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        'thermo',
        'report',
        {},
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await commit(host, host.setDeviceStatus(did, 'retired'));
    await expect(
      host.deviceCallContract(did, 'thermo', 'report', { temperature: 1 }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await host.contract('thermo'))!.state[0]!.value).toBe(2);

    // The gateway pushes a device event when access to its device is asked for and decided.
    const { did: strap, txId: reg } = await host.registerDevice({
      id: 'hr',
      kind: 'heart-rate',
      capabilities: ['heartRateBpm'],
    });
    await host.waitFor(reg, { timeoutMs: 5000 });
    const request = await commit(host, host.requestDeviceAccess(strap, { service: 'coach' }));
    await commit(host, host.decideDeviceAccess(request, false));
    const until = async (f: () => boolean) => {
      for (let i = 0; i < 250 && !f(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    const notices = () => events.flatMap((e) => (e.type === 'device' ? [e.notice] : []));
    await until(() => notices().length >= 2);
    expect(notices().map((n) => [n.kind, n.state, n.request])).toEqual([
      ['access-requested', 'granted', request],
      ['access-decided', 'revoked', request],
    ]);
    host.stop();
  });
});
