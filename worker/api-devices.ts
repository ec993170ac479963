// The dApp API's device shapes (issue 6): registrations, readings, access and notices.
export type DeviceValue = number | string | boolean | null;
export type DeviceKindName = 'heart-rate' | 'environment' | 'vehicle' | 'gps' | 'sensor';
/** owner: the owner decides each request; open: all granted; closed: all denied; list: the listed peers granted, others wait for the owner. */
export type DeviceAccessPolicy =
  | { mode: 'owner' }
  | { mode: 'open' }
  | { mode: 'closed' }
  | { mode: 'list'; allow: string[] };

export interface RegisterDeviceRequest {
  /** The gateway's own name for it, e.g. "hr-strap-1". */
  id: string;
  kind: DeviceKindName;
  name?: string;
  /** Names of the values its readings carry, e.g. ["heartRateBpm"]. */
  capabilities: string[];
  /** did of the owner; default: this peer. */
  owner?: string;
  policy?: DeviceAccessPolicy;
}

export interface DeviceReadingView {
  txId: string;
  height: number;
  at: number;
  values: Record<string, DeviceValue>;
  /** For a batch: the SHA-256 (hex) of the off-chain samples and their span. */
  batch: { digest: string; count: number; first: number; last: number } | null;
  /** The values are not on chain and this peer keeps no copy of them (read the device's dataset). */
  sealed?: true;
  /**
   * The values were opened on this peer from the device's dataset (a granted reader): from
   * which version, as which view; an aggregate grant shows `aggregate` and no values.
   */
  opened?: {
    dataset: string;
    version: number;
    view: 'full' | 'projection' | 'aggregate';
    aggregate: DeviceReadingAggregate | null;
  };
}

/** An aggregate of one field over a batch (what a reader granted an aggregate sees). */
export interface DeviceReadingAggregate {
  field: string;
  count?: number;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
}

/**
 * How this peer may see a device's sealed values: `dataset` is the device's dataset on this
 * chain (null before its first batch); `state` is gateway (its own copy), full, projection or
 * aggregate (granted), pending (asked), or none (requestAccess(dataset, purpose) to ask).
 */
export interface DeviceDataAccess {
  dataset: string | null;
  state: 'gateway' | 'full' | 'projection' | 'aggregate' | 'pending' | 'none';
  /** This peer's latest open request for the dataset. */
  request: string | null;
}

export interface DeviceView {
  did: string;
  id: string;
  kind: DeviceKindName;
  name: string;
  gateway: string;
  owner: string;
  capabilities: string[];
  status: 'online' | 'offline' | 'error' | 'retired';
  statusMessage: string | null;
  policy: DeviceAccessPolicy;
  registeredHeight: number;
  txId: string;
  /** This peer holds the device's key (it is the device's gateway). */
  held: boolean;
  latest: DeviceReadingView | null;
  /** Whether this peer may see the device's sealed values, or may ask to (issue 15). */
  access?: DeviceDataAccess;
  /** Gateways' reports against it (Y.4464 II.2), and whether they blocked it. */
  blocklist?: DeviceBlockView | null;
}

/** Reports against a device and its block (the blocklist, issue 17). */
export interface DeviceBlockView {
  device: string;
  reports: Array<{
    gateway: string;
    reason: string;
    rate: number | null;
    height: number;
    txId: string;
  }>;
  /** Height of the block that blocked it, or null while reports are below the threshold. */
  blockedHeight: number | null;
  /** Distinct gateways' reports that block a device (policy devices.blockThreshold). */
  threshold: number;
  lifted: { height: number; by: string; note: string; txId: string } | null;
}

export interface DeviceAccessView {
  id: string;
  device: string;
  requester: string;
  service: string;
  purpose: string;
  state: 'pending' | 'granted' | 'denied' | 'revoked';
  decidedBy: string | null;
  requestedHeight: number;
  requestedTime: number;
  decidedHeight: number | null;
  decidedTime: number | null;
}

export interface DeviceAccessEventView {
  kind: 'request' | 'decision';
  request: string;
  requester: string;
  service: string;
  state: DeviceAccessView['state'];
  /** "policy" or the did that decided or asked. */
  by: string;
  height: number;
  time: number;
  tx: string;
}

/** Off-chain samples of a batch, read from the device's gateway and checked against the chain. */
export interface DeviceBatchView {
  device: string;
  gateway: string;
  digest: string;
  samples: Array<{ values: Record<string, DeviceValue>; at: number }>;
  /** The SHA-256 of the samples equals the fingerprint committed on chain (height, txId). */
  verified: true;
  height: number;
  txId: string;
}

/**
 * Pushed by the device's gateway peer (Y.4464 10.7 step 7, the device is notified): someone asked
 * to read one of its devices, the owner or policy decided, or an off-chain batch was served or refused.
 */
export interface DeviceNotice {
  /** `message`: a committed device.message to one of this peer's devices (r-7.2.2-e); `requester` is the sending device. */
  kind:
    | 'access-requested'
    | 'access-decided'
    | 'batch-served'
    | 'batch-refused'
    | 'message'
    // the blocklist (issue 17): a gateway reported the device, the reports blocked it, it was lifted
    | 'device-reported'
    | 'device-blocked'
    | 'device-unblocked'
    // a contract call emitted an event addressed to the device ({ to: did, ... }; issue 16,
    // U-II.4): `service` is the contract, `requester` the caller, `body` the event
    | 'contract'
    // the device's reorder rule ordered, or its order committed or was refused (U-II.4):
    // `service` is the contract, `body` the order (a ReorderOrderView)
    | 'reorder';
  device: string;
  /** The peer that asked (to read, or for the batch). */
  requester: string;
  service: string | null;
  state: DeviceAccessView['state'] | null;
  /** The access request's id (txId), for access notices. */
  request: string | null;
  /** The batch digest (hex), for batch notices. */
  digest: string | null;
  /** Block height of an access notice; null for batch notices (off chain). */
  height: number | null;
  time: number;
  message: string;
  /** The message body, for `message` notices. */
  body?: unknown;
}

/** A committed message from one device to another (device.message, r-7.2.2-e). */
export interface DeviceMessageView {
  txId: string;
  height: number;
  /** The sender's signing time, ms since 1970. */
  time: number;
  /** The sending device, and its owner and gateway when it sent. */
  from: string;
  owner: string;
  gateway: string;
  to: string;
  body: unknown;
}
