// The dispatcher's entries of data validation (issue 17, D-9.4): dispatch.ts spreads them in.
import { integer, oneOf, optional, param, record, text } from './params';
import { validationReasonLengthMax } from '../core/modules/validation';
import * as limits from '../core/limits';
import { method } from './dispatch-method';

export const validationApiMethods = {
  validation: method([], (p) => p.validation()),
  validate: method(
    [
      param(
        'request',
        record<{
          key: string;
          height?: number;
          verdict: 'valid' | 'refused';
          reason?: string;
        }>({
          key: param('key', text(limits.dataKeyBytesMax, { min: 1, unit: 'bytes' })),
          height: optional('height', integer(1, Number.MAX_SAFE_INTEGER)),
          verdict: param('verdict', oneOf(['valid', 'refused'] as const)),
          reason: optional('reason', text(validationReasonLengthMax, { unit: 'characters' })),
        }),
      ),
    ],
    (p, request) => p.validate(request),
  ),
};
