// The dispatcher test's cases for the market's methods (dispatch.test.ts spreads them in): good
// parameters, and bad ones with a piece of the message they must get.
const offerId = 'cd'.repeat(32);

export const marketCases = {
  streamBook: {
    good: ['dev-washer-gw'],
    bad: [[[7], 'streamBook: dataset must be']] as Array<[unknown[], string]>,
  },
  askStream: {
    good: [
      {
        dataset: 'dev-washer-gw',
        price: 5,
        terms: 'statistics only',
        quantity: 3,
        expiresBlocks: 20,
      },
    ],
    bad: [
      [[{ dataset: 'dev-w-g', price: 5, terms: 'x', quantity: 0 }], 'askStream: request.quantity'],
      [
        [{ dataset: 'dev-w-g', price: 5, terms: 'x', expiresBlocks: 0 }],
        'askStream: request.expiresBlocks',
      ],
      [[{ dataset: 'dev-w-g', price: 5 }], 'askStream: request.terms'],
    ] as Array<[unknown[], string]>,
  },
  bidStream: {
    good: [{ dataset: 'dev-washer-gw', price: 5, expiresBlocks: 3 }],
    bad: [
      [[{ dataset: 'dev-w-g', price: 0 }], 'bidStream: request.price must be a whole number'],
      [[{ dataset: 'dev-w-g', price: 5, expiresBlocks: -1 }], 'bidStream: request.expiresBlocks'],
    ] as Array<[unknown[], string]>,
  },
  closeOrder: {
    good: [offerId],
    bad: [[['x'], 'closeOrder: order must be 64 lowercase hex digits']] as Array<
      [unknown[], string]
    >,
  },
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
  disputePurchase: {
    good: [offerId],
    bad: [[['ZZ'], 'disputePurchase: purchase must be 64 lowercase hex digits']] as Array<
      [unknown[], string]
    >,
  },
  answerDispute: {
    good: [offerId],
    bad: [[[1], 'answerDispute: purchase']] as Array<[unknown[], string]>,
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
