// The data market's part of the OpenAPI document (server/peer/openapi.ts spreads these in):
// its answer schemas, request bodies and paths. Shapes follow worker/api-market.ts.
import {
  askQuantityMax,
  deliverBlocksMax,
  disputeBlocksMax,
  expiresBlocksMax,
  termsLengthMax,
} from '../../worker/core/modules/market/types';
import {
  did,
  hex,
  int,
  list,
  nullable,
  obj,
  ref,
  type Schema,
  str,
  strict,
} from './openapi-schema';

const amount: Schema = { type: 'integer', minimum: 1 };

const purchase = obj({
  id: hex(64),
  offer: hex(64),
  demand: nullable(hex(64)),
  dataset: str,
  seller: did,
  buyer: did,
  price: int,
  penalty: int,
  terms: str,
  deadline: int,
  state: { enum: ['escrow', 'checking', 'disputed', 'delivered', 'refunded'] },
  disputeBlocks: int,
  until: nullable(int),
  bond: int,
  height: int,
  time: { type: 'number' },
  closedHeight: nullable(int),
  closedTx: nullable(hex(64)),
});
const demand = obj({
  id: hex(64),
  buyer: did,
  dataset: str,
  maxPrice: int,
  expires: nullable(int),
  state: { enum: ['open', 'filled', 'cancelled'] },
  purchase: nullable(hex(64)),
  height: int,
  time: { type: 'number' },
});

const order = obj({
  id: hex(64),
  side: { enum: ['ask', 'bid'] },
  account: did,
  dataset: str,
  price: int,
  terms: str,
  penalty: int,
  deliverBlocks: int,
  quantity: int,
  filled: int,
  state: { enum: ['open', 'filled', 'cancelled', 'expired'] },
  expires: nullable(int),
  seq: int,
  height: int,
  time: { type: 'number' },
});
const blocks = (max: number): Schema => ({ type: 'integer', minimum: 1, maximum: max });

export const marketSchemas: Record<string, Schema> = {
  StreamBook: obj({ height: int, dataset: str, asks: list(order), bids: list(order) }),
  Market: obj({
    height: int,
    symbol: nullable(str),
    escrow: int,
    offers: list(
      obj({
        id: hex(64),
        seller: did,
        dataset: str,
        price: int,
        terms: str,
        penalty: int,
        deliverBlocks: int,
        disputeBlocks: int,
        expires: nullable(int),
        state: { enum: ['open', 'withdrawn'] },
        sold: int,
        height: int,
        time: { type: 'number' },
        sellerReputation: obj({ delivered: int, failed: int }),
      }),
    ),
  }),
  Multisig: obj({
    policy: nullable(
      obj({
        signers: list(did),
        k: int,
        types: list(obj({ type: str, amountOver: int }, ['amountOver'])),
      }),
    ),
    signer: { type: 'boolean' },
    proposals: list(
      obj({
        id: hex(64),
        type: str,
        body: {},
        from: did,
        approvals: list(did),
        state: { enum: ['pending', 'executed'] },
        height: int,
        executedHeight: nullable(int),
        executedTx: nullable(hex(64)),
      }),
    ),
    height: int,
  }),
  Trades: obj({
    height: int,
    purchases: list(purchase),
    sales: list(purchase),
    demands: list(demand),
  }),
};

export const marketBodies: Record<string, Schema> = {
  Offer: strict(
    obj(
      {
        dataset: str,
        price: amount,
        terms: { type: 'string', minLength: 1, maxLength: termsLengthMax },
        deliverBlocks: amount,
        expiresBlocks: amount,
        penalty: int,
        disputeBlocks: blocks(disputeBlocksMax),
      },
      ['deliverBlocks', 'expiresBlocks', 'penalty', 'disputeBlocks'],
    ),
  ),
  Propose: strict(obj({ type: { type: 'string', minLength: 1, maxLength: 64 }, body: {} })),
  Buy: strict(obj({ price: amount })),
  Demand: strict(obj({ dataset: str, maxPrice: amount, expiresBlocks: amount }, ['expiresBlocks'])),
  Ask: strict(
    obj(
      {
        dataset: str,
        price: amount,
        terms: { type: 'string', minLength: 1, maxLength: termsLengthMax },
        quantity: blocks(askQuantityMax),
        deliverBlocks: blocks(deliverBlocksMax),
        penalty: int,
        expiresBlocks: blocks(expiresBlocksMax),
      },
      ['quantity', 'deliverBlocks', 'penalty', 'expiresBlocks'],
    ),
  ),
  Bid: strict(
    obj({ dataset: str, price: amount, expiresBlocks: blocks(expiresBlocksMax) }, [
      'expiresBlocks',
    ]),
  ),
};

const id = [{ name: 'id', in: 'path', required: true, schema: hex(64) }];
const accepted: [string, Schema] = ['202', ref('TxAccepted')];

export const marketPaths = {
  '/v1/market/offers': {
    get: {
      summary:
        'Offers on the chain, cheapest first (open ones; all=true: withdrawn and expired too).',
      ok: ['200', ref('Market')] as [string, Schema],
      params: [
        { name: 'dataset', in: 'query', schema: str },
        { name: 'all', in: 'query', schema: { enum: ['true', 'false'] } },
      ],
    },
    post: {
      summary:
        "Offer one of this peer's datasets at a posted price (resting demands match at once).",
      ok: accepted,
      body: 'Offer',
    },
  },
  '/v1/market/offers/{id}/withdraw': {
    post: { summary: 'The seller withdraws an offer.', ok: accepted, params: id },
  },
  '/v1/market/offers/{id}/buy': {
    post: {
      summary: 'Buy at the posted price: the price is locked in escrow until delivery or refund.',
      ok: accepted,
      body: 'Buy',
      params: id,
    },
  },
  '/v1/market/demands': {
    post: {
      summary: 'Want a dataset at most at maxPrice: matched with the cheapest offer, or resting.',
      ok: accepted,
      body: 'Demand',
    },
  },
  '/v1/market/demands/{id}/cancel': {
    post: {
      summary: 'The buyer cancels a resting demand (its escrow returns).',
      ok: accepted,
      params: id,
    },
  },
  '/v1/market/purchases/{id}/deliver': {
    post: {
      summary:
        'The seller delivers now (its peer does so by itself): key granted, escrow released.',
      ok: accepted,
      params: id,
    },
  },
  '/v1/market/purchases/{id}/refund': {
    post: {
      summary: 'Claim the refund (price and penalty) of a purchase not delivered by its deadline.',
      ok: accepted,
      params: id,
    },
  },
  '/v1/market/purchases/{id}/dispute': {
    post: {
      summary:
        "The buyer reports a wrong key (a sale with a dispute window, while checking): the seller's peer must prove on chain that the key it wrapped is the committed one, else the buyer is paid back with the penalty.",
      ok: accepted,
      params: id,
    },
  },
  '/v1/market/purchases/{id}/answer': {
    post: {
      summary:
        'The seller answers a dispute now (its peer does so by itself) with the ephemeral keys it kept for the delivery.',
      ok: accepted,
      params: id,
    },
  },
  '/v1/market/streams/{id}/book': {
    get: {
      summary:
        "A device data stream's order book: open asks (cheapest first) and bids (highest first), then by arrival; at most 500 a side.",
      ok: ['200', ref('StreamBook')] as [string, Schema],
      params: [{ name: 'id', in: 'path', required: true, schema: str }],
    },
  },
  '/v1/market/asks': {
    post: {
      summary:
        "Sell windows of one of this peer's device streams at a price: the best resting bids fill at once, the rest rests.",
      ok: accepted,
      body: 'Ask',
    },
  },
  '/v1/market/bids': {
    post: {
      summary:
        'Bid for one window of a device stream: matched with the cheapest ask at its price, else it rests with the price locked.',
      ok: accepted,
      body: 'Bid',
    },
  },
  '/v1/market/orders/{id}/close': {
    post: {
      summary: "Close one of this peer's resting orders (a bid's lock returns).",
      ok: accepted,
      params: id,
    },
  },
  '/v1/multisig': {
    get: {
      summary: "The chain's multi-signature rule and its held transactions.",
      ok: ['200', ref('Multisig')] as [string, Schema],
    },
  },
  '/v1/multisig/proposals': {
    post: {
      summary:
        'Propose a transaction the chain holds for signatures (a signer; its approval counts).',
      ok: accepted,
      body: 'Propose',
    },
  },
  '/v1/multisig/proposals/{id}/approve': {
    post: {
      summary: 'Approve a held transaction; the k-th approval executes it.',
      ok: accepted,
      params: id,
    },
  },
  '/v1/market/trades': {
    get: {
      summary: "This peer's purchases, sales and demands.",
      ok: ['200', ref('Trades')] as [string, Schema],
    },
  },
};
