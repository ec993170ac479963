// Parameter checkers for the API boundary (host/dispatch.ts). Each checker takes a value and the
// name it is shown under ("get: key", "waitFor: options.timeoutMs") and returns the value, or
// throws BAD_REQUEST with a plain message saying what the parameter must be. They check shape and
// the named size bounds only; what a value means (a transaction body, a policy, a setting) is
// judged further in by the service or the core, with its own codes.
import { utf8 } from '../core/bytes';
import { botError } from '../core/errors';
import { didLengthMax } from '../core/crypto/did';

export type Check<T> = (value: unknown, name: string) => T;

/** A parameter of a method: its name, its checker, and whether it may be left out. */
export interface Param<T> {
  name: string;
  check: Check<T>;
  optional: boolean;
}

function refuse(name: string, what: string): never {
  throw botError('BAD_REQUEST', `${name} must be ${what}.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer)
  );
}

/** A required parameter. */
export function param<T>(name: string, check: Check<T>): Param<T> {
  return { name, check, optional: false };
}

/** A parameter that may be left out; null counts as left out (JSON has no undefined). */
export function optional<T>(name: string, check: Check<T>): Param<T | undefined> {
  return {
    name,
    check: (v, n) => (v === undefined || v === null ? undefined : check(v, n)),
    optional: true,
  };
}

/**
 * Text, at most `max` in `unit` (UTF-8 bytes or UTF-16 characters, as the limit is named), and
 * at least `min`.
 */
export function text(max: number, options: { min?: number; unit?: 'bytes' | 'characters' } = {}) {
  const { min = 0, unit = 'bytes' } = options;
  const what = `${min > 0 ? 'a non-empty string' : 'a string'} of at most ${max} ${unit}`;
  return (value: unknown, name: string): string => {
    if (typeof value !== 'string') refuse(name, what);
    const size = unit === 'bytes' ? utf8(value).length : value.length;
    if (size < min || size > max) refuse(name, what);
    return value;
  };
}

/** `digits` lowercase hex digits (a transaction id, a digest, a chain id). */
export function hex(digits: number) {
  const pattern = new RegExp(`^[0-9a-f]{${digits}}$`);
  return (value: unknown, name: string): string => {
    if (typeof value !== 'string' || !pattern.test(value))
      refuse(name, `${digits} lowercase hex digits`);
    return value;
  };
}

/** A did:key identity (checked in full where it is used). */
export function did(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length > didLengthMax || !value.startsWith('did:key:z'))
    refuse(name, `a did:key identity (did:key:z..., at most ${didLengthMax} characters)`);
  return value;
}

export function integer(min: number, max: number) {
  return (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
      refuse(name, `a whole number from ${min} to ${max}`);
    return value;
  };
}

/** A finite number (not only whole) from min to max: a latitude, a speed. */
export function finite(min: number, max: number) {
  return (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      refuse(name, `a number from ${min} to ${max}`);
    return value;
  };
}

export function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') refuse(name, 'true or false');
  return value;
}

export function bytes(max: number) {
  return (value: unknown, name: string): Uint8Array => {
    if (!(value instanceof Uint8Array) || value.length > max)
      refuse(name, `bytes (a Uint8Array) of at most ${max}`);
    return value;
  };
}

export function oneOf<const T extends string>(values: readonly T[]) {
  return (value: unknown, name: string): T => {
    if (!values.includes(value as T)) refuse(name, `one of ${values.join(', ')}`);
    return value as T;
  };
}

export function list<T>(item: Check<T>, max: number, options: { min?: number } = {}) {
  const { min = 0 } = options;
  return (value: unknown, name: string): T[] => {
    if (!Array.isArray(value) || value.length < min || value.length > max)
      refuse(name, `${min > 0 ? 'a non-empty list' : 'a list'} of at most ${max} items`);
    return value.map((v, i) => item(v, `${name}[${i}]`));
  };
}

/** Any value that is there (its meaning is checked further in). */
export function present(value: unknown, name: string): unknown {
  if (value === undefined) throw botError('BAD_REQUEST', `${name} is missing.`);
  return value;
}

/** An object whose fields are checked further in (a policy, a settings patch, an audit log). */
export function anyObject(value: unknown, name: string): Record<string, unknown> {
  if (!isPlainObject(value)) refuse(name, 'an object');
  return value;
}

/** An object with exactly these fields (optional ones may be left out); other fields are refused. */
export function record<T extends Record<string, unknown>>(
  fields: {
    [K in keyof T]-?: Param<T[K]>;
  },
) {
  const entries = Object.entries(fields) as Array<[string, Param<unknown>]>;
  const shape = `{ ${entries.map(([k, p]) => (p.optional ? `${k}?` : k)).join(', ')} }`;
  return (value: unknown, name: string): T => {
    if (!isPlainObject(value)) refuse(name, `an object ${shape}`);
    for (const key of Object.keys(value))
      if (!(key in fields))
        throw botError('BAD_REQUEST', `${name} has no field "${key}"; it takes ${shape}.`);
    const out: Record<string, unknown> = {};
    for (const [key, p] of entries) {
      const checked = p.check(value[key], `${name}.${key}`);
      if (checked !== undefined) out[key] = checked;
    }
    return out as T;
  };
}

/** null, or what `check` takes (a role opened to all again: its holders are null). */
export function orNull<T>(check: Check<T>) {
  return (value: unknown, name: string): T | null => (value === null ? null : check(value, name));
}

/** A plain value: a finite number, true or false, or text of at most `max` characters. */
export function scalar(max: number) {
  return (value: unknown, name: string): string | number | boolean => {
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
      return value;
    if (typeof value !== 'string' || value.length > max)
      refuse(name, `a number, true or false, or a string of at most ${max} characters`);
    return value;
  };
}
