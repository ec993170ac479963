// The dispatcher test's cases for the market's methods (dispatch.test.ts spreads them in): good
// parameters, and bad ones with a piece of the message they must get.
const offerId = 'cd'.repeat(32);

export const marketCases = {
  marketOffers: {
    good: [{ dataset: 'air', all: true }],
    bad: [[[{ dataset: 7 }], 'marketOffers: options.dataset must be'] as [unknown[], string]],
  },
  offerDataset: {
    good: [{ dataset: 'air', price: 40, terms: 'research only', deliverBlocks: 10, penalty: 0 }],
    bad: [
      [
        [{ dataset: 'air', price: 0, terms: 'x' }],
        'offerDataset: request.price must be a whole number from 1',
      ],
      [[{ dataset: 'air', price: 1 }], 'offerDataset: request.terms'],
      [[{ dataset: 'air', price: 1, terms: 'x', deliverBlocks: 0 }], 'request.deliverBlocks'],
    ] as Array<[unknown[], string]>,
  },
  withdrawOffer: {
    good: [offerId],
    bad: [[['x'], 'withdrawOffer: offer must be 64 lowercase hex digits']] as Array<
      [unknown[], string]
    >,
  },
  buyOffer: {
    good: [offerId, 40],
    bad: [
      [[offerId, 1.5], 'buyOffer: price must be a whole number'],
      [[offerId], 'buyOffer: price'],
    ] as Array<[unknown[], string]>,
  },
  demandDataset: {
    good: [{ dataset: 'air', maxPrice: 50 }],
    bad: [
      [
        [{ dataset: 'air', maxPrice: -1 }],
        'demandDataset: request.maxPrice must be a whole number',
      ],
    ] as Array<[unknown[], string]>,
  },
  cancelDemand: {
    good: [offerId],
    bad: [[[7], 'cancelDemand: demand must be']] as Array<[unknown[], string]>,
  },
  deliverPurchase: {
    good: [offerId],
    bad: [[['ZZ'], 'deliverPurchase: purchase must be 64 lowercase hex digits']] as Array<
      [unknown[], string]
    >,
  },
  refundPurchase: {
    good: [offerId],
    bad: [[[null], 'refundPurchase: purchase']] as Array<[unknown[], string]>,
  },
  marketTrades: {
    good: [],
    bad: [[[1], 'marketTrades takes 0 parameters']] as Array<[unknown[], string]>,
  },
  multisig: { good: [], bad: [[[1], 'multisig takes 0 parameters']] as Array<[unknown[], string]> },
  proposeMultisig: {
    good: [{ type: 'token.transfer', body: { to: 'x', amount: 1 } }],
    bad: [
      [[{ type: '', body: {} }], 'proposeMultisig: request.type must be a non-empty string'],
    ] as Array<[unknown[], string]>,
  },
  approveMultisig: {
    good: [offerId],
    bad: [[['nope'], 'approveMultisig: proposal must be 64 lowercase hex digits']] as Array<
      [unknown[], string]
    >,
  },
};
