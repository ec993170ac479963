// The procedures' notifications on a peer (Y.4464 clause 10, issue 17): every committed block is
// derived once, pushed as `notification` events naming the subscriptions they match, listed after
// an id (how an event stream resumes), rebuilt from the stored blocks after a restart without
// announcing anything twice; subscriptions survive the restart; a list after an id the bounded
// backlog no longer reaches says `gap`; bad input is refused with a plain message.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import type { PeerHost } from './peer-host';
import { startTestHost } from './testing';
import { NotificationsHost } from './notifications';
import { dispatch } from './dispatch';
import type { PeerEvent } from '../api';
import type { HostState } from './host-state';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

async function start(storage: MemoryStorage) {
  const started = await startTestHost(storage);
  hosts.push(started.host);
  return started;
}

async function put(host: PeerHost, key: string): Promise<string> {
  const { txId } = await host.submit({ type: 'data.put', body: { key, value: 1 } });
  expect((await host.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
  return txId;
}

const notices = (events: PeerEvent[]) =>
  events.flatMap((e) => (e.type === 'notification' ? [e] : []));

describe('notifications on a peer (Y.4464 clause 10)', () => {
  it('announces each committed notification once, lists after an id, and keeps them and the subscriptions across a restart', async () => {
    const storage = new MemoryStorage();
    const { host, events } = await start(storage);
    const me = (await host.identity()).did;
    const sub = await host.subscribeNotifications({ kinds: ['data.stored'], to: me });
    expect(await host.subscribeNotifications({ to: me, kinds: ['data.stored'] })).toEqual(sub);
    const other = await host.subscribeNotifications({ kinds: ['contract.deployed'] });
    const ids = [await put(host, 'n/1'), await put(host, 'n/2'), await put(host, 'n/3')];
    await expect.poll(() => notices(events).length).toBe(3);
    const live = notices(events);
    expect(live.map((n) => [n.kind, n.subject, n.txId, n.subscriptions])).toEqual([
      ['data.stored', 'n/1', ids[0], [sub.id]],
      ['data.stored', 'n/2', ids[1], [sub.id]],
      ['data.stored', 'n/3', ids[2], [sub.id]],
    ]);
    const all = await host.notifications();
    expect(all.notifications.map((n) => n.txId)).toEqual(ids);
    expect(all.gap).toBe(false);
    const after = await host.notifications({}, { after: live[0]!.id });
    expect(after.notifications.map((n) => n.subject)).toEqual(['n/2', 'n/3']);
    const one = await host.notifications({ subject: 'n/3' });
    expect(one.notifications.map((n) => n.id)).toEqual([live[2]!.id]);
    const paged = await host.notifications({}, { limit: 2 });
    expect([paged.notifications.length, paged.more]).toEqual([2, true]);
    expect((await host.notifications({ kinds: ['device.blocked'] })).notifications).toEqual([]);
    host.stop();

    // restarted: the backlog is rebuilt from the stored blocks, nothing is announced twice
    const again = await start(storage);
    expect((await again.host.notificationSubscriptions()).map((s) => s.id).sort()).toEqual(
      [sub.id, other.id].sort(),
    );
    const rebuilt = await again.host.notifications({}, { after: live[0]!.id });
    expect(rebuilt.notifications).toEqual(after.notifications);
    const fourth = await put(again.host, 'n/4');
    await expect.poll(() => notices(again.events).length).toBe(1);
    expect(notices(again.events)[0]).toMatchObject({ txId: fourth, subscriptions: [sub.id] });
    expect(await again.host.unsubscribeNotifications(other.id)).toEqual({ removed: true });
    expect(await again.host.unsubscribeNotifications(other.id)).toEqual({ removed: false });
  });

  it('a bounded backlog: a list after an id it no longer reaches says gap', async () => {
    const storage = new MemoryStorage();
    const { host } = await start(storage);
    const first = await put(host, 'g/1');
    for (let i = 2; i <= 5; i++) await put(host, `g/${i}`);
    const listed = (await host.notifications()).notifications;
    expect(listed[0]!.txId).toBe(first);
    const s = (host as unknown as { s: HostState }).s;
    const small = new NotificationsHost({
      storage,
      durable: () => s.durable,
      emit: () => {},
      record: () => {},
      keptMax: 2,
      rebuildBlocksMax: 3,
    });
    await small.start(s.durable.height);
    const kept = await small.notifications();
    expect(kept.notifications.map((n) => n.subject)).toEqual(['g/4', 'g/5']);
    expect((await small.notifications({}, { after: listed[0]!.id })).gap).toBe(true);
    expect((await small.notifications({}, { after: listed[3]!.id })).gap).toBe(false);
    expect((await host.notifications({}, { after: listed[0]!.id })).gap).toBe(false);
  });

  it('follows the active chain: another chain has its own notifications, and switching back finds the first again', async () => {
    const { host, events } = await start(new MemoryStorage());
    const first = (await host.status()).chainId;
    await put(host, 'one/1');
    expect((await host.notifications()).notifications.map((n) => n.subject)).toEqual(['one/1']);
    const { chainId } = await host.createChain({ name: 'two', mode: 'private', consensus: 'solo' });
    const empty = await host.notifications();
    expect([empty.chain, empty.notifications]).toEqual([chainId, []]);
    const two = await put(host, 'two/1');
    await expect.poll(() => notices(events).some((n) => n.txId === two)).toBe(true);
    expect((await host.notifications()).notifications.map((n) => [n.chain, n.subject])).toEqual([
      [chainId, 'two/1'],
    ]);
    await host.useChain(first);
    const back = await host.notifications();
    expect([back.chain, back.notifications.map((n) => n.subject)]).toEqual([first, ['one/1']]);
  });

  it('refuses bad input with a plain message', async () => {
    const { host } = await start(new MemoryStorage());
    await expect(host.notifications({}, { after: 'yesterday' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('<height>/<index>'),
    });
    await expect(
      dispatch(host, 'notifications', [{ kinds: ['device.exploded'] }]),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('kinds') });
    await expect(host.subscribeNotifications({ kinds: ['nope'] } as never)).rejects.toMatchObject({
      code: 'BAD_FIELD_TYPE',
    });
  });
});
