// Distributed analytics' part of the OpenAPI document (issue 15; Y.4560 8.2, 8.4;
// server/peer/openapi.ts spreads these in). Shapes follow worker/api-analytics.ts.
import { analyticsDatasetsMax, analyticsVersionsMax } from '../../worker/core/modules/analytics';
import { aggregateFns, fieldNameLengthMax } from '../../worker/core/modules/datasets/views';
import { datasetIdLengthMax } from '../../worker/core/modules/datasets/limits';
import { analyticsWaitMsMax } from '../../worker/host/datasets-analytics';
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

const num: Schema = { type: 'number' };
const fns = list({ enum: [...aggregateFns] });
const window = strict(
  obj({ field: str, from: { type: 'integer' }, to: { type: 'integer' } }, ['from', 'to']),
);
const field = { type: 'string', minLength: 1, maxLength: fieldNameLengthMax };

export const analyticsSchemas: Record<string, Schema> = {
  AnalyticsResult: obj({
    job: hex(64),
    reader: did,
    field: str,
    fns,
    window: nullable(window),
    height: int,
    complete: { type: 'boolean' },
    result: nullable(
      obj({ count: int, min: nullable(num), max: nullable(num), mean: nullable(num) }, [
        'count',
        'min',
        'max',
        'mean',
      ]),
    ),
    parts: list(
      obj(
        {
          dataset: str,
          owner: did,
          from: int,
          to: int,
          status: { enum: ['answered', 'missing', 'tampered', 'failed'] },
          reason: str,
          fingerprint: nullable(hex(64)),
          txId: nullable(hex(64)),
          count: int,
          sum: num,
          min: nullable(num),
          max: nullable(num),
        },
        ['reason', 'count', 'sum', 'min', 'max'],
      ),
    ),
  }),
  AnalyticsJobs: list(
    obj({
      job: hex(64),
      reader: did,
      mine: { type: 'boolean' },
      field: str,
      fns,
      window: nullable(window),
      height: int,
      parts: list(
        obj({ dataset: str, owner: did, from: int, to: int, recorded: { type: 'boolean' } }),
      ),
    }),
  ),
};

export const analyticsBodies: Record<string, Schema> = {
  AnalyticsJob: strict(
    obj(
      {
        datasets: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: datasetIdLengthMax },
          minItems: 1,
          maxItems: analyticsDatasetsMax,
        },
        field,
        fns: { ...fns, minItems: 1, maxItems: aggregateFns.length },
        window,
        versions: { type: 'integer', minimum: 1, maximum: analyticsVersionsMax },
        timeoutMs: { type: 'integer', minimum: 0, maximum: analyticsWaitMsMax },
      },
      ['window', 'versions', 'timeoutMs'],
    ),
  ),
};

export const analyticsPaths = {
  '/v1/analytics/jobs': {
    get: {
      summary:
        'Open analytics jobs this peer recorded (mine) or answers for as an owner, newest first, with which partials are recorded.',
      ok: ['200', ref('AnalyticsJobs')] as [string, Schema],
    },
    post: {
      summary:
        "Run an analytics job (Y.4560 8.2): record it on chain over datasets this peer may aggregate, wait up to timeoutMs for each owner's peer to compute and seal its partial where the data is held, check each against its fingerprint on chain, and merge. Owners that did not answer are listed as missing (reason timeout), partials that do not match as tampered.",
      ok: ['200', ref('AnalyticsResult')] as [string, Schema],
      body: 'AnalyticsJob',
    },
  },
  '/v1/analytics/jobs/{id}': {
    get: {
      summary:
        'The merged result of a job this peer recorded, waiting up to timeoutMs for partials still missing.',
      ok: ['200', ref('AnalyticsResult')] as [string, Schema],
      params: [
        { name: 'id', in: 'path', required: true, schema: hex(64) },
        {
          name: 'timeoutMs',
          in: 'query',
          schema: { type: 'integer', minimum: 0, maximum: analyticsWaitMsMax },
        },
      ],
    },
  },
};
