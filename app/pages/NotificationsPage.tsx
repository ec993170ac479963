// Notifications (issue 17; Y.4464 clause 10): what committed blocks told this peer's identity:
// a device of yours blocked or unblocked, a contract deployed or called, access asked, granted or
// denied, tokens or lots received. Opening the page marks them seen (the bell's count clears).
import { useEffect, useMemo, useState } from 'react';
import { notificationKinds, type NotificationKind } from '../../worker/api';
import { PageTitle } from '../components/ui';
import { formatTime } from '../lib/format';
import { idAfter, notificationText } from '../lib/notify-text';
import { markAllSeen, useNotifyStore } from '../store/notify-store';

export default function NotificationsPage() {
  const items = useNotifyStore((s) => s.items);
  const [seenAtOpen] = useState(() => useNotifyStore.getState().seen);
  const [kind, setKind] = useState<NotificationKind | 'all'>('all');
  // what arrives while the page is open is seen too
  useEffect(() => {
    if (items.length > 0) markAllSeen();
  }, [items]);
  const shown = useMemo(
    () => [...items].reverse().filter((n) => kind === 'all' || n.kind === kind),
    [items, kind],
  );
  return (
    <>
      <PageTitle intro="What the chain's committed blocks told you: your devices, contracts, data and access.">
        Notifications
      </PageTitle>
      <label>
        <span>Show</span>
        <select
          value={kind}
          onChange={(e) => setKind(e.target.value as NotificationKind | 'all')}
          data-testid="notify-kind"
        >
          <option value="all">Every kind</option>
          {notificationKinds.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      {shown.length === 0 ? (
        <p className="muted" data-testid="notify-empty">
          Nothing yet. When a block concerns you, it shows here.
        </p>
      ) : (
        <ul className="notify-list" aria-label="Notifications, newest first">
          {shown.map((n) => (
            <li key={n.id} data-testid="notification" data-kind={n.kind}>
              <p>
                {idAfter(n.id, seenAtOpen) && <span className="pill">new</span>}{' '}
                {notificationText(n)}
              </p>
              <p className="muted small-text">
                {n.kind} · block {n.height} · {formatTime(n.time)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
