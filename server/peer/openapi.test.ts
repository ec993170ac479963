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
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { routeList } from './http';
import { openApiDocument } from './openapi';
import { call, waitCommitted } from './testing';
import { OpenApiCheck } from './openapi-check';
import { checkTradeRoutes } from './openapi-routes-trade';
import { checkDataRoutes } from './openapi-routes-data';
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

// ---- the validator (openapi-check.ts) ----

const check = new OpenApiCheck(() => base);
const { hit, documentedBody, expectDocumented, validator, covered } = check;
type Doc = typeof openApiDocument;
let doc: Doc;

const documentHash = (text: string) => toHex(sha256(utf8(text)));

describe('the OpenAPI 3.1 document of the HTTP API', () => {
  it('is served at /v1/openapi.json, loads in a 2020-12 validator, and rejects a drifted answer', async () => {
    const reply = await call(base, 'GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    doc = reply.body as Doc;
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    check.load(doc);
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
    const share = await hit('POST', '/v1/sealed/share', '/v1/sealed/share', {}, 200);
    expect(share.body).toEqual({ shared: 0, waiting: 0 }); // nothing sealed on this chain
    await hit('POST', '/v1/sealed/share', '/v1/sealed/share', { prefix: 'lab/' }, 200);
    await hit('POST', '/v1/sealed/share', '/v1/sealed/share', { prefix: 7 }, 400);

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

    const routes = {
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
    };
    await checkTradeRoutes(routes);

    // ---- rpc ----
    await hit('POST', '/v1/rpc/status', '/v1/rpc/{method}', { params: [] }, 200);
    await hit('POST', '/v1/rpc/nothing', '/v1/rpc/{method}', {}, 404);
    await hit('POST', '/v1/rpc/reset', '/v1/rpc/{method}', {}, 403);
    await hit('POST', '/v1/rpc/get', '/v1/rpc/{method}', { params: 'k' }, 400);

    await checkDataRoutes(routes);

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
