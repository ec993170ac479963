// window.bot: services performed outside BoT (issue 17, Y.4464 10.5). Types only, as
// worker/api.ts. The chain side is worker/core/modules/services; the example service that checks
// grants is server/example-service.ts.

export type ServiceAccessView = { mode: 'devices' } | { mode: 'list'; allow: string[] };

/** A service registered on the chain. */
export interface ServiceView {
  id: string;
  name: string;
  /** The service's did:key: it signs its access receipts. */
  key: string;
  url: string;
  access: ServiceAccessView;
  owner: string;
  /** Whether this peer registered it. */
  mine: boolean;
  registered: number;
  updated: number;
}

/** One access the service served under a grant, as its signed receipt recorded it on chain. */
export interface ServiceAccessRecordView {
  /** The service's clock when it served (ms). */
  at: number;
  height: number;
  tx: string;
  by: string;
}

/** A grant consensus gave: the committed service.grant, until `expires` (block time, ms). */
export interface ServiceGrantView {
  id: string;
  service: string;
  subject: string;
  /** Whether the subject is a registered device (else a user). */
  device: boolean;
  by: string;
  height: number;
  time: number;
  expires: number;
  revoked: { height: number; by: string; tx: string } | null;
  /** Not revoked and not expired at the head's block time. */
  active: boolean;
  accesses: ServiceAccessRecordView[];
}

export interface ServicesOverview {
  services: ServiceView[];
  /** Grants still in the chain's memory (until expiry plus the access grace), newest first. */
  grants: ServiceGrantView[];
  height: number;
  /** The longest grant life the chain allows (serviceGrantTtlMaxMs). */
  ttlMaxMs: number;
}

/** A grant's proof for a service outside the chain: the chain encoding, in hex. */
export interface ServiceGrantProofView {
  chain: string;
  grant: string;
  height: number;
  /** Header updates from `from` + 1, the grant entry and its Merkle proof (hex of the encoding). */
  proof: string;
}

/** What a service answered to a presented grant. */
export interface ServiceUseResult {
  /** The service's HTTP status: 200 served, 403 refused (with its reason). */
  status: number;
  body: unknown;
  /** The service.access transaction that records the access (200 only), else null. */
  accessTxId: string | null;
}

export interface ServicesMethods {
  /** The chain's services and the grants it holds. */
  services(): Promise<ServicesOverview>;
  /**
   * Register (or, as its owner, change) a service outside the chain. `key` absent: read from
   * `url` + "/status" (the service's did); `access` absent: every registered device.
   */
  registerService(request: {
    id: string;
    name: string;
    key?: string;
    url?: string;
    access?: ServiceAccessView;
  }): Promise<{ txId: string }>;
  /**
   * Ask the chain for a grant to `service` for `subject` (a device this peer is the gateway or
   * owner of, or this peer itself), valid `ttlMs` (default 5 minutes) of block time.
   */
  requestServiceGrant(request: {
    service: string;
    subject: string;
    ttlMs?: number;
  }): Promise<{ txId: string; grant: string }>;
  revokeServiceGrant(grant: string): Promise<{ txId: string }>;
  /** The proof a service checks, with the headers after `from` (the height the service holds). */
  serviceGrantProof(request: { grant: string; from?: number }): Promise<ServiceGrantProofView>;
  /**
   * Use a grant at its service (the gateway's side): present the proof at the service's URL and,
   * when served, record the access on chain with the service's signed receipt.
   */
  useService(request: { grant: string }): Promise<ServiceUseResult>;
}

export const servicesMethodNames = [
  'services',
  'registerService',
  'requestServiceGrant',
  'revokeServiceGrant',
  'serviceGrantProof',
  'useService',
] as const;
