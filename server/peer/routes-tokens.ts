// Token routes (issue 16): balances with proofs, history, transfers.
import { tokenHistoryListedMax } from '../../worker/core/limits';
import { type Call, type Handler, integerQuery, type Method, readJsonObject } from './http-common';

export function tokenRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    // An account's balance with the Merkle proof of its entry (proof null: never credited).
    ['GET', '/v1/balance', async () => ({ body: await call('balance') })],
    [
      'GET',
      '/v1/balance/:account',
      async ({ params }) => ({ body: await call('balance', params[0]!) }),
    ],
    [
      'GET',
      '/v1/balance/:account/history',
      async ({ params, query }) => {
        const limit = integerQuery(query, 'limit', 1, tokenHistoryListedMax);
        return {
          body: await call('tokenHistory', params[0]!, limit === undefined ? {} : { limit }),
        };
      },
    ],
    [
      'POST',
      '/v1/transfer',
      async ({ request }) => ({
        status: 202,
        body: await call('transfer', await readJsonObject(request)),
      }),
    ],
  ];
}
