// BoT data: data.put { key, value } (or { key, sealed } under a read role, ./sealed.ts),
// data.delete { key } and data.share (wraps of sealed values for holders granted later,
// ./share.ts). State "data/<key>": the value, the sealed value or a tombstone, with the height
// and transaction that wrote it; "sealwrap/<reader>/<key>": a wrap a share added. In memory the
// module keeps only the index of sealed values (version and readers, for data.share's
// validity); values are read from the state. data.put and data.delete cannot fail once their
// body passed the rules (apply writes at once, in transaction order); a data.share fails when an
// earlier transaction of the same block rewrote the value or already gave a wrap it adds.
import { decode, encode } from '../../codec';
import * as limits from '../../limits';
import type { TxModule } from '../module';
import type { Tx } from '../../tx-shape';
import { dataDelete, dataPut } from './rules';
import { noteDataWrite } from '../validation';

import { botError } from '../../errors';
import { PersistentMap } from '../../persistent-map';
import type { SealedValue } from './sealed';
import {
  checkShareBody,
  decodeSealedWrap,
  encodeSealedWrap,
  sealedWrapPrefix,
  sealedWrapKey,
  type SealedIndex,
  type SealedIndexEntry,
  type SealedShare,
} from './share';

export { checkDataKey, checkDataValue } from './rules';
export * from './sealed';
export * from './share';

export const dataTxTypes = ['data.put', 'data.delete', 'data.share'] as const;
export const dataPrefix = 'data/';

export interface DataEntry {
  /** The value, or null for a tombstone or a sealed value. */
  value: unknown;
  /** The value sealed for the holders of a read role (./sealed.ts), when it was written so. */
  sealed?: SealedValue;
  deleted: boolean;
  height: number;
  txId: string;
}

/** Decode a stored data entry. */
export function decodeDataEntry(bytes: Uint8Array): DataEntry {
  const raw = decode<{ v?: unknown; s?: SealedValue; d?: boolean; h: number; tx: string }>(
    bytes,
    limits.txBodyBytesMax + 1024,
  );
  return {
    value: raw.d || raw.s ? null : raw.v,
    ...(raw.s && !raw.d ? { sealed: raw.s } : {}),
    deleted: raw.d === true,
    height: raw.h,
    txId: raw.tx,
  };
}

/** The state entry a data transaction of block `height` writes (integrity.ts rebuilds it too). */
export function dataEntryOf(tx: Tx, txId: string, height: number): Uint8Array {
  const body = tx.body as { value?: unknown; sealed?: SealedValue };
  if (tx.type !== 'data.put') return encode({ d: true, h: height, tx: txId });
  if (body.sealed) return encode({ s: body.sealed, h: height, tx: txId });
  return encode({ v: body.value, h: height, tx: txId });
}

/** The data module's memory: the sealed values now in the state. */
export interface DataState {
  sealed: SealedIndex;
}

/** A block in progress: its writes (shared with xchain), and what it did to sealed values. */
export interface DataOverlay {
  writes: Map<string, Uint8Array>;
  /** Data keys written in this block as sealed values (others written here leave the index). */
  sealedPuts: Map<string, SealedIndexEntry>;
  /** Readers added by shares in this block, by data key. */
  shared: Map<string, string[]>;
  base: SealedIndex;
}

function applyShare(overlay: DataOverlay, shares: SealedShare[], height: number) {
  // All checks first: a share that fails changes nothing.
  for (const share of shares) {
    if (overlay.writes.has(dataPrefix + share.key))
      throw botError(
        'BAD_REQUEST',
        `The value under "${share.key}" was written again earlier in this block; share the new one.`,
      );
    const added = overlay.shared.get(share.key) ?? [];
    const again = share.keys.find((k) => added.includes(k.reader));
    if (again)
      throw botError(
        'BAD_REQUEST',
        `${again.reader} was given a wrap of "${share.key}" earlier in this block.`,
      );
  }
  for (const share of shares) {
    const added = overlay.shared.get(share.key) ?? [];
    for (const wrap of share.keys) {
      overlay.writes.set(
        sealedWrapKey(wrap.reader, share.key),
        encodeSealedWrap({ tx: share.tx, wrap, height }),
      );
      added.push(wrap.reader);
    }
    overlay.shared.set(share.key, added);
  }
}

/** The index after a block: sealed puts set, other data writes cleared, shares' readers added. */
function finishIndex(overlay: DataOverlay): DataState {
  let sealed = overlay.base;
  for (const key of overlay.writes.keys()) {
    if (!key.startsWith(dataPrefix)) continue;
    const dataKey = key.slice(dataPrefix.length);
    const put = overlay.sealedPuts.get(dataKey);
    if (put) sealed = sealed.set(dataKey, put);
    else if (sealed.has(dataKey)) sealed = sealed.delete(dataKey);
  }
  for (const [dataKey, readers] of overlay.shared) {
    const entry = sealed.get(dataKey);
    // rewritten after the share in this block (a cross-chain write): the share was of the old one
    if (!entry || overlay.writes.has(dataPrefix + dataKey)) continue;
    sealed = sealed.set(dataKey, { tx: entry.tx, readers: [...entry.readers, ...readers] });
  }
  return { sealed };
}

/** The index from the state entries: every sealed data entry, with the wraps shares added. */
function dataFromEntries(entries: ReadonlyArray<readonly [string, Uint8Array]>): DataState {
  const index = new Map<string, SealedIndexEntry>();
  const wraps: Array<{ key: string; tx: string; reader: string; height: number }> = [];
  for (const [stateKey, bytes] of entries) {
    // An entry that does not decode was changed behind the store's back: the caller's state
    // root check reports it (TAMPERED), so the index just leaves it out.
    try {
      if (stateKey.startsWith(sealedWrapPrefix)) {
        const entry = decodeSealedWrap(bytes);
        const rest = stateKey.slice(sealedWrapPrefix.length);
        const key = rest.slice(rest.indexOf('/') + 1);
        wraps.push({ key, tx: entry.tx, reader: entry.wrap.reader, height: entry.height });
        continue;
      }
      const entry = decodeDataEntry(bytes);
      if (!entry.sealed) continue;
      index.set(stateKey.slice(dataPrefix.length), {
        tx: entry.txId,
        readers: entry.sealed.keys.map((k) => k.reader),
      });
    } catch {
      // skipped: see above (stored bytes, not this code, are at fault)
    }
  }
  // in the order they were added, as the blocks added them (stale wraps of older versions skipped)
  wraps.sort((a, b) => a.height - b.height || (a.reader < b.reader ? -1 : 1));
  for (const wrap of wraps) {
    const entry = index.get(wrap.key);
    if (entry?.tx !== wrap.tx || entry.readers.includes(wrap.reader)) continue;
    index.set(wrap.key, { tx: entry.tx, readers: [...entry.readers, wrap.reader] });
  }
  return { sealed: PersistentMap.from(index) };
}

export const dataModule: TxModule<DataState, DataOverlay, 'data'> = {
  name: 'data',
  txTypes: dataTxTypes,
  bodyRules: {
    'data.put': dataPut,
    'data.delete': dataDelete,
    'data.share': { check: checkShareBody },
  },
  empty: () => ({ sealed: PersistentMap.empty() }),
  overlay: (state, block) => ({
    writes: block.writes,
    sealedPuts: new Map(),
    shared: new Map(),
    base: state.sealed,
  }),
  apply(overlay, tx, txId, block) {
    if (tx.type === 'data.share') {
      applyShare(overlay, (tx.body as { shares: SealedShare[] }).shares, block.height);
      return;
    }
    const body = tx.body as { key: string; sealed?: SealedValue };
    overlay.writes.set(dataPrefix + body.key, dataEntryOf(tx, txId, block.height));
    if (tx.type === 'data.put' && body.sealed)
      overlay.sealedPuts.set(body.key, {
        tx: txId,
        readers: body.sealed.keys.map((k) => k.reader),
      });
    else overlay.sealedPuts.delete(body.key);
    overlay.shared.delete(body.key);
    noteDataWrite(tx, txId, block); // validation of submitted data (../validation, D-9.4)
  },
  finish: (overlay) => finishIndex(overlay),
  load: { prefixes: [dataPrefix, sealedWrapPrefix], fromEntries: dataFromEntries },
  views: { decodeDataEntry, decodeSealedWrap },
};
