// Shape checks shared by the body rules of every transaction type (worker/core/modules/*/rules.ts):
// a body is a plain map, and it names only the fields its type defines.
import { botError } from './errors';
import * as limits from './limits';

/**
 * A map from the decoder (or JSON, or a structured clone): not null, not an array, not bytes, and
 * a plain object. A CBOR tag decodes to an instance of a class (tag 42 to a CID), which is not a
 * map: a body holding one is refused rather than stored and later rendered as `{"/": ...}`.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array
  )
    return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A value that is an object but neither a list, bytes nor a plain map: what a CBOR tag (a CID link) decodes to. */
export function isTaggedValue(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !isPlainObject(value)
  );
}

/** Throws MALFORMED naming the first field that `type` does not define. */
export function onlyFields(
  body: Record<string, unknown>,
  allowed: readonly string[],
  type: string,
): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name))
      throw botError('MALFORMED', `A ${type} body has no field "${name}".`);
  }
}

/** JSON values: what crosses between the chain and a contract. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** JSON values only (no bytes, no non-finite numbers), nested at most dataValueDepthMax. */
export function checkJsonValue(value: unknown, field: string, depth = 0): void {
  if (depth > limits.dataValueDepthMax)
    throw botError('TOO_LARGE', `${field} nests deeper than ${limits.dataValueDepthMax} levels.`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw botError('BAD_FIELD_TYPE', `Numbers in ${field} must be finite.`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJsonValue(item, field, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) checkJsonValue(item, field, depth + 1);
    return;
  }
  throw botError(
    'BAD_FIELD_TYPE',
    `${field} must hold JSON values only (text, numbers, true/false, null, lists, maps).`,
  );
}
