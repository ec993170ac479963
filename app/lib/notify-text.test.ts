// How notifications read on the page, and the unread count's id order (issue 17).
import { describe, expect, it } from 'vitest';
import { idAfter, notificationText } from './notify-text';
import { unreadCount } from '../store/notify-store';
import type { NotificationView } from '../../worker/api';

const base: NotificationView = {
  id: '7/0',
  chain: 'c',
  height: 7,
  index: 0,
  time: 0,
  txId: 'ab'.repeat(32),
  kind: 'device.blocked',
  subject: `did:key:z${'x'.repeat(40)}`,
  actor: 'did:key:zgate',
  to: [],
  detail: { reports: 2, reason: 'flood' },
};

describe('notification text and order', () => {
  it('says what happened in one sentence', () => {
    expect(notificationText(base)).toMatch(
      /^Device did:key:zx+…x{6} is blocked: 2 gateway reports \(flood\)\.$/,
    );
    expect(
      notificationText({ ...base, kind: 'contract.deployed', subject: 'parking', detail: {} }),
    ).toBe('Contract "parking" was deployed.');
    expect(
      notificationText({
        ...base,
        kind: 'data.refused',
        subject: 'lab/batch-7',
        detail: { reason: 'pH out of range', version: 3 },
      }),
    ).toBe(
      'Data "lab/batch-7" was refused by a regulator: pH out of range. Correct it and resubmit.',
    );
    const proxy = `did:key:z${'p'.repeat(40)}`;
    expect(
      notificationText({
        ...base,
        kind: 'access.proxied',
        subject: 'air',
        detail: { request: 'r', purpose: 'city report', proxy },
      }),
    ).toMatch(
      /^did:key:zp+…p{6} asked for air on your behalf \(city report\): confirm it on the Data page\.$/,
    );
    expect(
      notificationText({ ...base, kind: 'access.granted', subject: 'air', detail: { via: proxy } }),
    ).toMatch(/^Access to air was forwarded to you by did:key:zp+…p{6}\.$/);
    expect(
      notificationText({
        ...base,
        kind: 'access.confirmed',
        subject: 'air',
        detail: { for: proxy },
      }),
    ).toMatch(
      /^Your request for air was confirmed by did:key:zp+…p{6}: its owner may grant it now\.$/,
    );
  });

  it('orders ids by height, then index (not as text), and counts the unread', () => {
    expect(idAfter('10/0', '9/5')).toBe(true);
    expect(idAfter('9/10', '9/9')).toBe(true);
    expect(idAfter('9/1', '9/1')).toBe(false);
    expect(idAfter('2/0', null)).toBe(true);
    const items = ['8/0', '9/0', '10/0'].map((id) => ({ ...base, id }));
    expect(unreadCount({ items, seen: '9/0' })).toBe(1);
    expect(unreadCount({ items, seen: null })).toBe(3);
  });
});
