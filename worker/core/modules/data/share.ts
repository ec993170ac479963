// Sharing sealed values with holders granted a read role later (issue 15: "a new member of a
// read role reads the prefix's existing values"). A value sealed under read:<prefix>
// (./sealed.ts) carries its content key wrapped for the holders of the role when it was
// written. When the role gains a holder, a peer that can open the value (a current holder with
// a wrap of it) adds a wrap of the same content key for the new holder:
//   data.share { shares: [{ key, tx, keys: [WrappedKey] }] }   (1..sealedSharesPerTxMax values)
// `tx` names the version (the data.put that wrote the value now under `key`); the box (the
// ciphertext) never changes. Each added wrap is its own state entry, sealedWrapPrefix +
// <reader> + '/' + <key> = { tx, k: wrap, h }, so that a holder (or a light peer, with one more
// proof) finds its wrap by its did and the key, and the value's own entry and history stay as
// its writer wrote them.
// Block validity (sealedShareError, on the state before the block like every role) takes a share
// only when: the value under `key` is sealed and its version is `tx`; a read role covers the key;
// the signer holds that role and holds a wrap of the value (so it can open it); every added wrap
// names a holder of the role with a published X25519 key that has no wrap of the value yet,
// none twice; and the value's wraps stay within sealedValueHoldersMax. What it cannot check is
// what a wrap holds (only its reader can open it): a wrap of garbage opens as TAMPERED on the
// reader's peer, as with a data.put's wraps.
// Earlier versions (2026-12-08, share3): a holder granted later reads the key's history too. When
// a sealed value is written over (or deleted), its version (tx, readers) goes to the front of the
// key's list of earlier sealed versions, sealedEarlierKey(key) = { v: [{ tx, r }] }, newest
// first, at most sealedVersionsKeptMax (older ones fall off and stay closed to later holders).
// A share may name such a version by its tx; its wraps go to sealedEarlierWrapKey(reader, tx) =
// { key, tx, k: wrap, h } (the tx id names the version, so no data key has to be parsed back).
// Pure: the in-memory index (SealedIndex, SealedEarlierIndex) is rebuilt from the state entries
// at load.
import { decode, encode } from '../../codec';
import { botError, type BotError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import * as limits from '../../limits';
import { PersistentMap } from '../../persistent-map';
import type { Tx } from '../../tx-shape';
import { readRoleOf, type RightsState } from '../governance/rights';
import { checkWrappedKey, type KeyBinding, type WrappedKey } from '../datasets/keys';
import { checkDataKey } from './rules';

/** State entries of wraps added by data.share: sealedWrapPrefix + reader + '/' + key. */
export const sealedWrapPrefix = 'sealwrap/';

/** The state key of `reader`'s added wrap of the value under data key `key`. */
export function sealedWrapKey(reader: string, key: string): string {
  return `${sealedWrapPrefix}${reader}/${key}`;
}

/** State entries of a key's earlier sealed versions: sealedEarlierPrefix + key. */
export const sealedEarlierPrefix = 'sealold/';

/** The state key of the earlier sealed versions of data key `key`. */
export function sealedEarlierKey(key: string): string {
  return `${sealedEarlierPrefix}${key}`;
}

/** State entries of wraps of earlier versions added by data.share: prefix + reader + '/' + tx. */
export const sealedEarlierWrapPrefix = 'sealwrapv/';

/** The state key of `reader`'s added wrap of the sealed version written by transaction `tx`. */
export function sealedEarlierWrapKey(reader: string, tx: string): string {
  return `${sealedEarlierWrapPrefix}${reader}/${tx}`;
}

/** What the core remembers of a sealed value now under a key (for data.share's validity). */
export interface SealedIndexEntry {
  /** The data.put that wrote this version. */
  tx: string;
  /** Who holds a wrap of its content key: the put's readers, then those shares added. */
  readers: readonly string[];
}

/** The sealed values now in the state, by data key. */
export type SealedIndex = PersistentMap<SealedIndexEntry>;

/** The earlier sealed versions of each key (newest first, at most sealedVersionsKeptMax). */
export type SealedEarlierIndex = PersistentMap<readonly SealedIndexEntry[]>;

/** What data.share's validity reads of the data module's memory. */
export interface SealedVersions {
  sealed: SealedIndex;
  earlier?: SealedEarlierIndex;
}

/** The state entry of a key's earlier sealed versions (readers sorted: every peer writes alike). */
export function encodeSealedEarlier(versions: readonly SealedIndexEntry[]): Uint8Array {
  return encode({ v: versions.map((v) => ({ tx: v.tx, r: [...v.readers].sort() })) });
}

export function decodeSealedEarlier(bytes: Uint8Array): SealedIndexEntry[] {
  const raw = decode<{ v: Array<{ tx: string; r: string[] }> }>(bytes, 1 << 16);
  return raw.v.map((v) => ({ tx: v.tx, readers: v.r }));
}

/** A share's state entry for an earlier version: its data key, version, wrap and height. */
export interface SealedEarlierWrapEntry extends SealedWrapEntry {
  key: string;
}

export function encodeSealedEarlierWrap(entry: SealedEarlierWrapEntry): Uint8Array {
  return encode({ key: entry.key, tx: entry.tx, k: entry.wrap, h: entry.height });
}

export function decodeSealedEarlierWrap(bytes: Uint8Array): SealedEarlierWrapEntry {
  const raw = decode<{ key: string; tx: string; k: WrappedKey; h: number }>(bytes, 2048);
  return { key: raw.key, tx: raw.tx, wrap: raw.k, height: raw.h };
}

/**
 * The version `tx` of `key` in `data`: the current one or a kept earlier one (`current` says
 * which), or null when neither.
 */
export function sealedVersionOf(
  data: SealedVersions | undefined,
  key: string,
  tx: string,
): { entry: SealedIndexEntry; current: boolean } | null {
  const now = data?.sealed.get(key);
  if (now?.tx === tx) return { entry: now, current: true };
  const earlier = data?.earlier?.get(key)?.find((v) => v.tx === tx);
  return earlier ? { entry: earlier, current: false } : null;
}

/** One value's added wraps, as a data.share body carries them. */
export interface SealedShare {
  key: string;
  /** The version: the id of the data.put that wrote the value now under `key`. */
  tx: string;
  keys: WrappedKey[];
}

/** A share's state entry: the version it is for, the wrap, the height that added it. */
export interface SealedWrapEntry {
  tx: string;
  wrap: WrappedKey;
  height: number;
}

export function encodeSealedWrap(entry: SealedWrapEntry): Uint8Array {
  return encode({ tx: entry.tx, k: entry.wrap, h: entry.height });
}

export function decodeSealedWrap(bytes: Uint8Array): SealedWrapEntry {
  const raw = decode<{ tx: string; k: WrappedKey; h: number }>(bytes, 1024);
  return { tx: raw.tx, wrap: raw.k, height: raw.h };
}

const txIdPattern = /^[0-9a-f]{64}$/;

/** Body rules of data.share (stateless): shape, sizes, distinct versions and readers (typed errors). */
export function checkShareBody(body: unknown): SealedShare[] {
  if (!isPlainObject(body))
    throw botError('MALFORMED', 'A data.share body must be a map { shares: [{ key, tx, keys }] }.');
  onlyFields(body, ['shares'], 'data.share');
  const shares = body.shares;
  if (!Array.isArray(shares) || shares.length === 0)
    throw botError('BAD_FIELD_TYPE', 'data.share carries a non-empty list of shares.');
  if (shares.length > limits.sealedSharesPerTxMax)
    throw botError(
      'TOO_LARGE',
      `One data.share carries at most ${limits.sealedSharesPerTxMax} values (sealedSharesPerTxMax); this one has ${shares.length}. Send the rest in another.`,
    );
  const seenVersions = new Set<string>();
  return shares.map((item) => {
    if (!isPlainObject(item)) throw botError('MALFORMED', 'Each share is a map { key, tx, keys }.');
    onlyFields(item, ['key', 'tx', 'keys'], 'share');
    const key = checkDataKey(item.key);
    if (typeof item.tx !== 'string' || !txIdPattern.test(item.tx))
      throw botError(
        'BAD_FIELD_TYPE',
        'A share names its version as a transaction id (64 hex digits).',
      );
    // a version is one transaction: the same tx under two keys is refused too
    if (seenVersions.has(item.tx))
      throw botError(
        'BAD_REQUEST',
        `The version ${item.tx.slice(0, 12)}… of "${key}" is shared twice in one data.share.`,
      );
    seenVersions.add(item.tx);
    if (!Array.isArray(item.keys) || item.keys.length === 0)
      throw botError('BAD_FIELD_TYPE', 'A share carries a non-empty list of wrapped keys.');
    if (item.keys.length > limits.sealedValueHoldersMax)
      throw botError(
        'TOO_LARGE',
        `A share adds ${item.keys.length} wraps; a value has at most ${limits.sealedValueHoldersMax} (sealedValueHoldersMax).`,
      );
    const readers = new Set<string>();
    const keys = item.keys.map((raw) => {
      const wrap = checkWrappedKey(raw);
      if (readers.has(wrap.reader))
        throw botError(
          'BAD_REQUEST',
          `${wrap.reader} appears twice among the shared keys of "${key}".`,
        );
      readers.add(wrap.reader);
      return wrap;
    });
    return { key, tx: item.tx, keys };
  });
}

/** The holders of `key`'s read role with a published key that hold no wrap of `entry`. */
export function holdersMissing(
  rights: RightsState | undefined,
  bindings: ReadonlyMap<string, KeyBinding> | undefined,
  key: string,
  entry: SealedIndexEntry,
): string[] {
  const role = readRoleOf(rights, key);
  if (!role) return [];
  return [...new Set(role.dids)]
    .filter((did) => bindings?.has(did) && !entry.readers.includes(did))
    .sort();
}

/** The refusal of one share on the state before the block, or null. */
function shareError(
  rights: RightsState | undefined,
  bindings: ReadonlyMap<string, KeyBinding> | undefined,
  data: SealedVersions | undefined,
  from: string,
  share: SealedShare,
): BotError | null {
  const version = sealedVersionOf(data, share.key, share.tx);
  if (!version) {
    const now = data?.sealed.get(share.key);
    if (!now && !data?.earlier?.has(share.key))
      return botError(
        'NOT_FOUND',
        `No sealed value is under "${share.key}" now or among its kept earlier versions (absent, or written plainly); there is nothing to share.`,
      );
    return botError(
      'BAD_REQUEST',
      `${share.tx.slice(0, 12)}… is neither the current version of "${share.key}"${now ? ` (${now.tx.slice(0, 12)}…)` : ''} nor one of its ${limits.sealedVersionsKeptMax} newest earlier sealed versions (sealedVersionsKeptMax); share one of those.`,
    );
  }
  const entry = version.entry;
  const role = readRoleOf(rights, share.key);
  if (!role)
    return botError(
      'BAD_REQUEST',
      `"${share.key}" is under no read role any more; its value is not shared by wraps.`,
    );
  if (!role.dids.includes(from) || !entry.readers.includes(from))
    return botError(
      'UNAUTHORIZED',
      `Only a holder of ${role.role} that holds a wrap of the value can share "${share.key}"; ${from} ${role.dids.includes(from) ? 'holds no wrap of it' : 'does not hold the role'}.`,
    );
  const missing = holdersMissing(rights, bindings, share.key, entry);
  const wrong = share.keys.map((k) => k.reader).filter((did) => !missing.includes(did));
  if (wrong.length > 0)
    return botError(
      'BAD_KEY',
      `A share of "${share.key}" adds wraps only for holders of ${role.role} with a published X25519 key that cannot read it yet (${missing.join(', ') || 'nobody'}); not such: ${wrong.join(', ')}.`,
    );
  if (entry.readers.length + share.keys.length > limits.sealedValueHoldersMax)
    return botError(
      'TOO_LARGE',
      `The value under "${share.key}" would be wrapped for ${entry.readers.length + share.keys.length} readers; the limit is ${limits.sealedValueHoldersMax} (sealedValueHoldersMax). A holder writes it again to seal it for the current holders only.`,
    );
  return null;
}

/**
 * Block validity of a data.share, on the state before the block (`rights`: governance,
 * `bindings`: published X25519 keys, `data`: the sealed values now and their kept earlier
 * versions). null when it may be in
 * the block; else the first share's refusal (the whole transaction is left out).
 */
export function sealedShareError(
  rights: RightsState | undefined,
  bindings: ReadonlyMap<string, KeyBinding> | undefined,
  data: SealedVersions | undefined,
  tx: Tx,
): BotError | null {
  if (tx.type !== 'data.share') return null;
  const shares = (tx.body as { shares: SealedShare[] }).shares;
  for (const share of shares) {
    const error = shareError(rights, bindings, data, tx.from, share);
    if (error) return error;
  }
  return null;
}
