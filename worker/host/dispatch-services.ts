// The dispatcher's entries of services outside the chain (issue 17, Y.4464 10.5): dispatch.ts
// spreads them in. The chain checks the bodies again (worker/core/modules/services).
import type { PeerMethods } from '../api';
import type { ServiceAccessView } from '../api-services';
import {
  did,
  hex,
  integer,
  list,
  oneOf,
  optional,
  param,
  record,
  text,
  type Param,
} from './params';
import {
  serviceAllowMax,
  serviceGrantTtlMaxMs,
  serviceGrantTtlMinMs,
  serviceIdLengthMax,
  serviceNameLengthMax,
  serviceUrlLengthMax,
} from '../core/modules/services';

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

const serviceId = text(serviceIdLengthMax, { min: 1, unit: 'characters' });
const grantId = hex(64);
const access = record<{ mode: 'devices' | 'list'; allow?: string[] }>({
  mode: param('mode', oneOf(['devices', 'list'] as const)),
  allow: optional('allow', list(did, serviceAllowMax, { min: 1 })),
}) as (value: unknown, name: string) => ServiceAccessView;

export const servicesApiMethods = {
  services: method([], (p) => p.services()),
  registerService: method(
    [
      param(
        'request',
        record<{
          id: string;
          name: string;
          key?: string;
          url?: string;
          access?: ServiceAccessView;
        }>({
          id: param('id', serviceId),
          name: param('name', text(serviceNameLengthMax, { min: 1, unit: 'characters' })),
          key: optional('key', did),
          url: optional('url', text(serviceUrlLengthMax, { unit: 'characters' })),
          access: optional('access', access),
        }),
      ),
    ],
    (p, request) => p.registerService(request),
  ),
  requestServiceGrant: method(
    [
      param(
        'request',
        record<{ service: string; subject: string; ttlMs?: number }>({
          service: param('service', serviceId),
          subject: param('subject', did),
          ttlMs: optional('ttlMs', integer(serviceGrantTtlMinMs, serviceGrantTtlMaxMs)),
        }),
      ),
    ],
    (p, request) => p.requestServiceGrant(request),
  ),
  revokeServiceGrant: method([param('grant', grantId)], (p, grant) => p.revokeServiceGrant(grant)),
  serviceGrantProof: method(
    [
      param(
        'request',
        record<{ grant: string; from?: number }>({
          grant: param('grant', grantId),
          from: optional('from', integer(0, Number.MAX_SAFE_INTEGER)),
        }),
      ),
    ],
    (p, request) => p.serviceGrantProof(request),
  ),
  useService: method(
    [param('request', record<{ grant: string }>({ grant: param('grant', grantId) }))],
    (p, request) => p.useService(request),
  ),
};
