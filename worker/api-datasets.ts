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
}

export interface DatasetRequestView {
  id: string;
  dataset: string;
  reader: string;
  purpose: string;
  state: 'pending' | 'approved' | 'granted' | 'denied' | 'revoked';
  by: string | null;
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
  versions: DatasetVersionView[];
  /** Requests waiting for the owner, and granted ones (this peer's own, or all for the owner). */
  requests: DatasetRequestView[];
  height: number;
  txId: string;
}

/** One line of a dataset's access log (Y.4560 8.4). */
export interface DatasetEventView {
  kind: 'publish' | 'version' | 'request' | 'grant' | 'deny' | 'revoke' | 'access';
  dataset: string;
  reader: string | null;
  version: number | null;
  purpose: string | null;
  by: string;
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
  /** Ask the owner for access, stating the purpose (the permitted use). */
  requestAccess(dataset: string, purpose: string): Promise<{ txId: string }>;
  /** The owner grants (wrapping the keys of the latest versions for the reader) or denies. */
  decideAccess(request: string, grant: boolean): Promise<{ txId: string }>;
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
  'revokeAccess',
  'readDataset',
  'accessLog',
] as const;
