// Services outside the chain (issue 17, Y.4464 10.5): the chain's services and grants,
// registering a service, asking and revoking a grant, a grant's proof for a service, and using a
// grant at its service (the access is then recorded on chain). Parameters are checked by the
// dispatcher (worker/host/dispatch-services.ts).
import { botError } from '../../worker/core/errors';
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

export function servicesRoutes(call: Call): Array<[Method, string, Handler]> {
  const accepted = async (work: Promise<unknown>) => ({ status: 202, body: await work });
  return [
    ['GET', '/v1/services', async () => ({ body: await call('services') })],
    [
      'POST',
      '/v1/services',
      async ({ request }) => accepted(call('registerService', await readJsonObject(request))),
    ],
    [
      'POST',
      '/v1/services/grants',
      async ({ request }) => accepted(call('requestServiceGrant', await readJsonObject(request))),
    ],
    [
      'POST',
      '/v1/services/grants/:id/revoke',
      async ({ params }) => accepted(call('revokeServiceGrant', params[0]!)),
    ],
    [
      'GET',
      '/v1/services/grants/:id/proof',
      async ({ params, query }) => {
        const request: { grant: string; from?: number } = { grant: params[0]! };
        const from = query.get('from');
        if (from !== null) {
          if (!/^\d{1,15}$/.test(from))
            throw botError('BAD_REQUEST', 'from must be a block height (a whole number).');
          request.from = Number(from);
        }
        return { body: await call('serviceGrantProof', request) };
      },
    ],
    [
      'POST',
      '/v1/services/grants/:id/use',
      async ({ params }) => ({ body: await call('useService', { grant: params[0]! }) }),
    ],
  ];
}
