// The procedures' notifications on a peer (Y.4464 clause 10; issue 17). Each committed block is
// turned into notifications by the pure derivation of worker/core/notifications, with the facts
// it asks for read from committed storage (the entries the block wrote, owners, the requests a
// decision answers). The peer keeps the last `notificationsKeptMax` of the active chain in
// memory, rebuilt at start from the last `notificationsRebuildBlocksMax` stored blocks (so a
// reloaded tab or a restarted Node peer still has its backlog), pushes each one to the page as a
// `notification` event (with the ids of the subscriptions it matches), and answers lists after
// an id, which is how an event stream resumes (Last-Event-ID). Subscriptions are kept in the
// peer's meta store and survive reloads.
import { botError } from '../core/errors';
import { decodeBlock, type Block } from '../core/block';
import { decode } from '../core/codec';
import { toHex, utf8 } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { txIdOf } from '../core/tx';
import { failurePrefix, type ChainState } from '../core/ledger';
import {
  checkNotificationFilter,
  isAfter,
  matchesFilter,
  notificationNeeds,
  notificationsOf,
  parseNotificationId,
  type CommittedBlock,
  type Notification,
  type NotificationFacts,
  type NotificationFilter,
} from '../core/notifications';
import {
  notificationsKeptMax,
  notificationsListedMax,
  notificationsRebuildBlocksMax,
  notificationSubscriptionsMax,
} from '../core/notifications/limits';
import type { Tx } from '../core/tx-shape';
import type { Storage } from '../store/storage';
import type {
  NotificationList,
  NotificationSubscription,
  NotificationView,
  PeerEvent,
} from '../api';

export interface NotificationsHostDeps {
  storage: Storage;
  /** The state of the last durable block. */
  durable(): ChainState;
  emit(event: PeerEvent): void;
  record(level: 'info' | 'warn' | 'error', message: string): void;
  /** Smaller bounds (tests): kept notifications and blocks rebuilt at start. */
  keptMax?: number;
  rebuildBlocksMax?: number;
}

const subscriptionsMeta = 'notifications.subscriptions';

export class NotificationsHost {
  private chain: string | null = null;
  /** The kept notifications of `chain`, oldest first. */
  private kept: Notification[] = [];
  /** Height of the last block derived. */
  private derived = 0;
  /**
   * The position up to which notifications may be missing here (dropped from the front, or in
   * blocks before the rebuild's first): a list after an earlier id has a gap. Null: none.
   */
  private horizon: { height: number; index: number } | null = null;
  private work: Promise<void> = Promise.resolve();
  private subs: NotificationSubscription[] | null = null;

  constructor(private readonly deps: NotificationsHostDeps) {}

  /** Live blocks up to this height were committed before this service existed (not announced). */
  private announced = 0;

  /**
   * Rebuild the backlog from the last stored blocks of the active chain (at first use).
   * `announcedThrough`: blocks up to it need no `notification` event (committed before this
   * service was made); a later block the rebuild reaches is still announced when it arrives.
   */
  start(announcedThrough: number): Promise<void> {
    this.announced = announcedThrough;
    return this.enqueue(async () => {
      await this.loadSubscriptions();
      await this.rebuild();
    });
  }

  /** Re-derive the last stored blocks of the chain the durable state is on (its backlog). */
  private async rebuild(): Promise<void> {
    const state = this.deps.durable();
    this.reset(state.chainId);
    const from = Math.max(
      1,
      state.height - (this.deps.rebuildBlocksMax ?? notificationsRebuildBlocksMax) + 1,
    );
    if (from > 1) this.horizon = { height: from - 1, index: Number.MAX_SAFE_INTEGER };
    for (let height = from; height <= state.height; height++) {
      const bytes = await this.deps.storage.getBlock(state.chainId, height);
      if (!bytes) continue;
      const block = decodeBlock(bytes);
      const txIds = block.txs.map((tx) => txIdOf(tx));
      const failed = new Set<string>();
      for (const id of txIds) {
        const entry = await this.deps.storage.getState(state.chainId, failurePrefix + id);
        if (entry && decode<{ h: number }>(entry, 256).h === height) failed.add(id);
      }
      await this.derive(block, txIds, failed, false);
    }
  }

  /** A committed (durable) block of the active chain. */
  onCommitted(block: Block, txIds: string[], failed: Array<{ txId: string }>): void {
    void this.enqueue(() =>
      this.derive(block, txIds, new Set(failed.map((f) => f.txId)), true),
    ).catch((error) =>
      this.deps.record('warn', `Notifications not derived: ${(error as Error).message}`),
    );
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.work.then(job);
    this.work = next.catch(() => {});
    return next;
  }

  private reset(chain: string): void {
    this.chain = chain;
    this.kept = [];
    this.derived = 0;
    this.horizon = null;
  }

  private async derive(
    block: Block,
    txIds: string[],
    failed: ReadonlySet<string>,
    live: boolean,
  ): Promise<void> {
    const { header } = block;
    if (header.chain !== this.chain) {
      if (!live) return;
      // another chain became active: its backlog is rebuilt from its stored blocks, and this
      // block and the later ones are announced
      this.announced = header.height - 1;
      await this.rebuild();
      if (header.chain !== this.chain) return;
    }
    if (header.height <= this.derived) {
      // derived by the rebuild: announced now if it was committed after this service was made
      if (live && header.height > this.announced)
        this.announce(this.kept.filter((n) => n.height === header.height));
      return;
    }
    const committed: CommittedBlock = {
      chain: header.chain,
      height: header.height,
      time: header.time,
      txs: block.txs,
      txIds,
      failed,
    };
    const list = notificationsOf(committed, await this.facts(committed));
    this.derived = header.height;
    this.kept.push(...list);
    const keptMax = this.deps.keptMax ?? notificationsKeptMax;
    if (this.kept.length > keptMax) {
      const dropped = this.kept.splice(0, this.kept.length - keptMax);
      const last = dropped.at(-1)!;
      this.horizon = { height: last.height, index: last.index };
    }
    if (live) this.announce(list);
  }

  private announce(list: Notification[]): void {
    if (list.length === 0) return;
    this.announced = Math.max(this.announced, list[0]!.height);
    const subs = this.subs ?? [];
    for (const n of list)
      this.deps.emit({
        type: 'notification',
        ...n,
        subscriptions: subs.filter((s) => matchesFilter(n, s.filter)).map((s) => s.id),
      });
  }

  /** The facts the derivation asks for, from committed storage and the durable state. */
  private async facts(block: CommittedBlock): Promise<NotificationFacts> {
    const needs = notificationNeeds(block);
    const { storage } = this.deps;
    const written = new Map<string, Uint8Array>();
    for (const key of needs.keys) {
      const versions = await storage.history(block.chain, key);
      const version = versions.find((v) => v.height === block.height);
      if (version) written.set(key, version.entry);
    }
    const state = this.deps.durable();
    const owners = new Map<string, string>();
    for (const name of needs.owners) {
      const at = name.indexOf(':');
      const [kind, id] = [name.slice(0, at), name.slice(at + 1)];
      let owner: string | undefined;
      if (kind === 'device') owner = state.devices?.devices.get(id)?.owner;
      else if (kind === 'gateway') owner = state.devices?.devices.get(id)?.gateway;
      else if (kind === 'contract') owner = state.contracts?.contracts.get(id)?.owner;
      else if (kind === 'dataset') {
        const entry = await storage.getState(block.chain, `ds/set/${id}`);
        owner = entry ? decode<{ owner?: string }>(entry, 1 << 20).owner : undefined;
      }
      if (owner) owners.set(name, owner);
    }
    const txs = new Map<string, Pick<Tx, 'from' | 'type' | 'body'>>();
    for (const id of needs.txs) {
      const at = /^[0-9a-f]{64}$/.test(id) ? await storage.txLocation(id) : undefined;
      if (!at || at.chainId !== block.chain) continue;
      const bytes = await storage.getBlock(at.chainId, at.height);
      const tx = bytes ? decodeBlock(bytes).txs[at.index] : undefined;
      if (tx) txs.set(id, tx);
    }
    return { written, owners, txs };
  }

  /**
   * The kept notifications after `after` (an id; absent: the oldest kept) that match `filter`,
   * oldest first, at most `limit`. `gap`: notifications after `after` were dropped from the
   * backlog before they could be listed (the caller missed some).
   */
  async notifications(
    raw?: NotificationFilter,
    options: { after?: string; limit?: number } = {},
  ): Promise<NotificationList> {
    const filter = checkNotificationFilter(raw);
    // the active chain changed and no block of it came yet: its backlog first
    if (this.deps.durable().chainId !== this.chain) await this.enqueue(() => this.rebuild());
    await this.work;
    const after = options.after === undefined ? null : parseNotificationId(options.after);
    const limit = options.limit ?? notificationsListedMax;
    const oldest = this.kept[0] ?? null;
    const gap = after !== null && this.horizon !== null && isAfter(this.horizon, after);
    const notifications: NotificationView[] = [];
    let more = false;
    for (const n of this.kept) {
      if (!isAfter(n, after) || !matchesFilter(n, filter)) continue;
      if (notifications.length === limit) {
        more = true;
        break;
      }
      notifications.push(n);
    }
    return {
      chain: this.chain ?? this.deps.durable().chainId,
      notifications,
      more,
      gap,
      oldest: oldest?.id ?? null,
      height: this.derived,
    };
  }

  private async loadSubscriptions(): Promise<NotificationSubscription[]> {
    this.subs ??=
      (await this.deps.storage.getMeta<NotificationSubscription[]>(subscriptionsMeta)) ?? [];
    return this.subs;
  }

  async notificationSubscriptions(): Promise<NotificationSubscription[]> {
    return [...(await this.loadSubscriptions())];
  }

  /** Keep a subscription (the same filter twice is one subscription, with one id). */
  async subscribeNotifications(raw?: NotificationFilter): Promise<NotificationSubscription> {
    const filter = checkNotificationFilter(raw);
    const subs = await this.loadSubscriptions();
    const canonical = JSON.stringify({
      kinds: filter.kinds ? [...filter.kinds].sort() : null,
      subject: filter.subject ?? null,
      to: filter.to ?? null,
    });
    const id = toHex(sha256(utf8(canonical))).slice(0, 16);
    const known = subs.find((s) => s.id === id);
    if (known) return known;
    if (subs.length >= notificationSubscriptionsMax)
      throw botError(
        'TOO_LARGE',
        `This peer keeps ${notificationSubscriptionsMax} subscriptions (notificationSubscriptionsMax); remove one first.`,
      );
    const subscription = { id, filter };
    this.subs = [...subs, subscription];
    await this.deps.storage.putMeta(subscriptionsMeta, this.subs);
    return subscription;
  }

  async unsubscribeNotifications(id: string): Promise<{ removed: boolean }> {
    const subs = await this.loadSubscriptions();
    const rest = subs.filter((s) => s.id !== id);
    if (rest.length === subs.length) return { removed: false };
    this.subs = rest;
    await this.deps.storage.putMeta(subscriptionsMeta, rest);
    return { removed: true };
  }
}
