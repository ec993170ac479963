// The state of supply-chain traceability (Y.4560 I.1): lots and traceability mapping records.
//
// Every trace transaction writes one mapping record, "trace/rec/<txId>": the object
// identifier(s), the information-server address, the hash of the data held there, the
// transfer-out account (null at an origin), the transfer-in account, the timestamp, and the
// block height; its digital signature is the transaction's (the record is derived from the
// signed transaction alone, `recordOf`, so anyone holding the block re-derives it and checks
// the signature). Every lot has an entry "trace/lot/<id>": its holder, its parents (the lots a
// split or merge made it from), the records that touched it, and the transaction that consumed
// it (split or merged away). Rules: only the holder transfers, splits, merges or adds records;
// a consumed lot takes nothing more; split and merge make new identifiers only, so the graph of
// parents has no cycle (a parent is always older than its child).
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import type { Tx } from '../../tx-shape';
import { traceLotRecordsMax } from './limits';
import type { TraceTxType } from './rules';

export const traceLotPrefix = 'trace/lot/';
export const traceRecordPrefix = 'trace/rec/';

export type TraceKind = 'origin' | 'record' | 'transfer' | 'split' | 'merge';

/** A traceability mapping record (Y.4560 I.1.5 step 2), as stored. */
export interface TraceRecord {
  kind: TraceKind;
  /** The lots it takes: the lot recorded or transferred, the lot split, the lots merged. */
  ids: string[];
  /** The lots it makes: the parts of a split, the lot of a merge (else empty). */
  into: string[];
  server: string;
  hash: string;
  /** Transfer-out account: the holder that signed it; null at an origin. */
  out: string | null;
  /** Transfer-in account: who holds the lot(s) after it. */
  in: string;
  /** The signer's timestamp (tx.time, ms). */
  time: number;
  height: number;
  txId: string;
}

export interface TraceLot {
  holder: string;
  /** Lots this one was split or merged from (empty for an origin). */
  parents: string[];
  /** Records that touched the lot, oldest first (its creation first). */
  records: string[];
  /** The split or merge that consumed it, or null while it is live. */
  consumedBy: string | null;
}

export interface TraceState {
  lots: ReadonlyMap<string, TraceLot>;
}

export interface TraceOverlay {
  base: TraceState;
  changed: Map<string, TraceLot>;
}

export function emptyTrace(): TraceState {
  return { lots: new Map() };
}

export function traceOverlayOf(state: TraceState): TraceOverlay {
  return { base: state, changed: new Map() };
}

function lotOf(overlay: TraceOverlay, id: string): TraceLot | undefined {
  return overlay.changed.get(id) ?? overlay.base.lots.get(id);
}

/** The mapping record a trace transaction makes: a function of the signed transaction alone. */
export function recordOf(tx: Tx, txId: string, height: number): TraceRecord {
  const body = tx.body as Record<string, unknown>;
  const common = {
    server: body.server as string,
    hash: body.hash as string,
    time: tx.time,
    height,
    txId,
  };
  switch (tx.type as TraceTxType) {
    case 'trace.record':
      return {
        kind: 'record',
        ids: [body.id as string],
        into: [],
        out: tx.from,
        in: tx.from,
        ...common,
      };
    case 'trace.transfer':
      return {
        kind: 'transfer',
        ids: [body.id as string],
        into: [],
        out: tx.from,
        in: body.to as string,
        ...common,
      };
    case 'trace.split':
      return {
        kind: 'split',
        ids: [body.id as string],
        into: [...(body.into as string[])],
        out: tx.from,
        in: tx.from,
        ...common,
      };
    case 'trace.merge':
      return {
        kind: 'merge',
        ids: [...(body.ids as string[])],
        into: [body.into as string],
        out: tx.from,
        in: tx.from,
        ...common,
      };
  }
}

/** A record of a lot not yet known is its origin: no transfer-out account. */
function asOrigin(record: TraceRecord): TraceRecord {
  return { ...record, kind: 'origin', out: null };
}

function holderCheck(lot: TraceLot | undefined, id: string, from: string, what: string): TraceLot {
  if (!lot)
    throw botError('NOT_FOUND', `There is no lot "${id}" on this chain; record its origin first.`);
  if (lot.consumedBy)
    throw botError(
      'BAD_REQUEST',
      `Lot "${id}" was split or merged away (transaction ${lot.consumedBy.slice(0, 12)}); it cannot be ${what}. Use the lots made from it.`,
    );
  if (lot.holder !== from)
    throw botError(
      'UNAUTHORIZED',
      `Only the current holder of lot "${id}" may ${what.replace(/ed$/, '')} it; it is held by ${lot.holder}.`,
    );
  if (lot.records.length >= traceLotRecordsMax)
    throw botError(
      'TOO_LARGE',
      `Lot "${id}" already has ${traceLotRecordsMax} records (traceLotRecordsMax); split or repackage it under a new identifier.`,
    );
  return lot;
}

function newIdCheck(overlay: TraceOverlay, id: string): void {
  if (lotOf(overlay, id))
    throw botError(
      'BAD_REQUEST',
      `Lot "${id}" already exists; a split or merge makes new identifiers only (a lot has one history, and the graph no cycle).`,
    );
}

/**
 * Apply one trace transaction to the overlay; writes its record and the lots it changed. Checks
 * everything before changing anything (a refused transaction leaves the overlay as it was).
 */
export function applyTraceTx(
  overlay: TraceOverlay,
  tx: Tx,
  txId: string,
  height: number,
  writes: Map<string, Uint8Array>,
): void {
  let record = recordOf(tx, txId, height);
  const next = new Map<string, TraceLot>();
  const fresh = (parents: string[]): TraceLot => ({
    holder: tx.from,
    parents,
    records: [txId],
    consumedBy: null,
  });
  const appendTo = (lot: TraceLot, holder: string): TraceLot => ({
    ...lot,
    holder,
    records: [...lot.records, txId],
  });
  const consume = (lot: TraceLot): TraceLot => ({
    ...lot,
    records: [...lot.records, txId],
    consumedBy: txId,
  });
  const [first] = record.ids as [string];
  switch (record.kind) {
    case 'record': {
      const lot = lotOf(overlay, first);
      if (!lot) {
        record = asOrigin(record);
        next.set(first, fresh([]));
      } else next.set(first, appendTo(holderCheck(lot, first, tx.from, 'recorded'), tx.from));
      break;
    }
    case 'transfer': {
      const lot = holderCheck(lotOf(overlay, first), first, tx.from, 'transferred');
      next.set(first, appendTo(lot, record.in));
      break;
    }
    case 'split': {
      const lot = holderCheck(lotOf(overlay, first), first, tx.from, 'split');
      for (const id of record.into) newIdCheck(overlay, id);
      next.set(first, consume(lot));
      for (const id of record.into) next.set(id, fresh([first]));
      break;
    }
    case 'merge': {
      for (const id of record.ids)
        next.set(id, consume(holderCheck(lotOf(overlay, id), id, tx.from, 'merged')));
      const [into] = record.into as [string];
      newIdCheck(overlay, into);
      next.set(into, fresh([...record.ids]));
      break;
    }
    default:
      throw botError('UNKNOWN_TYPE', `${tx.type} is not a trace transaction.`);
  }
  for (const [id, lot] of next) {
    overlay.changed.set(id, lot);
    writes.set(traceLotPrefix + id, encodeLot(lot));
  }
  writes.set(traceRecordPrefix + txId, encodeRecord(record));
}

export function finishTrace(overlay: TraceOverlay): TraceState {
  if (overlay.changed.size === 0) return overlay.base;
  const lots = new Map(overlay.base.lots);
  for (const [id, lot] of overlay.changed) lots.set(id, lot);
  return { lots };
}

export function traceFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
): TraceState {
  const lots = new Map<string, TraceLot>();
  for (const [key, bytes] of entries)
    if (key.startsWith(traceLotPrefix))
      lots.set(key.slice(traceLotPrefix.length), decodeLot(bytes));
  return { lots };
}

// ---- encodings (canonical CBOR; short field names) ----

export function encodeLot(lot: TraceLot): Uint8Array {
  return encode({ h: lot.holder, p: lot.parents, r: lot.records, c: lot.consumedBy });
}

export function decodeLot(bytes: Uint8Array): TraceLot {
  const raw = decode<{ h: string; p: string[]; r: string[]; c: string | null }>(bytes, 64 * 1024);
  return { holder: raw.h, parents: raw.p, records: raw.r, consumedBy: raw.c };
}

export function encodeRecord(record: TraceRecord): Uint8Array {
  return encode({
    k: record.kind,
    ids: record.ids,
    into: record.into,
    s: record.server,
    d: record.hash,
    o: record.out,
    i: record.in,
    t: record.time,
    h: record.height,
    tx: record.txId,
  });
}

export function decodeRecord(bytes: Uint8Array): TraceRecord {
  const raw = decode<{
    k: TraceKind;
    ids: string[];
    into: string[];
    s: string;
    d: string;
    o: string | null;
    i: string;
    t: number;
    h: number;
    tx: string;
  }>(bytes, 64 * 1024);
  return {
    kind: raw.k,
    ids: raw.ids,
    into: raw.into,
    server: raw.s,
    hash: raw.d,
    out: raw.o,
    in: raw.i,
    time: raw.t,
    height: raw.h,
    txId: raw.tx,
  };
}

/**
 * The record a block's transaction makes, as the ledger wrote it: an origin when the record
 * was the lot's first (its `kind` in the stored record says so; the signed body alone cannot).
 */
export function expectedRecord(tx: Tx, txId: string, height: number, origin: boolean): TraceRecord {
  const record = recordOf(tx, txId, height);
  return origin && record.kind === 'record' ? asOrigin(record) : record;
}
