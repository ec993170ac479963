// The page -> worker RPC boundary (worker/peer.worker.ts): a message is checked for its shape
// and its size before any method runs. Structured clone hands the worker a whole object graph,
// so the size is measured by walking it: strings in UTF-8 bytes, byte arrays by length, numbers
// 8 bytes, property names as strings. The walk stops as soon as the limit is passed, and counts a
// shared or cyclic object once.
import { methodNames, type MethodName, type RpcRequest } from './api';
import { botError } from './core/errors';
import { rpcContentBytesMax, rpcMessageBytesMax } from './core/limits';

const methods = new Set<string>(methodNames);
const encoder = new TextEncoder();

/** Bytes `value` takes, counted up to just past `limit` (then the walk stops). */
export function rpcBytesAtLeast(value: unknown, limit: number): number {
  let bytes = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0 && bytes <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') bytes += encoder.encode(v).length;
    else if (typeof v === 'number' || typeof v === 'bigint') bytes += 8;
    else if (v === null || typeof v !== 'object') bytes += 1;
    else if (seen.has(v)) bytes += 1;
    else {
      seen.add(v);
      if (ArrayBuffer.isView(v)) bytes += v.byteLength;
      else if (v instanceof ArrayBuffer) bytes += v.byteLength;
      else if (v instanceof Map || v instanceof Set) {
        for (const e of v.entries()) {
          if (bytes > limit) break;
          bytes += 1;
          stack.push(e);
        }
      } else {
        for (const key in v) {
          if (bytes > limit) break;
          bytes += encoder.encode(key).length;
          stack.push((v as Record<string, unknown>)[key]);
        }
      }
    }
  }
  return bytes;
}

/** The request in `data`, or BAD_REQUEST / TOO_LARGE with a plain message. */
export function rpcRequestFrom(data: unknown): RpcRequest {
  const { id, method, params, chain } = (data ?? {}) as Partial<RpcRequest>;
  if (typeof method !== 'string' || !methods.has(method) || !Array.isArray(params)) {
    throw botError('BAD_REQUEST', `Unknown method ${String(method)}.`);
  }
  // A dataset version's content is the one large argument a page sends (issue 15).
  const [limit, name] =
    method === 'putDatasetVersion'
      ? [rpcContentBytesMax, 'rpcContentBytesMax']
      : [rpcMessageBytesMax, 'rpcMessageBytesMax'];
  const bytes = rpcBytesAtLeast(params, limit);
  if (bytes > limit) {
    throw botError('TOO_LARGE', `The call to ${method} is larger than ${limit} bytes (${name}).`);
  }
  // `chain` (several chains per peer): its form is checked by the dispatcher (chain-scope.ts).
  return chain === undefined
    ? { id: id as number, method: method as MethodName, params }
    : { id: id as number, method: method as MethodName, params, chain };
}
