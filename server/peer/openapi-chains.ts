// Leaving a chain's part of the OpenAPI document (several chains per peer, issue 18;
// server/peer/openapi.ts spreads these in). Shapes follow worker/api-chains.ts.
type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const hex = (digits: number): Schema => ({ type: 'string', pattern: `^[0-9a-f]{${digits}}$` });
const bool: Schema = { type: 'boolean' };

export const chainsSchemas: Record<string, Schema> = {
  LeftChain: {
    type: 'object',
    properties: { chainId: hex(32), keptData: bool },
    required: ['chainId', 'keptData'],
  },
};

export const chainsBodies: Record<string, Schema> = {
  LeaveChain: {
    type: 'object',
    properties: { keepData: bool },
    required: [],
    additionalProperties: false,
  },
};

export const chainsPaths = {
  '/v1/chains/{id}/leave': {
    post: {
      summary:
        'Stop running a chain beside the first one (its consensus, sync, network room and relays stop; its place among chainsActiveMax is free). keepData (default true) keeps its store: listed as left, and /v1/chains/{id}/use runs it again; false wipes it.',
      ok: ['200', ref('LeftChain')] as [string, Schema],
      params: [{ name: 'id', in: 'path', required: true, schema: hex(32) }],
      body: 'LeaveChain',
    },
  },
};
