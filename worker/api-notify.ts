// window.bot: the procedures' notifications (Y.4464 clause 10; issue 17). Types only, as
// worker/api.ts. Derived from committed blocks (worker/core/notifications), the same on every
// peer: the id "<height>/<index>" names one notification everywhere.
import type { Notification, NotificationFilter } from './core/notifications';

export type { NotificationFilter };
export { notificationKinds, type NotificationKind } from './core/notifications/kinds';

/** One notification: what a committed transaction tells the dApps it concerns. */
export type NotificationView = Notification;

/** A kept subscription: the page's `notification` events name the ids of those they match. */
export interface NotificationSubscription {
  id: string;
  filter: NotificationFilter;
}

export interface NotificationList {
  chain: string;
  /** Oldest first. */
  notifications: NotificationView[];
  /** More match after the last one listed (ask again after its id). */
  more: boolean;
  /** Notifications after `after` were dropped from this peer's backlog: the caller missed some. */
  gap: boolean;
  /** The oldest notification kept (null: none). */
  oldest: string | null;
  /** The last block derived. */
  height: number;
}

export interface NotifyMethods {
  /**
   * Notifications kept by this peer (the last notificationsKeptMax of the active chain) that
   * match `filter`, oldest first: after the id `after` (absent: from the oldest kept), at most
   * `limit` (notificationsListedMax).
   */
  notifications(
    filter?: NotificationFilter,
    options?: { after?: string; limit?: number },
  ): Promise<NotificationList>;
  /** Keep a subscription (survives reloads; the same filter twice is one subscription). */
  subscribeNotifications(filter?: NotificationFilter): Promise<NotificationSubscription>;
  unsubscribeNotifications(id: string): Promise<{ removed: boolean }>;
  notificationSubscriptions(): Promise<NotificationSubscription[]>;
}

export const notifyMethodNames = [
  'notifications',
  'subscribeNotifications',
  'unsubscribeNotifications',
  'notificationSubscriptions',
] as const;
