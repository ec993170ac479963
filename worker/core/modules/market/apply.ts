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
  keyIn,
  versionIn,
  marketGrantCheck,
  marketGrantDo,
  marketRequestCheck,
  openMarketRequest,
  type DatasetOverlay,
} from '../datasets';
import type { WrappedKey } from '../datasets/keys';
import { applyClose, applyOrder, bookFromOrders, bookOverlayOf, finishBook } from './book';
import type { MarketOverlay } from './overlay';
import { answerCheck } from './keycheck';

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
  type DeliveredKey,
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
    checking: new Set(),
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
    case 'market.dispute':
      return applyDispute(o, tx, txId, block);
    case 'market.answer':
      return applyAnswer(o, tx, txId, block);
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
    ...(offer.disputeBlocks ? { disputeBlocks: offer.disputeBlocks } : {}),
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
    disputeBlocks?: number;
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
    ...(body.disputeBlocks ? { disputeBlocks: body.disputeBlocks } : {}),
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
  const ds = o.datasets();
  const plan = marketGrantCheck(ds, tx, purchase.id, body.keys);
  if (plan instanceof BotError) throw plan;
  if (purchase.disputeBlocks) {
    // Under a key check: every version delivered has a committed key check value, and the
    // escrow waits for the dispute window (./keycheck.ts).
    const readerKey = keyIn(ds, purchase.buyer)?.x25519;
    if (!readerKey) throw botError('BAD_REQUEST', `${purchase.buyer} has no X25519 key on chain.`);
    for (const { version } of body.keys)
      if (!versionIn(ds, purchase.dataset, version)?.keyCheck)
        throw botError(
          'BAD_REQUEST',
          `Version ${version} of "${purchase.dataset}" has no committed key check, and this sale promises one: publish a new version (it carries one), then deliver.`,
        );
    marketGrantDo(ds, plan, body.keys, tx, txId, block.height);
    const delivered: DeliveredKey[] = body.keys.map(({ version, key }) => ({
      version,
      ephemeral: key.ephemeral,
      sealed: key.sealed,
    }));
    o.purchases.set(purchase.id, {
      ...purchase,
      state: 'checking',
      until: block.height + purchase.disputeBlocks,
      readerKey,
      delivered,
    });
    return;
  }
  const journal = journalOf(o);
  journal.pay(escrowAccount, purchase.seller, purchase.price + purchase.penalty, txId);
  journal.commit();
  marketGrantDo(ds, plan, body.keys, tx, txId, block.height);
  paySeller(o, purchase, txId, block.height, null);
}

/** The seller is paid (its journal committed by the caller, or here): delivered, its reputation up. */
function paySeller(
  o: MarketOverlay,
  purchase: Purchase,
  txId: string,
  height: number,
  journal: TokenJournal | null,
): void {
  if (journal) {
    const locked = purchase.price + purchase.penalty + (purchase.bond ?? 0);
    journal.pay(escrowAccount, purchase.seller, locked, txId);
    journal.commit();
  }
  o.purchases.set(purchase.id, close(purchase, 'delivered', txId, height));
  const rep = reputationIn(o, purchase.seller);
  o.reputation.set(purchase.seller, { ...rep, delivered: rep.delivered + 1 });
}

/** The buyer is paid back the price and the seller's penalty: refunded, the seller's failure. */
function payBuyer(
  o: MarketOverlay,
  purchase: Purchase,
  txId: string,
  height: number,
  journal: TokenJournal,
): void {
  const locked = purchase.price + purchase.penalty + (purchase.bond ?? 0);
  journal.pay(escrowAccount, purchase.buyer, locked, txId);
  journal.commit();
  o.purchases.set(purchase.id, close(purchase, 'refunded', txId, height));
  const rep = reputationIn(o, purchase.seller);
  o.reputation.set(purchase.seller, { ...rep, failed: rep.failed + 1 });
}

/**
 * The buyer says the key delivered does not open the data: the seller must answer in time. The
 * buyer locks a bond equal to the seller's penalty, lost to the seller if the key is proven
 * right (a false dispute makes the seller show the key on chain, docs/ARCHITECTURE.md).
 */
function applyDispute(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const { purchase: id } = tx.body as { purchase: string };
  const purchase = purchaseIn(o, id);
  if (!purchase) throw botError('NOT_FOUND', 'There is no purchase with this id.');
  if (purchase.buyer !== tx.from)
    throw botError('UNAUTHORIZED', 'Only the buyer of a purchase disputes its key.');
  if (!purchase.disputeBlocks)
    throw botError(
      'BAD_REQUEST',
      'This sale has no key check (its offer gave no dispute window): there is nothing to dispute on chain.',
    );
  if (purchase.state !== 'checking' || purchase.until === undefined)
    throw botError(
      'BAD_REQUEST',
      purchase.state === 'escrow'
        ? 'Nothing is delivered yet: wait for the key, or for the deadline and its refund.'
        : `This purchase is ${purchase.state} already.`,
    );
  if (block.height > purchase.until)
    throw botError('BAD_REQUEST', `The window to dispute ended at block ${purchase.until}.`);
  if (purchase.penalty > 0) {
    const journal = journalOf(o);
    journal.pay(tx.from, escrowAccount, purchase.penalty, txId, {
      who: `A dispute locks a bond of the seller's penalty (${purchase.penalty}); you hold`,
    });
    journal.commit();
  }
  o.purchases.set(id, {
    ...purchase,
    state: 'disputed',
    until: block.height + purchase.disputeBlocks,
    ...(purchase.penalty > 0 ? { bond: purchase.penalty } : {}),
  });
}

/** The seller shows the keys were right (./keycheck.ts): the escrow pays it. */
function applyAnswer(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const body = tx.body as { purchase: string; secrets: Uint8Array[] };
  const purchase = purchaseIn(o, body.purchase);
  if (!purchase) throw botError('NOT_FOUND', 'There is no purchase with this id.');
  if (purchase.seller !== tx.from)
    throw botError('UNAUTHORIZED', 'Only the seller of a purchase answers its dispute.');
  if (purchase.state !== 'disputed' || purchase.until === undefined)
    throw botError('BAD_REQUEST', `This purchase is ${purchase.state}, not disputed.`);
  if (block.height > purchase.until)
    throw botError(
      'BAD_REQUEST',
      `The time to answer ended at block ${purchase.until}: the buyer is owed a refund.`,
    );
  const ds = o.datasets();
  const wrong = answerCheck(
    body.secrets,
    purchase.delivered ?? [],
    purchase.buyer,
    purchase.readerKey ?? new Uint8Array(32),
    (v) => versionIn(ds, purchase.dataset, v),
  );
  if (wrong) throw wrong;
  paySeller(o, purchase, txId, block.height, journalOf(o));
}

/**
 * At the start of a block: a purchase whose dispute window passed pays its seller; one whose
 * time to answer passed pays its buyer back. Ids in order, so every peer moves the same tokens.
 */
export function settleChecks(o: MarketOverlay, height: number, journal: () => TokenJournal): void {
  if (o.base.checking.size === 0) return;
  for (const id of [...o.base.checking].sort()) {
    const purchase = purchaseIn(o, id);
    if (!purchase || purchase.until === undefined || height <= purchase.until) continue;
    if (purchase.state === 'checking') paySeller(o, purchase, id, height, journal());
    else if (purchase.state === 'disputed') payBuyer(o, purchase, id, height, journal());
  }
}

function applyRefund(o: MarketOverlay, tx: Tx, txId: string, block: BlockContext): void {
  const { purchase: id } = tx.body as { purchase: string };
  const purchase = openPurchase(o, id);
  if (block.height <= purchase.deadline)
    throw botError(
      'BAD_REQUEST',
      `The seller has until block ${purchase.deadline} to deliver (this is block ${block.height}).`,
    );
  closeMarketRequest(o.datasets(), purchase.id, tx, txId, block.height);
  payBuyer(o, purchase, txId, block.height, journalOf(o));
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
  let checking = o.base.checking;
  if (o.purchases.size > 0) {
    const next = new Set(checking);
    for (const [id, p] of o.purchases) {
      if (isChecking(p)) next.add(id);
      else next.delete(id);
    }
    checking = next;
  }
  return {
    offers: apply(o.base.offers, o.offers),
    demands: apply(o.base.demands, o.demands),
    purchases: apply(o.base.purchases, o.purchases),
    reputation: apply(o.base.reputation, o.reputation),
    checking,
    ...finishBook(o.base, o.orders, o.book),
  };
}

const isChecking = (p: Purchase) => p.state === 'checking' || p.state === 'disputed';

const recordBytesMax = 8192;
/** A purchase under a key check keeps up to grantVersionsMax wraps (about 100 bytes each). */
const purchaseBytesMax = 16_384;

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
      state.purchases.set(key.slice(purchasePrefix.length), decode(bytes, purchaseBytesMax));
    else if (key.startsWith(reputationPrefix))
      state.reputation.set(key.slice(reputationPrefix.length), decode(bytes, 256));
    else if (key.startsWith(orderPrefix))
      orders.set(key.slice(orderPrefix.length), decode(bytes, recordBytesMax));
  }
  const checking = new Set<string>();
  for (const [id, p] of state.purchases) if (isChecking(p)) checking.add(id);
  return { ...state, orders, checking, ...bookFromOrders(orders) };
}

/**
 * The escrow invariant: the escrow account holds exactly what open purchases (price and
 * penalty), resting demands (maxPrice) and resting bids of the order book (price) lock. Null when it holds; else what is wrong.
 */
export function escrowCheck(market: MarketState, tokens: TokenState): string | null {
  let locked = 0;
  for (const p of market.purchases.values())
    if (p.state === 'escrow' || isChecking(p)) locked += p.price + p.penalty + (p.bond ?? 0);
  for (const d of market.demands.values()) if (d.state === 'open') locked += d.maxPrice;
  for (const stream of market.book.values()) for (const b of stream.bids) locked += b.price;
  const held = tokens.balances.get(escrowAccount) ?? 0;
  return held === locked ? null : `the escrow holds ${held} but open trades lock ${locked}`;
}

export { balanceIn };
