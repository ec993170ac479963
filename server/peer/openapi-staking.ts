// Staking's part of the OpenAPI document (issue 16, public mode; server/peer/openapi.ts spreads
// these in): its answer schema, request body and paths. Shapes follow worker/api-staking.ts.
type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer', minimum: 0 };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const list = (items: Schema): Schema => ({ type: 'array', items });
const did: Schema = { type: 'string', pattern: '^did:key:z' };
function obj(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
  };
}
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: str });
const validator = obj({ did, power: { type: 'integer', minimum: 1 } });

export const stakingSchemas: Record<string, Schema> = {
  Staking: obj({
    enabled: { type: 'boolean' },
    settings: nullable(
      obj({
        minBond: int,
        unbondingBlocks: int,
        maxValidators: int,
        slashPercent: int,
        epochBlocks: int,
      }),
    ),
    symbol: nullable(str),
    height: int,
    nextEpochAt: nullable(int),
    validators: list(validator),
    elected: list(validator),
    account: did,
    bond: int,
    balance: int,
    unbonding: list(obj({ amount: int, release: int })),
    validator: { type: 'boolean' },
    slashedAt: nullable(int),
    slashedTotal: int,
  }),
};

export const stakingBodies: Record<string, Schema> = {
  StakeAmount: {
    ...obj({ amount: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } }),
    additionalProperties: false,
  },
};

export const stakingPaths = {
  '/v1/staking': {
    get: {
      summary:
        "This peer's bond, unbonding tokens and balance, and the validators with their voting power (on a public chain with staking, power = bond).",
      ok: ['200', ref('Staking')] as [string, Schema],
    },
  },
  '/v1/staking/{account}': {
    get: {
      summary: "An account's staking (a did:key), with the validators and their power.",
      ok: ['200', ref('Staking')] as [string, Schema],
      params: [pathParam('account')],
    },
  },
  '/v1/stake': {
    post: {
      summary:
        'Bond tokens as this peer (stake.bond): the largest bonds become the validators at the next epoch boundary.',
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      body: 'StakeAmount',
    },
  },
  '/v1/unbond': {
    post: {
      summary:
        'Unbond tokens as this peer (stake.unbond): they return to the balance unbondingBlocks blocks later.',
      ok: ['202', ref('TxAccepted')] as [string, Schema],
      body: 'StakeAmount',
    },
  },
};
