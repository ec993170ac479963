// The order book for device data streams (issue 16; Y.4560 8.3): asks and bids per stream,
// matched on chain by price-time priority at the resting order's price. A match is a purchase
// like a posted-price one (./apply.ts): the price and the seller's penalty are locked in escrow,
// the buyer's access is an approved dataset request whose purpose is the ask's terms, the seller's
// peer delivers the stream's grant window with market.deliver, and a seller that does not is
// refunded after the deadline. The book of each stream is kept sorted (asks cheapest first, bids
// highest first, then by arrival): a new order walks only the head of the other side, never the
// whole book; a block's changes are merged into the sorted arrays once, at its end. An order may
// carry an expiry (its last height): it never matches after it, and at the start of the next
// block every peer drops it alike (an index by expiry height: no scan of the book), a bid's lock
// returning to its account.
import { botError, BotError } from '../../errors';
import type { Tx } from '../../tx-shape';
import type { BlockContext } from '../module';
import { TokenJournal } from '../tokens';
import { marketRequestCheck, openMarketRequest } from '../datasets';
import {
  askQuantityMax,
  bookOrdersMax,
  deliverBlocksDefault,
  escrowAccount,
  matchesPerOrderMax,
  ordersOpenPerAccountMax,
  streamDatasetPrefix,
  type MarketState,
  type Order,
  type Purchase,
  type StreamBook,
} from './types';
import type { BookOverlay, MarketOverlay } from './overlay';

export function bookOverlayOf(state: MarketState): BookOverlay {
  return {
    seq: state.bookSeq,
    open: state.bookOpen,
    added: new Map(),
    openDelta: new Map(),
  };
}

export const orderIn = (o: MarketOverlay, id: string): Order | undefined =>
  o.orders.get(id) ?? o.base.orders.get(id);

const openOf = (o: MarketOverlay, account: string): number =>
  (o.base.openByAccount.get(account) ?? 0) + (o.book.openDelta.get(account) ?? 0);

/** Whether an order may still match at `height` (before or at its last height). */
export const liveAt = (order: Order, height: number): boolean =>
  order.expires === undefined || order.expires === null || height <= order.expires;

/** a before b in its side's priority: asks cheapest, bids highest, then the earlier. */
export function better(a: Order, b: Order): boolean {
  if (a.price !== b.price) return a.side === 'ask' ? a.price < b.price : a.price > b.price;
  return a.seq < b.seq;
}

/**
 * The open orders of one side of a stream, best first, as they stand in this block: the sorted
 * base book merged with the orders rested in this block, each in its current version.
 */
function* restingOrders(o: MarketOverlay, dataset: string, side: 'ask' | 'bid'): Generator<Order> {
  const book = o.base.book.get(dataset);
  const base = (side === 'ask' ? book?.asks : book?.bids) ?? [];
  const added = (o.book.added.get(dataset) ?? []).filter((a) => a.side === side);
  added.sort((a, b) => (better(a, b) ? -1 : 1));
  let i = 0;
  let j = 0;
  while (i < base.length || j < added.length) {
    const fromBase = j >= added.length || (i < base.length && better(base[i]!, added[j]!));
    const next = fromBase ? base[i++]! : added[j++]!;
    const current = orderIn(o, next.id)!;
    if (current.state === 'open' && liveAt(current, o.height)) yield current;
  }
}

function setOrder(o: MarketOverlay, order: Order): void {
  const before = orderIn(o, order.id);
  const wasOpen = before?.state === 'open';
  const isOpen = order.state === 'open';
  if (wasOpen !== isOpen) {
    const d = isOpen ? 1 : -1;
    o.book.open += d;
    o.book.openDelta.set(order.account, (o.book.openDelta.get(order.account) ?? 0) + d);
  }
  o.orders.set(order.id, order);
}

function streamOf(o: MarketOverlay, id: string, from: string, side: 'ask' | 'bid') {
  if (!id.startsWith(streamDatasetPrefix))
    throw botError(
      'BAD_REQUEST',
      `The order book trades device data streams (datasets "${streamDatasetPrefix}<device>-<gateway>"); "${id}" is not one: offer it at a posted price.`,
    );
  const ds = o.datasets();
  const dataset = ds.datasets.get(id) ?? ds.base.datasets.get(id);
  if (!dataset) throw botError('NOT_FOUND', `No data stream "${id}" is published on this chain.`);
  if (side === 'ask' && dataset.owner !== from)
    throw botError('UNAUTHORIZED', `Only the owner of the stream "${id}" sells it.`);
  if (side === 'ask' && dataset.latest < 1)
    throw botError('BAD_REQUEST', `"${id}" has no version yet: its gateway publishes one first.`);
  if (openOf(o, from) >= ordersOpenPerAccountMax)
    throw botError(
      'TOO_LARGE',
      `You have ${ordersOpenPerAccountMax} open orders (the most per account); close one first.`,
    );
  if (o.book.open >= bookOrdersMax)
    throw botError('TOO_LARGE', `The order book holds ${bookOrdersMax} open orders; try later.`);
  return dataset;
}

function newOrder(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): Order {
  const body = tx.body as {
    dataset: string;
    price: number;
    terms?: string;
    quantity?: number;
    deliverBlocks?: number;
    penalty?: number;
    expiresBlocks?: number;
  };
  const side = tx.type === 'market.ask' ? 'ask' : 'bid';
  return {
    id: txId,
    side,
    account: tx.from,
    dataset: body.dataset,
    price: body.price,
    terms: body.terms ?? '',
    penalty: body.penalty ?? 0,
    deliverBlocks: body.deliverBlocks ?? deliverBlocksDefault,
    quantity: side === 'ask' ? (body.quantity ?? 1) : 1,
    filled: 0,
    state: 'open',
    expires: body.expiresBlocks === undefined ? null : block.height + body.expiresBlocks,
    seq: o.book.seq + 1,
    height: block.height,
    time: block.time,
  };
}

function purchaseOf(ask: Order, bid: Order, price: number, block: BlockContext): Purchase {
  return {
    id: bid.id,
    offer: ask.id,
    demand: bid.id,
    dataset: ask.dataset,
    seller: ask.account,
    buyer: bid.account,
    price,
    penalty: ask.penalty,
    terms: ask.terms,
    deadline: block.height + ask.deliverBlocks,
    state: 'escrow',
    height: block.height,
    time: block.time,
    closedHeight: null,
    closedTx: null,
  };
}

/** market.ask and market.bid: place, match what crosses, rest the remainder. */
export function applyOrder(
  o: MarketOverlay,
  tx: Tx,
  txId: string,
  block: BlockContext,
  journal: TokenJournal,
): void {
  const side = tx.type === 'market.ask' ? 'ask' : 'bid';
  const dataset = (tx.body as { dataset: string }).dataset;
  streamOf(o, dataset, tx.from, side);
  const ds = o.datasets();
  if (side === 'bid') {
    const refused = marketRequestCheck(ds, dataset, tx.from);
    if (refused) throw refused;
  }
  // Nothing below writes to the overlay before the last check: a refusal changes nothing.
  const order = newOrder(o, tx, txId, block);
  const trades: Array<{ ask: Order; bid: Order; price: number }> = [];
  const closed: Order[] = [];
  let remaining = order.quantity;
  for (const resting of restingOrders(o, dataset, side === 'ask' ? 'bid' : 'ask')) {
    if (remaining === 0 || trades.length >= matchesPerOrderMax) break;
    if (side === 'ask' ? resting.price < order.price : resting.price > order.price) break;
    if (resting.account === tx.from) continue;
    const ask = side === 'ask' ? order : resting;
    const bid = side === 'ask' ? resting : order;
    if (side === 'ask') {
      // A resting bid whose buyer can no longer buy this stream (it reads it, or bought it in
      // this block) is closed and its lock returned, so it does not block the head of the book.
      const refused = trades.some((t) => t.bid.account === bid.account)
        ? botError('BAD_REQUEST', 'bought')
        : marketRequestCheck(ds, dataset, bid.account);
      if (refused) {
        closed.push(bid);
        continue;
      }
    }
    const price = resting.price;
    if (ask.penalty > 0) {
      // A seller that cannot lock one more penalty (short, or its device rule) fills no more: a
      // new ask rests, a new bid passes to the next ask.
      try {
        journal.pay(ask.account, escrowAccount, ask.penalty, txId);
      } catch (error) {
        if (!(error instanceof BotError)) throw error;
        if (side === 'ask') break;
        continue;
      }
    }
    // The buyer's payment: a resting bid locked its price already (it trades at that price).
    if (side === 'bid') journal.pay(tx.from, escrowAccount, price, txId, { who: 'You hold' });
    trades.push({ ask, bid, price });
    remaining--;
  }
  if (side === 'bid' && remaining > 0)
    journal.pay(tx.from, escrowAccount, order.price, txId, { who: 'You hold' });
  for (const bid of closed) journal.pay(escrowAccount, bid.account, bid.price, txId);
  journal.commit();
  // Effects: nothing below fails.
  o.book.seq = order.seq;
  for (const bid of closed) setOrder(o, { ...orderIn(o, bid.id)!, state: 'cancelled' });
  let placed: Order = { ...order, filled: order.quantity - remaining };
  if (remaining === 0) placed = { ...placed, state: 'filled' };
  setOrder(o, placed);
  if (placed.state === 'open') {
    const list = o.book.added.get(dataset) ?? [];
    list.push(placed);
    o.book.added.set(dataset, list);
  }
  for (const t of trades) {
    const resting = orderIn(o, side === 'ask' ? t.bid.id : t.ask.id)!;
    if (resting.id !== placed.id) {
      const filled = resting.filled + 1;
      setOrder(o, { ...resting, filled, state: filled >= resting.quantity ? 'filled' : 'open' });
    }
    const purchase = purchaseOf(t.ask, t.bid, t.price, block);
    o.purchases.set(purchase.id, purchase);
    openMarketRequest(
      ds,
      purchase.id,
      dataset,
      purchase.buyer,
      purchase.terms,
      txId,
      block.height,
      block.time,
    );
  }
}

/** market.close: the order's account closes it; a bid's lock returns. */
export function applyClose(o: MarketOverlay, tx: Tx, txId: string, journal: TokenJournal): void {
  const { order: id } = tx.body as { order: string };
  const order = orderIn(o, id);
  if (!order) throw botError('NOT_FOUND', 'There is no order with this id.');
  if (order.account !== tx.from)
    throw botError('UNAUTHORIZED', 'Only the account that placed an order closes it.');
  if (order.state !== 'open') throw botError('BAD_REQUEST', `This order is ${order.state}.`);
  if (order.side === 'bid') journal.pay(escrowAccount, order.account, order.price, txId);
  journal.commit();
  setOrder(o, { ...order, state: 'cancelled' });
}

/**
 * The start of a block: the orders whose last height was the block before are dropped (state
 * 'expired'), in arrival order, a bid's lock paid back from the escrow. The same on every peer.
 */
export function expireOrders(o: MarketOverlay, height: number, journal: () => TokenJournal): void {
  const last = height - 1;
  const ids = o.base.expiring.get(last);
  if (!ids) return;
  let refunds: TokenJournal | null = null;
  for (const id of ids) {
    const order = orderIn(o, id);
    if (order?.state !== 'open') continue;
    if (order.side === 'bid') {
      refunds ??= journal();
      refunds.pay(escrowAccount, order.account, order.price, order.id);
    }
    setOrder(o, { ...order, state: 'expired' });
  }
  refunds?.commit();
}

function insertSorted(list: Order[], order: Order): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (better(list[mid]!, order)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, order);
}

/** The book after a block: each changed stream's sides rebuilt from its sorted base. */
export function finishBook(
  base: MarketState,
  changed: Map<string, Order>,
  book: BookOverlay,
): Pick<MarketState, 'orders' | 'book' | 'openByAccount' | 'bookOpen' | 'bookSeq' | 'expiring'> {
  const expiring = expiringAfter(base, changed);
  if (changed.size === 0)
    return {
      orders: base.orders,
      book: base.book,
      openByAccount: base.openByAccount,
      bookOpen: base.bookOpen,
      bookSeq: book.seq,
      expiring,
    };
  const orders = new Map(base.orders);
  const streams = new Set<string>();
  for (const [id, order] of changed) {
    orders.set(id, order);
    streams.add(order.dataset);
  }
  const next = new Map(base.book);
  for (const dataset of streams) {
    const before = base.book.get(dataset) ?? { asks: [], bids: [] };
    const side = (list: readonly Order[], which: 'ask' | 'bid') => {
      const out: Order[] = [];
      for (const order of list) {
        const now = changed.get(order.id) ?? order;
        if (now.state === 'open') out.push(now);
      }
      for (const order of changed.values())
        if (
          order.dataset === dataset &&
          order.side === which &&
          order.state === 'open' &&
          !base.orders.has(order.id)
        )
          insertSorted(out, order);
      return out;
    };
    const stream: StreamBook = { asks: side(before.asks, 'ask'), bids: side(before.bids, 'bid') };
    if (stream.asks.length + stream.bids.length === 0) next.delete(dataset);
    else next.set(dataset, stream);
  }
  const openByAccount = new Map(base.openByAccount);
  for (const [account, d] of book.openDelta) {
    const n = (openByAccount.get(account) ?? 0) + d;
    if (n === 0) openByAccount.delete(account);
    else openByAccount.set(account, n);
  }
  return { orders, book: next, openByAccount, bookOpen: book.open, bookSeq: book.seq, expiring };
}

/**
 * The expiry index after a block: the open orders that carry an expiry, by last height, in
 * arrival order. New resting orders join their height's list; orders that left the book leave it.
 */
function expiringAfter(
  base: MarketState,
  changed: Map<string, Order>,
): ReadonlyMap<number, readonly string[]> {
  const lists = new Map<number, string[]>();
  const list = (height: number) => {
    let ids = lists.get(height);
    if (!ids) {
      ids = [...(base.expiring.get(height) ?? [])];
      lists.set(height, ids);
    }
    return ids;
  };
  // A block's new orders are in the overlay in the order they came (their seq order).
  for (const order of changed.values()) {
    const expires = order.expires ?? null;
    if (expires === null) continue;
    const wasOpen = base.orders.get(order.id)?.state === 'open';
    const isOpen = order.state === 'open';
    if (isOpen && !wasOpen) list(expires).push(order.id);
    else if (wasOpen && !isOpen) {
      const ids = list(expires);
      ids.splice(ids.indexOf(order.id), 1);
    }
  }
  if (lists.size === 0) return base.expiring;
  const next = new Map(base.expiring);
  for (const [height, ids] of lists)
    if (ids.length === 0) next.delete(height);
    else next.set(height, ids);
  return next;
}

/** The derived parts of the book from its orders (on load). */
export function bookFromOrders(
  orders: ReadonlyMap<string, Order>,
): Pick<MarketState, 'book' | 'openByAccount' | 'bookOpen' | 'bookSeq' | 'expiring'> {
  const book = new Map<string, { asks: Order[]; bids: Order[] }>();
  const expiring = new Map<number, string[]>();
  const openByAccount = new Map<string, number>();
  let bookOpen = 0;
  let bookSeq = 0;
  for (const order of orders.values()) {
    bookSeq = Math.max(bookSeq, order.seq);
    if (order.state !== 'open') continue;
    bookOpen++;
    openByAccount.set(order.account, (openByAccount.get(order.account) ?? 0) + 1);
    const stream = book.get(order.dataset) ?? { asks: [], bids: [] };
    (order.side === 'ask' ? stream.asks : stream.bids).push(order);
    book.set(order.dataset, stream);
    if (order.expires !== undefined && order.expires !== null) {
      const ids = expiring.get(order.expires) ?? [];
      ids.push(order.id);
      expiring.set(order.expires, ids);
    }
  }
  for (const stream of book.values()) {
    stream.asks.sort((a, b) => (better(a, b) ? -1 : 1));
    stream.bids.sort((a, b) => (better(a, b) ? -1 : 1));
  }
  // Each height's ids in arrival order, as the blocks added them.
  const seqOf = (id: string) => orders.get(id)!.seq;
  for (const ids of expiring.values()) ids.sort((a, b) => seqOf(a) - seqOf(b));
  return { book, openByAccount, bookOpen, bookSeq, expiring };
}

export { askQuantityMax };
