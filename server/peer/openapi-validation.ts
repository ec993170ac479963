// Data validation's part of the OpenAPI document (issue 17, D-9.4; server/peer/openapi.ts spreads
// these in): its answer schema, request body and paths. Shapes follow worker/api-validation.ts.
import { dataKeyBytesMax } from '../../worker/core/limits';
import { validationReasonLengthMax } from '../../worker/core/modules/validation';

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

const verdict = obj({
  by: did,
  verdict: { enum: ['valid', 'refused'] },
  reason: str,
  height: int,
  tx: hex(64),
});

export const validationSchemas: Record<string, Schema> = {
  Validation: obj({
    regulators: list(did),
    regulator: { type: 'boolean' },
    required: { type: 'boolean' },
    validators: { enum: ['regulators', 'stakeholders'] },
    quorum: { type: 'integer', minimum: 1 },
    entries: list(
      obj({
        key: str,
        height: int,
        txId: hex(64),
        from: did,
        status: { enum: ['pending', 'refused'] },
        verdicts: list(verdict),
        resubmitOf: nullable(obj({ height: int, txId: hex(64), reason: str })),
        stakeholders: list(did),
        mayJudge: { type: 'boolean' },
      }),
    ),
    height: int,
  }),
  /** `validation` of a value (GET /v1/data/{key}) on a chain that tracks validation. */
  ValueValidation: obj(
    {
      status: { enum: ['pending', 'valid', 'refused'] },
      required: { type: 'boolean' },
      reason: str,
    },
    ['reason'],
  ),
  /** `validation` of a version in a key's history. */
  VersionValidation: obj({
    status: { enum: ['pending', 'valid', 'refused'] },
    verdicts: list(verdict),
    resubmitOf: nullable(obj({ h: int, tx: hex(64), reason: str })),
  }),
};

export const validationBodies: Record<string, Schema> = {
  Validate: strict(
    obj(
      {
        key: { type: 'string', minLength: 1, maxLength: dataKeyBytesMax },
        height: { type: 'integer', minimum: 1 },
        verdict: { enum: ['valid', 'refused'] },
        reason: { type: 'string', maxLength: validationReasonLengthMax },
      },
      ['height', 'reason'],
    ),
  ),
};

export const validationPaths = {
  '/v1/validation': {
    get: {
      summary:
        "The chain's regulators and the data versions waiting for a verdict or refused (D-9.4).",
      ok: ['200', ref('Validation')] as [string, Schema],
    },
    post: {
      summary:
        'Judge the current version of a data key as a regulator: valid, or refused with a reason that returns to the submitter.',
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      body: 'Validate',
    },
  },
};
