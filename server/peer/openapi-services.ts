// Services outside the chain's part of the OpenAPI document (issue 17, Y.4464 10.5;
// server/peer/openapi.ts spreads these in). Shapes follow worker/api-services.ts.
import {
  serviceAllowMax,
  serviceGrantTtlMaxMs,
  serviceGrantTtlMinMs,
  serviceIdLengthMax,
  serviceNameLengthMax,
  serviceUrlLengthMax,
} from '../../worker/core/modules/services';

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

const access: Schema = {
  anyOf: [
    strict(obj({ mode: { const: 'devices' } })),
    strict(
      obj({
        mode: { const: 'list' },
        allow: { type: 'array', items: did, minItems: 1, maxItems: serviceAllowMax },
      }),
    ),
  ],
};
const serviceId: Schema = { type: 'string', minLength: 1, maxLength: serviceIdLengthMax };

export const servicesSchemas: Record<string, Schema> = {
  Services: obj({
    services: list(
      obj({
        id: str,
        name: str,
        key: did,
        url: str,
        access,
        owner: did,
        mine: { type: 'boolean' },
        registered: int,
        updated: int,
      }),
    ),
    grants: list(
      obj({
        id: hex(64),
        service: str,
        subject: did,
        device: { type: 'boolean' },
        by: did,
        height: int,
        time: int,
        expires: int,
        revoked: nullable(obj({ height: int, by: did, tx: hex(64) })),
        active: { type: 'boolean' },
        accesses: list(obj({ at: int, height: int, tx: hex(64), by: did })),
      }),
    ),
    height: int,
    ttlMaxMs: int,
  }),
  ServiceGrantAccepted: obj({ txId: hex(64), grant: hex(64) }),
  ServiceGrantProof: obj({
    chain: str,
    grant: hex(64),
    height: int,
    proof: { type: 'string', pattern: '^([0-9a-f]{2})*$' },
  }),
  ServiceUse: obj({ status: int, body: {}, accessTxId: nullable(hex(64)) }),
};

export const servicesBodies: Record<string, Schema> = {
  RegisterService: strict(
    obj(
      {
        id: serviceId,
        name: { type: 'string', minLength: 1, maxLength: serviceNameLengthMax },
        key: did,
        url: { type: 'string', maxLength: serviceUrlLengthMax },
        access,
      },
      ['key', 'url', 'access'],
    ),
  ),
  RequestServiceGrant: strict(
    obj(
      {
        service: serviceId,
        subject: did,
        ttlMs: { type: 'integer', minimum: serviceGrantTtlMinMs, maximum: serviceGrantTtlMaxMs },
      },
      ['ttlMs'],
    ),
  ),
};

const id = [{ name: 'id', in: 'path', required: true, schema: hex(64) }];

export const servicesPaths = {
  '/v1/services': {
    get: {
      summary: "The chain's services outside BoT and the grants it holds (Y.4464 10.5).",
      ok: ['200', ref('Services')] as [string, Schema],
    },
    post: {
      summary:
        'Register (or, as its owner, change) a service outside the chain: its key (or its URL to read the key from) and who may access it.',
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      body: 'RegisterService',
    },
  },
  '/v1/services/grants': {
    post: {
      summary:
        'Ask consensus for a short-lived access grant to a service for a device this peer is the gateway or owner of, or for this peer.',
      ok: ['202', ref('ServiceGrantAccepted')] as [string, Schema],
      body: 'RequestServiceGrant',
    },
  },
  '/v1/services/grants/{id}/revoke': {
    post: {
      summary:
        'Revoke a grant (its service owner, requester, subject, or the device gateway or owner).',
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      params: id,
    },
  },
  '/v1/services/grants/{id}/proof': {
    get: {
      summary:
        "The grant's proof a service checks from the genesis: header updates after `from`, the grant entry and its Merkle proof (hex of the chain encoding).",
      ok: ['200', ref('ServiceGrantProof')] as [string, Schema],
      params: [...id, { name: 'from', in: 'query', schema: { type: 'string', pattern: '^\\d+$' } }],
    },
  },
  '/v1/services/grants/{id}/use': {
    post: {
      summary:
        "Present the grant at its service; when served, the service's signed receipt is recorded on chain (service.access).",
      ok: ['200', ref('ServiceUse')] as [string, Schema],
      params: id,
    },
  },
};
