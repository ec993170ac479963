// Data market routes (issue 16; Y.4560 8.3, 9.7): offers, buys, demands, deliveries, refunds,
// this peer's trades, and the order book of device data streams (book, asks, bids, closes). Every parameter is checked by the dispatcher (worker/host/dispatch-market.ts).
import { botError } from '../../worker/core/errors';
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

function booleanQuery(query: URLSearchParams, name: string): boolean | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (text !== 'true' && text !== 'false')
    throw botError('BAD_REQUEST', `${name} must be true or false.`);
  return text === 'true';
}

export function marketRoutes(call: Call): Array<[Method, string, Handler]> {
  const accepted = async (work: Promise<unknown>) => ({ status: 202, body: await work });
  return [
    [
      'GET',
      '/v1/market/offers',
      async ({ query }) => {
        const options: { dataset?: string; all?: boolean } = {};
        const dataset = query.get('dataset');
        if (dataset !== null) options.dataset = dataset;
        const all = booleanQuery(query, 'all');
        if (all !== undefined) options.all = all;
        return { body: await call('marketOffers', options) };
      },
    ],
    [
      'POST',
      '/v1/market/offers',
      async ({ request }) => accepted(call('offerDataset', await readJsonObject(request))),
    ],
    [
      'POST',
      '/v1/market/offers/:id/withdraw',
      async ({ params }) => accepted(call('withdrawOffer', params[0]!)),
    ],
    [
      'POST',
      '/v1/market/offers/:id/buy',
      async ({ params, request }) =>
        accepted(call('buyOffer', params[0]!, (await readJsonObject(request)).price)),
    ],
    [
      'POST',
      '/v1/market/demands',
      async ({ request }) => accepted(call('demandDataset', await readJsonObject(request))),
    ],
    [
      'POST',
      '/v1/market/demands/:id/cancel',
      async ({ params }) => accepted(call('cancelDemand', params[0]!)),
    ],
    [
      'POST',
      '/v1/market/purchases/:id/deliver',
      async ({ params }) => accepted(call('deliverPurchase', params[0]!)),
    ],
    [
      'POST',
      '/v1/market/purchases/:id/refund',
      async ({ params }) => accepted(call('refundPurchase', params[0]!)),
    ],
    [
      'POST',
      '/v1/market/purchases/:id/dispute',
      async ({ params }) => accepted(call('disputePurchase', params[0]!)),
    ],
    [
      'POST',
      '/v1/market/purchases/:id/answer',
      async ({ params }) => accepted(call('answerDispute', params[0]!)),
    ],
    ['GET', '/v1/market/trades', async () => ({ body: await call('marketTrades') })],
    [
      'GET',
      '/v1/market/streams/:id/book',
      async ({ params }) => ({ body: await call('streamBook', params[0]!) }),
    ],
    [
      'POST',
      '/v1/market/asks',
      async ({ request }) => accepted(call('askStream', await readJsonObject(request))),
    ],
    [
      'POST',
      '/v1/market/bids',
      async ({ request }) => accepted(call('bidStream', await readJsonObject(request))),
    ],
    [
      'POST',
      '/v1/market/orders/:id/close',
      async ({ params }) => accepted(call('closeOrder', params[0]!)),
    ],
  ];
}
