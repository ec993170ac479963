// The data proxy's part of the OpenAPI document (issue 15, D-I.2; Y.4560 Annex I.2;
// server/peer/openapi.ts spreads these in). Shapes follow worker/api-datasets.ts.
import { forwardVersionsMax, versionNumberMax } from '../../worker/core/modules/datasets/limits';
import { type Schema, ref, hex, obj, strict } from './openapi-schema';

export const proxyBodies: Record<string, Schema> = {
  ForwardVersions: strict(
    obj(
      {
        versions: {
          type: 'array',
          items: { type: 'integer', minimum: 1, maximum: versionNumberMax - 1 },
          minItems: 1,
          maxItems: forwardVersionsMax,
        },
      },
      ['versions'],
    ),
  ),
};

export const proxySchemas: Record<string, Schema> = {
  DatasetForwarded: obj({
    txId: hex(64),
    versions: { type: 'array', items: { type: 'integer', minimum: 1 } },
  }),
};

const request = [{ name: 'id', in: 'path', required: true, schema: hex(64) }];

export const proxyPaths = {
  '/v1/dataset-requests/{id}/confirm': {
    post: {
      summary:
        'As the enterprise a data proxy asked for (Y.4560 Annex I.2), confirm that the proxy acts for you for this request; the owner can grant it only then. Your X25519 key is published first when needed.',
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      params: request,
    },
  },
  '/v1/dataset-requests/{id}/forward': {
    post: {
      summary:
        'As the data proxy of a granted, confirmed request, provide versions granted to you to the enterprise: their content keys are wrapped for its key and recorded on chain (default: every granted version it has no key for).',
      ok: ['202', ref('DatasetForwarded')] as [string, Schema],
      body: 'ForwardVersions',
      params: request,
    },
  },
};
