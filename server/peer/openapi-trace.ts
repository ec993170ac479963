// Traceability's part of the OpenAPI document (Y.4560 I.1; server/peer/openapi.ts spreads these
// in). Shapes follow worker/api-trace.ts; the routes are server/peer/routes-trace.ts.
import {
  traceIdLengthMax,
  traceMergeInputsMax,
  traceServerLengthMax,
  traceSplitPartsMax,
} from '../../worker/core/modules/trace/limits';
import { type Schema, did, hex, int, list, nullable, obj, ref, str } from './openapi-schema';

const bool: Schema = { type: 'boolean' };

export const traceSchemas: Record<string, Schema> = {
  TraceWritten: obj({ txId: hex(64), hash: hex(64) }),
  TraceRecord: obj({
    txId: hex(64),
    kind: { enum: ['origin', 'record', 'transfer', 'split', 'merge'] },
    ids: list(str),
    into: list(str),
    server: str,
    hash: hex(64),
    out: nullable(did),
    in: did,
    time: { type: 'number' },
    height: int,
  }),
  TraceLot: obj({
    id: str,
    holder: did,
    mine: bool,
    parents: list(str),
    consumedBy: nullable(hex(64)),
    records: list(ref('TraceRecord')),
  }),
  TraceJourney: obj({
    id: str,
    lots: list(
      obj({ id: str, holder: str, parents: list(str), consumedBy: nullable(hex(64)), depth: int }),
    ),
    steps: list(
      obj({
        txId: str,
        kind: { enum: ['origin', 'record', 'transfer', 'split', 'merge'] },
        ids: list(str),
        into: list(str),
        server: str,
        hash: str,
        out: nullable(str),
        in: str,
        time: { type: 'number' },
        height: int,
        blockHash: nullable(hex(64)),
        status: { enum: ['verified', 'tampered'] },
        problem: nullable(str),
        document: obj({
          status: { enum: ['verified', 'tampered', 'unreachable', 'not-fetched'] },
          message: nullable(str),
        }),
      }),
    ),
    origins: list(str),
    verified: bool,
    truncated: nullable(str),
  }),
};

const traceId: Schema = { type: 'string', minLength: 1, maxLength: traceIdLengthMax };
const traceCommon = {
  server: {
    type: 'string',
    minLength: 1,
    maxLength: traceServerLengthMax,
    description: 'Information-server address of the traceability data.',
  },
  hash: {
    ...hex(64),
    description: 'SHA-256 of that data; left out, the peer fetches and hashes it.',
  },
};
export const traceBodies: Record<string, Schema> = {
  TraceRecord: { ...obj({ id: traceId, ...traceCommon }, ['hash']), additionalProperties: false },
  TraceTransfer: {
    ...obj({ id: traceId, to: did, ...traceCommon }, ['hash']),
    additionalProperties: false,
  },
  TraceSplit: {
    ...obj(
      {
        id: traceId,
        into: { ...list(traceId), minItems: 1, maxItems: traceSplitPartsMax },
        ...traceCommon,
      },
      ['hash'],
    ),
    additionalProperties: false,
  },
  TraceMerge: {
    ...obj(
      {
        ids: { ...list(traceId), minItems: 1, maxItems: traceMergeInputsMax },
        into: traceId,
        ...traceCommon,
      },
      ['hash'],
    ),
    additionalProperties: false,
  },
};

const id = [{ name: 'id', in: 'path', required: true, schema: str }];

export const tracePaths = {
  '/v1/trace/records': {
    post: {
      summary: 'Record a lot: its origin when new, else a holder record (Y.4560 I.1.5 step 1).',
      ok: ['202', ref('TraceWritten')] as [string, Schema],
      body: 'TraceRecord',
    },
  },
  '/v1/trace/transfers': {
    post: {
      summary: 'The holder transfers a lot.',
      ok: ['202', ref('TraceWritten')] as [string, Schema],
      body: 'TraceTransfer',
    },
  },
  '/v1/trace/splits': {
    post: {
      summary: 'The holder splits a lot into new lots.',
      ok: ['202', ref('TraceWritten')] as [string, Schema],
      body: 'TraceSplit',
    },
  },
  '/v1/trace/merges': {
    post: {
      summary: 'The holder merges lots into a new lot.',
      ok: ['202', ref('TraceWritten')] as [string, Schema],
      body: 'TraceMerge',
    },
  },
  '/v1/trace/lots/{id}': {
    get: {
      summary: 'A lot and its mapping records.',
      ok: ['200', ref('TraceLot')] as [string, Schema],
      params: id,
    },
  },
  '/v1/trace/lots/{id}/journey': {
    get: {
      summary: 'The backward query (Y.4560 I.1.5 (2)): every origin, every step checked.',
      ok: ['200', ref('TraceJourney')] as [string, Schema],
      params: [...id, { name: 'fetch', in: 'query', schema: { enum: ['true', 'false'] } }],
    },
  },
};
