// On-chain records of a confidential dataset (Y.4560 8.1, 8.2): what a transaction body will
// carry once the datasets module joins worker/core/modules/. Plaintext never appears here:
// only the fingerprint and size of the sealed version, and its key wrapped per reader.
import { botError } from '../../errors';
import { publicKeyFromDid } from '../../crypto/did';
import * as limits from './limits';
import { hashBytes } from './manifest';
import { checkWrappedKeys, keyCheckBytes, type WrappedKey } from './keys';

/** dataset.publish: a named series of versions, owned by the sender. */
export interface DatasetRecord {
  id: string;
  owner: string;
  labels: string[];
  schema: string;
}

/** dataset.version: one sealed version and its key for each reader. */
export interface VersionRecord {
  dataset: string;
  version: number;
  /** SHA-256 of the version's manifest (worker/data/pure/manifest.ts). */
  fingerprint: Uint8Array;
  /** Bytes of the sealed chunks together. */
  sealedBytes: number;
  keys: WrappedKey[];
  /** The content key's check value (./keys.ts keyCheckOf); absent in versions before it. */
  keyCheck?: Uint8Array;
}

const idPattern = /^[A-Za-z0-9._-]+$/;

function field<T>(
  record: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const value = record[name];
  if (value === undefined)
    throw botError('MISSING_FIELD', `The dataset record needs ${name} (${what}).`);
  if (!check(value))
    throw botError('BAD_FIELD_TYPE', `The dataset record's ${name} must be ${what}.`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isWhole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isList = (v: unknown): v is unknown[] => Array.isArray(v);

function asMap(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw botError('MALFORMED', 'A dataset record must be a map.');
  }
  return value as Record<string, unknown>;
}

export function checkDatasetId(id: string): void {
  if (id.length < 1 || id.length > limits.datasetIdLengthMax || !idPattern.test(id)) {
    throw botError(
      'BAD_FIELD_TYPE',
      `A dataset id is 1 to ${limits.datasetIdLengthMax} letters, digits, dots, dashes or ` +
        'underscores.',
    );
  }
}

export function checkLabels(labels: unknown[]): string[] {
  if (labels.length > limits.labelsMax)
    throw botError('TOO_LARGE', `A dataset has at most ${limits.labelsMax} labels.`);
  for (const label of labels) {
    if (typeof label !== 'string' || label.length === 0 || label.length > limits.labelLengthMax) {
      throw botError(
        'BAD_FIELD_TYPE',
        `A label is 1 to ${limits.labelLengthMax} characters of text.`,
      );
    }
  }
  return labels as string[];
}

export function checkSchema(schema: string): string {
  if (schema.length > limits.schemaLengthMax)
    throw botError('TOO_LARGE', `A schema is at most ${limits.schemaLengthMax} characters.`);
  return schema;
}

export function checkDatasetRecord(value: unknown): DatasetRecord {
  const r = asMap(value);
  const id = field(r, 'id', isString, 'text');
  checkDatasetId(id);
  const owner = field(r, 'owner', isString, 'a did:key');
  publicKeyFromDid(owner);
  const labels = checkLabels(field(r, 'labels', isList, 'a list of text'));
  const schema = checkSchema(field(r, 'schema', isString, 'text'));
  return { id, owner, labels, schema };
}

export function checkVersionRecord(value: unknown): VersionRecord {
  const r = asMap(value);
  const dataset = field(r, 'dataset', isString, 'text');
  checkDatasetId(dataset);
  const version = field(r, 'version', isWhole, 'a whole number');
  if (version < 1 || version >= limits.versionNumberMax)
    throw botError('BAD_FIELD_TYPE', 'A version number is 1 or more.');
  const fingerprint = field(r, 'fingerprint', isBytes, '32 bytes');
  if (fingerprint.length !== hashBytes)
    throw botError('BAD_FIELD_TYPE', "The dataset record's fingerprint must be 32 bytes.");
  const sealedBytes = field(r, 'sealedBytes', isWhole, 'a whole number of bytes');
  const sealedMax = limits.versionPlainBytesMax + limits.chunksPerVersionMax * limits.gcmTagBytes;
  if (sealedBytes < limits.gcmTagBytes || sealedBytes > sealedMax)
    throw botError('TOO_LARGE', 'The sealed size is out of range.');
  const keys = checkWrappedKeys(r.keys ?? []);
  if (r.keyCheck === undefined) return { dataset, version, fingerprint, sealedBytes, keys };
  if (!(r.keyCheck instanceof Uint8Array) || r.keyCheck.length !== keyCheckBytes)
    throw botError('BAD_FIELD_TYPE', "A version's keyCheck is 32 bytes (SHA-256).");
  return { dataset, version, fingerprint, sealedBytes, keys, keyCheck: r.keyCheck };
}
