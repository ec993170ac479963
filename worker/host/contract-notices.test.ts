// Contract notices under their limit (issue 16): any contract may address an event to any device
// ({ to: <device did> }), and the device's gateway tells its page of each one; a contract that
// floods a device is cut at contractNoticesPerDeviceBlockMax notices per block, per contract and
// device, and the gateway logs how many it dropped. Another device and the next block each have
// their own allowance.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committedHeight, startTestHost, until } from './testing';
import { contractEventsPerCallMax, contractNoticesPerDeviceBlockMax as max } from '../core/limits';
import type { DeviceNotice, PeerEvent } from '../api';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

// Emits, for each [device, n] of `sends`, n events to that device, numbered.
const code =
  'function tell(ctx, args) { for (const [to, n] of args.sends) for (let i = 0; i < n; i++) ctx.emit({ to: to, i: i }); return null; }';

const notices = (events: PeerEvent[]) =>
  events.flatMap((e): DeviceNotice[] => (e.type === 'device' ? [e.notice] : []));

describe('a contract flooding devices through their gateway (issue 16)', () => {
  it('tells the page at most the limit per contract, device and block; drops and logs the rest', async () => {
    const { host, events } = await startTestHost();
    hosts.push(host);
    await host.createChain({ name: 'flood', mode: 'private', consensus: 'solo' });
    const device = async (id: string) => {
      const made = await host.registerDevice({ id, kind: 'sensor', capabilities: ['x'] });
      await committedHeight(host, Promise.resolve(made));
      return made.did;
    };
    const washer = await device('washer');
    const door = await device('door');
    await committedHeight(host, host.deployContract({ name: 'loud', code }));
    const told = (height: number, to: string) =>
      notices(events).filter((n) => n.height === height && n.device === to);

    // One call, more events to the washer than the limit (a call may emit more than it), and a
    // few to the door: the washer's excess is dropped, the door's allowance is its own.
    const n = max + 2;
    expect(n + 2).toBeLessThanOrEqual(contractEventsPerCallMax);
    const flood = await committedHeight(
      host,
      host.callContract('loud', 'tell', {
        sends: [
          [washer, n],
          [door, 2],
        ],
      }),
    );
    await until(() => told(flood, door).length === 2);
    await until(async () => (await host.log()).some((e) => e.message.startsWith('Dropped')));
    expect(told(flood, washer).map((t) => (t.body as { i: number }).i)).toEqual([0, 1, 2, 3]);
    expect(told(flood, washer)[0]).toMatchObject({ kind: 'contract', service: 'loud' });
    const logged = (await host.log()).filter((e) => e.message.startsWith('Dropped'));
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: `Dropped 2 notices of contract "loud" to device ${washer} in block ${flood}: a contract tells a device at most 4 times a block (contractNoticesPerDeviceBlockMax).`,
      }),
    ]);

    // The next block has its own allowance: within it, every notice is told, nothing dropped.
    const next = await committedHeight(
      host,
      host.callContract('loud', 'tell', { sends: [[washer, max]] }),
    );
    await until(() => told(next, washer).length === max);
    expect((await host.log()).filter((e) => e.message.startsWith('Dropped'))).toHaveLength(1);

    // Another contract has its own allowance for the same device in the same block: two calls
    // sent together land in one block, and each contract's notices up to the limit are told.
    await committedHeight(host, host.deployContract({ name: 'chatty', code }));
    // (The solo engine may cut a block between the two: then they are sent again, at most 8 times.)
    let shared: number | null = null;
    for (let attempt = 0; attempt < 8 && shared === null; attempt++) {
      const [a, b] = await Promise.all([
        host.callContract('loud', 'tell', { sends: [[washer, max]] }),
        host.callContract('chatty', 'tell', { sends: [[washer, max]] }),
      ]);
      const [ha, hb] = [(await host.waitFor(a.txId)).height, (await host.waitFor(b.txId)).height];
      if (ha === hb) shared = ha!;
    }
    expect(shared).not.toBeNull();
    await until(() => told(shared!, washer).length === 2 * max);
    expect(new Set(told(shared!, washer).map((t) => t.service))).toEqual(
      new Set(['loud', 'chatty']),
    );
    expect((await host.log()).filter((e) => e.message.startsWith('Dropped'))).toHaveLength(1);
  }, 30_000);
});
