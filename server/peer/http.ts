// The HTTP+JSON API of the headless peer (ITU-T Y.4560 I.1.4), on node:http with no framework.
// It mirrors window.bot (worker/api.ts): the same shapes, bytes as lowercase hex, errors as
// { error: { code, message } } with an HTTP status chosen by the code. Peer events stream as
// Server-Sent Events from GET /v1/events.
//
// The API signs transactions with the peer's identity, so whoever calls it acts as the peer. It defends the
// usual ways a web page reaches a local server: CORS is off unless origins are named, bodies
// must be sent as application/json (a cross-site form or no-cors fetch cannot, without a
// preflight we refuse), and on a loopback address the Host header must name loopback (DNS
// rebinding). Off loopback (or when a token file is named) every request carries the peer's
// bearer token (api-token.ts).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { BotError, botError, type ErrorCode } from '../../worker/core/errors';
import {
  httpConnectionsMax,
  httpConnectionsCheckMs,
  httpHeadersTimeoutMs,
  httpKeepAliveTimeoutMs,
  httpRequestTimeoutMs,
  waitTimeoutMsMax,
} from '../../worker/core/limits';
import type { MethodName, PeerEvent, PeerMethods, Status, TxResult } from '../../worker/api';
import { dispatch, isApiMethod } from '../../worker/host/dispatch';
import type { DatasetReadStream } from '../../worker/host/datasets';
import { openApiDocument } from './openapi';
import {
  type Call,
  type Context,
  found,
  type Handler,
  heightParam,
  integerQuery,
  HttpError,
  keyParam,
  type Method,
  rawTxBytes,
  readJsonObject,
  type Route,
  stringField,
} from './http-common';
import { datasetRoutes } from './routes-datasets';
import { tokenRoutes } from './routes-tokens';
import { itsRoutes } from './routes-its';

import { marketRoutes } from './routes-market';
import { servicesRoutes } from './routes-services';
import { reorderRoutes } from './routes-reorder';
import { analyticsRoutes } from './routes-analytics';
import { multisigRoutes } from './routes-multisig';
import { validationRoutes } from './routes-validation';
import { stakingRoutes } from './routes-staking';
import { triggerRoutes } from './routes-triggers';
import { traceRoutes } from './routes-trace';
import { xchainRoutes } from './routes-xchain';
import { chainsRoutes } from './routes-chains';
import { txBatchRoutes } from './routes-tx-batch';

import { notifyRoutes } from './routes-notify';

export { datasetHttpBytesMax, httpBodyBytesMax, type Method } from './http-common';

/** Event streams open at once; more are refused with 503. */
export const eventStreamsMax = 64;
/** A comment line on every event stream this often keeps proxies from closing it. */
export const eventStreamHeartbeatMs = 15_000;
/** An event-stream client that falls this far behind is disconnected (it may reconnect). */
export const eventStreamBufferBytesMax = 1024 * 1024;
/** Longest `timeoutMs` of GET /v1/tx/:id. */
export const txWaitMsMax = waitTimeoutMsMax;
/** Submissions waiting to be signed and admitted at once (see `SubmitQueue`); more are refused. */
export const submitQueueMax = 4096;

/** An error code of this API: the peer's codes (INTERNAL: a fault of the peer itself). */
export type HttpErrorCode = ErrorCode;

/** HTTP status by error code. Bad input is 4xx; 500 is only for faults of the peer. */
export const httpStatusByCode: Record<HttpErrorCode, number> = {
  BAD_REQUEST: 400,
  MALFORMED: 400,
  NON_CANONICAL: 400,
  UNKNOWN_TYPE: 400,
  MISSING_FIELD: 400,
  BAD_FIELD_TYPE: 400,
  BAD_KEY: 400,
  BAD_SIGNATURE: 400,
  WRONG_CHAIN: 400,
  BAD_BLOCK: 400,
  BAD_CERTIFICATE: 400,
  UNAUTHORIZED: 403,
  NOT_MEMBER: 403,
  POLICY: 403,
  NOT_FOUND: 404,
  NONCE_REPLAYED: 409,
  NONCE_GAP: 409,
  TOO_LARGE: 413,
  CONTRACT_FAILED: 422,
  CONTRACT_STEPS: 422,
  CONTRACT_MEMORY: 422,
  INSUFFICIENT_FUNDS: 422,
  NOT_READY: 503,
  MEMPOOL_FULL: 503,
  TIMEOUT: 504,
  TAMPERED: 500,
  STORAGE_FAILED: 507,
  QUOTA: 507,
  INTERNAL: 500,
};

/** Fan-out of peer events to event streams; the host's `emit` is `hub.emit`. */
export class EventHub {
  private readonly listeners = new Set<(event: PeerEvent) => void>();

  readonly emit = (event: PeerEvent): void => {
    for (const listener of this.listeners) listener(event);
  };

  subscribe(listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}

export interface ApiOptions {
  peer: PeerMethods;
  events: EventHub;
  /** Origins allowed to call the API from a web page; empty: CORS off; ['*']: any origin. */
  corsOrigins?: string[];
  /** Refuse Host headers that do not name loopback (set when listening on a loopback address). */
  loopbackHostsOnly?: boolean;
  /** Extra facts for GET /v1/integrity (the disk store's open report). */
  storeReport?: () => unknown;
  /** A dataset version chunk by chunk (the peer host's); without it the content route reads whole. */
  readDatasetStream?: (
    dataset: string,
    options?: { version?: number; purpose?: string },
    chain?: string,
  ) => Promise<DatasetReadStream>;
  /** Where refused connections are reported (default: console.warn). */
  warn?: (message: string) => void;
  /**
   * Checks a request's Authorization header (api-token.ts: `Bearer <token>`); when set, every
   * request but a CORS preflight must pass it (401 UNAUTHORIZED otherwise).
   */
  authorized?: (header: string | undefined) => boolean;
}

export interface PeerApi {
  server: Server;
  /** End every event stream (at shutdown). */
  closeStreams(): void;
}

export function createPeerApi(options: ApiOptions): PeerApi {
  const streams = new Set<ServerResponse>();
  const routes = buildRoutes(options, streams);
  const warn = options.warn ?? ((message: string) => console.warn(message));
  // One line per refusal would let a flood fill the log: the first, then every 100th.
  let refusedTokens = 0;
  const handling = {
    ...options,
    refusedToken(request: IncomingMessage): void {
      refusedTokens++;
      if (refusedTokens === 1 || refusedTokens % 100 === 0)
        warn(
          `peer api: refused ${request.method} ${(request.url ?? '').split('?')[0]} from ${request.socket.remoteAddress ?? 'an unknown address'}: no valid API token; ${refusedTokens} refused so far.`,
        );
    },
  };
  // Slow or idle clients must not hold the peer: headers and bodies arrive within tight bounds
  // (Node's defaults are 60 s and 300 s), and open connections are capped (each event stream holds one).
  const server = createServer(
    {
      headersTimeout: httpHeadersTimeoutMs,
      requestTimeout: httpRequestTimeoutMs,
      keepAliveTimeout: httpKeepAliveTimeoutMs,
      connectionsCheckingInterval: httpConnectionsCheckMs,
    },
    (request, response) => {
      void handle(request, response, routes, handling);
    },
  );
  server.maxConnections = httpConnectionsMax;
  let refused = 0;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    refused++;
    if (refused === 1 || refused % 100 === 0)
      warn(
        `peer api: refused a connection from ${data?.remoteAddress ?? 'an unknown address'}: ${httpConnectionsMax} are open (httpConnectionsMax); ${refused} refused so far.`,
      );
  });
  return {
    server,
    closeStreams() {
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}

// ---- routes ----------------------------------------------------------------------------------

/** Every route of the API as [method, path] (the OpenAPI test checks the document covers them). */
export function routeList(peer: PeerMethods): Array<[Method, string]> {
  const routes = buildRoutes({ peer, events: new EventHub() }, new Set());
  return routes.map((r) => [r.method, `/${r.segments.join('/')}`]);
}

function buildRoutes(options: ApiOptions, streams: Set<ServerResponse>): Route[] {
  const { peer } = options;
  // Every route calls the peer through the API dispatcher (worker/host/dispatch.ts), so its
  // parameters are checked as they are for the page; route-specific checks come first.
  // The chain a request names (?chain= or /v1/chains/:id/...; several chains per peer): every
  // call of its handler runs on that chain (worker/host/chain-scope.ts).
  const call = (name: MethodName, ...params: unknown[]) =>
    dispatch(peer, name, params, requestChain.getStore());
  const submissions = new SubmitQueue();
  const table: Array<[Method, string, Handler]> = [
    ['GET', '/v1/status', async () => ({ body: await call('status') })],
    ['GET', '/v1/identity', async () => ({ body: await call('identity') })],
    [
      'POST',
      '/v1/tx',
      async ({ request }) => ({
        status: 202,
        body: await submit(call, submissions, await readJsonObject(request)),
      }),
    ],
    ...txBatchRoutes(call),
    [
      'GET',
      '/v1/tx/:id',
      async ({ params, query }) => ({ body: await waitFor(call, params[0]!, query) }),
    ],
    [
      'GET',
      '/v1/blocks/:height',
      async ({ params }) => ({
        body: found(
          await call('block', heightParam(params[0]!)),
          `There is no block ${params[0]} yet.`,
        ),
      }),
    ],
    [
      'GET',
      '/v1/state/:key',
      async ({ params }) => ({
        body: found(
          await call('get', keyParam(params[0]!)),
          `Nothing is stored under the key "${params[0]}".`,
        ),
      }),
    ],
    [
      'GET',
      '/v1/state/:key/absence',
      async ({ params }) => ({
        body: found(
          await call('absenceProof', keyParam(params[0]!)),
          `The key "${params[0]}" has a value: GET /v1/state/${params[0]} gives it with its inclusion proof.`,
        ),
      }),
    ],
    [
      'GET',
      '/v1/state/:key/history',
      async ({ params }) => ({ body: await call('history', keyParam(params[0]!)) }),
    ],
    [
      'POST',
      '/v1/sealed/share',
      async ({ request }) => {
        const { prefix } = await readJsonObject(request);
        return { body: await call('shareSealed', ...(prefix === undefined ? [] : [prefix])) };
      },
    ],
    ['GET', '/v1/chains', async () => ({ body: await call('chains') })],
    [
      'POST',
      '/v1/chains',
      async ({ request }) => ({
        status: 201,
        body: await call('createChain', await readJsonObject(request)),
      }),
    ],
    [
      'POST',
      '/v1/chains/:id/use',
      async ({ params }) => ({ body: await call('useChain', params[0]!) }),
    ],
    ['GET', '/v1/invite', async () => ({ body: { invite: await call('invite') } })],
    [
      'POST',
      '/v1/invite/info',
      async ({ request }) => ({
        body: await call('inviteInfo', stringField(await readJsonObject(request), 'invite')),
      }),
    ],
    [
      'POST',
      '/v1/join',
      async ({ request }) => ({
        body: await joinCall(call, await readJsonObject(request)),
      }),
    ],
    ['GET', '/v1/network', async () => ({ body: await call('network') })],
    ['GET', '/v1/integrity', async () => ({ body: await integrity(call, options) })],
    ['POST', '/v1/repair', async () => ({ status: 202, body: await call('repair') })],
    ['GET', '/v1/log', async () => ({ body: await call('log') })],
    ['GET', '/v1/audit', async () => ({ body: await call('exportAuditLog') })],
    ['GET', '/v1/governance', async () => ({ body: await call('governance') })],
    ['GET', '/v1/settings', async () => ({ body: await call('settings') })],
    [
      'PATCH',
      '/v1/settings',
      async ({ request }) => ({
        body: await call('setSettings', await readJsonObject(request)),
      }),
    ],
    ...datasetRoutes(call, {
      warn: options.warn,
      // The chain the request names (?chain= or /v1/chains/:id/...), as every other route.
      readDatasetStream:
        options.readDatasetStream &&
        ((dataset, read) => options.readDatasetStream!(dataset, read, requestChain.getStore())),
    }),
    ...tokenRoutes(call),
    ...itsRoutes(call),

    ...marketRoutes(call),
    ...servicesRoutes(call),
    ...reorderRoutes(call),
    ...analyticsRoutes(call),
    ...multisigRoutes(call),
    ...validationRoutes(call),
    ...stakingRoutes(call),
    ...triggerRoutes(call),
    ...traceRoutes(call),
    ...xchainRoutes(call),
    ...chainsRoutes(call),

    ...notifyRoutes(call, {
      events: options.events,
      streams,
      streamsMax: eventStreamsMax,
      heartbeatMs: eventStreamHeartbeatMs,
      bufferBytesMax: eventStreamBufferBytesMax,
    }),
    ['GET', '/v1/openapi.json', async () => ({ body: openApiDocument })],
    ['GET', '/v1/events', (context) => eventStream(context, options, streams)],
    [
      'POST',
      '/v1/rpc/:method',
      async ({ params, request }) => ({
        body: await rpc(peer, params[0]!, await readJsonObject(request)),
      }),
    ],
  ];
  return table.map(([method, path, handler]) => ({
    method,
    segments: path.split('/').slice(1),
    handler,
  }));
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  routes: Route[],
  options: ApiOptions & { refusedToken(request: IncomingMessage): void },
): Promise<void> {
  try {
    const cors = corsHeaders(request, options.corsOrigins ?? []);
    for (const [name, value] of Object.entries(cors)) response.setHeader(name, value);
    checkHost(request, options);
    const url = new URL(request.url ?? '/', 'http://peer');
    const { segments, chain } = chainOf(url);
    const matches = routes
      .map((route) => ({ route, params: match(route.segments, segments) }))
      .filter((m) => m.params !== null);
    if (matches.length === 0)
      throw botError('NOT_FOUND', `There is no ${url.pathname} in this API; see docs/API.md.`);
    const allowed = [...new Set(matches.map((m) => m.route.method))];
    if (request.method === 'OPTIONS' && cors['access-control-allow-origin']) {
      response
        .writeHead(204, {
          'access-control-allow-methods': [...allowed, 'OPTIONS'].join(', '),
          'access-control-allow-headers': 'content-type, authorization',
          'access-control-max-age': '600',
        })
        .end();
      return;
    }
    // A preflight carries no credentials; every other request must (when a token is set).
    if (options.authorized && !options.authorized(request.headers.authorization)) {
      options.refusedToken(request);
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        'This peer requires its API token: send "Authorization: Bearer <token>" (the token is in its api.token file).',
        { 'www-authenticate': 'Bearer realm="bot-peer"' },
      );
    }
    const chosen = matches.find((m) => m.route.method === request.method);
    if (!chosen)
      throw new HttpError(
        405,
        'BAD_REQUEST',
        `${request.method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}.`,
        { allow: allowed.join(', ') },
      );
    const context = { request, response, params: chosen.params!, query: url.searchParams };
    const result = await requestChain.run(chain, () => chosen.route.handler(context));
    if (result !== 'streaming') sendJson(response, result.status ?? 200, result.body);
  } catch (error) {
    sendError(request, response, error);
  }
}

/** The chain a request runs on: undefined for the active one (checked by the dispatcher). */
const requestChain = new AsyncLocalStorage<string | undefined>();

/**
 * A request may name one of the peer's chains (several chains per peer, docs/API.md): as
 * `?chain=<id>`, or as the prefix /v1/chains/<id>/ before any other route (/v1/chains/<id>/status
 * is /v1/status on that chain). /v1/chains/<id>/use and /v1/chains/<id>/leave keep their own meaning.
 */
export function chainOf(url: URL): { segments: string[]; chain: string | undefined } {
  const segments = url.pathname.split('/').slice(1);
  const query = url.searchParams.get('chain') ?? undefined;
  if (
    segments.length > 3 &&
    segments[0] === 'v1' &&
    segments[1] === 'chains' &&
    !(segments.length === 4 && (segments[3] === 'use' || segments[3] === 'leave'))
  ) {
    const chain = decodeURIComponent(segments[2]!);
    if (query !== undefined && query !== chain)
      throw botError('BAD_REQUEST', 'The path and ?chain= name two different chains.');
    return { segments: ['v1', ...segments.slice(3)], chain };
  }
  return { segments, chain: query };
}

/** Path parameters of a route, or null when it does not match. A parameter is one segment, percent-decoded. */
function match(pattern: string[], segments: string[]): string[] | null {
  if (pattern.length !== segments.length) return null;
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = segments[i]!;
    if (want.startsWith(':')) {
      if (got === '') return null;
      params.push(got);
    } else if (want !== got) {
      return null;
    }
  }
  return params.map((raw) => {
    try {
      return decodeURIComponent(raw);
    } catch {
      throw botError('BAD_REQUEST', `The path segment "${raw}" is not valid percent-encoding.`);
    }
  });
}

// ---- handlers ----------------------------------------------------------------------------------

/**
 * Bounds the submissions waiting to be signed and admitted (the host signs its own
 * transactions one at a time, in nonce order, and admits them in batches).
 */
class SubmitQueue {
  private waiting = 0;

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.waiting >= submitQueueMax)
      return Promise.reject(
        botError(
          'MEMPOOL_FULL',
          `${submitQueueMax} submissions are already waiting to be signed; try again shortly.`,
        ),
      );
    this.waiting++;
    return work().finally(() => this.waiting--);
  }
}

/** The peer's methods through the dispatcher (parameters checked). */

async function submit(
  call: Call,
  queue: SubmitQueue,
  body: Record<string, unknown>,
): Promise<{ txId: string }> {
  if ('raw' in body) {
    // submitRaw refuses at once what the peer can tell at once (malformed, bad signature, wrong
    // chain: 400; a used nonce or a gap: 409; a full mempool: 503); 202 means accepted, pending.
    return call('submitRaw', rawTxBytes(body.raw)) as Promise<{ txId: string }>;
  }
  const type = stringField(body, 'type');
  if (!('body' in body))
    throw botError(
      'MISSING_FIELD',
      'A transaction needs "body" (for data.put: { "key": "...", "value": ... }).',
    );
  return queue.run(() => call('submit', { type, body: body.body }) as Promise<{ txId: string }>);
}

async function waitFor(
  call: Call,
  txId: string,
  query: URLSearchParams,
): Promise<{ txId: string; status: string; height?: number; error?: unknown }> {
  if (!/^[0-9a-f]{64}$/.test(txId))
    throw botError('BAD_REQUEST', 'A transaction id is 64 lowercase hex digits.');
  const timeoutMs = integerQuery(query, 'timeoutMs', 0, txWaitMsMax) ?? 0;
  try {
    return { txId, ...((await call('waitFor', txId, { timeoutMs })) as TxResult) };
  } catch (error) {
    if (error instanceof BotError && error.code === 'TIMEOUT') return { txId, status: 'pending' };
    throw error;
  }
}

/**
 * Methods of window.bot that POST /v1/rpc/:method does not offer: they wipe or export the
 * identity (this API has no login), take bytes (use POST /v1/tx with "raw"), or have a route
 * that orders them (POST /v1/tx).
 */
export const rpcMethodsRefused = new Set<string>([
  'reset',
  'exportIdentity',
  'importIdentity',
  'submit',
  'submitRaw',
]);

/** Any other method of window.bot by name, with JSON params: { "params": [...] }. */
async function rpc(
  peer: PeerMethods,
  method: string,
  body: Record<string, unknown>,
): Promise<unknown> {
  if (!isApiMethod(method)) throw botError('NOT_FOUND', `The peer has no method "${method}".`);
  if (rpcMethodsRefused.has(method))
    throw new HttpError(
      403,
      'UNAUTHORIZED',
      `${method} is not offered over HTTP; see docs/API.md.`,
    );
  const params = body.params ?? [];
  if (!Array.isArray(params))
    throw botError('BAD_FIELD_TYPE', '"params" must be a JSON array of the method\'s arguments.');
  const result = await dispatch(peer, method, params, requestChain.getStore());
  return { result: result ?? null };
}

async function integrity(call: Call, options: ApiOptions): Promise<unknown> {
  const report = (await call('integrity')) as object;
  return options.storeReport ? { ...report, store: options.storeReport() } : report;
}

// ---- event stream ------------------------------------------------------------------------------

async function eventStream(
  { request, response, query }: Context,
  options: ApiOptions,
  streams: Set<ServerResponse>,
): Promise<'streaming'> {
  if (streams.size >= eventStreamsMax)
    throw botError(
      'NOT_READY',
      `This peer already serves ${eventStreamsMax} event streams; try again later.`,
    );
  const types = query.get('types')?.split(',').filter(Boolean) ?? null;
  // A stream that names a chain (?chain= or /v1/chains/:id/events) carries that chain's events
  // and the peer-wide ones; without one, every chain's (each event names its chain).
  const chain = requestChain.getStore();
  const status = (await dispatch(options.peer, 'status', [], chain)) as Status;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write('retry: 3000\n\n');
  streams.add(response);
  const send = (event: PeerEvent) => {
    if (types && !types.includes(event.type)) return;
    if (chain !== undefined && event.chain !== undefined && event.chain !== chain) return;
    if (response.writableLength > eventStreamBufferBytesMax) {
      response.destroy(); // a reader this slow would hold the peer's memory; it may reconnect
      return;
    }
    response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  };
  send({ type: 'status', status });
  const unsubscribe = options.events.subscribe(send);
  const heartbeat = setInterval(() => response.write(': ping\n\n'), eventStreamHeartbeatMs);
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(response);
  };
  request.on('close', end);
  response.on('close', end);
  return 'streaming';
}

// ---- bodies, headers, responses ------------------------------------------------------------------

function corsHeaders(request: IncomingMessage, origins: string[]): Record<string, string> {
  const origin = request.headers.origin;
  if (!origin || origins.length === 0) return {};
  if (origins.includes('*')) return { 'access-control-allow-origin': '*' };
  return origins.includes(origin)
    ? { 'access-control-allow-origin': origin, vary: 'origin' }
    : { vary: 'origin' };
}

const loopbackHostnames = new Set(['localhost', '127.0.0.1', '[::1]']);

function checkHost(request: IncomingMessage, options: ApiOptions): void {
  if (!options.loopbackHostsOnly) return;
  const host = (request.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  if (!loopbackHostnames.has(host))
    throw new HttpError(
      403,
      'UNAUTHORIZED',
      `This peer listens on loopback and answers only requests for localhost, not "${host}".`,
    );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendError(request: IncomingMessage, response: ServerResponse, error: unknown): void {
  const { status, code, message, headers } = describeError(error);
  if (status >= 500 && code === 'INTERNAL')
    console.error(`peer api: ${request.method} ${request.url}:`, error);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // A body we stopped reading: answer, then close the connection rather than read the rest.
  const unread = !request.readableEnded;
  sendJson(
    response,
    status,
    { error: { code, message } },
    unread ? { ...headers, connection: 'close' } : headers,
  );
  if (unread) request.resume();
}

function describeError(error: unknown): {
  status: number;
  code: HttpErrorCode;
  message: string;
  headers: Record<string, string>;
} {
  if (error instanceof HttpError)
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      headers: error.headers,
    };
  if (error instanceof BotError)
    return {
      status: httpStatusByCode[error.code] ?? 500,
      code: error.code,
      message: error.message,
      headers: {},
    };
  // Boundary checks in the core throw TypeError (wrong type) and RangeError (wrong size): bad input.
  if (error instanceof TypeError || error instanceof RangeError)
    return { status: 400, code: 'BAD_REQUEST', message: error.message, headers: {} };
  return {
    status: 500,
    code: 'INTERNAL',
    message: 'The peer failed to answer; see its log.',
    headers: {},
  };
}

/** POST /v1/join { invite, light? }: light true joins as a light peer (headers and proofs only). */
function joinCall(
  call: (method: 'join', ...args: unknown[]) => Promise<unknown>,
  body: Record<string, unknown>,
): Promise<unknown> {
  const invite = stringField(body, 'invite');
  return body.light === undefined
    ? call('join', invite)
    : call('join', invite, { light: body.light });
}
