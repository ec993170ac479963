// Services performed outside BoT (Y.4464 10.5, issue 17): the records, the state keys and the
// named limits of the services module (./index.ts applies its transactions, ./proof.ts checks a
// grant the way a service outside the chain does).
//   service.register { id, name, key, url?, access }  anyone; the sender owns the service and
//       alone changes it later (same id). `key`: the service's did:key (it signs access receipts).
//   service.grant { service, subject, ttl }   a device's gateway or owner (or the device itself),
//       or a user for itself: consensus authorizes it by the rule in state (below); the grant is
//       the committed record, valid until block time + ttl (at most serviceGrantTtlMaxMs).
//   service.revoke { grant }   the service's owner, the grant's requester, its subject, or the
//       subject device's gateway or owner
//   service.access { grant, at, sig }   anyone (the gateway that used the grant): the service's
//       signed receipt of one access; the chain checks it with the service's registered key.
// Access rule: the service exists; a subject that is a registered device is not retired and not
// blocked (worker/core/modules/blocklist), and the sender is the device, its gateway or its owner;
// mode "devices" admits every such device, mode "list" the listed subjects (or device owners).
// A subject that is not a device sends its own request and must be listed.
// State: svc/service/<id> = ServiceRecord; svc/grant/<grant id> = GrantRecord (its accesses kept
// in it, so one Merkle proof shows the grant, its expiry, its revocation and its use).

export const serviceTxTypes = [
  'service.register',
  'service.grant',
  'service.revoke',
  'service.access',
] as const;

export const servicePrefix = 'svc/service/';
export const grantPrefix = 'svc/grant/';

/** Services one chain may register. */
export const servicesMax = 256;
/** Length of a service id ([a-z0-9-], first a letter or digit). */
export const serviceIdLengthMax = 48;
/** Length of a service name. */
export const serviceNameLengthMax = 80;
/** Length of a service URL (informative: where devices reach it). */
export const serviceUrlLengthMax = 200;
/** Subjects one service's access list may name. */
export const serviceAllowMax = 64;
/** The shortest and the longest life of a grant, in ms of block time. */
export const serviceGrantTtlMinMs = 1_000;
export const serviceGrantTtlMaxMs = 600_000;
/** Grants not yet expired (plus the access grace) that a chain keeps in memory. */
export const serviceGrantsOpenMax = 4_096;
/** How long after its expiry a grant still takes access records (the receipt may arrive late). */
export const serviceAccessGraceMs = 600_000;
/** Access records one grant holds. */
export const serviceAccessesPerGrantMax = 32;
/** How far before the grant's block time a receipt's time may be (clocks differ). */
export const serviceClockSkewMs = 60_000;

export type ServiceAccess = { mode: 'devices' } | { mode: 'list'; allow: string[] };

export interface ServiceRecord {
  id: string;
  name: string;
  /** The service's own did:key: it signs access receipts. */
  key: string;
  url: string;
  access: ServiceAccess;
  owner: string;
  registered: number;
  updated: number;
  tx: string;
}

export interface AccessEntry {
  /** The service's clock when it served (ms), as its signed receipt says. */
  at: number;
  height: number;
  tx: string;
  /** Who submitted the receipt. */
  by: string;
}

export interface GrantRecord {
  /** The id of the service.grant transaction. */
  id: string;
  service: string;
  subject: string;
  /** Whether the subject is a registered device (else a user). */
  device: boolean;
  /** The sender of the request. */
  by: string;
  height: number;
  /** Block time of the grant and its end (time + ttl), in ms. */
  time: number;
  expires: number;
  revoked: { height: number; by: string; tx: string } | null;
  accesses: AccessEntry[];
}
