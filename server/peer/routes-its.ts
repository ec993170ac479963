// ITS routes (issue 20): what a city's traffic centre reads from a provider's Node peer (the
// road network, every segment's latest condition, one segment's condition with its Merkle
// proof), and settlement of ended windows. Through the dispatcher like every route.
import type { Call, Handler, Method } from './http-common';

export function itsRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/its/network', async () => ({ body: await call('itsNetwork') })],
    ['GET', '/v1/its/conditions', async () => ({ body: await call('itsConditions') })],
    [
      'GET',
      '/v1/its/conditions/:segment',
      async ({ params }) => ({ body: await call('itsCondition', params[0]!) }),
    ],
    ['POST', '/v1/its/settle', async () => ({ status: 202, body: await call('itsSettle') })],
  ];
}
