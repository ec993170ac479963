// Body rules of each transaction type (stateless). State effects live in ledger.ts.
import { botError } from './errors';
import { encode } from './codec';
import { utf8 } from './bytes';
import * as limits from './limits';

export interface BodyRules {
  /** Throws BotError when the body is not acceptable. */
  check(body: unknown): void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[], type: string): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) throw botError('MALFORMED', `A ${type} body has no field "${name}".`);
  }
}

export function checkDataKey(key: unknown): string {
  if (key === undefined) throw botError('MISSING_FIELD', 'The body has no "key".');
  if (typeof key !== 'string') throw botError('BAD_FIELD_TYPE', 'The key must be a string.');
  const bytes = utf8(key).length;
  if (bytes === 0) throw botError('BAD_KEY', 'The key must not be empty.');
  if (bytes > limits.dataKeyBytesMax) throw botError('TOO_LARGE', `The key is ${bytes} bytes; the limit is ${limits.dataKeyBytesMax}.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw botError('BAD_KEY', 'The key must not contain control characters.');
  return key;
}

/** Data values: strings, bytes, whole or finite numbers, booleans, null, and lists/maps of those. */
export function checkDataValue(value: unknown, depth = 0): void {
  if (depth > limits.dataValueDepthMax) throw botError('TOO_LARGE', `The value nests deeper than ${limits.dataValueDepthMax} levels.`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value instanceof Uint8Array) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw botError('BAD_FIELD_TYPE', 'Numbers in a value must be finite.');
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw botError('BAD_FIELD_TYPE', 'Whole numbers in a value must be safe integers.');
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkDataValue(item, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) checkDataValue(item, depth + 1);
    return;
  }
  throw botError('BAD_FIELD_TYPE', `A value of type ${typeof value} cannot be stored; use strings, numbers, booleans, bytes, lists or maps.`);
}

const dataPut: BodyRules = {
  check(body) {
    if (!isPlainObject(body)) throw botError('MALFORMED', 'A data.put body must be a map { key, value }.');
    onlyFields(body, ['key', 'value'], 'data.put');
    checkDataKey(body.key);
    if (!('value' in body)) throw botError('MISSING_FIELD', 'The body has no "value".');
    checkDataValue(body.value);
    const valueBytes = encode(body.value).length;
    if (valueBytes > limits.dataValueBytesMax) throw botError('TOO_LARGE', `The value is ${valueBytes} bytes; the limit is ${limits.dataValueBytesMax}.`);
  },
};

const dataDelete: BodyRules = {
  check(body) {
    if (!isPlainObject(body)) throw botError('MALFORMED', 'A data.delete body must be a map { key }.');
    onlyFields(body, ['key'], 'data.delete');
    checkDataKey(body.key);
  },
};

export const txBodyRules: Record<string, BodyRules> = Object.freeze({
  'data.put': dataPut,
  'data.delete': dataDelete,
});
