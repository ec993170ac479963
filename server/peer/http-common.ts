// What the route groups of the HTTP API share: request context, handler and route types, the
// error that carries its own status, and the readers of bodies, parameters and queries. Each
// capability's routes live in their own file (routes-*.ts) and are listed in http.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BotError, botError, type ErrorCode } from '../../worker/core/errors';
import { fromHex, utf8 } from '../../worker/core/bytes';
import { dataKeyBytesMax, rpcContentBytesMax, txBytesMax } from '../../worker/core/limits';
import type { MethodName } from '../../worker/api';

/** Largest request body: a raw transaction in hex plus JSON framing, or a chain request. */
export const httpBodyBytesMax = 4 * txBytesMax;
/** Bytes of a dataset version's content in one HTTP request body. */
export const datasetHttpBytesMax = rpcContentBytesMax;

/** Calls a peer method through the API dispatcher (its parameters checked as for the page). */
export type Call = (name: MethodName, ...params: unknown[]) => Promise<unknown>;

/** An error that carries its own HTTP status (405, 415), where the code alone does not say it. */
export class HttpError extends BotError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

export interface Context {
  request: IncomingMessage;
  response: ServerResponse;
  params: string[];
  query: URLSearchParams;
}

export type Handler = (
  context: Context,
) => Promise<{ status?: number; body: unknown } | 'streaming'>;
export type Method = 'GET' | 'POST' | 'PATCH';

export interface Route {
  method: Method;
  segments: string[];
  handler: Handler;
}

export function heightParam(text: string): number {
  const height = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(height))
    throw botError('BAD_REQUEST', `A block height is a whole number from 0, not "${text}".`);
  return height;
}

export function keyParam(key: string): string {
  if (utf8(key).length > dataKeyBytesMax)
    throw botError('BAD_KEY', `A key is at most ${dataKeyBytesMax} UTF-8 bytes.`);
  return key;
}

export function integerQuery(
  query: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw botError('BAD_REQUEST', `${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined) throw botError('MISSING_FIELD', `The request needs "${name}".`);
  if (typeof value !== 'string') throw botError('BAD_FIELD_TYPE', `"${name}" must be a string.`);
  return value;
}

/** A signed transaction sent as hex (`raw` of POST /v1/tx and of each POST /v1/tx/batch item), as bytes. */
export function rawTxBytes(raw: unknown): Uint8Array {
  if (typeof raw !== 'string')
    throw botError('BAD_FIELD_TYPE', '"raw" must be the signed transaction as a hex string.');
  if (raw.length > 2 * txBytesMax)
    throw botError(
      'TOO_LARGE',
      `The transaction is ${raw.length / 2} bytes; the limit is ${txBytesMax}.`,
    );
  if (raw.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(raw))
    throw botError('MALFORMED', '"raw" must be an even number of hex digits.');
  return fromHex(raw);
}

export function found<T>(value: T | null, message: string): T {
  if (value === null) throw botError('NOT_FOUND', message);
  return value;
}

/** A version's content: raw bytes (application/octet-stream) or JSON { "text": "..." }. */
export async function readContent(request: IncomingMessage): Promise<Uint8Array | string> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return stringField(await readJsonObject(request), 'text');
  if (type !== 'application/octet-stream')
    throw new HttpError(
      415,
      'BAD_REQUEST',
      'Send the content as "application/octet-stream", or JSON { "text": ... }.',
    );
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > datasetHttpBytesMax)
      throw botError(
        'TOO_LARGE',
        `A version sent over HTTP is at most ${datasetHttpBytesMax} bytes.`,
      );
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

// ---- bodies, headers ----------------------------------------------------------------------------

/** A JSON object body of at most `bytesMax` bytes (default httpBodyBytesMax; else TOO_LARGE, 413). */
export async function readJsonObject(
  request: IncomingMessage,
  bytesMax: number = httpBodyBytesMax,
): Promise<Record<string, unknown>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(
      415,
      'BAD_REQUEST',
      'Send the body as JSON with "content-type: application/json".',
    );
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > bytesMax)
    throw botError('TOO_LARGE', `The request body is ${declared} bytes; the limit is ${bytesMax}.`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > bytesMax)
      throw botError('TOO_LARGE', `The request body is larger than ${bytesMax} bytes.`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw botError('MALFORMED', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw botError('BAD_FIELD_TYPE', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export function contentHeaders(
  read: { version: number; fingerprint: string; accessTxId: string | null },
  length: number,
): Record<string, string | number> {
  return {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'content-length': length,
    'x-dataset-version': String(read.version),
    'x-dataset-fingerprint': read.fingerprint,
    ...(read.accessTxId ? { 'x-access-tx': read.accessTxId } : {}),
  };
}
