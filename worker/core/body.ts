// Shape checks shared by the body rules of every transaction type (txtypes.ts, devices.ts,
// contracts.ts): a body is a plain map, and it names only the fields its type defines.
import { botError } from './errors';

/** A map from the decoder: not null, not an array, not bytes. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Throws MALFORMED naming the first field that `type` does not define. */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[], type: string): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) throw botError('MALFORMED', `A ${type} body has no field "${name}".`);
  }
}
