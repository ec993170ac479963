// The dispatcher's entries of the data market (issue 16): worker/host/dispatch.ts spreads them
// into its table. Amounts, terms and ids are judged again by the core.
import * as limits from '../core/limits';
import * as dsLimits from '../core/modules/datasets/limits';
import {
  askQuantityMax,
  deliverBlocksMax,
  disputeBlocksMax,
  expiresBlocksMax,
  termsLengthMax,
} from '../core/modules/market/types';
import type { AskRequest, BidRequest, OfferRequest } from '../api';
import { boolean, hex, integer, optional, param, record, text } from './params';
import { method } from './dispatch-method';

const id = hex(64);
const amount = integer(1, limits.tokenAmountMax);
const datasetId = text(dsLimits.datasetIdLengthMax, { min: 1, unit: 'characters' });

export const marketApiMethods = {
  marketOffers: method(
    [
      optional(
        'options',
        record<{ dataset?: string; all?: boolean }>({
          dataset: optional('dataset', datasetId),
          all: optional('all', boolean),
        }),
      ),
    ],
    (p, options) => p.marketOffers(options),
  ),
  offerDataset: method(
    [
      param(
        'request',
        record<OfferRequest>({
          dataset: param('dataset', datasetId),
          price: param('price', amount),
          terms: param('terms', text(termsLengthMax, { min: 1, unit: 'characters' })),
          deliverBlocks: optional('deliverBlocks', integer(1, deliverBlocksMax)),
          expiresBlocks: optional('expiresBlocks', integer(1, expiresBlocksMax)),
          penalty: optional('penalty', integer(0, limits.tokenAmountMax)),
          disputeBlocks: optional('disputeBlocks', integer(1, disputeBlocksMax)),
        }),
      ),
    ],
    (p, request) => p.offerDataset(request),
  ),
  withdrawOffer: method([param('offer', id)], (p, offer) => p.withdrawOffer(offer)),
  buyOffer: method([param('offer', id), param('price', amount)], (p, offer, price) =>
    p.buyOffer(offer, price),
  ),
  demandDataset: method(
    [
      param(
        'request',
        record<{ dataset: string; maxPrice: number; expiresBlocks?: number }>({
          dataset: param('dataset', datasetId),
          maxPrice: param('maxPrice', amount),
          expiresBlocks: optional('expiresBlocks', integer(1, expiresBlocksMax)),
        }),
      ),
    ],
    (p, request) => p.demandDataset(request),
  ),
  cancelDemand: method([param('demand', id)], (p, demand) => p.cancelDemand(demand)),
  deliverPurchase: method([param('purchase', id)], (p, purchase) => p.deliverPurchase(purchase)),
  refundPurchase: method([param('purchase', id)], (p, purchase) => p.refundPurchase(purchase)),
  disputePurchase: method([param('purchase', id)], (p, purchase) => p.disputePurchase(purchase)),
  answerDispute: method([param('purchase', id)], (p, purchase) => p.answerDispute(purchase)),
  marketTrades: method([], (p) => p.marketTrades()),
  streamBook: method([param('dataset', datasetId)], (p, dataset) => p.streamBook(dataset)),
  askStream: method(
    [
      param(
        'request',
        record<AskRequest>({
          dataset: param('dataset', datasetId),
          price: param('price', amount),
          terms: param('terms', text(termsLengthMax, { min: 1, unit: 'characters' })),
          quantity: optional('quantity', integer(1, askQuantityMax)),
          deliverBlocks: optional('deliverBlocks', integer(1, deliverBlocksMax)),
          penalty: optional('penalty', integer(0, limits.tokenAmountMax)),
          expiresBlocks: optional('expiresBlocks', integer(1, expiresBlocksMax)),
        }),
      ),
    ],
    (p, request) => p.askStream(request),
  ),
  bidStream: method(
    [
      param(
        'request',
        record<BidRequest>({
          dataset: param('dataset', datasetId),
          price: param('price', amount),
          expiresBlocks: optional('expiresBlocks', integer(1, expiresBlocksMax)),
        }),
      ),
    ],
    (p, request) => p.bidStream(request),
  ),
  closeOrder: method([param('order', id)], (p, order) => p.closeOrder(order)),
};
