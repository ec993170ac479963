// Multi-signature routes (issue 16, D-8-data): the chain's rule and held transactions, proposing
// and approving as this peer. Parameters are checked by the dispatcher (worker/host/dispatch-multisig.ts).
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

export function multisigRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/multisig', async () => ({ body: await call('multisig') })],
    [
      'POST',
      '/v1/multisig/proposals',
      async ({ request }) => ({
        status: 202,
        body: await call('proposeMultisig', await readJsonObject(request)),
      }),
    ],
    [
      'POST',
      '/v1/multisig/proposals/:id/approve',
      async ({ params }) => ({ status: 202, body: await call('approveMultisig', params[0]!) }),
    ],
  ];
}
