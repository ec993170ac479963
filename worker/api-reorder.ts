// window.bot: the gateway's reorder rules (Y.4464 II.4, issue 16, U-II.4). Types and limits, as
// worker/api.ts. A rule is kept by the peer that is the gateway and owner of a device
// (worker/host/reorder-host.ts, in the peer's storage, across restarts): when a committed
// reading of the device has one value under a threshold, the peer has the device call a
// supplier's contract (order, paying price x quantity from the device's wallet), signed with the
// device's key; the chain holds the payment to the spending rule the owner set (UNAUTHORIZED
// outside it).

/** Most boxes (items) one order takes (the bundled detergent shop takes at most 10 too). */
export const reorderQuantityMax = 10;
/** Rules one peer keeps on one chain (one per device). */
export const reorderRulesMax = 32;
/** Orders kept per chain (newest first; older ones are dropped). */
export const reorderOrdersKeptMax = 100;
/** Orders one list returns at most. */
export const reorderOrdersListedMax = 100;
/** The largest spacing between two orders, in blocks. */
export const reorderEveryMax = 1_000_000;
/** A threshold is a number from -reorderThresholdMax to reorderThresholdMax. */
export const reorderThresholdMax = 1e12;
/** The longest item name a rule may expect (the bundled shop's limit). */
export const reorderItemLengthMax = 40;
/** The contract method a rule calls. */
export const reorderMethod = 'order';

export interface ReorderRuleRequest {
  /** The device that orders: registered, this peer its gateway (holds its key) and its owner. */
  device: string;
  /** The reading's value watched (one of the device's capabilities), e.g. detergentPct. */
  value: string;
  /** Order when a committed reading of the value is under this. */
  below: number;
  /** The supplier's contract (deployed, with a `shop` state of { price, item }). */
  contract: string;
  /** The item expected; when the shop sells another, the rule is refused (and later orders too). */
  item?: string;
  /** How many to order each time (1..reorderQuantityMax). */
  quantity: number;
  /**
   * Absent or 0: order once when the value falls under the threshold, then again only after a
   * reading at or above it (refilled). n > 0: while the value stays under it, order again at
   * most once every n blocks (an order that went through or was refused alike).
   */
  every?: number;
}

export interface ReorderRuleView extends ReorderRuleRequest {
  every: number;
  /** The block height the rule was set at (readings committed after it are watched). */
  setAt: number;
  /** Whether the next reading under the threshold orders (once mode). */
  armed: boolean;
  /** The last reading of the value this rule saw (null: none yet), and its block. */
  level: number | null;
  levelHeight: number | null;
  /** The reading block of the last order (null: none yet). */
  lastOrderAt: number | null;
}

export interface ReorderOrderView {
  /** 1, 2, ... per chain on this peer. */
  id: number;
  device: string;
  /** The reading's value watched (the rule's). */
  value: string;
  contract: string;
  item: string | null;
  quantity: number;
  /** What the device paid or would have paid (price x quantity); null when the price was unknown. */
  pay: number | null;
  /** The reading that set it off: the value's level, its block and transaction. */
  level: number;
  readingHeight: number;
  readingTx: string;
  /** pending: signed and sent; committed: in a block and it took effect; refused: by the chain or before signing. */
  state: 'pending' | 'committed' | 'refused';
  /** The order's transaction (null when refused before signing). */
  txId: string | null;
  /** The block the order committed in (or failed in). */
  height: number | null;
  /** The refusal (e.g. UNAUTHORIZED above the spending rule). */
  code: string | null;
  message: string | null;
  /** When this peer made it (ms). */
  at: number;
}

export interface ReorderMethods {
  /**
   * Set (or replace) the reorder rule of a device this peer is the gateway and owner of. Refused
   * with NOT_FOUND (no such device or contract), UNAUTHORIZED (not this peer's device, or an
   * order the device's spending rule would refuse now: none set, or price x quantity above it),
   * BAD_REQUEST (a value the device does not report, a shop not open or selling another item).
   */
  setReorderRule(rule: ReorderRuleRequest): Promise<ReorderRuleView>;
  /** The rules this peer keeps on this chain. */
  reorderRules(): Promise<ReorderRuleView[]>;
  /** Drop a device's rule (removed: false when it had none). */
  clearReorderRule(device: string): Promise<{ removed: boolean }>;
  /** The orders the rules made, newest first (one device's with `device`; at most `limit`). */
  reorderOrders(options?: { device?: string; limit?: number }): Promise<ReorderOrderView[]>;
}

export const reorderMethodNames = [
  'setReorderRule',
  'reorderRules',
  'clearReorderRule',
  'reorderOrders',
] as const;
