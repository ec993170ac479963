// window.bot: confidential datasets (issue 15). Types only, as worker/api.ts.

/** Progress of a long dataset operation: sealing, fetching for a read, or holding as a replica. */
export interface DatasetProgress {
  dataset: string;
  version: number;
  phase: 'seal' | 'read' | 'replicate';
  doneBytes: number;
  totalBytes: number;
}

/** owner: the owner decides each request; closed: all refused; list: the listed dids by rule. */
export type DatasetPolicyView =
  | { mode: 'owner' }
  | { mode: 'closed' }
  | { mode: 'list'; allow: string[] };

/**
 * What a reader may see of a dataset (data minimization by rights): the full versions, chosen
 * fields of every record, or count/min/max/mean of one numeric field over an optional window
 * (records whose `window.field` is in [from, to)). The owner's peer derives a projection or an
 * aggregate and seals it for that reader only; the reader never gets a full version's key.
 * Views are derived from JSON records, CSV with a header line, or device readings.
 */
export type DatasetReadView =
  | { kind: 'full' }
  | { kind: 'projection'; fields: string[] }
  | {
      kind: 'aggregate';
      field: string;
      fns: Array<'count' | 'min' | 'max' | 'mean'>;
      window?: { field: string; from?: number; to?: number };
    };

export interface DatasetVersionView {
  version: number;
  /** SHA-256 of the version's manifest, hex: what the chain records. */
  fingerprint: string;
  sealedBytes: number;
  height: number;
  time: number;
  txId: string;
  /** Dids holding a key for this version (the owner included). */
  readers: string[];
  /** Whether this peer holds a key for it. */
  readable: boolean;
  /** The view of this version derived for this peer (a viewer), or null. */
  view: DatasetReadView | null;
}

export interface DatasetRequestView {
  id: string;
  dataset: string;
  reader: string;
  purpose: string;
  /** What the reader asked for (granted: what it was granted). */
  view: DatasetReadView;
  state: 'pending' | 'approved' | 'granted' | 'denied' | 'revoked';
  by: string | null;
  /** A data proxy's request (Y.4560 Annex I.2): the enterprise it asks for; else null. */
  for: string | null;
  /** Whether that enterprise confirmed the proxy acts for it (the owner grants only then). */
  confirmed: boolean;
  height: number;
  time: number;
}

export interface DatasetView {
  id: string;
  owner: string;
  mine: boolean;
  labels: string[];
  schema: string;
  policy: DatasetPolicyView;
  /** Granted, not revoked: the next version is sealed for them. */
  readers: string[];
  /** Granted a projection or an aggregate (not revoked): the owner derives it for each. */
  viewers: Array<{ reader: string; view: DatasetReadView }>;
  versions: DatasetVersionView[];
  /** Requests waiting for the owner, and granted ones (this peer's own, or all for the owner). */
  requests: DatasetRequestView[];
  height: number;
  txId: string;
}

/** One line of a dataset's access log (Y.4560 8.4). */
export interface DatasetEventView {
  /** job: an analytics job named the dataset (by the reader); partial: its owner answered it. */
  kind:
    | 'publish'
    | 'version'
    | 'request'
    | 'grant'
    | 'deny'
    | 'revoke'
    | 'access'
    | 'derive'
    | 'job'
    | 'partial'
    | 'confirm'
    | 'forward';
  dataset: string;
  reader: string | null;
  version: number | null;
  purpose: string | null;
  by: string;
  /** The enterprise a data proxy acts for (its request, confirm, grant, forward, revoke). */
  for?: string;
  height: number;
  time: number;
  txId: string;
}

export interface DatasetReadResult {
  dataset: string;
  version: number;
  fingerprint: string;
  bytes: Uint8Array;
  /** The access record's transaction (null for the owner's own reads). */
  accessTxId: string | null;
  /**
   * The view this reader was granted, or null for a full version. For a view, `bytes` is UTF-8
   * JSON: { kind: 'projection', fields, records } or { kind: 'aggregate', field, window, count?,
   * min?, max?, mean? } (min/max/mean null when no record is in the window).
   */
  view: DatasetReadView | null;
  /** Holders the chunks came from, and holders dropped for serving wrong bytes. */
  servedBy: string[];
  dropped: string[];
}

export interface DatasetMethods {
  /** Datasets on the active chain, with versions, readers and requests. */
  datasets(): Promise<DatasetView[]>;
  /** A new dataset owned by this peer (its X25519 key is published first when needed). */
  publishDataset(request: {
    id: string;
    labels?: string[];
    schema?: string;
    policy?: DatasetPolicyView;
  }): Promise<{ txId: string }>;
  /**
   * Seal content as the next version (fresh AES-256-GCM key, 1 MiB chunks, blobs in this peer's
   * store), wrap its key for the owner and every reader, and record it on chain; holders fetch
   * the blobs once it commits. Progress: `dataset` events (phase 'seal').
   */
  putDatasetVersion(
    dataset: string,
    content: Uint8Array | string,
  ): Promise<{ txId: string; version: number; fingerprint: string; sealedBytes: number }>;
  /**
   * Ask the owner for access, stating the purpose (the permitted use) and the view (default
   * full). With `for`, this peer asks as a data proxy on behalf of that enterprise (Y.4560 Annex
   * I.2): the enterprise confirms (confirmProxy), the owner grants, this peer forwards.
   */
  requestAccess(
    dataset: string,
    purpose: string,
    view?: DatasetReadView,
    options?: { for?: string },
  ): Promise<{ txId: string }>;
  /** The enterprise named by a proxy's request confirms that the proxy acts for it. */
  confirmProxy(request: string): Promise<{ txId: string }>;
  /**
   * The proxy provides versions granted to it to its enterprise: their content keys are
   * unwrapped here and wrapped for the enterprise's key (default: every granted version the
   * enterprise has no key for, newest forwardVersionsMax). The enterprise then reads them.
   */
  forwardDataset(
    request: string,
    versions?: number[],
  ): Promise<{ txId: string; versions: number[] }>;
  /**
   * The owner grants or denies. A full grant wraps the keys of the latest versions for the
   * reader; a projection or aggregate (the request's view, or `view` when narrower) wraps none:
   * this peer derives the view of the latest version and of each later one, sealed for the
   * reader only. MALFORMED when the content is not a format views are derived from.
   */
  decideAccess(request: string, grant: boolean, view?: DatasetReadView): Promise<{ txId: string }>;
  /** The owner ends a reader's access: later versions are sealed without it. */
  revokeAccess(dataset: string, reader: string): Promise<{ txId: string }>;
  /**
   * Read a version (default: the newest this peer may read): the access is recorded on chain,
   * then chunks are fetched from holders, checked and decrypted here. UNAUTHORIZED when not
   * shared with this peer; TAMPERED never returns: a holder serving wrong bytes is dropped and
   * another tried. Progress: `dataset` events (phase 'read').
   */
  readDataset(
    dataset: string,
    options?: { version?: number; purpose?: string },
  ): Promise<DatasetReadResult>;
  /** Who published, asked, was granted, denied, revoked and read, when, and for what purpose. */
  accessLog(dataset: string): Promise<DatasetEventView[]>;
}

export const datasetMethodNames = [
  'datasets',
  'publishDataset',
  'putDatasetVersion',
  'requestAccess',
  'decideAccess',
  'confirmProxy',
  'forwardDataset',
  'revokeAccess',
  'readDataset',
  'accessLog',
] as const;
