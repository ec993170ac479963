// Contract triggers' part of the OpenAPI document (issue 17, r-7.2-b; server/peer/openapi.ts
// spreads these in): the answer schemas, the request body and the paths. Shapes follow
// worker/api-lifecycle.ts.
import {
  contractArgsBytesMax,
  contractNameLengthMax,
  triggerCountMax,
  triggerEveryMax,
} from '../../worker/core/limits';

import {
  type Schema,
  ref,
  hex,
  str,
  int,
  nullable,
  list,
  did,
  obj,
  strict,
} from './openapi-schema';

export const triggerSchemas: Record<string, Schema> = {
  Trigger: obj({
    id: hex(64),
    contract: str,
    method: str,
    args: {},
    by: did,
    height: int,
    next: nullable(int),
    every: int,
    left: nullable(int),
    runs: int,
    last: nullable(
      obj(
        {
          height: int,
          ok: { type: 'boolean' },
          result: {},
          events: int,
          code: str,
          message: str,
        },
        ['result', 'events', 'code', 'message'],
      ),
    ),
    ended: nullable(
      obj({ height: int, reason: { enum: ['done', 'cancelled', 'retired'] }, by: did }, ['by']),
    ),
  }),
  TriggerScheduled: obj({ txId: hex(64), trigger: hex(64) }),
};

export const triggerBodies: Record<string, Schema> = {
  ScheduleTrigger: strict(
    obj(
      {
        method: { type: 'string', minLength: 1, maxLength: 32 },
        args: { description: `Any JSON value, at most ${contractArgsBytesMax} bytes.` },
        at: { type: 'integer', minimum: 1 },
        every: { type: 'integer', minimum: 1, maximum: triggerEveryMax },
        count: { type: 'integer', minimum: 1, maximum: triggerCountMax },
      },
      ['args', 'at', 'every', 'count'],
    ),
  ),
};

const name = [
  {
    name: 'name',
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: contractNameLengthMax },
  },
];

export const triggerPaths = {
  '/v1/contracts/{name}/triggers': {
    get: {
      summary:
        "A contract's triggers, oldest first: next run, runs left, the last outcome, and how it ended.",
      ok: ['200', list(ref('Trigger'))] as [string, Schema],
      params: name,
    },
    post: {
      summary:
        'Schedule a trigger (r-7.2-b): the contract runs the method with no caller at a height (at) and/or every n blocks (every), count times at most. By its managers.',
      ok: ['202', ref('TriggerScheduled')] as [string, Schema],
      body: 'ScheduleTrigger',
      params: name,
    },
  },
  '/v1/triggers/{id}/cancel': {
    post: {
      summary: "Cancel a live trigger; by the contract's managers.",
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      params: [{ name: 'id', in: 'path', required: true, schema: hex(64) }],
    },
  },
};
