// window.bot: supply-chain traceability (issue 17; Y.4560 I.1, Y.4464 II.1). Types only, as worker/api.ts.

/** A traceability mapping record (Y.4560 I.1.5): its signature is its transaction's. */
export interface TraceRecordView {
  txId: string;
  /** origin: a new lot (no transfer-out account); record: the holder adds data in custody. */
  kind: 'origin' | 'record' | 'transfer' | 'split' | 'merge';
  /** The lots it takes (the lot recorded or transferred, the lot split, the lots merged). */
  ids: string[];
  /** The lots it makes (a split's parts, a merge's lot); empty otherwise. */
  into: string[];
  /** The information-server address of the traceability data. */
  server: string;
  /** SHA-256 of that data, hex. */
  hash: string;
  /** Transfer-out account (null at an origin) and transfer-in account. */
  out: string | null;
  in: string;
  /** The signer's timestamp (ms) and the block height. */
  time: number;
  height: number;
}

export interface TraceLotView {
  id: string;
  holder: string;
  /** Whether this peer holds it now (it may transfer, split, merge or record it). */
  mine: boolean;
  parents: string[];
  /** The split or merge that consumed it, or null while it is live. */
  consumedBy: string | null;
  records: TraceRecordView[];
}

/** What the backward query found of one step. */
export interface TraceStepView extends TraceRecordView {
  /** The block's verified hash. */
  blockHash: string | null;
  /**
   * verified: the stored record matches the state root, is what its signed transaction in the
   * verified block makes, carries on from the previous holder, and the signature holds.
   * tampered: one of these failed (`problem` says which).
   */
  status: 'verified' | 'tampered';
  problem: string | null;
  /** The information-server document, when fetched: checked against `hash`. */
  document: {
    status: 'verified' | 'tampered' | 'unreachable' | 'not-fetched';
    message: string | null;
  };
}

export interface TraceJourney {
  id: string;
  /** Every lot on the way back (the asked one first), with its parents. */
  lots: Array<{
    id: string;
    holder: string;
    parents: string[];
    consumedBy: string | null;
    depth: number;
  }>;
  /** Every step, oldest first. */
  steps: TraceStepView[];
  /** The origin lots reached (no parents; first record an origin). */
  origins: string[];
  verified: boolean;
  /** Null when the whole journey was followed; else the named limit that stopped it. */
  truncated: string | null;
}

export interface TraceWriteRequest {
  /** The information-server address of this step's traceability data. */
  server: string;
  /** Its SHA-256 (hex); left out: the peer fetches the document and hashes it. */
  hash?: string;
}

export interface TraceMethods {
  /** Record a lot: its origin when new (this peer holds it), else a holder's record in custody. */
  traceRecord(request: TraceWriteRequest & { id: string }): Promise<{ txId: string; hash: string }>;
  /** The holder transfers a lot to another account. */
  traceTransfer(
    request: TraceWriteRequest & { id: string; to: string },
  ): Promise<{ txId: string; hash: string }>;
  /** The holder splits a lot into new lots (one into many). */
  traceSplit(
    request: TraceWriteRequest & { id: string; into: string[] },
  ): Promise<{ txId: string; hash: string }>;
  /** The holder merges lots into a new one (many into one; one: repackaging). */
  traceMerge(
    request: TraceWriteRequest & { ids: string[]; into: string },
  ): Promise<{ txId: string; hash: string }>;
  /** A lot and its records, or null when there is none. */
  traceLot(id: string): Promise<TraceLotView | null>;
  /**
   * The backward query (Y.4560 I.1.5 (2)): from a lot back to every origin through every
   * transfer, split and merge, each step checked against the state root, its block and its
   * signature; with `fetch`, each information-server document is fetched and checked against
   * its hash. Bounded by traceQueryDepthMax, traceQueryLotsMax, traceQueryStepsMax.
   */
  traceBack(id: string, options?: { fetch?: boolean }): Promise<TraceJourney>;
}

export const traceMethodNames = [
  'traceRecord',
  'traceTransfer',
  'traceSplit',
  'traceMerge',
  'traceLot',
  'traceBack',
] as const;
