// The bell in the top bar (issue 17): the unread count of this peer's notifications, a link to
// the Notifications page. It (re)loads them when the peer starts or the active chain changes.
import { useEffect } from 'react';
import { href } from '../router';
import { useAppStore } from '../store/peer-store';
import { loadNotifications, unreadCount, useNotifyStore } from '../store/notify-store';

export function NotifyBell() {
  const chainId = useAppStore((s) => s.status?.chainId);
  const running = useAppStore((s) => s.running);
  const unread = useNotifyStore(unreadCount);
  useEffect(() => {
    if (!running || !chainId) return;
    void loadNotifications().catch(() => {
      // the peer is starting or stopping: the next status change loads again
    });
  }, [running, chainId]);
  const label = unread === 0 ? 'Notifications' : `Notifications: ${unread} unread`;
  return (
    <a className="bell" href={href('notifications')} aria-label={label} data-testid="bell">
      <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
        <path
          d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinejoin="round"
        />
      </svg>
      {unread > 0 && (
        <span className="count" data-testid="bell-count">
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </a>
  );
}
