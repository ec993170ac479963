// Stateful checks and effects of the market transactions on a block's overlay, and the writes at
// the end of the block. Every transaction checks everything (its token moves run in a journal)
// before its first write, so a refused one changes nothing.
import { decode, encode } from '../../codec';
import { botError, BotError } from '../../errors';
import type { Tx } from '../../tx-shape';
import type { BlockContext } from '../module';
import { balanceIn, TokenJournal, type TokenOverlay, type TokenState } from '../tokens';
import {
  closeMarketRequest,
  marketGrantCheck,
  marketGrantDo,
  marketRequestCheck,
  openMarketRequest,
  type DatasetOverlay,
} from '../datasets';
import type { WrappedKey } from '../datasets/keys';
import { applyClose, applyOrder, bookFromOrders, bookOverlayOf, finishBook } from './book';
import type { MarketOverlay } from './overlay';

export type { MarketOverlay };
import {
  deliverBlocksDefault,
  demandPrefix,
  demandsOpenMax,
  escrowAccount,
  matchesPerOfferMax,
  offerPrefix,
  offersOpenMax,
  orderPrefix,
  type Order,
  purchasePrefix,
  reputationPrefix,
  type Demand,
  type MarketState,
  type Offer,
  type Purchase,
  type Reputation,
} from './types';

export function emptyMarket(): MarketState {
  return {
    offers: new Map(),
    demands: new Map(),
    purchases: new Map(),
    reputation: new Map(),
    orders: new Map(),
    book: new Map(),
    openByAccount: new Map(),
    bookOpen: 0,
    bookSeq: 0,
    expiring: new Map(),
  };
}

export function marketOverlayOf(
  state: MarketState,
  height: number,
  tokens: () => TokenOverlay,
  datasets: () => DatasetOverlay,
): MarketOverlay {
  return {
    base: state,
    offers: new Map(),
    demands: new Map(),
    purchases: new Map(),
    reputation: new Map(),
    orders: new Map(),
    book: bookOverlayOf(state),
    height,
    tokens,
    datasets,
  };
}

const offerIn = (o: MarketOverlay, id: string) => o.offers.get(id) ?? o.base.offers.get(id);
const demandIn = (o: MarketOverlay, id: string) => o.demands.get(id) ?? o.base.demands.get(id);
const purchaseIn = (o: MarketOverlay, id: string) =>
  o.purchases.get(id) ?? o.base.purchases.get(id);
const reputationIn = (o: MarketOverlay, did: string): Reputation =>
  o.reputation.get(did) ?? o.base.reputation.get(did) ?? { delivered: 0, failed: 0 };

function merged<T extends { id: string }>(
  base: ReadonlyMap<string, T>,
  changed: Map<string, T>,
  keep: (item: T) => boolean,
): T[] {
  const out: T[] = [];
  for (const [id, item] of base) if (!changed.has(id) && keep(item)) out.push(item);
  for (const item of changed.values()) if (keep(item)) out.push(item);
  return out;
}

const live = (expires: number | null, height: number) => expires === null || height <= expires;

function openCount<T extends { state: string }>(
  base: ReadonlyMap<string, T>,
  changed: Map<string, T>,
): number {
  let n = 0;
  for (const item of base.values()) if (item.state === 'open') n++;
  for (const [id, item] of changed) {
    const before = base.get(id);
    if (before?.state === 'open') n--;
    if (item.state === 'open') n++;
  }
  return n;
}

function journalOf(o: MarketOverlay): TokenJournal {
  const journal = new TokenJournal(o.tokens());
  if (!journal.hasTokens)
    throw botError('BAD_REQUEST', 'This chain has no token: nothing can be bought or sold on it.');
  return journal;
}

/** Stateful check and effect of one market transaction; throws BotError having changed nothing. */
export function applyMarketTx(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  switch (tx.type) {
    case 'market.offer':
      return applyOffer(o, tx, txId, block);
    case 'market.withdraw':
      return applyWithdraw(o, tx);
    case 'market.buy':
      return applyBuy(o, tx, txId, block);
    case 'market.demand':
      return applyDemand(o, tx, txId, block);
    case 'market.cancel':
      return applyCancel(o, tx, txId);
    case 'market.deliver':
      return applyDeliver(o, tx, txId, block);
    case 'market.refund':
      return applyRefund(o, tx, txId, block);
    case 'market.ask':
    case 'market.bid':
      return applyOrder(o, tx, txId, block, journalOf(o));
    case 'market.close':
      return applyClose(o, tx, txId, journalOf(o));
  }
}

function newPurchase(
  offer: Offer,
  buyer: string,
  id: string,
  demand: string | null,
  block: BlockContext,
): Purchase {
  return {
    id,
    offer: offer.id,
    demand,
    dataset: offer.dataset,
    seller: offer.seller,
    buyer,
    price: offer.price,
    penalty: offer.penalty,
    terms: offer.terms,
    deadline: block.height + offer.deliverBlocks,
    state: 'escrow',
    height: block.height,
    time: block.time,
    closedHeight: null,
    closedTx: null,
  };
}

/** Record a sale: the purchase, the buyer's request, the offer's count. Nothing here can fail. */
function recordSale(o: MarketOverlay, purchase: Purchase, txId: string, block: BlockContext): void {
  o.purchases.set(purchase.id, purchase);
  const offer = offerIn(o, purchase.offer)!;
  o.offers.set(offer.id, { ...offer, sold: offer.sold + 1 });
  openMarketRequest(
    o.datasets(),
    purchase.id,
    purchase.dataset,
    purchase.buyer,
    purchase.terms,
    txId,
    block.height,
    block.time,
  );
}

function restingDemand(o: MarketOverlay, buyer: string, dataset: string): Demand | undefined {
  return merged(o.base.demands, o.demands, (d) => d.state === 'open').find(
    (d) => d.buyer === buyer && d.dataset === dataset,
  );
}

function applyOffer(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const body = tx.body as {
    dataset: string;
    price: number;
    terms: string;
    deliverBlocks?: number;
    expiresBlocks?: number;
    penalty?: number;
  };
  const journal = journalOf(o);
  const ds = o.datasets();
  const dataset = ds.datasets.get(body.dataset) ?? ds.base.datasets.get(body.dataset);
  if (!dataset)
    throw botError('NOT_FOUND', `No dataset "${body.dataset}" is published on this chain.`);
  if (dataset.owner !== tx.from)
    throw botError('UNAUTHORIZED', `Only the owner of "${body.dataset}" offers it for sale.`);
  if (dataset.latest < 1)
    throw botError(
      'BAD_REQUEST',
      `"${body.dataset}" has no version yet: publish one, then offer it.`,
    );
  if (openCount(o.base.offers, o.offers) >= offersOpenMax)
    throw botError('TOO_LARGE', `This chain has ${offersOpenMax} open offers; try again later.`);
  const offer: Offer = {
    id: txId,
    seller: tx.from,
    dataset: body.dataset,
    price: body.price,
    terms: body.terms,
    penalty: body.penalty ?? 0,
    deliverBlocks: body.deliverBlocks ?? deliverBlocksDefault,
    expires: body.expiresBlocks === undefined ? null : block.height + body.expiresBlocks,
    state: 'open',
    sold: 0,
    height: block.height,
    time: block.time,
  };
  o.offers.set(offer.id, offer);
  // Match the resting demands for this dataset at this price or above: highest first, then oldest.
  const demands = merged(
    o.base.demands,
    o.demands,
    (d) => d.state === 'open' && d.dataset === offer.dataset && d.maxPrice >= offer.price,
  )
    .filter((d) => live(d.expires, block.height) && d.buyer !== offer.seller)
    .sort((a, b) => b.maxPrice - a.maxPrice || a.height - b.height || (a.id < b.id ? -1 : 1));
  let matched = 0;
  for (const demand of demands) {
    if (matched >= matchesPerOfferMax) break;
    if (marketRequestCheck(ds, offer.dataset, demand.buyer)) continue;
    if (offer.penalty > 0) {
      // A seller that cannot lock one more penalty (short, or its device rule) fills no more.
      try {
        journal.pay(offer.seller, escrowAccount, offer.penalty, txId);
      } catch (error) {
        if (error instanceof BotError) break;
        throw error;
      }
    }
    const change = demand.maxPrice - offer.price;
    if (change > 0) journal.pay(escrowAccount, demand.buyer, change, txId);
    o.demands.set(demand.id, { ...demand, state: 'filled', purchase: demand.id });
    recordSale(o, newPurchase(offer, demand.buyer, demand.id, demand.id, block), txId, block);
    matched++;
  }
  journal.commit();
}

function applyWithdraw(o: MarketOverlay, tx: Tx): void {
  const { offer: id } = tx.body as { offer: string };
  const offer = offerIn(o, id);
  if (!offer) throw botError('NOT_FOUND', 'There is no offer with this id.');
  if (offer.seller !== tx.from)
    throw botError('UNAUTHORIZED', 'Only its seller withdraws an offer.');
  if (offer.state !== 'open') throw botError('BAD_REQUEST', 'This offer is withdrawn already.');
  o.offers.set(id, { ...offer, state: 'withdrawn' });
}

function buyable(offer: Offer | undefined, height: number): Offer {
  if (!offer) throw botError('NOT_FOUND', 'There is no offer with this id.');
  if (offer.state !== 'open')
    throw botError('BAD_REQUEST', 'This offer was withdrawn by its seller.');
  if (!live(offer.expires, height))
    throw botError('BAD_REQUEST', `This offer expired at block ${offer.expires}.`);
  return offer;
}

/** A buyer's own checks before a purchase: not its own offer, no resting demand, a request may open. */
function buyerCheck(o: MarketOverlay, buyer: string, offer: Offer): void {
  if (buyer === offer.seller) throw botError('BAD_REQUEST', 'You cannot buy your own offer.');
  if (restingDemand(o, buyer, offer.dataset))
    throw botError(
      'BAD_REQUEST',
      `You have a demand for "${offer.dataset}" resting; cancel it or wait for it to be matched.`,
    );
  const refused = marketRequestCheck(o.datasets(), offer.dataset, buyer);
  if (refused) throw refused;
}

function applyBuy(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const body = tx.body as { offer: string; price: number };
  const journal = journalOf(o);
  const offer = buyable(offerIn(o, body.offer), block.height);
  if (body.price !== offer.price)
    throw botError(
      'BAD_REQUEST',
      `The offer's price is ${offer.price}, not ${body.price}: buy at the posted price.`,
    );
  buyerCheck(o, tx.from, offer);
  journal.pay(tx.from, escrowAccount, offer.price, txId, { who: 'You hold' });
  if (offer.penalty > 0)
    journal.pay(offer.seller, escrowAccount, offer.penalty, txId, {
      who: `The seller cannot lock its penalty of ${offer.penalty}: it holds`,
    });
  journal.commit();
  recordSale(o, newPurchase(offer, tx.from, txId, null, block), txId, block);
}

function applyDemand(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const body = tx.body as { dataset: string; maxPrice: number; expiresBlocks?: number };
  const journal = journalOf(o);
  const ds = o.datasets();
  if (restingDemand(o, tx.from, body.dataset))
    throw botError('BAD_REQUEST', `You have a demand for "${body.dataset}" resting already.`);
  const refused = marketRequestCheck(ds, body.dataset, tx.from);
  if (refused) throw refused;
  // The cheapest open offer at or below maxPrice whose seller can lock its penalty (then the oldest).
  const offers = merged(
    o.base.offers,
    o.offers,
    (f) => f.state === 'open' && f.dataset === body.dataset && f.price <= body.maxPrice,
  )
    .filter((f) => live(f.expires, block.height) && f.seller !== tx.from)
    .sort((a, b) => a.price - b.price || a.height - b.height || (a.id < b.id ? -1 : 1));
  const offer = offers.find((f) => f.penalty === 0 || journal.balance(f.seller) >= f.penalty);
  const demand: Demand = {
    id: txId,
    buyer: tx.from,
    dataset: body.dataset,
    maxPrice: body.maxPrice,
    expires: body.expiresBlocks === undefined ? null : block.height + body.expiresBlocks,
    state: offer ? 'filled' : 'open',
    purchase: offer ? txId : null,
    height: block.height,
    time: block.time,
  };
  if (offer) {
    journal.pay(tx.from, escrowAccount, offer.price, txId, { who: 'You hold' });
    if (offer.penalty > 0) journal.pay(offer.seller, escrowAccount, offer.penalty, txId);
  } else {
    if (openCount(o.base.demands, o.demands) >= demandsOpenMax)
      throw botError(
        'TOO_LARGE',
        `This chain has ${demandsOpenMax} resting demands; try again later.`,
      );
    journal.pay(tx.from, escrowAccount, body.maxPrice, txId, { who: 'You hold' });
  }
  journal.commit();
  o.demands.set(txId, demand);
  if (offer) recordSale(o, newPurchase(offer, tx.from, txId, txId, block), txId, block);
}

function applyCancel(o: MarketOverlay, tx: Tx, txId: string): void {
  const { demand: id } = tx.body as { demand: string };
  const demand = demandIn(o, id);
  if (!demand) throw botError('NOT_FOUND', 'There is no demand with this id.');
  if (demand.buyer !== tx.from) throw botError('UNAUTHORIZED', 'Only its buyer cancels a demand.');
  if (demand.state !== 'open')
    throw botError('BAD_REQUEST', `This demand is ${demand.state} already.`);
  const journal = journalOf(o);
  journal.pay(escrowAccount, demand.buyer, demand.maxPrice, txId);
  journal.commit();
  o.demands.set(id, { ...demand, state: 'cancelled' });
}

function openPurchase(o: MarketOverlay, id: string): Purchase {
  const purchase = purchaseIn(o, id);
  if (!purchase) throw botError('NOT_FOUND', 'There is no purchase with this id.');
  if (purchase.state !== 'escrow')
    throw botError('BAD_REQUEST', `This purchase is ${purchase.state} already.`);
  return purchase;
}

function applyDeliver(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const body = tx.body as { purchase: string; keys: Array<{ version: number; key: WrappedKey }> };
  const purchase = openPurchase(o, body.purchase);
  if (purchase.seller !== tx.from)
    throw botError('UNAUTHORIZED', 'Only the seller of a purchase delivers it.');
  if (block.height > purchase.deadline)
    throw botError(
      'BAD_REQUEST',
      `The deadline to deliver was block ${purchase.deadline}: the buyer is owed a refund.`,
    );
  const plan = marketGrantCheck(o.datasets(), tx, purchase.id, body.keys);
  if (plan instanceof BotError) throw plan;
  const journal = journalOf(o);
  journal.pay(escrowAccount, purchase.seller, purchase.price + purchase.penalty, txId);
  journal.commit();
  marketGrantDo(o.datasets(), plan, body.keys, tx, txId, block.height);
  o.purchases.set(purchase.id, close(purchase, 'delivered', txId, block.height));
  const rep = reputationIn(o, purchase.seller);
  o.reputation.set(purchase.seller, { ...rep, delivered: rep.delivered + 1 });
}

function applyRefund(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const { purchase: id } = tx.body as { purchase: string };
  const purchase = openPurchase(o, id);
  if (block.height <= purchase.deadline)
    throw botError(
      'BAD_REQUEST',
      `The seller has until block ${purchase.deadline} to deliver (this is block ${block.height}).`,
    );
  const journal = journalOf(o);
  journal.pay(escrowAccount, purchase.buyer, purchase.price + purchase.penalty, txId);
  journal.commit();
  closeMarketRequest(o.datasets(), purchase.id, tx, txId, block.height);
  o.purchases.set(purchase.id, close(purchase, 'refunded', txId, block.height));
  const rep = reputationIn(o, purchase.seller);
  o.reputation.set(purchase.seller, { ...rep, failed: rep.failed + 1 });
}

function close(p: Purchase, state: Purchase['state'], txId: string, height: number): Purchase {
  return { ...p, state, closedHeight: height, closedTx: txId };
}

/** After the block: write what changed; the state for the next block. */
export function finishMarket(o: MarketOverlay, writes: Map<string, Uint8Array>): MarketState {
  for (const [id, offer] of o.offers) writes.set(offerPrefix + id, encode(offer));
  for (const [id, demand] of o.demands) writes.set(demandPrefix + id, encode(demand));
  for (const [id, purchase] of o.purchases) writes.set(purchasePrefix + id, encode(purchase));
  for (const [did, rep] of o.reputation) writes.set(reputationPrefix + did, encode(rep));
  for (const [id, order] of o.orders) writes.set(orderPrefix + id, encode(order));
  const changes = o.offers.size + o.demands.size + o.purchases.size + o.reputation.size;
  if (changes + o.orders.size === 0) return o.base;
  const apply = <T>(base: ReadonlyMap<string, T>, changed: Map<string, T>) => {
    if (changed.size === 0) return base;
    const next = new Map(base);
    for (const [id, item] of changed) next.set(id, item);
    return next;
  };
  return {
    offers: apply(o.base.offers, o.offers),
    demands: apply(o.base.demands, o.demands),
    purchases: apply(o.base.purchases, o.purchases),
    reputation: apply(o.base.reputation, o.reputation),
    ...finishBook(o.base, o.orders, o.book),
  };
}

const recordBytesMax = 8192;

/** Rebuild the market state from stored entries (mkt/). */
export function marketFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
): MarketState {
  const state = {
    offers: new Map<string, Offer>(),
    demands: new Map<string, Demand>(),
    purchases: new Map<string, Purchase>(),
    reputation: new Map<string, Reputation>(),
  };
  const orders = new Map<string, Order>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(offerPrefix))
      state.offers.set(key.slice(offerPrefix.length), decode(bytes, recordBytesMax));
    else if (key.startsWith(demandPrefix))
      state.demands.set(key.slice(demandPrefix.length), decode(bytes, recordBytesMax));
    else if (key.startsWith(purchasePrefix))
      state.purchases.set(key.slice(purchasePrefix.length), decode(bytes, recordBytesMax));
    else if (key.startsWith(reputationPrefix))
      state.reputation.set(key.slice(reputationPrefix.length), decode(bytes, 256));
    else if (key.startsWith(orderPrefix))
      orders.set(key.slice(orderPrefix.length), decode(bytes, recordBytesMax));
  }
  return { ...state, orders, ...bookFromOrders(orders) };
}

/**
 * The escrow invariant: the escrow account holds exactly what open purchases (price and
 * penalty), resting demands (maxPrice) and resting bids of the order book (price) lock. Null when it holds; else what is wrong.
 */
export function escrowCheck(market: MarketState, tokens: TokenState): string | null {
  let locked = 0;
  for (const p of market.purchases.values())
    if (p.state === 'escrow') locked += p.price + p.penalty;
  for (const d of market.demands.values()) if (d.state === 'open') locked += d.maxPrice;
  for (const stream of market.book.values()) for (const b of stream.bids) locked += b.price;
  const held = tokens.balances.get(escrowAccount) ?? 0;
  return held === locked ? null : `the escrow holds ${held} but open trades lock ${locked}`;
}

export { balanceIn };
