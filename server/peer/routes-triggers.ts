// Contract trigger routes (issue 17, r-7.2-b): a contract's triggers, scheduling one, and
// cancelling one. Every parameter is checked by the dispatcher (worker/host/dispatch.ts), and
// whether the contract, method, height and manager fit is the core's.
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

export function triggerRoutes(call: Call): Array<[Method, string, Handler]> {
  const accepted = async (work: Promise<unknown>) => ({ status: 202, body: await work });
  return [
    [
      'GET',
      '/v1/contracts/:name/triggers',
      async ({ params }) => ({ body: await call('triggers', params[0]!) }),
    ],
    [
      'POST',
      '/v1/contracts/:name/triggers',
      async ({ params, request }) =>
        accepted(
          call('scheduleTrigger', { ...(await readJsonObject(request)), contract: params[0]! }),
        ),
    ],
    [
      'POST',
      '/v1/triggers/:id/cancel',
      async ({ params }) => accepted(call('cancelTrigger', { trigger: params[0]! })),
    ],
  ];
}
