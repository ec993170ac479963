// A block's overlay of the market: what its transactions changed, over the state before it.
import type { TokenOverlay } from '../tokens';
import type { DatasetOverlay } from '../datasets';
import type { Demand, MarketState, Offer, Order, Purchase, Reputation } from './types';

/** What a block changes in the book, besides the changed records (MarketOverlay.orders). */
export interface BookOverlay {
  seq: number;
  open: number;
  /** Orders placed in this block that rested, by stream, in arrival order. */
  readonly added: Map<string, Order[]>;
  readonly openDelta: Map<string, number>;
}

export interface MarketOverlay {
  readonly base: MarketState;
  readonly offers: Map<string, Offer>;
  readonly demands: Map<string, Demand>;
  readonly purchases: Map<string, Purchase>;
  readonly reputation: Map<string, Reputation>;
  readonly orders: Map<string, Order>;
  readonly book: BookOverlay;
  readonly height: number;
  readonly tokens: () => TokenOverlay;
  readonly datasets: () => DatasetOverlay;
}
