// Stateful checks and effects of the device transactions on a block's overlay, and the writes
// at the end of the block. Checks return BotError before anything is changed, so a rejected
// transaction leaves no trace.
import { encode } from '../../codec';
import { publicKeyFromDid } from '../../crypto/did';
import { verifyStrict } from '../../crypto/ed25519';
import { botError, BotError } from '../../errors';
import type { Tx } from '../../tx-shape';
import * as limits from '../../limits';
import type { JsonValue } from '../../body';
import { registerProofBytes } from './rules';
import {
  accessLogPrefix,
  accessPrefix,
  devicePrefix,
  messagePrefix,
  readingPrefix,
  type AccessEvent,
  type AccessPolicy,
  type AccessRecord,
  type AccessState,
  type DeviceRecord,
  type DeviceRegistry,
  type DeviceStatus,
  type MessageRecord,
  type ReadingRecord,
  type ReadingValue,
} from './types';

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

export function deviceIn(overlay: DeviceOverlay, did: string): DeviceRecord | undefined {
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
    values?: Record<string, ReadingValue>;
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
  const unknown = Object.keys(body.values ?? {}).find(
    (name) => !device.capabilities.includes(name),
  );
  if (unknown !== undefined)
    return botError(
      'BAD_REQUEST',
      `The device did not register the value "${unknown}"; it reports ${device.capabilities.join(', ')}.`,
    );
  const list = overlay.readings.get(device.did) ?? [];
  list.push({
    tx: txId,
    height,
    at: body.at,
    values: body.values ?? {},
    batch: body.batch ?? null,
  });
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
