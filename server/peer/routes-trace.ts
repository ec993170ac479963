// Supply-chain traceability routes (issue 17; Y.4560 I.1.4: POST and GET, JSON).
import type { MethodName } from '../../worker/api';
import { botError } from '../../worker/core/errors';
import { type Call, found, type Handler, type Method, readJsonObject } from './http-common';

export function traceRoutes(call: Call): Array<[Method, string, Handler]> {
  // The JSON body is the request as window.bot takes it; the dispatcher checks every field.
  const write =
    (name: MethodName): Handler =>
    async ({ request }) => ({ status: 202, body: await call(name, await readJsonObject(request)) });
  return [
    ['POST', '/v1/trace/records', write('traceRecord')],
    ['POST', '/v1/trace/transfers', write('traceTransfer')],
    ['POST', '/v1/trace/splits', write('traceSplit')],
    ['POST', '/v1/trace/merges', write('traceMerge')],
    [
      'GET',
      '/v1/trace/lots/:id',
      async ({ params }) => ({
        body: found(await call('traceLot', params[0]!), `There is no lot "${params[0]}".`),
      }),
    ],
    [
      'GET',
      '/v1/trace/lots/:id/journey',
      async ({ params, query }) => {
        const fetch = query.get('fetch');
        if (fetch !== null && fetch !== 'true' && fetch !== 'false')
          throw botError('BAD_REQUEST', 'fetch must be true or false.');
        return { body: await call('traceBack', params[0]!, { fetch: fetch === 'true' }) };
      },
    ],
  ];
}
