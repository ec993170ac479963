// Body rules (stateless) of the dataset transactions (issue 15; Y.4560 8.1, 8.2, 8.4, I.2):
//   identity.x25519 { key, signature }      the sender's X25519 key, signed by its Ed25519 key
//   dataset.publish { id, labels, schema, policy }          a named series, owned by the sender
//   dataset.version { dataset, version, fingerprint, sealedBytes, keys }   one sealed version
//   dataset.request { dataset, purpose, view?, for? }   a reader asks, stating the permitted use
//                                           (D-I.2) and what it asks to see (views.ts; absent:
//                                           full data); with `for`, a data proxy asks on behalf
//                                           of that enterprise (Y.4560 Annex I.2, Figure I.6)
//   dataset.confirm { request }             the enterprise confirms the proxy acts for it
//   dataset.forward { request, keys: [{ version, key }] }   the proxy provides granted versions to
//                                           its enterprise: their keys wrapped for it
//   dataset.grant   { request, keys: [{ version, key }], view? }   the owner shares earlier
//                                           versions, or (a projection or aggregate view) no key
//   dataset.derive  { dataset, version, reader, fingerprint, sealedBytes, key }   the owner's
//                                           view of one version for one view reader, sealed for it
//   dataset.deny    { request }             the owner refuses a request
//   dataset.revoke  { dataset, reader }     the owner ends a grant; later versions skip the reader
//   dataset.access  { dataset, version, purpose }   a reader fetched a version (Y.4560 8.4)
// The stateful rules are in state.ts.
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import { publicKeyFromDid } from '../../crypto/did';
import { signatureBytes } from '../../crypto/ed25519';
import * as limits from './limits';
import { checkWrappedKey, x25519KeyBytes } from './keys';
import { checkDatasetId, checkLabels, checkSchema, checkVersionRecord } from './record';
import { checkReadView } from './views';

export const datasetTxTypes = [
  'identity.x25519',
  'dataset.publish',
  'dataset.version',
  'dataset.request',
  'dataset.grant',
  'dataset.deny',
  'dataset.revoke',
  'dataset.access',
  'dataset.derive',
  'dataset.confirm',
  'dataset.forward',
] as const;
export type DatasetTxType = (typeof datasetTxTypes)[number];

/**
 * Who reads a dataset. owner: the owner decides each request; closed: every request is denied;
 * list: requests from the listed dids are approved by rule (the owner's peer then wraps the
 * keys), others wait for the owner.
 */
export type DatasetPolicy =
  | { mode: 'owner' }
  | { mode: 'closed' }
  | { mode: 'list'; allow: string[] };

interface Rules {
  check(body: unknown): void;
}

function mapOf(
  body: unknown,
  type: string,
  fields: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (!isPlainObject(body))
    throw botError('MALFORMED', `A ${type} body must be a map { ${fields.join(', ')} }.`);
  onlyFields(body, [...fields, ...optional], type);
  for (const name of fields)
    if (body[name] === undefined)
      throw botError('MISSING_FIELD', `A ${type} body needs "${name}".`);
  return body;
}

function checkDid(value: unknown, name: string): string {
  if (typeof value !== 'string') throw botError('BAD_FIELD_TYPE', `${name} must be a did:key.`);
  publicKeyFromDid(value);
  return value;
}

function checkIdField(value: unknown): string {
  if (typeof value !== 'string') throw botError('BAD_FIELD_TYPE', 'The dataset id is text.');
  checkDatasetId(value);
  return value;
}

export function checkPurpose(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.trim().length === 0 ||
    value.length > limits.purposeLengthMax
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `State the purpose (the use you will make of the data) in 1 to ${limits.purposeLengthMax} characters.`,
    );
  return value;
}

function checkVersionNumber(value: unknown): number {
  if (
    !Number.isSafeInteger(value) ||
    (value as number) < 1 ||
    (value as number) >= limits.versionNumberMax
  )
    throw botError('BAD_FIELD_TYPE', 'A version number is a whole number from 1.');
  return value as number;
}

function checkRequestId(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw botError(
      'BAD_FIELD_TYPE',
      'request must be the id (64 hex digits) of the dataset.request transaction.',
    );
  return value;
}

export function checkDatasetPolicy(value: unknown): DatasetPolicy {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'A dataset policy is a map { mode, allow? }.');
  if (value.mode === 'owner' || value.mode === 'closed') {
    onlyFields(value, ['mode'], 'dataset policy');
    return { mode: value.mode };
  }
  if (value.mode !== 'list')
    throw botError('BAD_FIELD_TYPE', 'A dataset policy mode is owner, closed or list.');
  onlyFields(value, ['mode', 'allow'], 'dataset policy');
  if (!Array.isArray(value.allow) || value.allow.length > limits.policyAllowMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `A list policy names up to ${limits.policyAllowMax} dids in "allow".`,
    );
  const allow = value.allow.map((did) => checkDid(did, 'Each allowed reader'));
  if (new Set(allow).size !== allow.length)
    throw botError('BAD_REQUEST', 'A did appears twice in the policy.');
  return { mode: 'list', allow };
}

const identityX25519: Rules = {
  check(body) {
    const b = mapOf(body, 'identity.x25519', ['key', 'signature']);
    if (!(b.key instanceof Uint8Array) || b.key.length !== x25519KeyBytes)
      throw botError('BAD_KEY', 'key must be a 32-byte X25519 public key.');
    if (!(b.signature instanceof Uint8Array) || b.signature.length !== signatureBytes)
      throw botError('BAD_SIGNATURE', 'signature must be a 64-byte Ed25519 signature.');
  },
};

const publish: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.publish', ['id', 'labels', 'schema', 'policy']);
    checkIdField(b.id);
    if (!Array.isArray(b.labels)) throw botError('BAD_FIELD_TYPE', 'labels must be a list.');
    checkLabels(b.labels);
    if (typeof b.schema !== 'string') throw botError('BAD_FIELD_TYPE', 'schema must be text.');
    checkSchema(b.schema);
    checkDatasetPolicy(b.policy);
  },
};

const version: Rules = {
  check(body) {
    const b = mapOf(
      body,
      'dataset.version',
      ['dataset', 'version', 'fingerprint', 'sealedBytes', 'keys'],
      ['keyCheck'],
    );
    checkVersionRecord(b);
  },
};

const request: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.request', ['dataset', 'purpose'], ['view', 'for']);
    checkIdField(b.dataset);
    checkPurpose(b.purpose);
    if (b.view !== undefined) checkReadView(b.view);
    if (b.for !== undefined) {
      checkDid(b.for, 'for (the enterprise a proxy asks for)');
      if (b.view !== undefined && checkReadView(b.view).kind !== 'full')
        throw botError(
          'BAD_REQUEST',
          'A proxy asks for the full data (the versions it forwards); a projection or an aggregate is asked for by the enterprise itself.',
        );
    }
  },
};

const grant: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.grant', ['request', 'keys'], ['view']);
    checkRequestId(b.request);
    if (b.view !== undefined && checkReadView(b.view).kind !== 'full' && Array.isArray(b.keys))
      if (b.keys.length > 0)
        throw botError(
          'BAD_REQUEST',
          'A grant to a projection or an aggregate carries no key of the full versions: the owner derives the view for the reader (dataset.derive).',
        );
    if (!Array.isArray(b.keys) || b.keys.length > limits.grantVersionsMax)
      throw botError(
        'TOO_LARGE',
        `A grant carries keys for at most ${limits.grantVersionsMax} earlier versions.`,
      );
    checkVersionKeys(b.keys, 'grant');
  },
};

function checkVersionKeys(keys: unknown[], what: string): void {
  const seen = new Set<number>();
  for (const item of keys) {
    const k = mapOf(item, `${what} key`, ['version', 'key']);
    const v = checkVersionNumber(k.version);
    if (seen.has(v)) throw botError('BAD_REQUEST', `Version ${v} appears twice in the ${what}.`);
    seen.add(v);
    checkWrappedKey(k.key);
  }
}

const confirm: Rules = {
  check(body) {
    checkRequestId(mapOf(body, 'dataset.confirm', ['request']).request);
  },
};

const forward: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.forward', ['request', 'keys']);
    checkRequestId(b.request);
    if (!Array.isArray(b.keys) || b.keys.length === 0)
      throw botError('BAD_FIELD_TYPE', 'A forward carries a list of keys: [{ version, key }].');
    if (b.keys.length > limits.forwardVersionsMax)
      throw botError(
        'TOO_LARGE',
        `A forward carries the keys of at most ${limits.forwardVersionsMax} versions.`,
      );
    checkVersionKeys(b.keys, 'forward');
  },
};

const deny: Rules = {
  check(body) {
    checkRequestId(mapOf(body, 'dataset.deny', ['request']).request);
  },
};

const revoke: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.revoke', ['dataset', 'reader']);
    checkIdField(b.dataset);
    checkDid(b.reader, 'reader');
  },
};

const access: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.access', ['dataset', 'version', 'purpose']);
    checkIdField(b.dataset);
    checkVersionNumber(b.version);
    checkPurpose(b.purpose);
  },
};

const derive: Rules = {
  check(body) {
    const b = mapOf(body, 'dataset.derive', [
      'dataset',
      'version',
      'reader',
      'fingerprint',
      'sealedBytes',
      'key',
    ]);
    const reader = checkDid(b.reader, 'reader');
    // The derived blob has the shape of a version: a manifest, its fingerprint and sealed size.
    const { keys } = checkVersionRecord({
      dataset: b.dataset,
      version: b.version,
      fingerprint: b.fingerprint,
      sealedBytes: b.sealedBytes,
      keys: [b.key],
    });
    if (keys[0]!.reader !== reader)
      throw botError('BAD_REQUEST', 'The key of a derived view is wrapped for its reader only.');
  },
};

export const datasetBodyRules: Record<DatasetTxType, Rules> = {
  'identity.x25519': identityX25519,
  'dataset.publish': publish,
  'dataset.version': version,
  'dataset.request': request,
  'dataset.grant': grant,
  'dataset.deny': deny,
  'dataset.revoke': revoke,
  'dataset.access': access,
  'dataset.derive': derive,
  'dataset.confirm': confirm,
  'dataset.forward': forward,
};
