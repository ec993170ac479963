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
// This file: the transaction types, state prefixes and records (./rules.ts checks bodies,
// ./apply.ts applies them, ./views.ts decodes stored entries).
import type { JsonValue } from '../../body';

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
