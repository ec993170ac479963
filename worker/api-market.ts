// window.bot: the data market (issue 16; Y.4560 8.3, 9.7). Types only, as worker/api.ts.

/** A seller's record on chain: purchases delivered, and purchases refunded for not delivering. */
export interface ReputationView {
  delivered: number;
  failed: number;
}

/** An offer of access to a dataset at a posted price. */
export interface OfferView {
  id: string;
  seller: string;
  dataset: string;
  /** Whole base units of the chain's token. */
  price: number;
  /** The permitted use: it becomes the buyer's stated purpose on the dataset's access log. */
  terms: string;
  /** Tokens the seller locks with each sale, paid to the buyer when it does not deliver in time. */
  penalty: number;
  /** Blocks the seller has to deliver after a purchase. */
  deliverBlocks: number;
  /** Blocks the buyer may dispute a delivered key, the escrow kept (0: paid at delivery, no check). */
  disputeBlocks: number;
  /** Last height at which it can be bought (null: until withdrawn). */
  expires: number | null;
  state: 'open' | 'withdrawn';
  sold: number;
  height: number;
  time: number;
  sellerReputation: ReputationView;
}

export interface DemandView {
  id: string;
  buyer: string;
  dataset: string;
  maxPrice: number;
  expires: number | null;
  /** open: resting with maxPrice locked; filled: a purchase (same id); cancelled. */
  state: 'open' | 'filled' | 'cancelled';
  purchase: string | null;
  height: number;
  time: number;
}

/**
 * A purchase: escrow (waiting for delivery), checking (key granted, escrow kept while the buyer
 * may dispute it), disputed (the seller must show the key is the committed one), delivered
 * (seller paid), refunded (buyer paid back).
 */
export interface PurchaseView {
  id: string;
  offer: string;
  demand: string | null;
  dataset: string;
  seller: string;
  buyer: string;
  price: number;
  penalty: number;
  terms: string;
  /** Last height at which the seller may deliver; after it anyone may claim the refund. */
  deadline: number;
  state: 'escrow' | 'checking' | 'disputed' | 'delivered' | 'refunded';
  /** The offer's dispute window (0: none, paid at delivery). */
  disputeBlocks: number;
  /** checking: the last block to dispute; disputed: the last block the seller may answer. */
  until: number | null;
  /** The bond the buyer locked with a dispute (the penalty): the seller's if it proves the key. */
  bond: number;
  height: number;
  time: number;
  closedHeight: number | null;
  closedTx: string | null;
}

export interface MarketView {
  /** Height of the state read. */
  height: number;
  /** The chain's token symbol (null: the chain has no token, so nothing can be traded). */
  symbol: string | null;
  /** What the escrow account holds now (the sum of what open trades lock). */
  escrow: number;
  offers: OfferView[];
}

export interface TradesView {
  height: number;
  /** This peer's purchases (as buyer), newest first. */
  purchases: PurchaseView[];
  /** This peer's sales (as seller), newest first. */
  sales: PurchaseView[];
  /** This peer's demands, newest first. */
  demands: DemandView[];
}

export type OfferRequest = {
  dataset: string;
  price: number;
  terms: string;
  /** Blocks to deliver after a purchase (default 100). */
  deliverBlocks?: number;
  /** Blocks the offer stays open (default: until withdrawn). */
  expiresBlocks?: number;
  /** Locked by the seller with each sale, paid to the buyer on a failure (default 0). */
  penalty?: number;
  /**
   * Blocks (1 to 10,000) the buyer may dispute the delivered key, the escrow kept; the seller's
   * peer answers a dispute by itself (default: none, the escrow pays at delivery).
   */
  disputeBlocks?: number;
};

/** An order of a device data stream's order book (market.ask / market.bid). */
export interface OrderView {
  id: string;
  side: 'ask' | 'bid';
  account: string;
  dataset: string;
  /** Tokens per window (a bid: the most it pays, locked in escrow while it rests). */
  price: number;
  /** An ask's terms of permitted use ('' for a bid). */
  terms: string;
  penalty: number;
  deliverBlocks: number;
  /** Windows it trades (an ask's quantity; 1 for a bid) and how many are filled. */
  quantity: number;
  filled: number;
  /** expired: it reached its last height unfilled and was dropped (a bid's lock returned). */
  state: 'open' | 'filled' | 'cancelled' | 'expired';
  /** The last height at which it can match (null: until filled or closed). */
  expires: number | null;
  seq: number;
  height: number;
  time: number;
}

/** A stream's open orders, best first (asks cheapest, bids highest, then the earlier). */
export interface StreamBookView {
  height: number;
  dataset: string;
  asks: OrderView[];
  bids: OrderView[];
}

export type AskRequest = {
  /** A device data stream: a dataset "dev-<device>-<gateway>" this peer owns. */
  dataset: string;
  /** Tokens per window (the stream's grant window of versions). */
  price: number;
  terms: string;
  /** Windows to sell, one per buyer (default 1). */
  quantity?: number;
  deliverBlocks?: number;
  penalty?: number;
  /** Blocks the ask may match (default: until filled or closed); then it is dropped. */
  expiresBlocks?: number;
};

export type BidRequest = {
  dataset: string;
  /** The most it pays for one window (locked in escrow while it rests). */
  price: number;
  /** Blocks the bid may match (default: until filled or closed); then its lock returns. */
  expiresBlocks?: number;
};

export interface MarketMethods {
  /** A device data stream's order book (open orders, best first; at most 500 a side). */
  streamBook(dataset: string): Promise<StreamBookView>;
  /** Sell windows of one of this peer's device streams: matched with the best bids at once. */
  askStream(request: AskRequest): Promise<{ txId: string }>;
  /** Bid for one window of a device stream at most at `price`: matched or resting (locked). */
  bidStream(request: BidRequest): Promise<{ txId: string }>;
  /** Close one of this peer's resting orders (a bid's lock returns). */
  closeOrder(order: string): Promise<{ txId: string }>;
  /** Offers on the chain (open ones; all of a dataset with `dataset`), cheapest first. */
  marketOffers(options?: { dataset?: string; all?: boolean }): Promise<MarketView>;
  /** Offer one of this peer's datasets (it needs a version). Resting demands it fills match at once. */
  offerDataset(request: OfferRequest): Promise<{ txId: string }>;
  withdrawOffer(offer: string): Promise<{ txId: string }>;
  /**
   * Buy at the posted price (the price you agree to pay): the price is locked in escrow until
   * the seller's peer delivers the key (it then goes to the seller) or the deadline passes (it
   * comes back, with the seller's penalty). This peer's X25519 key is published first if needed.
   */
  buyOffer(offer: string, price: number): Promise<{ txId: string }>;
  /** Want a dataset at most at maxPrice: matched with the cheapest open offer, or resting. */
  demandDataset(request: {
    dataset: string;
    maxPrice: number;
    expiresBlocks?: number;
  }): Promise<{ txId: string }>;
  cancelDemand(demand: string): Promise<{ txId: string }>;
  /** Deliver a sale now (the peer does it by itself when the purchase commits). */
  deliverPurchase(purchase: string): Promise<{ txId: string }>;
  /** Claim the refund of a purchase not delivered by its deadline (anyone may). */
  refundPurchase(purchase: string): Promise<{ txId: string }>;
  /**
   * The buyer says the key delivered does not open the data ("Report wrong key"): a sale under a
   * key check (its offer's disputeBlocks), while checking. The seller's peer must show on chain
   * that the key it wrapped is the version's committed one within disputeBlocks; else the buyer
   * is paid back with the penalty. The buyer locks a bond of the penalty, lost to the seller if
   * the key is proven right. UNAUTHORIZED for another account, BAD_REQUEST outside the window,
   * INSUFFICIENT_FUNDS without the bond.
   */
  disputePurchase(purchase: string): Promise<{ txId: string }>;
  /** The seller answers a dispute now (its peer does it by itself): NOT_FOUND without its kept keys. */
  answerDispute(purchase: string): Promise<{ txId: string }>;
  /** This peer's purchases, sales and demands. */
  marketTrades(): Promise<TradesView>;
}

export const marketMethodNames = [
  'marketOffers',
  'offerDataset',
  'withdrawOffer',
  'buyOffer',
  'demandDataset',
  'cancelDemand',
  'deliverPurchase',
  'refundPurchase',
  'disputePurchase',
  'answerDispute',
  'marketTrades',
  'streamBook',
  'askStream',
  'bidStream',
  'closeOrder',
] as const;
