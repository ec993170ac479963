// The OpenAPI check (openapi.test.ts), its second part: the market, multi-signature, data
// validation, staking, contract triggers, reorder rules and services outside the chain. Each
// route's answers to good and bad input are validated against the document; the calls run in
// order on the one peer of openapi.test.ts and count toward its every-route check.
import { expect } from 'vitest';
import { call, waitCommitted } from './testing';
import { testIdentity } from '../../worker/core/testing';
import type { RouteCheck } from './openapi-check';

export async function checkTradeRoutes(ctx: RouteCheck): Promise<void> {
  const {
    hit,
    documentedBody,
    expectDocumented,
    validator,
    base,
    status,
    me,
    put,
    device,
    documents,
    info,
  } = ctx;
  // ---- the data market (issue 16): this chain has no token, so nothing can be traded ----
  const market = await hit(
    'GET',
    '/v1/market/offers?all=true',
    '/v1/market/offers',
    undefined,
    200,
  );
  expect(market.body).toMatchObject({ symbol: null, escrow: 0, offers: [] });
  await hit('GET', '/v1/market/offers?all=maybe', '/v1/market/offers', undefined, 400);
  await hit('GET', '/v1/market/trades', '/v1/market/trades', undefined, 200);
  const offerBody = documentedBody('Offer', { dataset: 'air', price: 5, terms: 'research' });
  const noToken = await hit('POST', '/v1/market/offers', '/v1/market/offers', offerBody, 400);
  expect(noToken.body.error.message).toMatch(/no token/);
  await hit('POST', '/v1/market/offers', '/v1/market/offers', { dataset: 'air', price: 0 }, 400);
  const some = 'cd'.repeat(32);
  const buyBody = documentedBody('Buy', { price: 5 });
  await hit('POST', `/v1/market/offers/${some}/buy`, '/v1/market/offers/{id}/buy', buyBody, 400);
  await hit('POST', '/v1/market/offers/x/buy', '/v1/market/offers/{id}/buy', buyBody, 400);
  await hit(
    'POST',
    `/v1/market/offers/${some}/withdraw`,
    '/v1/market/offers/{id}/withdraw',
    undefined,
    404,
  );
  const demandBody = documentedBody('Demand', { dataset: 'air', maxPrice: 5 });
  await hit('POST', '/v1/market/demands', '/v1/market/demands', demandBody, 400);
  await hit('POST', '/v1/market/demands', '/v1/market/demands', { dataset: 'air' }, 400);
  await hit(
    'POST',
    `/v1/market/demands/${some}/cancel`,
    '/v1/market/demands/{id}/cancel',
    undefined,
    404,
  );
  await hit(
    'POST',
    `/v1/market/purchases/${some}/deliver`,
    '/v1/market/purchases/{id}/deliver',
    undefined,
    404,
  );
  await hit(
    'POST',
    `/v1/market/purchases/${some}/refund`,
    '/v1/market/purchases/{id}/refund',
    undefined,
    404,
  );
  await hit(
    'POST',
    '/v1/market/purchases/zz/refund',
    '/v1/market/purchases/{id}/refund',
    undefined,
    400,
  );
  // A dispute or an answer: no such purchase (404), a bad id (400).
  await hit(
    'POST',
    `/v1/market/purchases/${some}/dispute`,
    '/v1/market/purchases/{id}/dispute',
    undefined,
    404,
  );
  await hit(
    'POST',
    '/v1/market/purchases/zz/dispute',
    '/v1/market/purchases/{id}/dispute',
    undefined,
    400,
  );
  await hit(
    'POST',
    `/v1/market/purchases/${some}/answer`,
    '/v1/market/purchases/{id}/answer',
    undefined,
    404,
  );
  // The order book of device data streams: read it; orders are refused (no token) or bad.
  const book = await hit(
    'GET',
    '/v1/market/streams/dev-w1-g1/book',
    '/v1/market/streams/{id}/book',
    undefined,
    200,
  );
  expect(book.body).toMatchObject({ dataset: 'dev-w1-g1', asks: [], bids: [] });
  await hit(
    'GET',
    `/v1/market/streams/${'d'.repeat(65)}/book`,
    '/v1/market/streams/{id}/book',
    undefined,
    400,
  );
  const askBody = documentedBody('Ask', {
    dataset: 'dev-w1-g1',
    price: 5,
    terms: 'research',
    quantity: 2,
    expiresBlocks: 10,
  });
  const askNoToken = await hit('POST', '/v1/market/asks', '/v1/market/asks', askBody, 400);
  expect(askNoToken.body.error.message).toMatch(/no token/);
  await hit('POST', '/v1/market/asks', '/v1/market/asks', { dataset: 'dev-w1-g1', price: 5 }, 400);
  const bidBody = documentedBody('Bid', { dataset: 'dev-w1-g1', price: 5, expiresBlocks: 3 });
  await hit('POST', '/v1/market/bids', '/v1/market/bids', bidBody, 400);
  await hit(
    'POST',
    '/v1/market/bids',
    '/v1/market/bids',
    { dataset: 'dev-w1-g1', price: 5, expiresBlocks: 0 },
    400,
  );
  await hit(
    'POST',
    `/v1/market/orders/${some}/close`,
    '/v1/market/orders/{id}/close',
    undefined,
    400,
  );
  await hit('POST', '/v1/market/orders/x/close', '/v1/market/orders/{id}/close', undefined, 400);
  // ---- multi-signature (issue 16): this chain has no rule ----
  const msig = await hit('GET', '/v1/multisig', '/v1/multisig', undefined, 200);
  expect(msig.body).toMatchObject({ policy: null, signer: false, proposals: [] });
  const proposeBody = documentedBody('Propose', {
    type: 'token.transfer',
    body: { to: me.did, amount: 500 },
  });
  const noRule = await hit(
    'POST',
    '/v1/multisig/proposals',
    '/v1/multisig/proposals',
    proposeBody,
    400,
  );
  expect(noRule.body.error.message).toMatch(/holds no transaction type/);
  await hit('POST', '/v1/multisig/proposals', '/v1/multisig/proposals', { type: '' }, 400);
  await hit(
    'POST',
    `/v1/multisig/proposals/${some}/approve`,
    '/v1/multisig/proposals/{id}/approve',
    undefined,
    400,
  );
  await hit(
    'POST',
    '/v1/multisig/proposals/x/approve',
    '/v1/multisig/proposals/{id}/approve',
    undefined,
    400,
  );
  // ---- data validation (issue 17, D-9.4): this chain names no regulator ----
  const val = await hit('GET', '/v1/validation', '/v1/validation', undefined, 200);
  expect(val.body).toMatchObject({ regulators: [], regulator: false, entries: [] });
  const validateBody = documentedBody('Validate', {
    key: 'k/1',
    verdict: 'refused',
    reason: 'out of range',
  });
  const noRegulator = await hit('POST', '/v1/validation', '/v1/validation', validateBody, 403);
  expect(noRegulator.body.error.message).toMatch(/names no regulator/);
  await hit('POST', '/v1/validation', '/v1/validation', { key: 'k/1', verdict: 'maybe' }, 400);
  await hit('POST', '/v1/validation', '/v1/validation', { key: '', verdict: 'valid' }, 400);
  // ---- staking (issue 16, public mode): this chain has none ----
  const stake = await hit('GET', '/v1/staking', '/v1/staking', undefined, 200);
  expect(stake.body).toMatchObject({ enabled: false, bond: 0, validator: true });
  await hit('GET', `/v1/staking/${stake.body.account}`, '/v1/staking/{account}', undefined, 200);
  await hit('GET', '/v1/staking/nobody', '/v1/staking/{account}', undefined, 400);
  const noStake = await hit(
    'POST',
    '/v1/stake',
    '/v1/stake',
    documentedBody('StakeAmount', { amount: 10 }),
    400,
  );
  expect(noStake.body.error.message).toMatch(/does not choose its validators by stake/);
  await hit('POST', '/v1/stake', '/v1/stake', { amount: 0 }, 400);
  await hit('POST', '/v1/unbond', '/v1/unbond', { amount: 10, extra: 1 }, 400);
  await hit('POST', '/v1/unbond', '/v1/unbond', documentedBody('StakeAmount', { amount: 10 }), 400);
  // ---- contract triggers (issue 17, r-7.2-b) ----
  const deployed = await hit(
    'POST',
    '/v1/rpc/deployContract',
    '/v1/rpc/{method}',
    {
      params: [
        { name: 'meter', code: "function tick(ctx) { ctx.put('n', (ctx.get('n') ?? 0) + 1); }" },
      ],
    },
    200,
  );
  await waitCommitted(base, deployed.body.result.txId);
  const none = await hit(
    'GET',
    '/v1/contracts/meter/triggers',
    '/v1/contracts/{name}/triggers',
    undefined,
    200,
  );
  expect(none.body).toEqual([]);
  const scheduleBody = documentedBody('ScheduleTrigger', {
    method: 'tick',
    args: null,
    every: 1,
    // far more runs than the test makes blocks, so the cancel below always finds it running
    count: 1000,
  });
  const scheduled = await hit(
    'POST',
    '/v1/contracts/meter/triggers',
    '/v1/contracts/{name}/triggers',
    scheduleBody,
    202,
  );
  await waitCommitted(base, scheduled.body.txId);
  const triggersListed = await hit(
    'GET',
    '/v1/contracts/meter/triggers',
    '/v1/contracts/{name}/triggers',
    undefined,
    200,
  );
  expect(triggersListed.body[0]).toMatchObject({
    id: scheduled.body.trigger,
    method: 'tick',
    every: 1,
  });
  await hit(
    'POST',
    '/v1/contracts/meter/triggers',
    '/v1/contracts/{name}/triggers',
    { method: 'tick', every: 0 },
    400,
  );
  await hit(
    'POST',
    '/v1/contracts/meter/triggers',
    '/v1/contracts/{name}/triggers',
    { method: 'nothing', every: 1 },
    404,
  );
  await hit(
    'POST',
    '/v1/contracts/ghost/triggers',
    '/v1/contracts/{name}/triggers',
    { method: 'tick', every: 1 },
    404,
  );
  await hit(
    'POST',
    '/v1/contracts/meter/triggers',
    '/v1/contracts/{name}/triggers',
    { method: 'tick', at: 1 },
    400,
  );
  await hit('GET', '/v1/contracts/Bad!/triggers', '/v1/contracts/{name}/triggers', undefined, 400);
  await hit('POST', '/v1/triggers/xyz/cancel', '/v1/triggers/{id}/cancel', undefined, 400);
  await hit(
    'POST',
    `/v1/triggers/${'ab'.repeat(32)}/cancel`,
    '/v1/triggers/{id}/cancel',
    undefined,
    404,
  );
  const ran = (
    await hit(
      'GET',
      '/v1/contracts/meter/triggers',
      '/v1/contracts/{name}/triggers',
      undefined,
      200,
    )
  ).body[0];
  expect(ran.ended).toBeNull();
  const cancelled = await hit(
    'POST',
    `/v1/triggers/${ran.id}/cancel`,
    '/v1/triggers/{id}/cancel',
    undefined,
    202,
  );
  await waitCommitted(base, cancelled.body.txId);
  // ---- reorder rules (issue 16, U-II.4; the shapes in reorder-api.test): bad input refused ----
  const ghost = testIdentity('openapi washer').did;
  const rule = { device: ghost, value: 'level', below: 20, contract: 'shop', quantity: 1 };
  const rules = '/v1/reorder/rules';
  await hit('POST', rules, rules, documentedBody('SetReorderRule', rule), 404);
  await hit('POST', rules, rules, { ...rule, below: 'x' }, 400);
  await hit('GET', rules, rules, undefined, 200);
  await hit('POST', `${rules}/${ghost}/clear`, `${rules}/{device}/clear`, undefined, 200);
  await hit('GET', `/v1/reorder/orders?device=${ghost}`, '/v1/reorder/orders', undefined, 200);
  await hit('GET', '/v1/reorder/orders?limit=0', '/v1/reorder/orders', undefined, 400);
  // ---- services outside the chain (issue 17, Y.4464 10.5): a service listing this peer ----
  const svcMe = me.did as string;
  await hit('GET', '/v1/services', '/v1/services', undefined, 200);
  const serviceBody = <Record<string, unknown>>documentedBody('RegisterService', {
    id: 'archive',
    name: 'Archive',
    key: testIdentity('openapi service').did,
    access: { mode: 'list', allow: [svcMe] },
  });
  const registered = await hit('POST', '/v1/services', '/v1/services', serviceBody, 202);
  await waitCommitted(base, registered.body.txId);
  await hit('POST', '/v1/services', '/v1/services', { ...serviceBody, id: 'Not An Id' }, 400);
  await hit('POST', '/v1/services', '/v1/services', { id: 'nokey', name: 'No key' }, 400);
  const grantBody = <Record<string, unknown>>documentedBody('RequestServiceGrant', {
    service: 'archive',
    subject: svcMe,
    ttlMs: 60_000,
  });
  const granted = await hit('POST', '/v1/services/grants', '/v1/services/grants', grantBody, 202);
  await waitCommitted(base, granted.body.grant);
  await hit(
    'POST',
    '/v1/services/grants',
    '/v1/services/grants',
    { ...grantBody, service: 'nope' },
    404,
  );
  await hit('POST', '/v1/services/grants', '/v1/services/grants', { ...grantBody, ttlMs: 5 }, 400);
  const svcListed = await hit('GET', '/v1/services', '/v1/services', undefined, 200);
  expect(svcListed.body.grants[0]).toMatchObject({ id: granted.body.grant, active: true });
  const grantPath = `/v1/services/grants/${granted.body.grant}`;
  const proof = await hit(
    'GET',
    `${grantPath}/proof?from=0`,
    '/v1/services/grants/{id}/proof',
    undefined,
    200,
  );
  expect(proof.body.grant).toBe(granted.body.grant);
  await hit('GET', `${grantPath}/proof?from=x`, '/v1/services/grants/{id}/proof', undefined, 400);
  await hit(
    'GET',
    `/v1/services/grants/${'ab'.repeat(32)}/proof`,
    '/v1/services/grants/{id}/proof',
    undefined,
    404,
  );
  // this service registered no URL: there is nowhere to present the grant
  const noUrl = await hit(
    'POST',
    `${grantPath}/use`,
    '/v1/services/grants/{id}/use',
    undefined,
    400,
  );
  expect(noUrl.body.error.message).toMatch(/registered no URL/);
  await hit('POST', '/v1/services/grants/zz/use', '/v1/services/grants/{id}/use', undefined, 400);
  const revoked = await hit(
    'POST',
    `${grantPath}/revoke`,
    '/v1/services/grants/{id}/revoke',
    undefined,
    202,
  );
  await waitCommitted(base, revoked.body.txId);
  await hit('POST', `${grantPath}/revoke`, '/v1/services/grants/{id}/revoke', undefined, 400);
  await hit(
    'POST',
    '/v1/services/grants/zz/revoke',
    '/v1/services/grants/{id}/revoke',
    undefined,
    400,
  );
  // a method the path does not take: 405 with the documented error body, naming the methods
  const wrong = await call(base, 'POST', '/v1/governance', {});
  expect(wrong.status).toBe(405);
  expect(wrong.headers.get('allow')).toBe('GET');
  expect(validator({ $ref: '#/components/schemas/Error' })(wrong.body)).toBe(true);
  await hit('GET', '/v1/settings', '/v1/settings', undefined, 200);
  await hit('PATCH', '/v1/settings', '/v1/settings', { relays: [] }, 200);
  await hit('PATCH', '/v1/settings', '/v1/settings', { relays: 7 }, 400);
}
