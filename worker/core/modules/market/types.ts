// The data market on chain (issue 16; Y.4560 8.3, 9.7): offers of a dataset at a posted price,
// demands (what is wanted, at most what price), deterministic matching, purchases through escrow.
//   market.offer    { dataset, price, terms, deliverBlocks?, expiresBlocks?, penalty? }
//                   the owner of a dataset offers access to it; every resting demand for it at
//                   this price or above is matched at once (highest first, then oldest)
//   market.withdraw { offer }             the seller closes an offer (open purchases go on)
//   market.buy      { offer, price }      buy at the posted price (the price you agree to)
//   market.demand   { dataset, maxPrice, expiresBlocks? }   matched at once with the cheapest open
//                   offer at or below maxPrice (then the oldest); else it rests, maxPrice locked
//   market.cancel   { demand }            the buyer ends a resting demand; the escrow returns
//   market.deliver  { purchase, keys }    the seller grants the buyer the dataset key (one wrapped
//                   key per version of the grant window) and the escrow pays the seller, in one
//                   transaction
//   market.refund   { purchase }          anyone, after the deadline without delivery: the price
//                   and the seller's penalty go to the buyer, the seller's failure is recorded
// The key check (D-8.3, ./keycheck.ts): an offer with disputeBlocks keeps the escrow after a
// delivery for that many blocks (state 'checking'), the buyer able to say the key is wrong:
//   market.dispute  { purchase }          the buyer, while checking, locking a bond of the
//                   seller's penalty: the seller must show the key it wrapped is the version's
//                   committed one within disputeBlocks
//   market.answer   { purchase, secrets } the seller reveals the ephemeral X25519 private key of
//                   each wrap it delivered; the chain recomputes the wrapping key, opens each
//                   wrap and compares the key's check value with the version's keyCheck: all
//                   match, the escrow pays the seller; any fails, the answer is refused
// At the first block past the window a purchase still checking pays the seller; one still
// disputed pays the buyer back (price, penalty and its bond) and counts as the seller's failure.
// A purchase locks the buyer's price and the seller's penalty (the offer's terms; 0 by default)
// in the escrow account "market:escrow": the escrow's balance is always the sum of what open
// purchases and resting demands hold (the property test checks it). The buyer's access is a
// dataset request (approved, by "market") whose purpose is the offer's terms: its statement of
// permitted use. Reputation per seller (delivered, failed) is on chain.
// The order book for device data streams (datasets "dev-<device>-<gateway>", ./book.ts):
//   market.ask   { dataset, price, terms, quantity?, deliverBlocks?, penalty?, expiresBlocks? }
//                the stream's owner sells up to `quantity` windows (one per buyer) at `price` each
//   market.bid   { dataset, price, expiresBlocks? }   a buyer wants one window at most at `price`
//                (locked while it rests)
//   market.close { order }            its account closes a resting order (a bid's lock returns)
// Matching is price-time priority (asks cheapest first, bids highest first, then the order that
// came first), at the resting order's price; a match is a purchase like a posted-price one (the
// escrow, delivery of the stream's grant window by market.deliver, refund after the deadline).
// An order with expiresBlocks matches up to height + expiresBlocks; at the start of the next
// block every peer drops it (state 'expired'), a bid's lock returning to its account.
// State (prefix "mkt/"): mkt/offer/<id>, mkt/demand/<id>, mkt/buy/<id>, mkt/rep/<did>,
// mkt/order/<id>.

export const marketTxTypes = [
  'market.offer',
  'market.withdraw',
  'market.buy',
  'market.demand',
  'market.cancel',
  'market.deliver',
  'market.refund',
  'market.ask',
  'market.bid',
  'market.close',
  'market.dispute',
  'market.answer',
] as const;

export const escrowAccount = 'market:escrow';
export const offerPrefix = 'mkt/offer/';
export const demandPrefix = 'mkt/demand/';
export const purchasePrefix = 'mkt/buy/';
export const reputationPrefix = 'mkt/rep/';
export const orderPrefix = 'mkt/order/';

/** The datasets the order book trades: a device's data stream. */
export const streamDatasetPrefix = 'dev-';
/** Open orders (asks and bids) one account may have in the book at once. */
export const ordersOpenPerAccountMax = 100;
/** Open orders in the whole book at once. */
export const bookOrdersMax = 100_000;
/** Windows one ask may sell at most (market.ask quantity). */
export const askQuantityMax = 10_000;
/** Resting orders one new order fills at most (the rest of it rests). */
export const matchesPerOrderMax = 64;

/** Characters of an offer's terms (they become the buyer's stated purpose). */
export const termsLengthMax = 500;
/** Blocks a seller may be given to deliver (market.offer deliverBlocks). */
export const deliverBlocksMax = 100_000;
/** Blocks to deliver when an offer does not say. */
export const deliverBlocksDefault = 100;
/** Blocks an offer or a demand may stay open at most (expiresBlocks). */
export const expiresBlocksMax = 10_000_000;
/** Open offers on a chain at once. */
export const offersOpenMax = 100_000;
/** Resting demands on a chain at once. */
export const demandsOpenMax = 100_000;
/** Resting demands one new offer fills at most (the rest stay for the next offer or a buy). */
export const matchesPerOfferMax = 64;
/** Blocks an offer may give a buyer to dispute a delivered key (and the seller to answer). */
export const disputeBlocksMax = 10_000;

export interface Offer {
  id: string;
  seller: string;
  dataset: string;
  price: number;
  terms: string;
  /** Tokens the seller locks with each sale, paid to the buyer when it does not deliver. */
  penalty: number;
  deliverBlocks: number;
  /** Blocks the buyer may dispute a delivered key, the escrow kept (absent or 0: released at delivery). */
  disputeBlocks?: number;
  /** The last height at which it can be bought (null: until withdrawn). */
  expires: number | null;
  state: 'open' | 'withdrawn';
  sold: number;
  height: number;
  time: number;
}

export interface Demand {
  id: string;
  buyer: string;
  dataset: string;
  maxPrice: number;
  expires: number | null;
  /** open: resting (maxPrice locked); filled: a purchase; cancelled: the buyer ended it. */
  state: 'open' | 'filled' | 'cancelled';
  purchase: string | null;
  height: number;
  time: number;
}

/**
 * escrow: waiting for delivery; checking: delivered, escrow kept while the buyer may dispute;
 * disputed: the seller must answer; delivered: the seller was paid; refunded: the buyer was.
 */
export type PurchaseState = 'escrow' | 'checking' | 'disputed' | 'delivered' | 'refunded';

/** A key delivered to the buyer under a key check: the wrap, as the chain will reopen it. */
export interface DeliveredKey {
  version: number;
  ephemeral: Uint8Array;
  sealed: Uint8Array;
}

export interface Purchase {
  /** Also the id of the buyer's dataset request. */
  id: string;
  offer: string;
  demand: string | null;
  dataset: string;
  seller: string;
  buyer: string;
  price: number;
  penalty: number;
  terms: string;
  /** The last height at which the seller may deliver. */
  deadline: number;
  state: PurchaseState;
  /** The offer's dispute window in blocks (absent or 0: none). */
  disputeBlocks?: number;
  /** Checking: the last height the buyer may dispute; disputed: the last the seller may answer. */
  until?: number;
  /** Under a key check: the buyer's X25519 key and the wraps delivered, for an answer. */
  readerKey?: Uint8Array;
  delivered?: DeliveredKey[];
  /** Disputed: the buyer's bond (the penalty), to the seller if it answers, else back. */
  bond?: number;
  height: number;
  time: number;
  closedHeight: number | null;
  closedTx: string | null;
}

export interface Reputation {
  delivered: number;
  failed: number;
}

/** An order of the stream order book (./book.ts). */
export interface Order {
  id: string;
  side: 'ask' | 'bid';
  account: string;
  dataset: string;
  /** Tokens per window (a bid: the most it pays; locked in escrow while it rests). */
  price: number;
  /** An ask's terms of permitted use ('' for a bid). */
  terms: string;
  penalty: number;
  deliverBlocks: number;
  /** Windows it trades: an ask's quantity, 1 for a bid. */
  quantity: number;
  filled: number;
  /** expired: it reached its last height open and was dropped (a bid's lock returned). */
  state: 'open' | 'filled' | 'cancelled' | 'expired';
  /** The last height at which it can match (null: until filled or closed; absent in old records). */
  expires?: number | null;
  /** Arrival order across the chain: the time priority. */
  seq: number;
  height: number;
  time: number;
}

/** One stream's open orders, best first: asks cheapest, bids highest, then by seq. */
export interface StreamBook {
  readonly asks: readonly Order[];
  readonly bids: readonly Order[];
}

export interface MarketState {
  readonly offers: ReadonlyMap<string, Offer>;
  /** Every order of the book (open and closed). */
  readonly orders: ReadonlyMap<string, Order>;
  /** The open orders by stream, sorted (derived from orders). */
  readonly book: ReadonlyMap<string, StreamBook>;
  /** Open orders by account (derived). */
  readonly openByAccount: ReadonlyMap<string, number>;
  /** Open orders in the book, and the last seq given (derived). */
  readonly bookOpen: number;
  readonly bookSeq: number;
  /** Orders placed with an expiry, by their last height, in arrival order (derived). */
  readonly expiring: ReadonlyMap<number, readonly string[]>;
  readonly demands: ReadonlyMap<string, Demand>;
  readonly purchases: ReadonlyMap<string, Purchase>;
  readonly reputation: ReadonlyMap<string, Reputation>;
  /** Purchases checking or disputed (derived): the ones a block may settle by itself. */
  readonly checking: ReadonlySet<string>;
}
