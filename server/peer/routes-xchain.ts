// Cross-chain routes (issue 18; docs/CROSS-CHAIN.md): this chain's links and operations, linking
// a remote chain, locking tokens or a record for another chain, funding the bridge reserve.
import { type Call, type Handler, type Method, readJsonObject } from './http-common';

export function xchainRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/xchain', async () => ({ body: await call('xchain') })],
    [
      'POST',
      '/v1/xchain/links',
      async ({ request }) => ({
        status: 202,
        body: await call('xchainLink', await readJsonObject(request)),
      }),
    ],
    [
      'POST',
      '/v1/xchain/lock',
      async ({ request }) => ({
        status: 202,
        body: await call('xchainLock', await readJsonObject(request)),
      }),
    ],
    [
      'POST',
      '/v1/xchain/fund',
      async ({ request }) => {
        const body = await readJsonObject(request);
        return { status: 202, body: await call('xchainFund', body.amount) };
      },
    ],
  ];
}
