// The gateway's reorder rules' part of the OpenAPI document (issue 16, U-II.4;
// server/peer/openapi.ts spreads these in). Shapes follow worker/api-reorder.ts.
import {
  reorderEveryMax,
  reorderItemLengthMax,
  reorderOrdersListedMax,
  reorderQuantityMax,
  reorderThresholdMax,
} from '../../worker/api-reorder';
import { contractNameLengthMax, deviceCapabilityLengthMax } from '../../worker/core/limits';
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
const ruleFields = {
  device: did,
  value: { type: 'string', minLength: 1, maxLength: deviceCapabilityLengthMax },
  below: { type: 'number', minimum: -reorderThresholdMax, maximum: reorderThresholdMax },
  contract: { type: 'string', minLength: 1, maxLength: contractNameLengthMax },
  item: { type: 'string', minLength: 1, maxLength: reorderItemLengthMax },
  quantity: { type: 'integer', minimum: 1, maximum: reorderQuantityMax },
  every: { type: 'integer', minimum: 0, maximum: reorderEveryMax },
};

export const reorderSchemas: Record<string, Schema> = {
  ReorderRule: obj(
    {
      ...ruleFields,
      setAt: int,
      armed: { type: 'boolean' },
      level: nullable(num),
      levelHeight: nullable(int),
      lastOrderAt: nullable(int),
    },
    ['item'],
  ),
  ReorderOrder: obj({
    id: int,
    device: did,
    value: str,
    contract: str,
    item: nullable(str),
    quantity: int,
    pay: nullable(int),
    level: num,
    readingHeight: int,
    readingTx: hex(64),
    state: { enum: ['pending', 'committed', 'refused'] },
    txId: nullable(hex(64)),
    height: nullable(int),
    code: nullable(str),
    message: nullable(str),
    at: int,
  }),
};

export const reorderBodies: Record<string, Schema> = {
  SetReorderRule: strict(obj(ruleFields, ['item', 'every'])),
};

export const reorderPaths = {
  '/v1/reorder/rules': {
    get: {
      summary:
        "The reorder rules this peer keeps on the chain (one per device), with each rule's last level seen.",
      ok: ['200', list(ref('ReorderRule'))] as [string, Schema],
    },
    post: {
      summary:
        "Set (or replace) a device's reorder rule: when a committed reading of `value` is under `below`, the device orders `quantity` from the contract's shop, signed with its key and paid from its wallet. By the device's gateway and owner; refused (403) when its spending rule would refuse the order now.",
      ok: ['200', ref('ReorderRule')] as [string, Schema],
      body: 'SetReorderRule',
    },
  },
  '/v1/reorder/rules/{device}/clear': {
    post: {
      summary: "Drop a device's reorder rule (removed: false when it had none).",
      ok: ['200', obj({ removed: { type: 'boolean' } })] as [string, Schema],
      params: [{ name: 'device', in: 'path', required: true, schema: did }],
    },
  },
  '/v1/reorder/orders': {
    get: {
      summary:
        'The orders the rules made, newest first: pending, committed, or refused (with the code, e.g. UNAUTHORIZED above the spending rule).',
      ok: ['200', list(ref('ReorderOrder'))] as [string, Schema],
      params: [
        { name: 'device', in: 'query', schema: did },
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: reorderOrdersListedMax },
        },
      ],
    },
  },
};
