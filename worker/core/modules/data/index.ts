// BoT data: data.put { key, value } (or { key, sealed } under a read role, ./sealed.ts),
// data.delete { key } and data.share (wraps of sealed values for holders granted later,
// ./share.ts). State "data/<key>": the value, the sealed value or a tombstone, with the height
// and transaction that wrote it; "sealwrap/<reader>/<key>": a wrap a share added;
// "sealold/<key>": the key's earlier sealed versions (written over or deleted, newest first, at
// most sealedVersionsKeptMax); "sealwrapv/<reader>/<tx>": a wrap of such a version a share added.
// In memory the module keeps only the index of sealed values and their earlier versions
// (version and readers, for data.share's validity); values are read from the state. data.put and data.delete cannot fail once their
// body passed the rules (apply writes at once, in transaction order); a data.share fails when an
// earlier transaction of the same block rewrote the value or already gave a wrap it adds.
import { decode, encode } from '../../codec';
import * as limits from '../../limits';
import type { BlockEnd, TxModule } from '../module';
import type { Tx } from '../../tx-shape';
import { dataDelete, dataPut } from './rules';
import { noteDataWrite } from '../validation';

import { botError } from '../../errors';
import { PersistentMap } from '../../persistent-map';
import type { SealedValue } from './sealed';
import {
  checkShareBody,
  decodeSealedEarlier,
  decodeSealedEarlierWrap,
  decodeSealedWrap,
  encodeSealedEarlier,
  encodeSealedEarlierWrap,
  encodeSealedWrap,
  sealedEarlierKey,
  sealedEarlierPrefix,
  sealedEarlierWrapKey,
  sealedEarlierWrapPrefix,
  sealedWrapPrefix,
  sealedWrapKey,
  type SealedEarlierIndex,
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

/** The data module's memory: the sealed values now in the state, and their earlier versions. */
export interface DataState {
  sealed: SealedIndex;
  earlier: SealedEarlierIndex;
}

/** A block in progress: its writes (shared with xchain), and what it did to sealed values. */
export interface DataOverlay {
  writes: Map<string, Uint8Array>;
  /** Data keys written in this block as sealed values (others written here leave the index). */
  sealedPuts: Map<string, SealedIndexEntry>;
  /** Readers added by shares of current versions in this block, by data key. */
  shared: Map<string, string[]>;
  /** Readers added by shares of earlier versions in this block, by version (tx id). */
  sharedEarlier: Map<string, { key: string; readers: string[] }>;
  /** Sealed versions written over by this module's transactions in this block, newest first. */
  displaced: Map<string, SealedIndexEntry[]>;
  base: SealedIndex;
  baseEarlier: SealedEarlierIndex;
}

/** The sealed version now under `key` in the block so far, with the readers shares added. */
function sealedNow(overlay: DataOverlay, key: string): SealedIndexEntry | null {
  const put = overlay.sealedPuts.get(key);
  if (put) return put;
  if (overlay.writes.has(dataPrefix + key)) return null; // written plainly or deleted here
  const base = overlay.base.get(key);
  if (!base) return null;
  const added = overlay.shared.get(key) ?? [];
  return { tx: base.tx, readers: [...base.readers, ...added] };
}

/** Is this share of a kept earlier version (validity judged it on the state before the block)? */
function isEarlier(overlay: DataOverlay, share: SealedShare): boolean {
  return overlay.base.get(share.key)?.tx !== share.tx;
}

function applyShare(overlay: DataOverlay, shares: SealedShare[], height: number) {
  // All checks first: a share that fails changes nothing.
  for (const share of shares) {
    if (isEarlier(overlay, share)) {
      const added = overlay.sharedEarlier.get(share.tx)?.readers ?? [];
      const again = share.keys.find((k) => added.includes(k.reader));
      if (again)
        throw botError(
          'BAD_REQUEST',
          `${again.reader} was given a wrap of that earlier version of "${share.key}" earlier in this block.`,
        );
      continue;
    }
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
    if (isEarlier(overlay, share)) {
      const added = overlay.sharedEarlier.get(share.tx) ?? { key: share.key, readers: [] };
      for (const wrap of share.keys) {
        overlay.writes.set(
          sealedEarlierWrapKey(wrap.reader, share.tx),
          encodeSealedEarlierWrap({ key: share.key, tx: share.tx, wrap, height }),
        );
        added.readers.push(wrap.reader);
      }
      overlay.sharedEarlier.set(share.tx, added);
      continue;
    }
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
function finishIndex(overlay: DataOverlay, end: BlockEnd): DataState {
  const earlier = finishEarlier(overlay, end);
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
  return { sealed, earlier };
}

/**
 * The earlier versions after a block: readers that shares of earlier versions added, then the
 * versions written over in this block put in front (newest first), cut to sealedVersionsKeptMax,
 * and each changed list written to its state entry.
 */
function finishEarlier(overlay: DataOverlay, end: BlockEnd): SealedEarlierIndex {
  let earlier = overlay.baseEarlier;
  for (const [tx, { key, readers }] of overlay.sharedEarlier) {
    const list = earlier.get(key);
    if (!list) continue;
    earlier = earlier.set(
      key,
      list.map((v) => (v.tx === tx ? { tx, readers: [...v.readers, ...readers] } : v)),
    );
  }
  for (const key of [...end.writes.keys()]) {
    if (!key.startsWith(dataPrefix)) continue;
    const dataKey = key.slice(dataPrefix.length);
    let displaced = overlay.displaced.get(dataKey) ?? [];
    // written by another module only (a cross-chain write): the version before the block went
    if (!overlay.displaced.has(dataKey) && !overlay.sealedPuts.has(dataKey)) {
      const base = overlay.base.get(dataKey);
      const added = overlay.shared.get(dataKey) ?? [];
      displaced = base ? [{ tx: base.tx, readers: [...base.readers, ...added] }] : [];
    }
    if (displaced.length === 0) continue;
    const list = [...displaced, ...(earlier.get(dataKey) ?? [])].slice(
      0,
      limits.sealedVersionsKeptMax,
    );
    earlier = earlier.set(dataKey, list);
    end.writes.set(sealedEarlierKey(dataKey), encodeSealedEarlier(list));
  }
  return earlier;
}

/** The index from the state entries: every sealed data entry, with the wraps shares added. */
function dataFromEntries(entries: ReadonlyArray<readonly [string, Uint8Array]>): DataState {
  const index = new Map<string, SealedIndexEntry>();
  const wraps: Array<{ key: string; tx: string; reader: string; height: number }> = [];
  const earlier = new Map<string, SealedIndexEntry[]>();
  const earlierWraps: Array<{ key: string; tx: string; reader: string; height: number }> = [];
  for (const [stateKey, bytes] of entries) {
    // An entry that does not decode was changed behind the store's back: the caller's state
    // root check reports it (TAMPERED), so the index just leaves it out.
    try {
      if (stateKey.startsWith(sealedEarlierPrefix)) {
        earlier.set(stateKey.slice(sealedEarlierPrefix.length), decodeSealedEarlier(bytes));
        continue;
      }
      if (stateKey.startsWith(sealedEarlierWrapPrefix)) {
        const entry = decodeSealedEarlierWrap(bytes);
        earlierWraps.push({
          key: entry.key,
          tx: entry.tx,
          reader: entry.wrap.reader,
          height: entry.height,
        });
        continue;
      }
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
  // wraps of earlier versions join their version (the list may already name them: written after)
  for (const wrap of earlierWraps) {
    const list = earlier.get(wrap.key);
    const version = list?.find((v) => v.tx === wrap.tx);
    if (!list || !version || version.readers.includes(wrap.reader)) continue;
    earlier.set(
      wrap.key,
      list.map((v) => (v === version ? { tx: v.tx, readers: [...v.readers, wrap.reader] } : v)),
    );
  }
  return { sealed: PersistentMap.from(index), earlier: PersistentMap.from(earlier) };
}

export const dataModule: TxModule<DataState, DataOverlay, 'data'> = {
  name: 'data',
  txTypes: dataTxTypes,
  bodyRules: {
    'data.put': dataPut,
    'data.delete': dataDelete,
    'data.share': { check: checkShareBody },
  },
  empty: () => ({ sealed: PersistentMap.empty(), earlier: PersistentMap.empty() }),
  overlay: (state, block) => ({
    writes: block.writes,
    sealedPuts: new Map(),
    shared: new Map(),
    sharedEarlier: new Map(),
    displaced: new Map(),
    base: state.sealed,
    // a state kept from before earlier versions were indexed has none
    baseEarlier: state.earlier ?? PersistentMap.empty(),
  }),
  apply(overlay, tx, txId, block) {
    if (tx.type === 'data.share') {
      applyShare(overlay, (tx.body as { shares: SealedShare[] }).shares, block.height);
      return;
    }
    const body = tx.body as { key: string; sealed?: SealedValue };
    const before = sealedNow(overlay, body.key);
    if (before)
      overlay.displaced.set(body.key, [before, ...(overlay.displaced.get(body.key) ?? [])]);
    else if (!overlay.displaced.has(body.key)) overlay.displaced.set(body.key, []);
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
  finish: (overlay, end) => finishIndex(overlay, end),
  load: {
    prefixes: [dataPrefix, sealedWrapPrefix, sealedEarlierPrefix, sealedEarlierWrapPrefix],
    fromEntries: dataFromEntries,
  },
  views: { decodeDataEntry, decodeSealedWrap, decodeSealedEarlier, decodeSealedEarlierWrap },
};
