// Leaving a chain (several chains per peer, issue 18; worker/api-chains.ts): the other chain
// routes (list, create, use, join) are in http.ts.
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

export function chainsRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    [
      'POST',
      '/v1/chains/:id/leave',
      async ({ params, request }) => ({
        body: await call('leaveChain', params[0]!, await readJsonObject(request)),
      }),
    ],
  ];
}
