// The data market on this peer (issue 16; Y.4560 8.3, 9.7): offers, buys and demands as this
// peer (each prechecked against the newest state, so a buy above the balance is refused with
// INSUFFICIENT_FUNDS before it is signed), the market's views, and the two duties a peer does by
// itself after every committed block: as a seller it delivers each purchase of its datasets that
// waits in escrow (it wraps the dataset key for the buyer, as a grant does, and market.deliver
// releases the escrow in the same transaction), and as a buyer it claims the refund of a
// purchase whose deadline passed without delivery. A seller that was offline delivers when it is
// back, at its first committed block, if the deadline has not passed.
// Under a key check (an offer with disputeBlocks, D-8.3, worker/core/modules/market/keycheck.ts)
// the seller keeps each wrap's ephemeral private key in its storage until the purchase closes,
// and answers a dispute by itself with them; the buyer disputes with disputePurchase (the Market
// page's "Report wrong key").
import { botError } from '../core/errors';
import { equalBytes, fromHex, toHex } from '../core/bytes';
import { x25519 } from '@noble/curves/ed25519.js';
import type { Storage } from '../store/storage';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import { emptyTokens, balanceOf } from '../core/modules/tokens';
import {
  emptyMarket,
  escrowAccount,
  type Demand,
  type MarketState,
  type Offer,
  type Purchase,
} from '../core/modules/market';
import type { DatasetsHost } from './datasets';
import type {
  AskRequest,
  BidRequest,
  StreamBookView,
  DemandView,
  MarketView,
  OfferRequest,
  OfferView,
  PurchaseView,
  TradesView,
  TxResult,
} from '../api';

/** Offers one marketOffers answer lists at most (the cheapest). */
export const offersListedMax = 500;
/** Trades of each kind one marketTrades answer lists at most (the newest). */
export const tradesListedMax = 500;
/** A delivery or refund this peer sent is retried after this many blocks without a result. */
const retryAfterBlocks = 3;
/** Deliveries under a key check whose ephemeral keys a seller keeps per purchase (the newest). */
export const keptDeliveriesMax = 8;

export interface MarketHostDeps {
  /** Where a seller keeps the ephemeral keys of its deliveries under a key check. */
  storage: Storage;
  /** The newest state (for prechecks and the duties). */
  chain(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  datasets(): Promise<DatasetsHost>;
  now(): number;
  record(level: 'info' | 'warn' | 'error', message: string): void;
}

const marketOf = (chain: ChainState): MarketState => chain.market ?? emptyMarket();

export class MarketHost {
  /** Deliveries and refunds sent, by purchase: the height they were sent at. */
  private readonly sent = new Map<string, number>();

  constructor(private readonly d: MarketHostDeps) {}

  /** Whether a chain state gives this peer a duty (a sale to deliver, a refund to claim). */
  static hasDuty(chain: ChainState, self: string): boolean {
    for (const p of marketOf(chain).purchases.values())
      if (p.state === 'escrow' && (p.seller === self || p.buyer === self)) return true;
      else if (p.state === 'disputed' && p.seller === self) return true;
    return false;
  }

  private async submitChecked(type: string, body: unknown): Promise<{ txId: string }> {
    const chain = this.d.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type,
      from: this.d.self(),
      nonce: 1,
      time: this.d.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.d.submit({ type, body });
  }

  /** Before anything is signed (the reader key): a chain without a token trades nothing. */
  private tokensNeeded(): void {
    if (!this.d.chain().genesis.tokens)
      throw botError(
        'BAD_REQUEST',
        'This chain has no token: nothing can be bought or sold on it.',
      );
  }

  // ---- views ---------------------------------------------------------------------------------

  async marketOffers(options: { dataset?: string; all?: boolean } = {}): Promise<MarketView> {
    const chain = this.d.chain();
    const market = marketOf(chain);
    const tokens = chain.tokens ?? emptyTokens(chain.genesis);
    const offers: OfferView[] = [];
    for (const offer of market.offers.values()) {
      if (options.dataset !== undefined && offer.dataset !== options.dataset) continue;
      if (!options.all && !isOpen(offer, chain.height + 1)) continue;
      offers.push(this.offerView(market, offer));
    }
    offers.sort((a, b) => a.price - b.price || a.height - b.height || (a.id < b.id ? -1 : 1));
    return {
      height: chain.height,
      symbol: chain.genesis.tokens?.symbol ?? null,
      escrow: balanceOf(tokens, escrowAccount),
      offers: offers.slice(0, offersListedMax),
    };
  }

  private offerView(market: MarketState, offer: Offer): OfferView {
    const rep = market.reputation.get(offer.seller) ?? { delivered: 0, failed: 0 };
    return { ...offer, disputeBlocks: offer.disputeBlocks ?? 0, sellerReputation: { ...rep } };
  }

  async marketTrades(): Promise<TradesView> {
    const chain = this.d.chain();
    const market = marketOf(chain);
    const self = this.d.self();
    const purchases: PurchaseView[] = [];
    const sales: PurchaseView[] = [];
    for (const p of market.purchases.values()) {
      if (p.buyer === self) purchases.push(purchaseView(p));
      if (p.seller === self) sales.push(purchaseView(p));
    }
    const demands: DemandView[] = [];
    for (const d of market.demands.values()) if (d.buyer === self) demands.push({ ...d });
    return {
      height: chain.height,
      purchases: newest(purchases).slice(0, tradesListedMax),
      sales: newest(sales).slice(0, tradesListedMax),
      demands: newest(demands).slice(0, tradesListedMax),
    };
  }

  // ---- writes --------------------------------------------------------------------------------

  async offerDataset(request: OfferRequest): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'offerDataset takes { dataset, price, terms, ... }.');
    const body: Record<string, unknown> = {
      dataset: request.dataset,
      price: request.price,
      terms: request.terms,
    };
    for (const name of ['deliverBlocks', 'expiresBlocks', 'penalty', 'disputeBlocks'] as const)
      if (request[name] !== undefined) body[name] = request[name];
    return this.submitChecked('market.offer', body);
  }

  streamBook(dataset: string): Promise<StreamBookView> {
    const chain = this.d.chain();
    const book = marketOf(chain).book.get(dataset);
    return Promise.resolve({
      height: chain.height,
      dataset,
      asks: (book?.asks ?? [])
        .slice(0, offersListedMax)
        .map((o) => ({ ...o, expires: o.expires ?? null })),
      bids: (book?.bids ?? [])
        .slice(0, offersListedMax)
        .map((o) => ({ ...o, expires: o.expires ?? null })),
    });
  }

  async askStream(request: AskRequest): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'askStream takes { dataset, price, terms, quantity?, ... }.');
    const body: Record<string, unknown> = {
      dataset: request.dataset,
      price: request.price,
      terms: request.terms,
    };
    for (const name of ['quantity', 'deliverBlocks', 'penalty', 'expiresBlocks'] as const)
      if (request[name] !== undefined) body[name] = request[name];
    return this.submitChecked('market.ask', body);
  }

  async bidStream(request: BidRequest): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'bidStream takes { dataset, price, expiresBlocks? }.');
    this.tokensNeeded();
    // The seller wraps the key for this peer's X25519 key: it must be on chain first.
    await (await this.d.datasets()).readyToRead();
    const body: Record<string, unknown> = { dataset: request.dataset, price: request.price };
    if (request.expiresBlocks !== undefined) body.expiresBlocks = request.expiresBlocks;
    return this.submitChecked('market.bid', body);
  }

  async closeOrder(order: string): Promise<{ txId: string }> {
    return this.submitChecked('market.close', { order });
  }

  async withdrawOffer(offer: string): Promise<{ txId: string }> {
    return this.submitChecked('market.withdraw', { offer });
  }

  async buyOffer(offer: string, price: number): Promise<{ txId: string }> {
    this.tokensNeeded();
    const found = marketOf(this.d.chain()).offers.get(offer);
    if (!found) throw botError('NOT_FOUND', 'There is no offer with this id.');
    // The seller wraps the key for this peer's X25519 key: it must be on chain first.
    await (await this.d.datasets()).readyToRead();
    return this.submitChecked('market.buy', { offer, price });
  }

  async demandDataset(request: {
    dataset: string;
    maxPrice: number;
    expiresBlocks?: number;
  }): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'demandDataset takes { dataset, maxPrice, expiresBlocks? }.');
    this.tokensNeeded();
    await (await this.d.datasets()).readyToRead();
    const body: Record<string, unknown> = { dataset: request.dataset, maxPrice: request.maxPrice };
    if (request.expiresBlocks !== undefined) body.expiresBlocks = request.expiresBlocks;
    return this.submitChecked('market.demand', body);
  }

  async cancelDemand(demand: string): Promise<{ txId: string }> {
    return this.submitChecked('market.cancel', { demand });
  }

  async deliverPurchase(purchase: string): Promise<{ txId: string }> {
    const p = marketOf(this.d.chain()).purchases.get(purchase);
    if (!p) throw botError('NOT_FOUND', 'There is no purchase with this id.');
    if (p.seller !== this.d.self())
      throw botError('UNAUTHORIZED', 'Only the seller of a purchase delivers it.');
    if (p.state !== 'escrow') throw botError('BAD_REQUEST', `This purchase is ${p.state} already.`);
    const datasets = await this.d.datasets();
    const dataset = this.d.chain().datasets?.datasets.get(p.dataset);
    if (!dataset) throw botError('NOT_FOUND', `No dataset "${p.dataset}" on this chain.`);
    if (!p.disputeBlocks) {
      const keys = await datasets.windowKeys(dataset, p.buyer);
      return this.submitChecked('market.deliver', { purchase, keys });
    }
    // Under a key check: the wraps' ephemeral keys are kept before the delivery is sent, beside
    // those of earlier tries (a retry while one is pending: the one that commits is answered).
    const secrets: Uint8Array[] = [];
    const keys = await datasets.windowKeys(dataset, p.buyer, secrets);
    const key = this.secretsKey(purchase);
    const tries = (await this.d.storage.getMeta<string[][]>(key)) ?? [];
    tries.push(secrets.map(toHex));
    await this.d.storage.putMeta(key, tries.slice(-keptDeliveriesMax));
    return this.submitChecked('market.deliver', { purchase, keys });
  }

  private secretsKey(purchase: string): string {
    return `market.secrets.${this.d.chain().chainId}.${purchase}`;
  }

  /** The buyer says the key delivered does not open the data (a sale under a key check). */
  async disputePurchase(purchase: string): Promise<{ txId: string }> {
    const p = marketOf(this.d.chain()).purchases.get(purchase);
    if (!p) throw botError('NOT_FOUND', 'There is no purchase with this id.');
    if (p.buyer !== this.d.self())
      throw botError('UNAUTHORIZED', 'Only the buyer of a purchase disputes its key.');
    return this.submitChecked('market.dispute', { purchase });
  }

  /** The seller shows its keys were right: the ephemeral keys it kept for the delivery. */
  async answerDispute(purchase: string): Promise<{ txId: string }> {
    const delivered = marketOf(this.d.chain()).purchases.get(purchase)?.delivered ?? [];
    const tries = (await this.d.storage.getMeta<string[][]>(this.secretsKey(purchase))) ?? [];
    const secrets = tries
      .map((hex) => hex.map(fromHex))
      .find(
        (list) =>
          list.length === delivered.length &&
          list.every((s, i) => equalBytes(x25519.getPublicKey(s), delivered[i]!.ephemeral)),
      );
    if (!secrets)
      throw botError(
        'NOT_FOUND',
        'This peer kept no keys for that delivery (another peer delivered it, or its storage was lost).',
      );
    return this.submitChecked('market.answer', { purchase, secrets });
  }

  async refundPurchase(purchase: string): Promise<{ txId: string }> {
    return this.submitChecked('market.refund', { purchase });
  }

  // ---- duties after each committed block ------------------------------------------------------

  /** Deliver this peer's sales waiting in escrow; claim refunds of its purchases past deadline. */
  onCommitted(): void {
    const chain = this.d.chain();
    const self = this.d.self();
    const next = chain.height + 1;
    for (const p of marketOf(chain).purchases.values()) {
      const answer = p.state === 'disputed' && p.seller === self && next <= (p.until ?? 0);
      if (p.state !== 'escrow' && !answer) {
        this.sent.delete(p.id);
        continue;
      }
      const at = this.sent.get(p.id);
      if (at !== undefined && chain.height < at + retryAfterBlocks) continue;
      if (answer) this.duty(p, 'answer');
      else if (p.seller === self && next <= p.deadline) this.duty(p, 'deliver');
      else if (p.buyer === self && next > p.deadline) this.duty(p, 'refund');
    }
  }

  private duty(p: Purchase, kind: 'deliver' | 'refund' | 'answer'): void {
    this.sent.set(p.id, this.d.chain().height);
    const work =
      kind === 'deliver'
        ? this.deliverPurchase(p.id)
        : kind === 'answer'
          ? this.answerDispute(p.id)
          : this.refundPurchase(p.id);
    void work
      .then(({ txId }) => this.d.waitFor(txId))
      .then((result) => {
        if (result.status !== 'committed' || result.error)
          this.d.record(
            'warn',
            `The ${kind} of purchase ${p.id.slice(0, 12)}… of "${p.dataset}" did not take effect: ${result.error?.message ?? result.status}`,
          );
      })
      .catch((error) =>
        this.d.record(
          'warn',
          `The ${kind} of purchase ${p.id.slice(0, 12)}… of "${p.dataset}" was not sent: ${(error as Error).message}`,
        ),
      );
  }
}

/** A purchase as the API shows it: the wraps a key check keeps stay on chain. */
function purchaseView(p: Purchase): PurchaseView {
  const { readerKey: _k, delivered: _d, ...view } = p;
  return {
    ...view,
    disputeBlocks: p.disputeBlocks ?? 0,
    until: p.until ?? null,
    bond: p.bond ?? 0,
  };
}

function isOpen(offer: Offer, height: number): boolean {
  return offer.state === 'open' && (offer.expires === null || height <= offer.expires);
}

function newest<T extends { height: number; id: string }>(list: T[]): T[] {
  return list.sort((a, b) => b.height - a.height || (a.id < b.id ? -1 : 1));
}
