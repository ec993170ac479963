// The dispatcher's entries of data validation (issue 17, D-9.4): dispatch.ts spreads them in.
import type { PeerMethods } from '../api';
import { integer, oneOf, optional, param, record, text, type Param } from './params';
import { validationReasonLengthMax } from '../core/modules/validation';
import * as limits from '../core/limits';

interface ApiMethod {
  params: Array<Param<unknown>>;
  run(peer: PeerMethods, args: unknown[]): Promise<unknown>;
}

function method<const A extends unknown[]>(
  params: [...{ [K in keyof A]: Param<A[K]> }],
  run: (peer: PeerMethods, ...args: A) => Promise<unknown>,
): ApiMethod {
  return {
    params: params as Array<Param<unknown>>,
    run: (peer, args) => run(peer, ...(args as A)),
  };
}

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
