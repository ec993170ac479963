// Devices on chain, with the peer as their gateway (ITU-T Y.4464 10.6 and 10.7).
//   device.register { did, id, kind, name, gateway, owner, capabilities, policy, proof }
//       sent by the gateway; `proof` is the device key's signature over (chain, did, gateway),
//       so nobody can register a device key they do not hold.
//   device.status { device, status, message }          the gateway or the owner
//   device.policy { device, policy }                   the owner sets who may read the device
//   device.reading { values, at } | { batch, values }  signed with the DEVICE key (`from` = device)
//   device.access.request { device, service, purpose } any peer asks to read a device
//   device.access.decide { request, grant }            the owner decides a pending request
//   device.message { to, body }                        signed with the SENDER device's key by its
//       gateway; allowed when the recipient's owner lets the sender in (see mayMessage)
// State (prefix "dev/"): dev/device/<did> record; dev/reading/<did> the readings of one block;
// dev/access/<request id> one request and its decision; dev/accesslog/<did> the access events of
// one block; dev/message/<did> the messages one block delivered to that device. Per-block lists keep every event in the key's history (several per block are kept).
// Pure: checks return BotError before anything is changed, so a rejected tx leaves no trace.
import { encode, decode } from './codec';
import { concatBytes, utf8 } from './bytes';
import { publicKeyFromDid } from './crypto/did';
import { verifyStrict } from './crypto/ed25519';
import { botError, BotError } from './errors';
import type { Tx } from './tx-shape';
import * as limits from './limits';
import { checkJsonValue, isPlainObject, onlyFields, type JsonValue } from './body';

export const deviceTxTypes = [
  'device.register',
  'device.status',
  'device.policy',
  'device.reading',
  'device.access.request',
  'device.access.decide',
  'device.message',
] as const;
export const deviceKinds = ['heart-rate', 'environment', 'vehicle', 'gps', 'sensor'] as const;
export const deviceStatuses = ['online', 'offline', 'error', 'retired'] as const;

export const devicePrefix = 'dev/device/';
export const readingPrefix = 'dev/reading/';
export const accessPrefix = 'dev/access/';
export const accessLogPrefix = 'dev/accesslog/';
export const messagePrefix = 'dev/message/';

export type DeviceKind = (typeof deviceKinds)[number];
export type DeviceStatus = (typeof deviceStatuses)[number];
/** owner: the owner decides each request; open: everyone is granted; closed: everyone is denied; list: the listed peers are granted, others wait for the owner. */
export type AccessPolicy =
  | { mode: 'owner' }
  | { mode: 'open' }
  | { mode: 'closed' }
  | { mode: 'list'; allow: string[] };
export type ReadingValue = number | string | boolean | null;

export interface DeviceRecord {
  did: string;
  id: string;
  kind: DeviceKind;
  name: string;
  gateway: string;
  owner: string;
  capabilities: string[];
  status: DeviceStatus;
  statusMessage: string | null;
  policy: AccessPolicy;
  /** Height and transaction of the registration, and height of the last change. */
  registered: number;
  tx: string;
  updated: number;
}

export type AccessState = 'pending' | 'granted' | 'denied' | 'revoked';

export interface AccessRecord {
  /** The id of the device.access.request transaction. */
  id: string;
  device: string;
  requester: string;
  service: string;
  purpose: string;
  state: AccessState;
  /** "policy", or the did of the owner who decided; null while pending. */
  decidedBy: string | null;
  requestedHeight: number;
  requestedTime: number;
  decidedHeight: number | null;
  decidedTime: number | null;
}

export interface AccessEvent {
  kind: 'request' | 'decision';
  request: string;
  requester: string;
  service: string;
  state: AccessState;
  by: string;
  height: number;
  time: number;
  tx: string;
}

export interface ReadingRecord {
  tx: string;
  height: number;
  /** The device's own time of the sample (or of the last sample of a batch), ms since 1970. */
  at: number;
  values: Record<string, ReadingValue>;
  batch: { digest: Uint8Array; count: number; first: number; last: number } | null;
}

/** A message one device sent another through the chain (r-7.2.2-e). */
export interface MessageRecord {
  tx: string;
  height: number;
  /** The sender's signing time (tx.time), ms since 1970. */
  time: number;
  /** The sending device, its owner and its gateway at the time of sending. */
  from: string;
  owner: string;
  gateway: string;
  to: string;
  body: JsonValue;
}

/** What the core keeps in memory to check device transactions: every device, and the open requests. */
export interface DeviceRegistry {
  readonly devices: ReadonlyMap<string, DeviceRecord>;
  /** Requests that are pending or granted, by request id (denied and revoked ones live only in state). */
  readonly open: ReadonlyMap<string, AccessRecord>;
}

export function emptyDevices(): DeviceRegistry {
  return { devices: new Map(), open: new Map() };
}

// ---- stateless body rules ------------------------------------------------------------------

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
    const body = bodyOf(raw, 'device.reading', '{ values, at } or { batch, values, at }', [
      'values',
      'at',
      'batch',
    ]);
    checkValues(body.values);
    checkTime(body.at, 'at');
    if ('batch' in body) checkBatch(body.batch);
    else if (Object.keys(body.values as object).length === 0)
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

/** Stateless body rules of the device transaction types (merged into txBodyRules). */
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

// ---- stateful checks and effects -------------------------------------------------------------

/** Working copy for one block; only what changed is copied. */
export interface DeviceOverlay {
  readonly base: DeviceRegistry;
  readonly chain: string;
  readonly devices: Map<string, DeviceRecord>;
  /** Changed access records (also closed ones, which are written but leave the open map). */
  readonly access: Map<string, AccessRecord>;
  readonly readings: Map<string, ReadingRecord[]>;
  readonly log: Map<string, AccessEvent[]>;
  /** Messages delivered in this block, by recipient. */
  readonly messages: Map<string, MessageRecord[]>;
  added: number;
}

export function deviceOverlayOf(registry: DeviceRegistry, chain: string): DeviceOverlay {
  return {
    base: registry,
    chain,
    devices: new Map(),
    access: new Map(),
    readings: new Map(),
    log: new Map(),
    messages: new Map(),
    added: 0,
  };
}

function deviceIn(overlay: DeviceOverlay, did: string): DeviceRecord | undefined {
  return overlay.devices.get(did) ?? overlay.base.devices.get(did);
}

function accessIn(overlay: DeviceOverlay, id: string): AccessRecord | undefined {
  const changed = overlay.access.get(id);
  if (changed)
    return changed.state === 'pending' || changed.state === 'granted' ? changed : undefined;
  return overlay.base.open.get(id);
}

function openOf(overlay: DeviceOverlay, device: string): AccessRecord[] {
  const out = new Map<string, AccessRecord>();
  for (const [id, r] of overlay.base.open) if (r.device === device) out.set(id, r);
  for (const [id, r] of overlay.access) {
    if (r.device !== device) continue;
    if (r.state === 'pending' || r.state === 'granted') out.set(id, r);
    else out.delete(id);
  }
  return [...out.values()];
}

function usable(overlay: DeviceOverlay, did: string): DeviceRecord | BotError {
  const device = deviceIn(overlay, did);
  if (!device) return botError('NOT_FOUND', `No device ${did} is registered on this chain.`);
  if (device.status === 'retired')
    return botError('BAD_REQUEST', `The device "${device.name || device.id}" is retired.`);
  return device;
}

function logEvent(overlay: DeviceOverlay, device: string, event: AccessEvent): void {
  const list = overlay.log.get(device) ?? [];
  list.push(event);
  overlay.log.set(device, list);
}

/** The state a new request starts in under the device's policy, and who decided it. */
function policyDecision(
  device: DeviceRecord,
  requester: string,
): { state: AccessState; by: string | null } {
  if (requester === device.owner || requester === device.gateway)
    return { state: 'granted', by: 'policy' };
  const p = device.policy;
  if (p.mode === 'open') return { state: 'granted', by: 'policy' };
  if (p.mode === 'closed') return { state: 'denied', by: 'policy' };
  if (p.mode === 'list' && p.allow.includes(requester)) return { state: 'granted', by: 'policy' };
  return { state: 'pending', by: null };
}

/** Stateful check and effect of one device transaction on the block's overlay; null when applied. */
export function applyDeviceTx(
  overlay: DeviceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  switch (tx.type) {
    case 'device.register':
      return applyRegister(overlay, tx, txId, height);
    case 'device.status': {
      const body = tx.body as { device: string; status: DeviceStatus; message: string | null };
      const device = usable(overlay, body.device);
      if (device instanceof BotError) return device;
      if (tx.from !== device.gateway && tx.from !== device.owner)
        return botError(
          'UNAUTHORIZED',
          "Only the device's gateway or owner can change its status.",
        );
      overlay.devices.set(device.did, {
        ...device,
        status: body.status,
        statusMessage: body.message,
        updated: height,
      });
      return null;
    }
    case 'device.policy': {
      const body = tx.body as { device: string; policy: AccessPolicy };
      const device = usable(overlay, body.device);
      if (device instanceof BotError) return device;
      if (tx.from !== device.owner)
        return botError('UNAUTHORIZED', "Only the device's owner can set its access policy.");
      overlay.devices.set(device.did, { ...device, policy: body.policy, updated: height });
      return null;
    }
    case 'device.reading':
      return applyReading(overlay, tx, txId, height);
    case 'device.access.request':
      return applyRequest(overlay, tx, txId, height);
    case 'device.access.decide':
      return applyDecide(overlay, tx, txId, height);
    case 'device.message':
      return applyMessage(overlay, tx, txId, height);
    default:
      return null;
  }
}

function applyRegister(
  overlay: DeviceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  const body = tx.body as Omit<
    DeviceRecord,
    'status' | 'statusMessage' | 'registered' | 'tx' | 'updated'
  > & { proof: Uint8Array };
  if (tx.from !== body.gateway)
    return botError('UNAUTHORIZED', 'Only the gateway named in a registration can send it.');
  if (deviceIn(overlay, body.did))
    return botError('BAD_REQUEST', `The device ${body.did} is already registered.`);
  if (overlay.base.devices.size + overlay.added >= limits.deviceCountMax)
    return botError('TOO_LARGE', `This chain already has ${limits.deviceCountMax} devices.`);
  if (
    !verifyStrict(
      publicKeyFromDid(body.did),
      registerProofBytes(overlay.chain, body.did, body.gateway),
      body.proof,
    )
  ) {
    return botError('BAD_SIGNATURE', "The registration is not signed by the device's key.");
  }
  const { did, id, kind, name, gateway, owner, capabilities, policy } = body;
  overlay.devices.set(did, {
    did,
    id,
    kind,
    name,
    gateway,
    owner,
    capabilities,
    policy,
    status: 'online',
    statusMessage: null,
    registered: height,
    tx: txId,
    updated: height,
  });
  overlay.added++;
  return null;
}

function applyReading(
  overlay: DeviceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  const body = tx.body as {
    values: Record<string, ReadingValue>;
    at: number;
    batch?: ReadingRecord['batch'];
  };
  const device = deviceIn(overlay, tx.from);
  if (!device)
    return botError(
      'UNAUTHORIZED',
      'Readings must be signed with the key of a registered device; register the device first.',
    );
  if (device.status === 'retired')
    return botError(
      'BAD_REQUEST',
      `The device "${device.name || device.id}" is retired and sends no readings.`,
    );
  const unknown = Object.keys(body.values).find((name) => !device.capabilities.includes(name));
  if (unknown !== undefined)
    return botError(
      'BAD_REQUEST',
      `The device did not register the value "${unknown}"; it reports ${device.capabilities.join(', ')}.`,
    );
  const list = overlay.readings.get(device.did) ?? [];
  list.push({ tx: txId, height, at: body.at, values: body.values, batch: body.batch ?? null });
  overlay.readings.set(device.did, list);
  return null;
}

function applyRequest(
  overlay: DeviceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  const body = tx.body as { device: string; service: string; purpose: string };
  const device = usable(overlay, body.device);
  if (device instanceof BotError) return device;
  const open = openOf(overlay, device.did);
  const mine = open.find((r) => r.requester === tx.from && r.service === body.service);
  if (mine)
    return botError(
      'BAD_REQUEST',
      `This service already has a ${mine.state} request for the device.`,
    );
  if (open.length >= limits.deviceAccessOpenMax)
    return botError(
      'TOO_LARGE',
      `The device has ${limits.deviceAccessOpenMax} open requests; ask its owner to decide them first.`,
    );
  const decided = policyDecision(device, tx.from);
  const record: AccessRecord = {
    id: txId,
    device: device.did,
    requester: tx.from,
    service: body.service,
    purpose: body.purpose,
    state: decided.state,
    decidedBy: decided.by,
    requestedHeight: height,
    requestedTime: tx.time,
    decidedHeight: decided.by ? height : null,
    decidedTime: decided.by ? tx.time : null,
  };
  overlay.access.set(txId, record);
  logEvent(overlay, device.did, {
    kind: 'request',
    request: txId,
    requester: tx.from,
    service: body.service,
    state: decided.state,
    by: decided.by ?? tx.from,
    height,
    time: tx.time,
    tx: txId,
  });
  return null;
}

function applyDecide(
  overlay: DeviceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  const body = tx.body as { request: string; grant: boolean };
  const record = accessIn(overlay, body.request);
  if (!record)
    return botError('NOT_FOUND', 'There is no pending or granted access request with this id.');
  const device = deviceIn(overlay, record.device);
  if (!device) return botError('NOT_FOUND', 'The device of this request is not registered.');
  if (tx.from !== device.owner)
    return botError('UNAUTHORIZED', "Only the device's owner decides access to it.");
  if (record.state === 'granted' && body.grant)
    return botError('BAD_REQUEST', 'This access is already granted.');
  const state: AccessState = body.grant
    ? 'granted'
    : record.state === 'granted'
      ? 'revoked'
      : 'denied';
  overlay.access.set(record.id, {
    ...record,
    state,
    decidedBy: tx.from,
    decidedHeight: height,
    decidedTime: tx.time,
  });
  logEvent(overlay, device.did, {
    kind: 'decision',
    request: record.id,
    requester: record.requester,
    service: record.service,
    state,
    by: tx.from,
    height,
    time: tx.time,
    tx: txId,
  });
  return null;
}

/**
 * Whether the device `sender` may message `recipient` under the recipient's access records: the
 * sender device or its owner is the recipient's owner or gateway (same owner), the recipient's
 * policy is open or lists one of them, or one of them holds a granted, unrevoked access request.
 * A closed policy lets in only the owner's own devices. The same rule a reader passes (mayRead),
 * applied to the device and to the peer that owns it.
 */
function mayMessage(
  overlay: DeviceOverlay,
  recipient: DeviceRecord,
  sender: DeviceRecord,
): boolean {
  const principals = [sender.did, sender.owner];
  if (principals.includes(recipient.owner) || principals.includes(recipient.gateway)) return true;
  const p = recipient.policy;
  if (p.mode === 'open') return true;
  if (p.mode === 'closed') return false;
  if (p.mode === 'list' && p.allow.some((did) => principals.includes(did))) return true;
  return openOf(overlay, recipient.did).some(
    (r) => r.state === 'granted' && principals.includes(r.requester),
  );
}

function applyMessage(
  overlay: DeviceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  const body = tx.body as { to: string; body: JsonValue };
  const sender = deviceIn(overlay, tx.from);
  if (!sender)
    return botError(
      'UNAUTHORIZED',
      'A device message is signed with the key of a registered device; register the sender first.',
    );
  if (sender.status === 'retired')
    return botError(
      'UNAUTHORIZED',
      `The device "${sender.name || sender.id}" is retired and sends no messages.`,
    );
  if (body.to === sender.did) return botError('BAD_REQUEST', 'A device does not message itself.');
  const recipient = usable(overlay, body.to);
  if (recipient instanceof BotError) return recipient;
  if (!mayMessage(overlay, recipient, sender)) {
    return botError(
      'UNAUTHORIZED',
      `The access policy of "${recipient.name || recipient.id}" (${recipient.policy.mode}) does not let this device or its owner in; ask with requestDeviceAccess and wait for its owner's decision.`,
    );
  }
  const list = overlay.messages.get(recipient.did) ?? [];
  list.push({
    tx: txId,
    height,
    time: tx.time,
    from: sender.did,
    owner: sender.owner,
    gateway: sender.gateway,
    to: recipient.did,
    body: body.body,
  });
  overlay.messages.set(recipient.did, list);
  return null;
}

/** After the block's transactions: write what changed and return the registry for the next block. */
export function finishDevices(
  overlay: DeviceOverlay,
  height: number,
  writes: Map<string, Uint8Array>,
): DeviceRegistry {
  if (
    overlay.devices.size === 0 &&
    overlay.access.size === 0 &&
    overlay.readings.size === 0 &&
    overlay.messages.size === 0
  )
    return overlay.base;
  for (const [did, record] of overlay.devices) writes.set(devicePrefix + did, encode(record));
  for (const [id, record] of overlay.access) writes.set(accessPrefix + id, encode(record));
  for (const [did, list] of overlay.readings)
    writes.set(readingPrefix + did, encode({ h: height, r: list }));
  for (const [did, list] of overlay.log)
    writes.set(accessLogPrefix + did, encode({ h: height, e: list }));
  for (const [did, list] of overlay.messages)
    writes.set(messagePrefix + did, encode({ h: height, m: list }));
  if (overlay.devices.size === 0 && overlay.access.size === 0) return overlay.base;
  const devices = new Map(overlay.base.devices);
  for (const [did, record] of overlay.devices) devices.set(did, record);
  const open = new Map(overlay.base.open);
  for (const [id, record] of overlay.access) {
    if (record.state === 'pending' || record.state === 'granted') open.set(id, record);
    else open.delete(id);
  }
  return { devices, open };
}

// ---- decoding stored entries -----------------------------------------------------------------

const recordBytesMax = 64 * 1024;

export function decodeDeviceRecord(bytes: Uint8Array): DeviceRecord {
  return decode<DeviceRecord>(bytes, recordBytesMax);
}

export function decodeAccessRecord(bytes: Uint8Array): AccessRecord {
  return decode<AccessRecord>(bytes, recordBytesMax);
}

/** The readings one block wrote for one device. */
export function decodeReadings(bytes: Uint8Array): ReadingRecord[] {
  return decode<{ h: number; r: ReadingRecord[] }>(bytes, limits.blockBytesMax).r;
}

/** The access events one block wrote for one device. */
export function decodeAccessLog(bytes: Uint8Array): AccessEvent[] {
  return decode<{ h: number; e: AccessEvent[] }>(bytes, limits.blockBytesMax).e;
}

/** The messages one block delivered to one device. */
export function decodeMessages(bytes: Uint8Array): MessageRecord[] {
  return decode<{ h: number; m: MessageRecord[] }>(bytes, limits.blockBytesMax).m;
}

/** Rebuild the registry from stored entries (dev/device/ and dev/access/; others are ignored). */
export function registryFromEntries(
  entries: Iterable<readonly [string, Uint8Array]>,
): DeviceRegistry {
  const devices = new Map<string, DeviceRecord>();
  const open = new Map<string, AccessRecord>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(devicePrefix))
      devices.set(key.slice(devicePrefix.length), decodeDeviceRecord(bytes));
    else if (key.startsWith(accessPrefix)) {
      const record = decodeAccessRecord(bytes);
      if (record.state === 'pending' || record.state === 'granted') open.set(record.id, record);
    }
  }
  return { devices, open };
}

/** Whether `did` may read the device now: its owner, its gateway, or a granted requester. */
export function mayRead(registry: DeviceRegistry, device: string, did: string): boolean {
  const record = registry.devices.get(device);
  if (!record) return false;
  if (did === record.owner || did === record.gateway) return true;
  for (const r of registry.open.values())
    if (r.device === device && r.requester === did && r.state === 'granted') return true;
  return false;
}
