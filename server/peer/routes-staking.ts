// Staking routes (issue 16, public mode): the staking view with the validators and their power,
// bond and unbond as this peer. Parameters are checked by the dispatcher (worker/host/dispatch-staking.ts).
import { botError } from '../../worker/core/errors';
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

async function amountOf(request: Parameters<Handler>[0]['request']): Promise<unknown> {
  const body = await readJsonObject(request);
  for (const name of Object.keys(body))
    if (name !== 'amount')
      throw botError('BAD_REQUEST', `The body takes { amount }, not "${name}".`);
  return body.amount;
}

export function stakingRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/staking', async () => ({ body: await call('staking') })],
    [
      'GET',
      '/v1/staking/:account',
      async ({ params }) => ({ body: await call('staking', params[0]!) }),
    ],
    [
      'POST',
      '/v1/stake',
      async ({ request }) => ({ status: 202, body: await call('bond', await amountOf(request)) }),
    ],
    [
      'POST',
      '/v1/unbond',
      async ({ request }) => ({ status: 202, body: await call('unbond', await amountOf(request)) }),
    ],
  ];
}
