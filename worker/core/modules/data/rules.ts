// Body rules of data.put and data.delete (stateless): a key is short, printable, well-formed
// text; a value is plain data (no CBOR tags) within the size limit, or a sealed value
// (./sealed.ts) for a key under a read role.
import { botError } from '../../errors';
import { encode } from '../../codec';
import { utf8Length } from '../../bytes';
import * as limits from '../../limits';
import { isPlainObject, isTaggedValue, onlyFields } from '../../body';
import type { BodyRules } from '../module';
import { isDidKey } from '../tokens/rules';
import { checkSealedValue } from './sealed';

export function checkDataKey(key: unknown): string {
  if (key === undefined) throw botError('MISSING_FIELD', 'The body has no "key".');
  if (typeof key !== 'string') throw botError('BAD_FIELD_TYPE', 'The key must be a string.');
  const bytes = utf8Length(key);
  if (bytes === 0) throw botError('BAD_KEY', 'The key must not be empty.');
  if (bytes > limits.dataKeyBytesMax)
    throw botError(
      'TOO_LARGE',
      `The key is ${bytes} bytes; the limit is ${limits.dataKeyBytesMax}.`,
    );
  // One pass over the UTF-16 units: no control characters, and no lone surrogate (it has no
  // UTF-8 form: it would hash like U+FFFD, so two keys would share a leaf).
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f)
      throw botError('BAD_KEY', 'The key must not contain control characters.');
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff && i + 1 < key.length && (key.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++; // a pair
      continue;
    }
    throw botError(
      'BAD_KEY',
      'The key must be well-formed Unicode text (it has a lone surrogate).',
    );
  }
  return key;
}

/** Data values: strings, bytes, whole or finite numbers, booleans, null, and lists/maps of those; no CBOR tags. */
export function checkDataValue(value: unknown, depth = 0): void {
  if (depth > limits.dataValueDepthMax)
    throw botError('TOO_LARGE', `The value nests deeper than ${limits.dataValueDepthMax} levels.`);
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    value instanceof Uint8Array
  )
    return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw botError('BAD_FIELD_TYPE', 'Numbers in a value must be finite.');
    if (Number.isInteger(value) && !Number.isSafeInteger(value))
      throw botError('BAD_FIELD_TYPE', 'Whole numbers in a value must be safe integers.');
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
  if (isTaggedValue(value))
    throw botError(
      'BAD_FIELD_TYPE',
      'A value holds a CBOR tag (such as a CID link, tag 42); values carry no tags. Store the link as text or bytes instead.',
    );
  throw botError(
    'BAD_FIELD_TYPE',
    `A value of type ${typeof value} cannot be stored; use strings, numbers, booleans, bytes, lists or maps.`,
  );
}

/**
 * D-9.4: the parties a submitter names as the stakeholders of a value (who may validate it when
 * the chain's policy data.validators is "stakeholders"): distinct did:key identifiers, at most
 * limits.dataStakeholdersMax.
 */
export function checkStakeholders(value: unknown): void {
  if (value === undefined) return;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > limits.dataStakeholdersMax ||
    !value.every(isDidKey) ||
    new Set(value).size !== value.length
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `stakeholders is a list of 1 to ${limits.dataStakeholdersMax} distinct did:key identifiers (dataStakeholdersMax).`,
    );
}

export const dataPut: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError(
        'MALFORMED',
        'A data.put body must be a map { key, value, stakeholders? } or { key, sealed, stakeholders? }.',
      );
    onlyFields(body, ['key', 'value', 'sealed', 'stakeholders'], 'data.put');
    checkDataKey(body.key);
    checkStakeholders(body.stakeholders);
    if ('sealed' in body) {
      // a key under a read role: the value travels sealed for the role's holders (./sealed.ts)
      if ('value' in body)
        throw botError('MALFORMED', 'A data.put carries a value or a sealed value, not both.');
      checkSealedValue(body.sealed);
      return;
    }
    if (!('value' in body)) throw botError('MISSING_FIELD', 'The body has no "value".');
    checkDataValue(body.value);
    const valueBytes = encode(body.value).length;
    if (valueBytes > limits.dataValueBytesMax)
      throw botError(
        'TOO_LARGE',
        `The value is ${valueBytes} bytes; the limit is ${limits.dataValueBytesMax}.`,
      );
  },
};

export const dataDelete: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A data.delete body must be a map { key }.');
    onlyFields(body, ['key'], 'data.delete');
    checkDataKey(body.key);
  },
};
