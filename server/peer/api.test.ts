// The headless peer in this process: the HTTP API end to end on a real PeerHost with disk storage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { createPeerApi, EventHub, httpBodyBytesMax, httpStatusByCode } from './http';
import { call, put, waitCommitted } from './testing';
import { checkProof } from '../../worker/core/proof';
import { verifyAuditLog } from '../../worker/core/audit';
import { signTx, encodeTx, txIdOf } from '../../worker/core/tx';
import { publicKeyFromSeed } from '../../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../../worker/core/crypto/did';
import { toHex } from '../../worker/core/bytes';
import { botError, type ErrorCode } from '../../worker/core/errors';
import type { PeerMethods } from '../../worker/api';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-api-'));
let peer: RunningPeer;
let base: string;

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
});

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** GET through node:http, which (unlike fetch) lets a test set the Host header. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: any }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, body: JSON.parse(body) }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('HTTP API of the headless peer', () => {
  it('commits a data.put and serves its block, its value with a proof that verifies, and its history', async () => {
    const status = (await call(base, 'GET', '/v1/status')).body;
    expect(status).toMatchObject({ storage: 'disk', integrity: { ok: true }, consensus: 'solo' });
    const identity = (await call(base, 'GET', '/v1/identity')).body;
    expect(identity.did).toMatch(/^did:key:z/);

    const txId = await put(base, 'room/1', { celsius: 21.5 });
    const height = await waitCommitted(base, txId);
    const block = await call(base, 'GET', `/v1/blocks/${height}`);
    expect(block.status).toBe(200);
    expect(block.body.txIds).toContain(txId);
    expect(block.body.txs.find((t: { txId: string }) => t.txId === txId)).toMatchObject({
      type: 'data.put',
      from: identity.did,
      body: { key: 'room/1', value: { celsius: 21.5 } },
    });

    const got = await call(base, 'GET', `/v1/state/${encodeURIComponent('room/1')}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ value: { celsius: 21.5 }, deleted: false, height, txId });
    expect(checkProof(got.body.proof)).toEqual({
      ok: true,
      value: { celsius: 21.5 },
      deleted: false,
      height,
    });
    const anchor = (await call(base, 'GET', `/v1/blocks/${got.body.proof.height}`)).body;
    expect(anchor.header.stateRoot).toBe(got.body.proof.stateRoot);
    const forged = {
      ...got.body.proof,
      entry: got.body.proof.entry.replace(/.$/, (d: string) => (d === '0' ? '1' : '0')),
    };
    expect(checkProof(forged).ok).toBe(false);

    const second = await put(base, 'room/1', { celsius: 22 });
    await waitCommitted(base, second);
    const history = (await call(base, 'GET', `/v1/state/${encodeURIComponent('room/1')}/history`))
      .body;
    expect(history.map((v: { value: unknown }) => v.value)).toEqual([
      { celsius: 21.5 },
      { celsius: 22 },
    ]);
  });

  it('accepts a transaction signed elsewhere as hex (raw) and reports a replay of it', async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const from = didFromPublicKey(publicKeyFromSeed(seed));
    const { chainId } = (await call(base, 'GET', '/v1/status')).body;
    const tx = signTx(
      {
        chain: chainId,
        type: 'data.put',
        from,
        nonce: 1,
        time: Date.now(),
        body: { key: 'raw/1', value: 'signed by a device' },
      },
      seed,
    );
    const raw = toHex(encodeTx(tx));
    const reply = await call(base, 'POST', '/v1/tx', { raw });
    expect(reply.status).toBe(202);
    expect(reply.body.txId).toBe(txIdOf(tx));
    await waitCommitted(base, reply.body.txId);
    expect((await call(base, 'GET', '/v1/state/raw%2F1')).body.value).toBe('signed by a device');

    const again = await call(base, 'POST', '/v1/tx', { raw });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'NONCE_REPLAYED' } } });
    const verdict = (await call(base, 'GET', `/v1/tx/${txIdOf(tx)}?timeoutMs=5000`)).body;
    expect(verdict).toMatchObject({ status: 'committed' });
  });

  it('answers POST /v1/tx {raw} at once for what it can check at once, and a committed result stays final', async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const from = didFromPublicKey(publicKeyFromSeed(seed));
    const { chainId } = (await call(base, 'GET', '/v1/status')).body;
    const sign = (nonce: number, chain = chainId) =>
      signTx(
        {
          chain,
          type: 'data.put',
          from,
          nonce,
          time: Date.now(),
          body: { key: 'final/1', value: nonce },
        },
        seed,
      );
    const tx = sign(1);
    const posted = await call(base, 'POST', '/v1/tx', { raw: toHex(encodeTx(tx)) });
    expect(posted.status).toBe(202);
    const height = await waitCommitted(base, posted.body.txId);

    const zeroed = toHex(encodeTx({ ...tx, sig: new Uint8Array(64) }));
    expect(await call(base, 'POST', '/v1/tx', { raw: zeroed })).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_SIGNATURE' } },
    });
    expect((await call(base, 'GET', `/v1/tx/${txIdOf(tx)}`)).body).toEqual({
      txId: txIdOf(tx),
      status: 'committed',
      height,
    });
    expect(await call(base, 'POST', '/v1/tx', { raw: toHex(encodeTx(sign(1))) })).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REPLAYED' } },
    });
    expect(await call(base, 'POST', '/v1/tx', { raw: toHex(encodeTx(sign(5))) })).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_GAP' } },
    });
    expect(
      await call(base, 'POST', '/v1/tx', { raw: toHex(encodeTx(sign(2, 'not-this-chain'))) }),
    ).toMatchObject({ status: 400, body: { error: { code: 'WRONG_CHAIN' } } });
    expect(await call(base, 'POST', '/v1/tx', { raw: 'a16161' })).toMatchObject({ status: 400 });
    expect((await call(base, 'GET', `/v1/tx/${txIdOf(tx)}`)).body).toEqual({
      txId: txIdOf(tx),
      status: 'committed',
      height,
    });
  });

  it('exports the audit log at GET /v1/audit, persisted on disk, and it verifies offline', async () => {
    await put(base, 'audit/1', 1);
    await call(base, 'PATCH', '/v1/settings', {});
    const reply = await call(base, 'GET', '/v1/audit');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      format: 'bot-audit-log/1',
      persisted: true,
      did: (await call(base, 'GET', '/v1/identity')).body.did,
    });
    expect(
      reply.body.entries.some((e: { message: string }) => e.message.startsWith('Settings changed')),
    ).toBe(true);
    expect(verifyAuditLog(reply.body)).toMatchObject({ ok: true, problems: [] });
    const cut = { ...reply.body, entries: reply.body.entries.slice(0, -1) };
    expect(verifyAuditLog(cut).ok).toBe(false);
  });

  it('answers GET /v1/tx/:id with pending when the wait runs out', async () => {
    const reply = await call(base, 'GET', `/v1/tx/${'ab'.repeat(32)}`);
    expect(reply).toMatchObject({ status: 200, body: { status: 'pending' } });
    const waited = Date.now();
    expect((await call(base, 'GET', `/v1/tx/${'ab'.repeat(32)}?timeoutMs=300`)).body.status).toBe(
      'pending',
    );
    expect(Date.now() - waited).toBeGreaterThanOrEqual(250);
  });

  it('streams peer events as Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/events?types=status,block`, {
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const txId = await put(base, 'sse/1', 1);
    const deadline = Date.now() + 10_000;
    while (!/event: block\n/.test(text) && Date.now() < deadline)
      text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/^retry: 3000\n\nevent: status\ndata: \{/);
    const block = JSON.parse(/event: block\ndata: (.*)\n/.exec(text)![1]!);
    expect(block).toMatchObject({ type: 'block', height: expect.any(Number) });
    expect(text).not.toMatch(/event: tx\n/); // filtered out by ?types=
    await waitCommitted(base, txId);
  });

  it('gives typed errors with the right status for bad input, and stays up', async () => {
    const post = (body: unknown, headers?: Record<string, string>) =>
      call(base, 'POST', '/v1/tx', body, headers);
    const cases: Array<[Promise<{ status: number; body: any }>, number, string]> = [
      [post('{"type": "data.put", '), 400, 'MALFORMED'],
      [post('[1, 2]'), 400, 'BAD_FIELD_TYPE'],
      [post(''), 400, 'MALFORMED'],
      [post({ body: { key: 'a', value: 1 } }), 400, 'MISSING_FIELD'],
      [post({ type: 5, body: {} }), 400, 'BAD_FIELD_TYPE'],
      [post({ type: 'data.put' }), 400, 'MISSING_FIELD'],
      [post({ type: 'data.put', body: { key: 5, value: 1 } }), 400, 'BAD_FIELD_TYPE'],
      [post({ type: 'data.put', body: { key: '', value: 1 } }), 400, 'BAD_KEY'],
      [post({ type: 'no.such', body: {} }), 400, 'UNKNOWN_TYPE'],
      [post({ type: 'data.put', body: { key: 'big', value: 'x'.repeat(9000) } }), 413, 'TOO_LARGE'],
      [post({ raw: 'zz' }), 400, 'MALFORMED'],
      [post({ raw: 12 }), 400, 'BAD_FIELD_TYPE'],
      [post({ raw: '010203' }), 400, 'MALFORMED'],
      [post({ raw: 'ab'.repeat(20_000) }), 413, 'TOO_LARGE'],
      [
        post({ type: 'data.put', body: { key: 'a', value: 1 } }, { 'content-type': 'text/plain' }),
        415,
        'BAD_REQUEST',
      ],
      [
        post(
          JSON.stringify({
            type: 'data.put',
            body: { key: 'a', value: 'x'.repeat(httpBodyBytesMax) },
          }),
        ),
        413,
        'TOO_LARGE',
      ],
      [call(base, 'GET', '/v1/tx/xyz'), 400, 'BAD_REQUEST'],
      [call(base, 'GET', `/v1/tx/${'ab'.repeat(32)}?timeoutMs=-1`), 400, 'BAD_REQUEST'],
      [call(base, 'GET', `/v1/tx/${'ab'.repeat(32)}?timeoutMs=99999999999`), 400, 'BAD_REQUEST'],
      [call(base, 'GET', '/v1/blocks/abc'), 400, 'BAD_REQUEST'],
      [call(base, 'GET', '/v1/blocks/-1'), 400, 'BAD_REQUEST'],
      [call(base, 'GET', '/v1/blocks/99999999'), 404, 'NOT_FOUND'],
      [call(base, 'GET', '/v1/state/never-written'), 404, 'NOT_FOUND'],
      [call(base, 'GET', `/v1/state/${'k'.repeat(300)}`), 400, 'BAD_KEY'],
      [call(base, 'GET', '/v1/state/%E0%A4%A'), 400, 'BAD_REQUEST'],
      [call(base, 'GET', '/v1/nothing-here'), 404, 'NOT_FOUND'],
      [call(base, 'GET', '/'), 404, 'NOT_FOUND'],
      [call(base, 'DELETE', '/v1/status'), 405, 'BAD_REQUEST'],
      [call(base, 'GET', '/v1/tx'), 405, 'BAD_REQUEST'],
      [call(base, 'POST', '/v1/join', { invite: 7 }), 400, 'BAD_FIELD_TYPE'],
      [call(base, 'POST', '/v1/join', {}), 400, 'MISSING_FIELD'],
      [call(base, 'POST', '/v1/invite/info', {}), 400, 'MISSING_FIELD'],
      [call(base, 'POST', '/v1/invite/info', { invite: 'http://x/#/join/AAAA' }), 400, 'MALFORMED'],
      [rawGet(`${base}/v1/status`, { host: 'rebound.example:8787' }), 403, 'UNAUTHORIZED'],
    ];
    for (const [pending, status, code] of cases) {
      const reply = await pending;
      expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
      expect(reply.body.error.message.length).toBeGreaterThan(10);
    }
    // What an invite offers, before joining (issue 21).
    const { invite } = (await call(base, 'GET', '/v1/invite')).body as { invite: string };
    const info = await call(base, 'POST', '/v1/invite/info', { invite });
    expect(info).toMatchObject({
      status: 200,
      body: { active: true, held: true, admission: 'vote' },
    });
    const notAllowed = await call(base, 'DELETE', '/v1/status');
    expect(notAllowed.headers.get('allow')).toBe('GET');
    expect((await call(base, 'GET', '/v1/status')).status).toBe(200);
    expect((await call(base, 'GET', '/v1/integrity')).body).toMatchObject({
      ok: true,
      store: { tornTailBytes: 0, problems: [] },
    });
    // A healthy peer has nothing to repair: the store is not set aside.
    expect(await call(base, 'POST', '/v1/repair')).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    });
  });

  it('refuses a body over the limit from Content-Length alone, and keeps serving on new connections', async () => {
    const reply = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = httpRequest(
        `${base}/v1/tx`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(50 * 1024 * 1024),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => done({ status: res.statusCode!, body }));
        },
      );
      req.on('error', fail);
      req.write('{"type":"data.put","body":{"key":"a","value":"');
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error.code).toBe('TOO_LARGE');
    expect((await call(base, 'GET', '/v1/status')).status).toBe(200);
  });

  it('offers the other methods of window.bot through POST /v1/rpc/:method, but not the ones that wipe or export the identity', async () => {
    const chains = await call(base, 'POST', '/v1/rpc/chains', { params: [] });
    expect(chains.status).toBe(200);
    expect(chains.body.result[0]).toMatchObject({ active: true });
    expect((await call(base, 'POST', '/v1/rpc/reset', {})).status).toBe(403);
    expect((await call(base, 'POST', '/v1/rpc/exportIdentity', { params: ['pass'] })).status).toBe(
      403,
    );
    expect((await call(base, 'POST', '/v1/rpc/noSuchMethod', {})).status).toBe(404);
    expect((await call(base, 'POST', '/v1/rpc/constructor', {})).status).toBe(404);
    expect((await call(base, 'POST', '/v1/rpc/chains', { params: 'x' })).body.error.code).toBe(
      'BAD_FIELD_TYPE',
    );
    expect((await call(base, 'GET', '/v1/identity')).status).toBe(200);
  });

  it('checks every parameter through the same dispatcher as the page: bad ones are 400 BAD_REQUEST naming the parameter', async () => {
    const txId = await put(base, 'rpc/1', 7);
    await waitCommitted(base, txId);
    const got = await call(base, 'POST', '/v1/rpc/get', { params: ['rpc/1'] });
    expect(got).toMatchObject({ status: 200, body: { result: { value: 7, deleted: false } } });
    const waited = await call(base, 'POST', '/v1/rpc/waitFor', { params: [txId, null] });
    expect(waited.body.result).toMatchObject({ status: 'committed' });
    const refused: Array<[string, unknown, string]> = [
      [
        '/v1/rpc/get',
        { params: ['k'.repeat(300)] },
        'get: key must be a non-empty string of at most 256 bytes.',
      ],
      ['/v1/rpc/get', { params: [] }, 'get: key must be a non-empty string of at most 256 bytes.'],
      ['/v1/rpc/block', { params: ['7'] }, 'block: height must be a whole number from 0'],
      ['/v1/rpc/waitFor', { params: [txId, { timeoutMs: -1 }] }, 'waitFor: options.timeoutMs'],
      ['/v1/rpc/chains', { params: [1] }, 'chains takes 0 parameters (), not 1.'],
      ['/v1/rpc/deviceReadings', { params: ['hr-1'] }, 'deviceReadings: device must be a did:key'],
      ['/v1/rpc/callContract', { params: ['counter', 5] }, 'callContract: method must be'],
      // The REST routes go through the dispatcher too.
      [
        '/v1/chains',
        { name: 'lab', mode: 'secret', consensus: 'bft' },
        'createChain: request.mode',
      ],
      ['/v1/chains', { name: 'lab', mode: 'public', consensus: 'bft', size: 3 }, 'no field "size"'],
    ];
    for (const [path, body, message] of refused) {
      const reply = await call(base, 'POST', path, body);
      expect({ path, status: reply.status, code: reply.body.error.code }).toEqual({
        path,
        status: 400,
        code: 'BAD_REQUEST',
      });
      expect(reply.body.error.message).toContain(message);
    }
    expect((await call(base, 'GET', '/v1/status')).status).toBe(200);
  });

  it('sends no CORS headers by default', async () => {
    const reply = await call(base, 'GET', '/v1/status', undefined, {
      origin: 'http://elsewhere.example',
    });
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(
      (await call(base, 'OPTIONS', '/v1/tx', undefined, { origin: 'http://elsewhere.example' }))
        .status,
    ).toBe(405);
  });
});

describe('HTTP API: error codes, CORS and events against a scripted peer', () => {
  let server: ReturnType<typeof createPeerApi>;
  let url: string;
  const events = new EventHub();
  let next: () => Promise<unknown> = async () => ({});
  const scripted = new Proxy({} as PeerMethods, { get: () => () => next() });

  beforeAll(async () => {
    server = createPeerApi({
      peer: scripted,
      events,
      corsOrigins: ['http://app.example'],
      loopbackHostsOnly: true,
    });
    await new Promise<void>((done) => server.server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.server.close(() => done())));

  it('maps every error code to its HTTP status; only faults of the peer are 500', async () => {
    for (const [code, status] of Object.entries(httpStatusByCode)) {
      if (code === 'INTERNAL') continue;
      next = async () => {
        throw botError(code as ErrorCode, `scripted ${code}`);
      };
      const reply = await call(url, 'GET', '/v1/governance');
      expect({ code, status: reply.status }).toEqual({ code, status });
      expect(reply.body).toEqual({ error: { code, message: `scripted ${code}` } });
    }
    next = async () => {
      throw botError('NOT_READY', 'governance is not available on this peer yet.');
    };
    expect((await call(url, 'GET', '/v1/governance')).status).toBe(503);
    next = async () => {
      throw new RangeError('value: too deep');
    };
    expect((await call(url, 'GET', '/v1/log')).body.error.code).toBe('BAD_REQUEST');
    next = async () => {
      throw new Error('assertion failed: something inside');
    };
    const fault = await call(url, 'GET', '/v1/log');
    expect(fault).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL' } } });
    expect(fault.body.error.message).not.toMatch(/assertion/);
  });

  it('allows the named origin only, with preflight', async () => {
    next = async () => ({ ok: 1 });
    const allowed = await call(url, 'GET', '/v1/status', undefined, {
      origin: 'http://app.example',
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example');
    const other = await call(url, 'GET', '/v1/status', undefined, {
      origin: 'http://evil.example',
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${url}/v1/tx`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
