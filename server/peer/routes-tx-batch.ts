// POST /v1/tx/batch (issue 19): many transactions signed elsewhere in one request, for a bulk
// loader or a gateway flushing its backlog (one request per transaction held a whole Node
// validator to about 300 tx/s). Each item is what POST /v1/tx { raw } takes and gets its own
// answer, in the order sent: accepted (pending, as 202 there) or rejected with the typed error
// POST /v1/tx would have given it; a bad item never stops the others. The list is bounded by
// txBatchCountMax items and the body by txBatchBodyBytesMax bytes (worker/core/limits.ts).
import { BotError, botError, type ErrorCode } from '../../worker/core/errors';
import { txBatchBodyBytesMax, txBatchCountMax } from '../../worker/core/limits';
import { type Call, type Handler, type Method, rawTxBytes, readJsonObject } from './http-common';

/** One item's answer: taken (pending) with its id, or refused with the code and message of POST /v1/tx. */
export type TxBatchItemResult =
  | { status: 'accepted'; txId: string }
  | { status: 'rejected'; error: { code: ErrorCode; message: string } };

export interface TxBatchResult {
  accepted: number;
  rejected: number;
  results: TxBatchItemResult[];
}

export function txBatchRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    [
      'POST',
      '/v1/tx/batch',
      async ({ request }) => ({
        body: await submitBatch(call, await readJsonObject(request, txBatchBodyBytesMax)),
      }),
    ],
  ];
}

async function submitBatch(call: Call, body: Record<string, unknown>): Promise<TxBatchResult> {
  const txs = body.txs;
  if (txs === undefined)
    throw botError('MISSING_FIELD', 'The request needs "txs": a list of { "raw": "<hex>" }.');
  if (!Array.isArray(txs))
    throw botError('BAD_FIELD_TYPE', '"txs" must be a list of { "raw": "<hex>" }.');
  if (txs.length > txBatchCountMax)
    throw botError(
      'TOO_LARGE',
      `The batch has ${txs.length} transactions; the limit is ${txBatchCountMax} (txBatchCountMax). Send the rest in another batch.`,
    );
  // Every item is handed to the peer now, in list order (the same number of steps each), so one
  // sender's nonces reach the mempool in the order they were listed.
  const results = await Promise.all(txs.map((item, index) => submitItem(call, item, index)));
  const accepted = results.filter((r) => r.status === 'accepted').length;
  return { accepted, rejected: results.length - accepted, results };
}

async function submitItem(call: Call, item: unknown, index: number): Promise<TxBatchItemResult> {
  try {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw botError('BAD_FIELD_TYPE', `txs[${index}] must be an object { "raw": "<hex>" }.`);
    if (!('raw' in item))
      throw botError('MISSING_FIELD', `txs[${index}] needs "raw": the signed transaction in hex.`);
    const { txId } = (await call('submitRaw', rawTxBytes(item.raw))) as { txId: string };
    return { status: 'accepted', txId };
  } catch (error) {
    return { status: 'rejected', error: itemError(error) };
  }
}

/** The code and message POST /v1/tx would answer with (a fault of the peer is logged, as there). */
function itemError(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof BotError) return { code: error.code, message: error.message };
  // Boundary checks in the core throw TypeError (wrong type) and RangeError (wrong size): bad input.
  if (error instanceof TypeError || error instanceof RangeError)
    return { code: 'BAD_REQUEST', message: error.message };
  console.error('peer api: POST /v1/tx/batch item:', error);
  return { code: 'INTERNAL', message: 'The peer failed to take this transaction; see its log.' };
}
