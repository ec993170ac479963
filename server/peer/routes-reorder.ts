// The gateway's reorder rules over HTTP (issue 16, U-II.4): a headless peer that is a device's
// gateway and owner keeps a rule per device and has the device order from a supplier's contract
// when a committed reading falls under the threshold (worker/host/reorder-host.ts). Readings come
// in as they do for the page (POST /v1/rpc/deviceReading). Every parameter is checked by the
// dispatcher (worker/host/dispatch-reorder.ts); the device, owner, shop and spending rule by the host.
import { type Call, type Handler, integerQuery, type Method, readJsonObject } from './http-common';
import { reorderOrdersListedMax } from '../../worker/api-reorder';

export function reorderRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/reorder/rules', async () => ({ body: await call('reorderRules') })],
    [
      'POST',
      '/v1/reorder/rules',
      async ({ request }) => ({
        body: await call('setReorderRule', await readJsonObject(request)),
      }),
    ],
    [
      'POST',
      '/v1/reorder/rules/:device/clear',
      async ({ params }) => ({ body: await call('clearReorderRule', params[0]!) }),
    ],
    [
      'GET',
      '/v1/reorder/orders',
      async ({ query }) => {
        const device = query.get('device');
        const limit = integerQuery(query, 'limit', 1, reorderOrdersListedMax);
        return {
          body: await call('reorderOrders', {
            ...(device !== null ? { device } : {}),
            ...(limit ? { limit } : {}),
          }),
        };
      },
    ],
  ];
}
