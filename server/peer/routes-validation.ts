// Data validation routes (issue 17, D-9.4): the versions waiting for a verdict or refused, and
// judging one as this peer. Parameters are checked by the dispatcher (worker/host/dispatch-validation.ts).
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

export function validationRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/validation', async () => ({ body: await call('validation') })],
    [
      'POST',
      '/v1/validation',
      async ({ request }) => ({
        status: 202,
        body: await call('validate', await readJsonObject(request)),
      }),
    ],
  ];
}
