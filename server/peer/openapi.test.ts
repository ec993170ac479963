// The OpenAPI 3.1 document against the running API: every route of server/peer/http.ts is
// called with good and bad input on a real peer, and every answer (status, media type, body) is
// validated against GET /v1/openapi.json with Ajv's JSON Schema 2020-12 validator. The test
// fails when an answer drifts from the document, when a route answers a status the document does
// not list, when a route exists that the document does not describe, and when the document
// describes a route that does not exist. Traceability (Y.4560 I.1.4) is driven end to end here:
// an information server on loopback serves the documents the peer hashes and checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { routeList } from './http';
import { openApiDocument } from './openapi';
import { call, waitCommitted, type Reply } from './testing';
import { testIdentity } from '../../worker/core/testing';
import { encodeTx, signTx } from '../../worker/core/tx';
import { txBatchCountMax } from '../../worker/core/limits';
import { sha256 } from '../../worker/core/crypto/hash';
import { toHex, utf8 } from '../../worker/core/bytes';
import type { PeerMethods } from '../../worker/api';

const root = mkdtempSync(join(tmpdir(), 'bot-openapi-'));
let peer: RunningPeer;
let base: string;
/** The information server: path -> document. */
const documents = new Map<string, string>();
let infoServer: Server;
let info: string;

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
  infoServer = createServer((request, response) => {
    const text = documents.get(request.url ?? '');
    if (text === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((done) => infoServer.listen(0, '127.0.0.1', done));
  info = `http://127.0.0.1:${(infoServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await peer?.stop();
  await new Promise((done) => infoServer?.close(done));
  rmSync(root, { recursive: true, force: true });
});

// ---- the validator ----

type Doc = typeof openApiDocument;
const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
const local = (value: unknown) =>
  JSON.parse(
    JSON.stringify(value)
      .replaceAll('#/components/schemas/', 'bot-openapi#/$defs/')
      .replaceAll('"#/components/requestBodies/', '"bot-openapi-bodies#/$defs/'),
  );
let doc: Doc;
const compiled = new Map<unknown, ValidateFunction>();
function validator(schema: unknown): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(local(schema));
    compiled.set(schema, v);
  }
  return v;
}

const covered = new Set<string>();

/** Validate one answer of `method path` against the document (the path as the document names it). */
function expectDocumented(method: string, path: string, reply: Reply, expectStatus?: number) {
  if (expectStatus !== undefined)
    expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(expectStatus);
  const op = (doc.paths as Record<string, Record<string, any>>)[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} is not in the document`).toBeDefined();
  const response = op.responses[String(reply.status)];
  expect(
    response,
    `${method} ${path} answered ${reply.status}, which the document does not list`,
  ).toBeDefined();
  const media = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const content = response.content?.[media];
  expect(
    content,
    `${method} ${path} ${reply.status} answered ${media}, not in the document`,
  ).toBeDefined();
  if (media === 'application/json') {
    const validate = validator(content.schema);
    const ok = validate(reply.body);
    expect(
      ok,
      `${method} ${path} ${reply.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(reply.body).slice(0, 400)}`,
    ).toBe(true);
  }
  covered.add(`${method} ${path}`);
}

/** Call and validate; `template` is the documented path when it differs from `path`. */
async function hit(
  method: string,
  path: string,
  template: string,
  body?: unknown,
  status?: number,
  headers?: Record<string, string>,
) {
  const reply = await call(base, method, path, body, headers);
  expectDocumented(method, template, reply, status);
  return reply;
}

/** A request body the document describes, checked against its schema before it is sent. */
function documentedBody(name: string, body: unknown) {
  const schema = (doc.components.requestBodies as Record<string, any>)[name].content[
    'application/json'
  ].schema;
  const validate = validator(schema);
  expect(validate(body), `${name} body: ${ajv.errorsText(validate.errors)}`).toBe(true);
  return body;
}

const documentHash = (text: string) => toHex(sha256(utf8(text)));

describe('the OpenAPI 3.1 document of the HTTP API', () => {
  it('is served at /v1/openapi.json, loads in a 2020-12 validator, and rejects a drifted answer', async () => {
    const reply = await call(base, 'GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    doc = reply.body as Doc;
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    ajv.addSchema({ $id: 'bot-openapi', $defs: local(doc.components.schemas) });
    ajv.addSchema({
      $id: 'bot-openapi-bodies',
      $defs: Object.fromEntries(
        Object.entries(doc.components.requestBodies).map(([k, v]) => [
          k,
          local((v as any).content['application/json'].schema),
        ]),
      ),
    });
    expectDocumented('GET', '/v1/openapi.json', reply, 200);
    // the validator is live: an answer that drifted fails
    const txAccepted = validator({ $ref: '#/components/schemas/TxAccepted' });
    expect(txAccepted({ txId: 'ab'.repeat(32) })).toBe(true);
    expect(txAccepted({ tx: 'ab'.repeat(32) })).toBe(false);
    expect(txAccepted({ txId: 'not hex' })).toBe(false);
  });

  it('describes the answer of every route to good and bad input', async () => {
    // ---- status, identity, transactions, blocks, state ----
    const status = (await hit('GET', '/v1/status', '/v1/status', undefined, 200)).body;
    const me = (await hit('GET', '/v1/identity', '/v1/identity', undefined, 200)).body;
    await hit('GET', '/v1/status?x=1', '/v1/status', undefined, 200);
    const put = await hit(
      'POST',
      '/v1/tx',
      '/v1/tx',
      documentedBody('Tx', { type: 'data.put', body: { key: 'k/1', value: 1 } }),
      202,
    );
    await hit('POST', '/v1/tx', '/v1/tx', { type: 'data.put' }, 400);
    await hit('POST', '/v1/tx', '/v1/tx', { raw: 'zz' }, 400);
    await hit('POST', '/v1/tx', '/v1/tx', 'not json', 415, { 'content-type': 'text/plain' });
    const device = testIdentity('openapi batch');
    const unsigned = { chain: status.chainId, type: 'data.put', from: device.did, nonce: 1 };
    const signed = signTx({ ...unsigned, time: 1, body: { key: 'b', value: 1 } }, device.seed);
    const raw = toHex(encodeTx(signed));
    const batch = documentedBody('TxBatch', { txs: [{ raw }, { raw: '00' }] });
    const taken = await hit('POST', '/v1/tx/batch', '/v1/tx/batch', batch, 200);
    expect(taken.body.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'rejected',
    ]);
    await hit('POST', '/v1/tx/batch', '/v1/tx/batch', { txs: 'all' }, 400);
    const tooMany = { txs: Array(txBatchCountMax + 1).fill({ raw }) };
    await hit('POST', '/v1/tx/batch', '/v1/tx/batch', tooMany, 413);
    const done = await hit(
      'GET',
      `/v1/tx/${put.body.txId}?timeoutMs=10000`,
      '/v1/tx/{id}',
      undefined,
      200,
    );
    expect(done.body.status).toBe('committed');
    await hit('GET', '/v1/tx/xyz', '/v1/tx/{id}', undefined, 400);
    await hit('GET', `/v1/tx/${'ab'.repeat(32)}?timeoutMs=0`, '/v1/tx/{id}', undefined, 200); // pending
    await hit('GET', `/v1/blocks/${done.body.height}`, '/v1/blocks/{height}', undefined, 200);
    await hit('GET', '/v1/blocks/999999', '/v1/blocks/{height}', undefined, 404);
    await hit('GET', '/v1/blocks/-1', '/v1/blocks/{height}', undefined, 400);
    await hit('GET', '/v1/state/k%2F1', '/v1/state/{key}', undefined, 200);
    await hit('GET', '/v1/state/none', '/v1/state/{key}', undefined, 404);
    await hit('GET', `/v1/state/${'k'.repeat(300)}`, '/v1/state/{key}', undefined, 400);
    await hit('GET', '/v1/state/none/absence', '/v1/state/{key}/absence', undefined, 200);
    await hit('GET', '/v1/state/k%2F1/absence', '/v1/state/{key}/absence', undefined, 404);
    await hit('GET', '/v1/state/%E0%A4%A/absence', '/v1/state/{key}/absence', undefined, 400);
    await hit('GET', '/v1/state/k%2F1/history', '/v1/state/{key}/history', undefined, 200);
    await hit('GET', '/v1/state/%E0%A4%A/history', '/v1/state/{key}/history', undefined, 400);

    // ---- network, integrity, logs, governance, settings ----
    await hit('GET', '/v1/network', '/v1/network', undefined, 200);
    await hit('GET', '/v1/integrity', '/v1/integrity', undefined, 200);
    await hit('POST', '/v1/repair', '/v1/repair', undefined, 400); // the check passed: refused
    await hit('GET', '/v1/log', '/v1/log', undefined, 200);
    await hit('GET', '/v1/audit', '/v1/audit', undefined, 200);
    await hit('GET', '/v1/governance', '/v1/governance', undefined, 200);
    // ---- tokens (issue 16): this chain has no token, so every balance is 0 ----
    await hit('GET', '/v1/balance', '/v1/balance', undefined, 200);
    await hit('GET', `/v1/balance/${me.did}`, '/v1/balance/{account}', undefined, 200);
    await hit('GET', '/v1/balance/bob', '/v1/balance/{account}', undefined, 400);
    await hit(
      'GET',
      `/v1/balance/${me.did}/history?limit=5`,
      '/v1/balance/{account}/history',
      undefined,
      200,
    );
    await hit('POST', '/v1/transfer', '/v1/transfer', { to: me.did, amount: 0 }, 400);
    // ---- cross-chain operations (issue 18) ----
    await hit('GET', '/v1/xchain', '/v1/xchain', undefined, 200);
    await hit('POST', '/v1/xchain/links', '/v1/xchain/links', { chain: 'x', mode: 'relay' }, 400);
    await hit(
      'POST',
      '/v1/xchain/links',
      '/v1/xchain/links',
      { chain: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', mode: 'relay', notaries: [me.did] },
      202,
    );
    await hit(
      'POST',
      '/v1/xchain/lock',
      '/v1/xchain/lock',
      { target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', asset: { kind: 'tokens', amount: 0 } },
      400,
    );
    await hit(
      'POST',
      '/v1/xchain/lock',
      '/v1/xchain/lock',
      {
        target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
        asset: { kind: 'record', key: 'shared/1', value: 1 },
      },
      202,
    );
    await hit('POST', '/v1/xchain/fund', '/v1/xchain/fund', { amount: 0 }, 400);
    await hit('POST', '/v1/xchain/fund', '/v1/xchain/fund', { amount: 5 }, 202);

    // ---- road conditions (issue 20): this chain has no ITS providers, so nothing is reported ----
    await hit('GET', '/v1/its/network', '/v1/its/network', undefined, 200);
    const its = await hit('GET', '/v1/its/conditions', '/v1/its/conditions', undefined, 200);
    expect(its.body).toMatchObject({ enabled: false, conditions: [] });
    await hit('GET', '/v1/its/conditions/h20', '/v1/its/conditions/{segment}', undefined, 200);
    await hit('GET', '/v1/its/conditions/nowhere', '/v1/its/conditions/{segment}', undefined, 404);
    await hit(
      'GET',
      `/v1/its/conditions/${'x'.repeat(40)}`,
      '/v1/its/conditions/{segment}',
      undefined,
      400,
    );
    await hit('POST', '/v1/its/settle', '/v1/its/settle', undefined, 202);
    const near = await hit(
      'GET',
      '/v1/its/conditions?lat=47.0054&lon=8.0027&radius=300',
      '/v1/its/conditions',
      undefined,
      200,
    );
    expect(near.body).toMatchObject({ near: { lat: 47.0054, lon: 8.0027, radiusM: 300 } });
    await hit('GET', '/v1/its/conditions?lat=47', '/v1/its/conditions', undefined, 400);
    await hit('GET', '/v1/its/conditions?lat=47&lon=east', '/v1/its/conditions', undefined, 400);
    await hit(
      'GET',
      '/v1/its/conditions?lat=47&lon=8&radius=9999',
      '/v1/its/conditions',
      undefined,
      400,
    );
    // certification is a provider's: this peer is none; a damaged code or no vehicle is bad input
    const keys = await hit('POST', '/v1/rpc/itsTripKeys', '/v1/rpc/{method}', { params: [1] }, 200);
    const request = (keys.body as { result: { request: string } }).result.request;
    await hit(
      'POST',
      '/v1/its/certify',
      '/v1/its/certify',
      documentedBody('ItsCertify', { request, vehicle: 'taxi 12' }),
      403,
    );
    await hit('POST', '/v1/its/certify', '/v1/its/certify', { request }, 400);
    await hit(
      'POST',
      '/v1/its/certify',
      '/v1/its/certify',
      { request: 'its-req:zz', vehicle: 'taxi 12' },
      400,
    );
    await hit(
      'POST',
      '/v1/its/certify',
      '/v1/its/certify',
      { request, vehicle: 'x'.repeat(65) },
      400,
    );

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
    await hit(
      'POST',
      '/v1/market/asks',
      '/v1/market/asks',
      { dataset: 'dev-w1-g1', price: 5 },
      400,
    );
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
    await hit(
      'POST',
      '/v1/unbond',
      '/v1/unbond',
      documentedBody('StakeAmount', { amount: 10 }),
      400,
    );
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
    await hit(
      'GET',
      '/v1/contracts/Bad!/triggers',
      '/v1/contracts/{name}/triggers',
      undefined,
      400,
    );
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
    await hit(
      'POST',
      '/v1/services/grants',
      '/v1/services/grants',
      { ...grantBody, ttlMs: 5 },
      400,
    );
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

    // ---- rpc ----
    await hit('POST', '/v1/rpc/status', '/v1/rpc/{method}', { params: [] }, 200);
    await hit('POST', '/v1/rpc/nothing', '/v1/rpc/{method}', {}, 404);
    await hit('POST', '/v1/rpc/reset', '/v1/rpc/{method}', {}, 403);
    await hit('POST', '/v1/rpc/get', '/v1/rpc/{method}', { params: 'k' }, 400);

    // ---- datasets ----
    const published = await hit(
      'POST',
      '/v1/datasets',
      '/v1/datasets',
      documentedBody('PublishDataset', { id: 'meter', labels: ['kwh'] }),
      202,
    );
    await waitCommitted(base, published.body.txId);
    await hit('POST', '/v1/datasets', '/v1/datasets', { id: 7 }, 400);
    await hit('GET', '/v1/datasets', '/v1/datasets', undefined, 200);
    const version = await hit(
      'POST',
      '/v1/datasets/meter/versions',
      '/v1/datasets/{id}/versions',
      { text: 'v1' },
      202,
    );
    await waitCommitted(base, version.body.txId);
    await hit('POST', '/v1/datasets/meter/versions', '/v1/datasets/{id}/versions', 'x', 415, {
      'content-type': 'text/plain',
    });
    const content = await fetch(`${base}/v1/datasets/meter/content`);
    expectDocumented(
      'GET',
      '/v1/datasets/{id}/content',
      { status: content.status, headers: content.headers, body: null },
      200,
    );
    await content.arrayBuffer();
    await hit(
      'GET',
      '/v1/datasets/meter/content?version=9',
      '/v1/datasets/{id}/content',
      undefined,
      404,
    );
    await hit('GET', '/v1/datasets/meter/log', '/v1/datasets/{id}/log', undefined, 200);
    await hit('GET', '/v1/datasets/nope/log', '/v1/datasets/{id}/log', undefined, 404);
    await hit(
      'POST',
      '/v1/datasets/meter/requests',
      '/v1/datasets/{id}/requests',
      { purpose: 7 },
      400,
    );
    await hit(
      'POST',
      '/v1/datasets/nope/requests',
      '/v1/datasets/{id}/requests',
      { purpose: 'audit' },
      404,
    );
    await hit(
      'POST',
      `/v1/dataset-requests/${'a'.repeat(64)}/decision`,
      '/v1/dataset-requests/{id}/decision',
      { grant: true },
      404,
    );
    await hit(
      'POST',
      '/v1/dataset-requests/x/decision',
      '/v1/dataset-requests/{id}/decision',
      { grant: true },
      400,
    );
    // A data proxy (Annex I.2): a request for a bad enterprise, unknown requests to confirm or forward.
    await hit(
      'POST',
      '/v1/datasets/meter/requests',
      '/v1/datasets/{id}/requests',
      { purpose: 'audit', for: 'acme' },
      400,
    );
    await hit(
      'POST',
      `/v1/dataset-requests/${'a'.repeat(64)}/confirm`,
      '/v1/dataset-requests/{id}/confirm',
      undefined,
      404,
    );
    await hit(
      'POST',
      '/v1/dataset-requests/x/confirm',
      '/v1/dataset-requests/{id}/confirm',
      undefined,
      400,
    );
    await hit(
      'POST',
      `/v1/dataset-requests/${'a'.repeat(64)}/forward`,
      '/v1/dataset-requests/{id}/forward',
      documentedBody('ForwardVersions', { versions: [1] }),
      404,
    );
    await hit(
      'POST',
      `/v1/dataset-requests/${'a'.repeat(64)}/forward`,
      '/v1/dataset-requests/{id}/forward',
      { versions: [] },
      400,
    );
    const reader = testIdentity('openapi reader').did;
    await hit(
      'POST',
      '/v1/datasets/meter/revoke',
      '/v1/datasets/{id}/revoke',
      { reader: 'bob' },
      400,
    );
    const revoke = await call(base, 'POST', '/v1/datasets/meter/revoke', { reader });
    expectDocumented('POST', '/v1/datasets/{id}/revoke', revoke); // 202, or a refusal the document lists
    // ---- distributed analytics (issue 15, Y.4560 8.2): this peer owns meter, so it answers ----
    const jobs = '/v1/analytics/jobs';
    const csv = await call(base, 'POST', '/v1/datasets/meter/versions', { text: 'kwh\n3\n5' });
    await waitCommitted(base, csv.body.txId);
    const jobBody = {
      datasets: ['meter'],
      field: 'kwh',
      fns: ['count', 'mean'],
      timeoutMs: 20_000,
    };
    const analysed = await hit('POST', jobs, jobs, documentedBody('AnalyticsJob', jobBody), 200);
    expect(analysed.body).toMatchObject({ complete: true, result: { count: 2, mean: 4 } });
    await hit('POST', jobs, jobs, { ...jobBody, fns: ['sum'] }, 400);
    await hit('POST', jobs, jobs, { ...jobBody, datasets: ['nope'] }, 404);
    await hit('GET', jobs, jobs, undefined, 200);
    const jobPath = `${jobs}/{id}`;
    await hit('GET', `${jobs}/${analysed.body.job}?timeoutMs=0`, jobPath, undefined, 200);
    await hit('GET', `${jobs}/${'a'.repeat(64)}`, jobPath, undefined, 404);
    await hit('GET', `${jobs}/x?timeoutMs=-1`, jobPath, undefined, 400);

    // ---- traceability (Y.4560 I.1.4) ----
    documents.set('/farm.json', '{"origin":"North farm","harvest":"2026-07-01"}');
    documents.set('/mill.json', '{"milled":"2026-07-05"}');
    const farmDoc = `${info}/farm.json`;
    const millDoc = `${info}/mill.json`;
    const recorded = await hit(
      'POST',
      '/v1/trace/records',
      '/v1/trace/records',
      documentedBody('TraceRecord', { id: 'LOT-A', server: farmDoc }),
      202,
    );
    expect(recorded.body.hash).toBe(documentHash(documents.get('/farm.json')!));
    await waitCommitted(base, recorded.body.txId);
    await hit(
      'POST',
      '/v1/trace/records',
      '/v1/trace/records',
      { id: 'LOT-B', server: farmDoc, hash: 'XY' },
      400,
    );
    await hit(
      'POST',
      '/v1/trace/records',
      '/v1/trace/records',
      { id: 'LOT-B', server: `${info}/absent.json` },
      404,
    );
    const split = await hit(
      'POST',
      '/v1/trace/splits',
      '/v1/trace/splits',
      documentedBody('TraceSplit', { id: 'LOT-A', into: ['A1', 'A2'], server: millDoc }),
      202,
    );
    await waitCommitted(base, split.body.txId);
    await hit(
      'POST',
      '/v1/trace/splits',
      '/v1/trace/splits',
      { id: 'LOT-A', into: ['A3'], server: millDoc, extra: 1 },
      400,
    );
    await hit(
      'POST',
      '/v1/trace/splits',
      '/v1/trace/splits',
      { id: 'LOT-A', into: ['A3'], server: millDoc },
      400,
    ); // consumed
    const merged = await hit(
      'POST',
      '/v1/trace/merges',
      '/v1/trace/merges',
      documentedBody('TraceMerge', { ids: ['A1', 'A2'], into: 'BOX', server: millDoc }),
      202,
    );
    await waitCommitted(base, merged.body.txId);
    await hit(
      'POST',
      '/v1/trace/merges',
      '/v1/trace/merges',
      { ids: ['NOPE'], into: 'BOX2', server: millDoc },
      404,
    );
    const shop = testIdentity('openapi shop').did;
    const moved = await hit(
      'POST',
      '/v1/trace/transfers',
      '/v1/trace/transfers',
      documentedBody('TraceTransfer', { id: 'BOX', to: shop, server: millDoc }),
      202,
    );
    await waitCommitted(base, moved.body.txId);
    await hit(
      'POST',
      '/v1/trace/transfers',
      '/v1/trace/transfers',
      { id: 'BOX', to: shop, server: millDoc },
      403,
    ); // no longer the holder
    await hit(
      'POST',
      '/v1/trace/transfers',
      '/v1/trace/transfers',
      { id: 'BOX', to: 'bob', server: millDoc },
      400,
    );
    const lot = await hit('GET', '/v1/trace/lots/BOX', '/v1/trace/lots/{id}', undefined, 200);
    expect(lot.body).toMatchObject({ holder: shop, mine: false, parents: ['A1', 'A2'] });
    await hit('GET', '/v1/trace/lots/NOPE', '/v1/trace/lots/{id}', undefined, 404);
    const journey = await hit(
      'GET',
      '/v1/trace/lots/BOX/journey?fetch=true',
      '/v1/trace/lots/{id}/journey',
      undefined,
      200,
    );
    expect(journey.body).toMatchObject({ origins: ['LOT-A'], verified: true, truncated: null });
    expect(journey.body.steps.map((s: { kind: string }) => s.kind)).toEqual([
      'origin',
      'split',
      'merge',
      'transfer',
    ]);
    documents.set('/mill.json', '{"milled":"2026-07-06"}'); // changed on the information server
    const changed = await hit(
      'GET',
      '/v1/trace/lots/BOX/journey?fetch=true',
      '/v1/trace/lots/{id}/journey',
      undefined,
      200,
    );
    expect(changed.body.verified).toBe(false);
    expect(changed.body.steps.filter((s: any) => s.document.status === 'tampered')).toHaveLength(3);
    await hit(
      'GET',
      '/v1/trace/lots/BOX/journey?fetch=maybe',
      '/v1/trace/lots/{id}/journey',
      undefined,
      400,
    );
    await hit('GET', '/v1/trace/lots/NOPE/journey', '/v1/trace/lots/{id}/journey', undefined, 404);

    // ---- notifications (issue 17): the list, and the stream with a bad Last-Event-ID ----
    const listed = await hit(
      'GET',
      `/v1/notifications/list?kinds=data.stored&to=${me.did}`,
      '/v1/notifications/list',
      undefined,
      200,
    );
    expect(listed.body.notifications.length).toBeGreaterThan(0);
    await hit('GET', '/v1/notifications/list?kinds=nope', '/v1/notifications/list', undefined, 400);
    await hit('GET', '/v1/notifications/list?limit=0', '/v1/notifications/list', undefined, 400);
    await hit('GET', '/v1/notifications', '/v1/notifications', undefined, 400, {
      'last-event-id': 'x',
    });
    const streamController = new AbortController();
    const stream = await fetch(`${base}/v1/notifications?kinds=data.stored`, {
      signal: streamController.signal,
    });
    expectDocumented(
      'GET',
      '/v1/notifications',
      { status: stream.status, headers: stream.headers, body: null },
      200,
    );
    streamController.abort();

    // ---- event stream ----
    const controller = new AbortController();
    const events = await fetch(`${base}/v1/events?types=block`, { signal: controller.signal });
    expectDocumented(
      'GET',
      '/v1/events',
      { status: events.status, headers: events.headers, body: null },
      200,
    );
    controller.abort();

    // ---- chains, invites (last: creating a chain makes it active) ----
    await hit('GET', '/v1/chains', '/v1/chains', undefined, 200);
    const invite = await hit('GET', '/v1/invite', '/v1/invite', undefined, 200);
    await hit(
      'POST',
      '/v1/invite/info',
      '/v1/invite/info',
      documentedBody('Invite', { invite: invite.body.invite }),
      200,
    );
    await hit('POST', '/v1/invite/info', '/v1/invite/info', { invite: 'garbage' }, 400);
    await hit('POST', '/v1/invite/info', '/v1/invite/info', {}, 400);
    await hit('POST', '/v1/join', '/v1/join', { invite: 'garbage' }, 400);
    await hit(
      'POST',
      '/v1/chains',
      '/v1/chains',
      { name: 'x', mode: 'nope', consensus: 'solo' },
      400,
    );
    const created = await hit(
      'POST',
      '/v1/chains',
      '/v1/chains',
      documentedBody('CreateChain', { name: 'second', mode: 'private', consensus: 'solo' }),
      201,
    );
    await hit('POST', '/v1/join', '/v1/join', { invite: invite.body.invite }, 200); // back to the first chain
    await hit(
      'POST',
      `/v1/chains/${created.body.chainId}/use`,
      '/v1/chains/{id}/use',
      undefined,
      200,
    );
    await hit('POST', `/v1/chains/${status.chainId}/use`, '/v1/chains/{id}/use', undefined, 200);
    await hit('POST', '/v1/chains/xyz/use', '/v1/chains/{id}/use', undefined, 400);
    const leave = (chainId: string, body: unknown, code: number) =>
      hit('POST', `/v1/chains/${chainId}/leave`, '/v1/chains/{id}/leave', body, code);
    await leave(created.body.chainId, documentedBody('LeaveChain', { keepData: false }), 200);
    await leave(created.body.chainId, {}, 404); // left and wiped: no longer held
    await leave(status.chainId, {}, 400); // the first slot's chain
    await leave('xyz', {}, 400);
    expect(me.did).toMatch(/^did:key:z/);
  }, 120_000);

  it('describes every route the peer serves, and no route it does not', () => {
    const served = routeList({} as PeerMethods).map(
      ([method, path]) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`,
    );
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{\w+\}/g, (m) => m)}`,
      ),
    );
    // route parameter names may differ (:height vs {height}); compare with parameters blanked
    const blank = (s: string) => s.replace(/\{\w+\}/g, '{}');
    expect(served.map(blank).sort()).toEqual(documented.map(blank).sort());
    // and every route was called above, with its answers validated
    expect([...covered].map(blank).sort()).toEqual(documented.map(blank).sort());
  });
});
