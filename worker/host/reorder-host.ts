// The gateway's reorder rules (Y.4464 II.4, issue 16, U-II.4): per device this peer is the
// gateway and owner of, a rule { value, threshold, supplier contract, quantity, spacing }. It
// watches the device's committed readings (the ones this gateway signed: their values are kept
// in its storage beside the batch, devices-open.ts) and, when the value falls under the
// threshold, has the device order from the contract: signed with the device's key, paying price
// x quantity from its wallet. The chain holds the payment to the spending rule its owner set, and
// the devices host prechecks it before signing, so an order above it is recorded as refused
// (UNAUTHORIZED) and never reaches a block. Rules and orders are kept in the peer's storage per
// chain, so a restarted peer (a tab reloaded, `npm run peer` again) keeps ordering.
import { botError } from '../core/errors';
import { toHex } from '../core/bytes';
import type { Block } from '../core/block';
import type { ChainState } from '../core/ledger';
import { contractAccountPrefix } from '../core/modules/tokens/types';
import type { Storage } from '../store/storage';
import type { DeviceNotice, DeviceValue, PeerEvent, TxResult } from '../api';
import {
  reorderMethod,
  reorderOrdersKeptMax,
  reorderOrdersListedMax,
  reorderRulesMax,
  type ReorderOrderView,
  type ReorderRuleRequest,
  type ReorderRuleView,
} from '../api-reorder';
import { batchAt, type BatchPlace } from './devices-open';
import { decodeReadings, readingPrefix } from '../core/modules/devices';

/** How long the peer waits for an order's block before it leaves the order pending. */
export const reorderWaitMs = 120_000;

/** What the rules need of the devices host: whether it holds a key, and a call as the device. */
export interface ReorderDevices {
  holds(device: string): Promise<boolean>;
  deviceCallContract(
    device: string,
    contract: string,
    method: string,
    args: unknown,
    options?: { pay?: number },
  ): Promise<{ txId: string }>;
}

export interface ReorderHostDeps {
  storage: Storage;
  /** The committed chain state now. */
  chain(): ChainState;
  self(): string;
  devices(): Promise<ReorderDevices>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  now(): number;
  emit(event: PeerEvent): void;
  record(level: 'info' | 'warn' | 'error', message: string): void;
}

type Rules = Record<string, ReorderRuleView>;
type Orders = { next: number; list: ReorderOrderView[] };

const rulesKey = (chainId: string) => `reorder.rules.${chainId}`;
const ordersKey = (chainId: string) => `reorder.orders.${chainId}`;

/** The shop a contract keeps under its `shop` key ({ price, item }), or a plain refusal. */
function shopOf(chain: ChainState, contract: string): { price: number; item: string } {
  const registry = chain.contracts;
  if (!registry?.contracts.has(contract))
    throw botError('NOT_FOUND', `No contract "${contract}" is deployed on this chain.`);
  const json = registry.state.get(`${contract}/shop`);
  const shop =
    json === undefined ? null : (JSON.parse(json) as { price?: unknown; item?: unknown });
  if (!shop || typeof shop.price !== 'number')
    throw botError(
      'BAD_REQUEST',
      `The contract "${contract}" has no open shop (no { price } under its "shop" key).`,
    );
  return { price: shop.price, item: typeof shop.item === 'string' ? shop.item : 'item' };
}

export class ReorderHost {
  /** Rules and orders of the chain they were read for (the chain id). */
  private cache: { chainId: string; rules: Rules; orders: Orders } | null = null;
  /** Steps and writes run one at a time, in block order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Orders whose result this host is waiting for (by id). */
  private readonly settling = new Set<number>();
  private stopped = false;

  constructor(private readonly d: ReorderHostDeps) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<{ chainId: string; rules: Rules; orders: Orders }> {
    const chainId = this.d.chain().chainId;
    if (this.cache?.chainId === chainId) return this.cache;
    const rules = (await this.d.storage.getMeta<Rules>(rulesKey(chainId))) ?? {};
    const orders = (await this.d.storage.getMeta<Orders>(ordersKey(chainId))) ?? {
      next: 1,
      list: [],
    };
    this.cache = { chainId, rules, orders };
    // Orders still pending when the peer last stopped (or whose wait ran out) are waited for again.
    for (const o of orders.list)
      if (o.state === 'pending' && o.txId) void this.settle(o.id, o.txId);
    return this.cache;
  }

  /** The peer stops: waits for orders' results end. */
  stop(): void {
    this.stopped = true;
  }

  private async save(what: 'rules' | 'orders'): Promise<void> {
    const c = this.cache!;
    if (what === 'rules') await this.d.storage.putMeta(rulesKey(c.chainId), c.rules);
    else await this.d.storage.putMeta(ordersKey(c.chainId), c.orders);
  }

  /** The stateful checks of a rule now: the device, its gateway and owner, the shop, the spending rule. */
  private async check(rule: ReorderRuleRequest): Promise<void> {
    const chain = this.d.chain();
    const record = chain.devices?.devices.get(rule.device);
    if (!record)
      throw botError(
        'NOT_FOUND',
        `No device ${rule.device} is registered on this chain (yet: a registration waits for its block).`,
      );
    const name = `The device "${record.name || record.id}"`;
    // The chain's record, not only the key this peer holds: the device pays only when its
    // registered gateway is its owner (worker/core/modules/tokens/apply.ts refuses it otherwise).
    if (record.gateway !== this.d.self())
      throw botError(
        'UNAUTHORIZED',
        `${name} is registered behind the gateway ${record.gateway}, not this peer: only its gateway, when it is also its owner, sets its reorder rule.`,
      );
    if (record.owner !== record.gateway)
      throw botError(
        'UNAUTHORIZED',
        `${name} is owned by ${record.owner}, not by its gateway: a device pays from its wallet only when its owner is also its gateway.`,
      );
    if (!(await (await this.d.devices()).holds(rule.device)))
      throw botError(
        'UNAUTHORIZED',
        `This peer is not the gateway of ${rule.device}: it does not hold the device's key, so it cannot order as the device.`,
      );
    if (record.owner !== this.d.self())
      throw botError(
        'UNAUTHORIZED',
        `Only the owner of ${rule.device} (${record.owner}) sets its reorder rule.`,
      );
    if (record.status === 'retired')
      throw botError('UNAUTHORIZED', `${name} is retired and may not order.`);
    if (!record.capabilities.includes(rule.value))
      throw botError(
        'BAD_REQUEST',
        `${name} reports ${record.capabilities.join(', ') || 'no values'}, not "${rule.value}".`,
      );
    const shop = shopOf(chain, rule.contract);
    if (rule.item !== undefined && rule.item !== shop.item)
      throw botError(
        'BAD_REQUEST',
        `The shop "${rule.contract}" sells ${shop.item}, not ${rule.item}.`,
      );
    const cost = shop.price * rule.quantity;
    const spending = chain.tokens?.rules?.get(rule.device);
    if (!spending)
      throw botError(
        'UNAUTHORIZED',
        `${name} has no spending rule, so the chain would refuse every order: set one first (setSpendingRule).`,
      );
    if (cost > spending.perTxMax || cost > spending.perDayMax)
      throw botError(
        'UNAUTHORIZED',
        `${rule.quantity} × ${shop.item} costs ${cost}; ${name} may pay at most ${spending.perTxMax} at a time and ${spending.perDayMax} a day.`,
      );
    const payee = contractAccountPrefix + rule.contract;
    if (spending.payees.length > 0 && !spending.payees.includes(payee))
      throw botError(
        'UNAUTHORIZED',
        `${name} may not pay ${payee}: its owner did not allow that payee.`,
      );
  }

  async setReorderRule(rule: ReorderRuleRequest): Promise<ReorderRuleView> {
    await this.check(rule);
    return this.serial(async () => {
      const c = await this.load();
      if (!(rule.device in c.rules) && Object.keys(c.rules).length >= reorderRulesMax)
        throw botError(
          'TOO_LARGE',
          `This peer keeps at most ${reorderRulesMax} reorder rules on a chain; clear one first.`,
        );
      const view: ReorderRuleView = {
        device: rule.device,
        value: rule.value,
        below: rule.below,
        contract: rule.contract,
        ...(rule.item !== undefined ? { item: rule.item } : {}),
        quantity: rule.quantity,
        every: rule.every ?? 0,
        setAt: this.d.chain().height,
        armed: true,
        level: null,
        levelHeight: null,
        lastOrderAt: null,
      };
      c.rules[rule.device] = view;
      await this.save('rules');
      // Already low when the rule is set: the latest committed reading counts as one just made
      // (else nothing would be ordered until the device reports again, maybe hours later).
      const latest = await this.latestReading(rule.device);
      if (latest) {
        const level = await this.valueOf(latest, rule.value);
        if (level !== null) await this.step(view, level, latest.height, latest.tx);
      }
      return { ...view };
    });
  }

  async reorderRules(): Promise<ReorderRuleView[]> {
    const c = await this.load();
    return Object.values(c.rules).map((r) => ({ ...r }));
  }

  async clearReorderRule(device: string): Promise<{ removed: boolean }> {
    return this.serial(async () => {
      const c = await this.load();
      if (!(device in c.rules)) return { removed: false };
      delete c.rules[device];
      await this.save('rules');
      return { removed: true };
    });
  }

  async reorderOrders(options?: { device?: string; limit?: number }): Promise<ReorderOrderView[]> {
    const c = await this.load();
    const limit = Math.min(options?.limit ?? reorderOrdersListedMax, reorderOrdersListedMax);
    return c.orders.list
      .filter((o) => !options?.device || o.device === options.device)
      .slice(0, limit)
      .map((o) => ({ ...o }));
  }

  /** Whether a block may concern a rule: it holds a device reading. */
  static concerns(block: Block): boolean {
    return block.txs.some((t) => t.type === 'device.reading');
  }

  /** A committed block (the transactions that took effect): one step per watched reading. */
  onCommitted(block: Block, txIds: string[]): Promise<void> {
    return this.serial(async () => {
      const c = await this.load();
      if (Object.keys(c.rules).length === 0) return;
      for (let i = 0; i < block.txs.length; i++) {
        const t = block.txs[i]!;
        const rule = c.rules[t.from];
        if (t.type !== 'device.reading' || !rule) continue;
        const level = await this.valueOf(t.body, rule.value);
        if (level === null) continue;
        await this.step(rule, level, block.header.height, txIds[i]!);
      }
    });
  }

  /** The device's latest committed reading, or null. */
  private async latestReading(device: string) {
    const bytes = await this.d.storage.getState(this.d.chain().chainId, readingPrefix + device);
    const readings = bytes ? decodeReadings(bytes) : [];
    return readings[readings.length - 1] ?? null;
  }

  /** The watched value of a reading this gateway signed (kept beside its batch), or null. */
  private async valueOf(body: unknown, value: string): Promise<number | null> {
    const b = body as { batch?: { digest?: Uint8Array }; values?: Record<string, DeviceValue> };
    let values = b.values;
    if (!(values && value in values) && b.batch?.digest instanceof Uint8Array) {
      const place = await this.d.storage.getMeta<BatchPlace>(batchAt(toHex(b.batch.digest)));
      values = place?.last;
    }
    const level = values?.[value];
    return typeof level === 'number' && Number.isFinite(level) ? level : null;
  }

  private async step(
    rule: ReorderRuleView,
    level: number,
    height: number,
    readingTx: string,
  ): Promise<void> {
    rule.level = level;
    rule.levelHeight = height;
    let order = false;
    if (level >= rule.below) rule.armed = true;
    else if (rule.every > 0)
      order = rule.lastOrderAt === null || height - rule.lastOrderAt >= rule.every;
    else {
      order = rule.armed;
      rule.armed = false;
    }
    if (order) rule.lastOrderAt = height;
    await this.save('rules');
    if (order) await this.order(rule, level, height, readingTx);
  }

  /** Have the device order: signed with its key; a refusal is recorded as it is, not retried. */
  private async order(
    rule: ReorderRuleView,
    level: number,
    readingHeight: number,
    readingTx: string,
  ): Promise<void> {
    const c = this.cache!;
    const made: ReorderOrderView = {
      id: c.orders.next++,
      device: rule.device,
      value: rule.value,
      contract: rule.contract,
      item: null,
      quantity: rule.quantity,
      pay: null,
      level,
      readingHeight,
      readingTx,
      state: 'pending',
      txId: null,
      height: null,
      code: null,
      message: null,
      at: this.d.now(),
    };
    try {
      const shop = shopOf(this.d.chain(), rule.contract);
      made.item = shop.item;
      if (rule.item !== undefined && rule.item !== shop.item)
        throw botError(
          'BAD_REQUEST',
          `The shop "${rule.contract}" sells ${shop.item} now, not ${rule.item}.`,
        );
      made.pay = shop.price * rule.quantity;
      const { txId } = await (await this.d.devices()).deviceCallContract(
        rule.device,
        rule.contract,
        reorderMethod,
        { quantity: rule.quantity },
        { pay: made.pay },
      );
      made.txId = txId;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      made.state = 'refused';
      made.code = e.code ?? 'BAD_REQUEST';
      made.message = e.message ?? String(error);
    }
    c.orders.list = [made, ...c.orders.list].slice(0, reorderOrdersKeptMax);
    await this.save('orders');
    this.tell(made);
    if (made.txId) void this.settle(made.id, made.txId);
  }

  /**
   * The order's block: committed (took effect) or failed; saved and told. A wait that runs out
   * (reorderWaitMs) is logged and waited again while the peer runs, so an order is never left
   * "pending" once the chain has decided it; an order pending at a restart is waited for again
   * when the orders are next loaded.
   */
  private async settle(id: number, txId: string): Promise<void> {
    if (this.settling.has(id)) return;
    this.settling.add(id);
    try {
      await this.settleOnce(id, txId);
    } finally {
      this.settling.delete(id);
    }
  }

  private async settleOnce(id: number, txId: string): Promise<void> {
    let result: TxResult | null = null;
    while (result === null) {
      if (this.stopped) return;
      try {
        result = await this.d.waitFor(txId, { timeoutMs: reorderWaitMs });
      } catch (error) {
        const e = error as { code?: string; message?: string };
        if (e.code !== 'TIMEOUT' || this.stopped) {
          this.d.record('warn', `Reorder ${id} not settled: ${e.message ?? String(error)}`);
          return;
        }
        this.d.record(
          'info',
          `Reorder ${id} (${txId.slice(0, 12)}…) is not in a block after ${reorderWaitMs / 1000} s; still waiting for it.`,
        );
      }
    }
    await this.serial(async () => {
      const c = await this.load();
      const o = c.orders.list.find((x) => x.id === id && x.txId === txId);
      if (!o) return;
      o.height = result.height ?? null;
      if (result.status === 'committed' && !result.error) o.state = 'committed';
      else {
        o.state = 'refused';
        o.code = result.error?.code ?? 'BAD_REQUEST';
        o.message = result.error?.message ?? 'The chain left the order out.';
      }
      await this.save('orders');
      this.tell(o);
    });
  }

  private tell(o: ReorderOrderView): void {
    const what =
      o.state === 'refused'
        ? `refused (${o.code}): ${o.message}`
        : o.state === 'committed'
          ? `committed in block ${o.height}`
          : 'sent';
    const notice: DeviceNotice = {
      kind: 'reorder',
      device: o.device,
      requester: o.device,
      service: o.contract,
      state: null,
      request: o.txId,
      digest: null,
      height: o.height ?? o.readingHeight,
      time: this.d.now(),
      message: `Reorder ${o.id}: ${o.quantity} × ${o.item ?? 'item'} from ${o.contract} at level ${o.level} (block ${o.readingHeight}), ${what}.`,
      body: { ...o },
    };
    this.d.emit({ type: 'device', notice });
  }
}
