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
// A purchase locks the buyer's price and the seller's penalty (the offer's terms; 0 by default)
// in the escrow account "market:escrow": the escrow's balance is always the sum of what open
// purchases and resting demands hold (the property test checks it). The buyer's access is a
// dataset request (approved, by "market") whose purpose is the offer's terms: its statement of
// permitted use. Reputation per seller (delivered, failed) is on chain.
// State (prefix "mkt/"): mkt/offer/<id>, mkt/demand/<id>, mkt/buy/<id>, mkt/rep/<did>.

export const marketTxTypes = [
  'market.offer',
  'market.withdraw',
  'market.buy',
  'market.demand',
  'market.cancel',
  'market.deliver',
  'market.refund',
] as const;

export const escrowAccount = 'market:escrow';
export const offerPrefix = 'mkt/offer/';
export const demandPrefix = 'mkt/demand/';
export const purchasePrefix = 'mkt/buy/';
export const reputationPrefix = 'mkt/rep/';

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

export interface Offer {
  id: string;
  seller: string;
  dataset: string;
  price: number;
  terms: string;
  /** Tokens the seller locks with each sale, paid to the buyer when it does not deliver. */
  penalty: number;
  deliverBlocks: number;
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

export type PurchaseState = 'escrow' | 'delivered' | 'refunded';

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
  height: number;
  time: number;
  closedHeight: number | null;
  closedTx: string | null;
}

export interface Reputation {
  delivered: number;
  failed: number;
}

export interface MarketState {
  readonly offers: ReadonlyMap<string, Offer>;
  readonly demands: ReadonlyMap<string, Demand>;
  readonly purchases: ReadonlyMap<string, Purchase>;
  readonly reputation: ReadonlyMap<string, Reputation>;
}
