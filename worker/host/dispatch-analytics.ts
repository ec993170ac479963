// The dispatcher's entries of distributed analytics (issue 15, Y.4560 8.2): dispatch.ts spreads
// them in. The aggregate's shape (field, functions, window) is judged again by the core
// (checkJobBody); here the outer shape and the named limits.
import { hex, integer, list, oneOf, optional, param, record, text, anyObject } from './params';
import { analyticsDatasetsMax, analyticsVersionsMax } from '../core/modules/analytics';
import { aggregateFns, fieldNameLengthMax } from '../core/modules/datasets/views';
import * as dsLimits from '../core/modules/datasets/limits';
import { analyticsWaitMsMax } from './datasets-analytics';
import { method } from './dispatch-method';
import type { AnalyticsRequest } from '../api-analytics';

const datasetId = text(dsLimits.datasetIdLengthMax, { min: 1, unit: 'characters' });
const fieldName = text(fieldNameLengthMax, { min: 1, unit: 'characters' });
const timeoutMs = optional('timeoutMs', integer(0, analyticsWaitMsMax));

export const analyticsApiMethods = {
  runAnalytics: method(
    [
      param(
        'request',
        record<AnalyticsRequest>({
          datasets: param('datasets', list(datasetId, analyticsDatasetsMax, { min: 1 })),
          field: param('field', fieldName),
          fns: param('fns', list(oneOf(aggregateFns), aggregateFns.length, { min: 1 })),
          window: optional(
            'window',
            (v, n) => anyObject(v, n) as unknown as NonNullable<AnalyticsRequest['window']>,
          ),
          versions: optional('versions', integer(1, analyticsVersionsMax)),
          timeoutMs,
        }),
      ),
    ],
    (p, request) => p.runAnalytics(request),
  ),
  analyticsResult: method(
    [param('job', hex(64)), optional('options', record<{ timeoutMs?: number }>({ timeoutMs }))],
    (p, job, options) => p.analyticsResult(job, options),
  ),
  analyticsJobs: method([], (p) => p.analyticsJobs()),
};
