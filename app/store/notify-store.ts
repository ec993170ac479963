// The notifications panel's state (issue 17): this peer's notifications that concern its
// identity (or every dApp), kept by a subscription the peer stores (it survives reloads), and the
// last one the person has seen, per chain in localStorage, so the bell's unread count survives
// reloads too. Filled from the peer's backlog, then from `notification` events.
import { create } from 'zustand';
import type { NotificationView } from '../../worker/api';
import { bot } from '../runtime';
import { idAfter } from '../lib/notify-text';

/** Notifications the panel holds (the newest). */
export const panelNotificationsMax = 200;

interface NotifyState {
  chain: string | null;
  subscription: string | null;
  items: NotificationView[];
  seen: string | null;
}

export const useNotifyStore = create<NotifyState>(() => ({
  chain: null,
  subscription: null,
  items: [],
  seen: null,
}));

const seenKey = (chain: string) => `bot.notifications.seen.${chain}`;

function storedSeen(chain: string): string | null {
  try {
    return localStorage.getItem(seenKey(chain));
  } catch {
    return null;
  }
}

export function unreadCount(state: Pick<NotifyState, 'items' | 'seen'>): number {
  return state.items.filter((n) => idAfter(n.id, state.seen)).length;
}

function add(items: NotificationView[], more: NotificationView[]): NotificationView[] {
  const last = items.at(-1)?.id ?? null;
  const merged = [...items, ...more.filter((n) => idAfter(n.id, last))];
  return merged.slice(-panelNotificationsMax);
}

let listening = false;

/** (Re)load for the active chain: subscribe (kept by the peer), list the backlog, listen. */
export async function loadNotifications(): Promise<void> {
  const api = bot();
  const [me, status] = await Promise.all([api.identity(), api.status()]);
  const subscription = await api.subscribeNotifications({ to: me.did });
  const items: NotificationView[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.notifications({ to: me.did }, after ? { after } : {});
    items.push(...page.notifications);
    if (!page.more || page.notifications.length === 0) break;
    after = page.notifications.at(-1)!.id;
  }
  useNotifyStore.setState((s) => ({
    chain: status.chainId,
    subscription: subscription.id,
    items: add(s.chain === status.chainId ? s.items : [], items),
    seen: storedSeen(status.chainId),
  }));
  if (!listening) {
    listening = true;
    api.on('notification', (event) => {
      const { type: _type, subscriptions, ...n } = event;
      const s = useNotifyStore.getState();
      if (n.chain !== s.chain || !s.subscription || !subscriptions.includes(s.subscription)) return;
      useNotifyStore.setState({ items: add(s.items, [n]) });
    });
  }
}

/** The person has seen everything listed. */
export function markAllSeen(): void {
  const { chain, items } = useNotifyStore.getState();
  const last = items.at(-1)?.id ?? null;
  if (!chain || !last) return;
  try {
    localStorage.setItem(seenKey(chain), last);
  } catch {
    // private mode: the count resets on reload
  }
  useNotifyStore.setState({ seen: last });
}
