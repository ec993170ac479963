// Stateless body rules of the device transaction types, and the registration proof's bytes.
import { encode } from '../../codec';
import { concatBytes, utf8 } from '../../bytes';
import { publicKeyFromDid } from '../../crypto/did';
import { botError } from '../../errors';
import * as limits from '../../limits';
import { checkJsonValue, isPlainObject, onlyFields } from '../../body';
import { deviceKinds, deviceStatuses, type deviceTxTypes } from './types';

function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('did:key:z') && value.length <= 64;
}

function checkDid(value: unknown, field: string): void {
  if (!isDid(value)) throw botError('BAD_FIELD_TYPE', `${field} must be a did:key.`);
  publicKeyFromDid(value);
}

function checkText(value: unknown, field: string, lengthMin: number, lengthMax: number): void {
  if (typeof value !== 'string') throw botError('BAD_FIELD_TYPE', `${field} must be text.`);
  if (value.length < lengthMin || value.length > lengthMax)
    throw botError('BAD_FIELD_TYPE', `${field} must have ${lengthMin} to ${lengthMax} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw botError('BAD_FIELD_TYPE', `${field} must not contain control characters.`);
}

function checkTime(value: unknown, field: string): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0))
    throw botError('BAD_FIELD_TYPE', `${field} must be a whole number of milliseconds since 1970.`);
}

function checkName(value: unknown, field: string): void {
  checkText(value, field, 1, limits.deviceCapabilityLengthMax);
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(value as string))
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} must start with a letter and use only letters, digits, ".", "_" or "-".`,
    );
}

export function checkPolicy(value: unknown): void {
  if (!isPlainObject(value)) throw botError('MALFORMED', 'A policy is a map with a "mode".');
  if (value.mode === 'owner' || value.mode === 'open' || value.mode === 'closed') {
    onlyFields(value, ['mode'], 'policy');
    return;
  }
  if (value.mode !== 'list')
    throw botError('BAD_FIELD_TYPE', 'A policy mode is "owner", "open", "closed" or "list".');
  onlyFields(value, ['mode', 'allow'], 'policy');
  if (!Array.isArray(value.allow) || value.allow.length > limits.deviceAllowListMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `A list policy names up to ${limits.deviceAllowListMax} peers in "allow".`,
    );
  value.allow.forEach((did, i) => checkDid(did, `allow[${i}]`));
  if (new Set(value.allow).size !== value.allow.length)
    throw botError('BAD_FIELD_TYPE', 'The allow list names a peer twice.');
}

function checkValues(value: unknown): void {
  if (!isPlainObject(value))
    throw botError(
      'MALFORMED',
      'Reading values are a map of name to number, text, true/false or null.',
    );
  const entries = Object.entries(value);
  if (entries.length > limits.deviceReadingValuesMax)
    throw botError('TOO_LARGE', `A reading holds at most ${limits.deviceReadingValuesMax} values.`);
  for (const [name, v] of entries) {
    checkName(name, 'A value name');
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        throw botError('BAD_FIELD_TYPE', `The value "${name}" must be a finite number.`);
      if (Number.isInteger(v) && !Number.isSafeInteger(v))
        throw botError('BAD_FIELD_TYPE', `The value "${name}" is too large a whole number.`);
      continue;
    }
    if (typeof v === 'string') {
      checkText(v, `The value "${name}"`, 0, limits.deviceReadingTextLengthMax);
      continue;
    }
    throw botError(
      'BAD_FIELD_TYPE',
      `The value "${name}" must be a number, text, true/false or null.`,
    );
  }
}

function checkBatch(value: unknown): void {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'A batch is a map { digest, count, first, last }.');
  onlyFields(value, ['digest', 'count', 'first', 'last'], 'batch');
  if (!(value.digest instanceof Uint8Array) || value.digest.length !== 32)
    throw botError('BAD_FIELD_TYPE', 'A batch digest is the 32-byte SHA-256 of the batch.');
  if (
    !(
      typeof value.count === 'number' &&
      Number.isSafeInteger(value.count) &&
      value.count >= 1 &&
      value.count <= limits.deviceBatchSamplesMax
    )
  ) {
    throw botError('BAD_FIELD_TYPE', `A batch holds 1 to ${limits.deviceBatchSamplesMax} samples.`);
  }
  checkTime(value.first, 'batch.first');
  checkTime(value.last, 'batch.last');
  if ((value.last as number) < (value.first as number))
    throw botError('BAD_FIELD_TYPE', 'A batch ends before it starts.');
}

type Rules = { check(body: unknown): void };

function bodyOf(
  body: unknown,
  type: string,
  shape: string,
  fields: readonly string[],
): Record<string, unknown> {
  if (!isPlainObject(body)) throw botError('MALFORMED', `A ${type} body must be a map ${shape}.`);
  onlyFields(body, fields, type);
  return body;
}

const register: Rules = {
  check(raw) {
    const body = bodyOf(
      raw,
      'device.register',
      '{ did, id, kind, name, gateway, owner, capabilities, policy, proof }',
      ['did', 'id', 'kind', 'name', 'gateway', 'owner', 'capabilities', 'policy', 'proof'],
    );
    checkDid(body.did, 'did');
    checkText(body.id, 'id', 1, limits.deviceIdLengthMax);
    if (!(deviceKinds as readonly unknown[]).includes(body.kind))
      throw botError('BAD_FIELD_TYPE', `kind must be one of ${deviceKinds.join(', ')}.`);
    checkText(body.name, 'name', 0, limits.deviceNameLengthMax);
    checkDid(body.gateway, 'gateway');
    checkDid(body.owner, 'owner');
    const capabilities = body.capabilities;
    if (
      !Array.isArray(capabilities) ||
      capabilities.length === 0 ||
      capabilities.length > limits.deviceCapabilitiesMax
    ) {
      throw botError(
        'BAD_FIELD_TYPE',
        `capabilities must list 1 to ${limits.deviceCapabilitiesMax} value names.`,
      );
    }
    capabilities.forEach((c, i) => checkName(c, `capabilities[${i}]`));
    if (new Set(capabilities).size !== capabilities.length)
      throw botError('BAD_FIELD_TYPE', 'capabilities name a value twice.');
    checkPolicy(body.policy);
    if (!(body.proof instanceof Uint8Array) || body.proof.length !== 64)
      throw botError('BAD_FIELD_TYPE', "proof must be the device key's 64-byte signature.");
  },
};

const status: Rules = {
  check(raw) {
    const body = bodyOf(raw, 'device.status', '{ device, status, message }', [
      'device',
      'status',
      'message',
    ]);
    checkDid(body.device, 'device');
    if (!(deviceStatuses as readonly unknown[]).includes(body.status))
      throw botError('BAD_FIELD_TYPE', `status must be one of ${deviceStatuses.join(', ')}.`);
    if (body.message !== null)
      checkText(body.message, 'message', 0, limits.deviceStatusMessageLengthMax);
  },
};

const policy: Rules = {
  check(raw) {
    const body = bodyOf(raw, 'device.policy', '{ device, policy }', ['device', 'policy']);
    checkDid(body.device, 'device');
    checkPolicy(body.policy);
  },
};

const reading: Rules = {
  check(raw) {
    const body = bodyOf(raw, 'device.reading', '{ batch, at } (or the older { values, at })', [
      'values',
      'at',
      'batch',
    ]);
    checkTime(body.at, 'at');
    // A batch carries only its fingerprint: the samples stay in the sealed dataset version
    // (D-8.1). Plaintext values are still read from the blocks of older chains.
    if ('batch' in body) {
      checkBatch(body.batch);
      if ('values' in body) checkValues(body.values);
      return;
    }
    if (!('values' in body))
      throw botError('MISSING_FIELD', 'A device.reading needs a "batch" (or values).');
    checkValues(body.values);
    if (Object.keys(body.values as object).length === 0)
      throw botError('BAD_FIELD_TYPE', 'A reading holds at least one value.');
  },
};

const accessRequest: Rules = {
  check(raw) {
    const body = bodyOf(raw, 'device.access.request', '{ device, service, purpose }', [
      'device',
      'service',
      'purpose',
    ]);
    checkDid(body.device, 'device');
    checkText(body.service, 'service', 1, limits.deviceServiceLengthMax);
    checkText(body.purpose, 'purpose', 0, limits.devicePurposeLengthMax);
  },
};

const accessDecide: Rules = {
  check(raw) {
    const body = bodyOf(raw, 'device.access.decide', '{ request, grant }', ['request', 'grant']);
    if (typeof body.request !== 'string' || !/^[0-9a-f]{64}$/.test(body.request))
      throw botError(
        'BAD_FIELD_TYPE',
        'request must be the id (64 hex digits) of the device.access.request transaction.',
      );
    if (typeof body.grant !== 'boolean')
      throw botError('BAD_FIELD_TYPE', 'grant must be true or false.');
  },
};

const message: Rules = {
  check(raw) {
    const body = bodyOf(raw, 'device.message', '{ to, body }', ['to', 'body']);
    checkDid(body.to, 'to');
    if (!('body' in body))
      throw botError('MISSING_FIELD', 'A device.message has no "body" (use null for none).');
    checkJsonValue(body.body, 'The message body');
    const bytes = utf8(JSON.stringify(body.body)).length;
    if (bytes > limits.deviceMessageBytesMax)
      throw botError(
        'TOO_LARGE',
        `The message body is ${bytes} bytes of JSON; the limit is ${limits.deviceMessageBytesMax}.`,
      );
  },
};

/** Stateless body rules of the device transaction types. */
export const deviceBodyRules: Record<(typeof deviceTxTypes)[number], Rules> = {
  'device.register': register,
  'device.status': status,
  'device.policy': policy,
  'device.reading': reading,
  'device.access.request': accessRequest,
  'device.access.decide': accessDecide,
  'device.message': message,
};

// ---- registration proof --------------------------------------------------------------------

const proofTag = utf8('bot/device/register/v1\0');

/** The bytes the device key signs to prove the gateway holds it. */
export function registerProofBytes(chain: string, did: string, gateway: string): Uint8Array {
  return concatBytes(proofTag, encode({ chain, did, gateway }));
}
