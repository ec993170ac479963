// Distributed analytics over HTTP (issue 15; Y.4560 8.2, 8.4): a reader with aggregate rights on
// several datasets runs one job; each owner's peer computes its partial where the data is held
// and seals it for the reader; this peer merges them (worker/host/datasets-analytics.ts). Every
// parameter is checked by the dispatcher (worker/host/dispatch-analytics.ts) and the core.
import { type Call, type Handler, integerQuery, type Method, readJsonObject } from './http-common';
import { analyticsWaitMsMax } from '../../worker/host/datasets-analytics';

export function analyticsRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/analytics/jobs', async () => ({ body: await call('analyticsJobs') })],
    [
      'POST',
      '/v1/analytics/jobs',
      async ({ request }) => ({ body: await call('runAnalytics', await readJsonObject(request)) }),
    ],
    [
      'GET',
      '/v1/analytics/jobs/:id',
      async ({ params, query }) => {
        const timeoutMs = integerQuery(query, 'timeoutMs', 0, analyticsWaitMsMax);
        return {
          body: await call(
            'analyticsResult',
            params[0]!,
            timeoutMs === undefined ? {} : { timeoutMs },
          ),
        };
      },
    ],
  ];
}
