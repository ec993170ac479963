// Which trips the core keeps in memory (issue 20): a trip is needed only while something valid
// can still read it. Pure: a function of the trips and the block time, so every peer, and a peer
// rebuilt from its stored entries, keeps the same ones.
//
// A trip's record is read by its own observations (admission, the jump and flag rules), by the
// settlement of a window holding one of its samples, and by a revocation. Its observations are
// refused once its certificate expired (block time past `expires`); a counted sample's time is at
// most the block's plus itsClockSkewMaxMs (the module holds that whatever a trust contract says),
// so every window holding one is numbered at most `lastWindowOf(trip)`. Once that window is
// past its keep (forgottenThroughAt), no block settles any of them, and the trip can send
// nothing: it is forgotten with its last window, at the same block on every peer. It stays in
// the state trie. What changes for a forgotten trip: an observation without a certificate is
// not admitted (NOT_MEMBER) instead of failing as expired in a block; one with its old
// certificate fails as expired as before (one with a new certificate of its provider starts a
// fresh trip, as a new trip key would); a revocation records it as revoked ahead.
// Kept for ever: trips revoked ahead (never observed, `expires` 0), which block a certificate
// whose expiry the chain does not know; they come from providers' revocations, not traffic.
import type { PersistentMap } from '../../persistent-map';
import { itsClockSkewMaxMs } from './limits';
import type { ItsTrip } from './types';

/** The trips in memory and their index by last window number (decimal keys, sorted lists). */
export interface TripMaps {
  trips: PersistentMap<ItsTrip>;
  tripsByWindow: PersistentMap<readonly string[]>;
}

/** A trip revoked ahead of its first observation: no expiry known, kept for ever. */
export function revokedAhead(trip: ItsTrip): boolean {
  return trip.revoked && trip.expires === 0;
}

/** The last window any of the trip's counted samples can be in (see above). */
export function lastWindowOf(trip: ItsTrip, windowMs: number): number {
  return Math.floor((trip.expires + itsClockSkewMaxMs) / windowMs);
}

/**
 * The window numbers that expire when the keep moves from `before` (null: never pruned) to
 * `through`: those in between, or the index's own numbers up to `through` when it holds fewer
 * (a chain idle for long, or the first pruning).
 */
export function expiringWindows(
  index: PersistentMap<readonly string[]>,
  before: number | null,
  through: number,
): number[] {
  return before === null || through - before > index.size
    ? [...index.keys()].map(Number).filter((window) => window <= through)
    : Array.from({ length: through - before }, (_, i) => before + 1 + i);
}

/** `index` with `key` in the sorted list of `window` (an index of keys by window number). */
export function withKey(
  index: PersistentMap<readonly string[]>,
  window: number,
  key: string,
): PersistentMap<readonly string[]> {
  const keys = index.get(String(window)) ?? [];
  if (keys.includes(key)) return index;
  return index.set(String(window), [...keys, key].sort());
}

/**
 * The trips after `changes`, with every trip whose last window is numbered `through` or less
 * forgotten. `before` is the `through` of the last pruning (null: none yet): only the window
 * numbers between are visited (or the index itself when that is fewer).
 */
export function tripsAfter(
  maps: TripMaps,
  changes: Iterable<readonly [string, ItsTrip]>,
  windowMs: number,
  before: number | null,
  through: number,
): TripMaps {
  let { trips, tripsByWindow } = maps;
  for (const [did, trip] of changes) {
    if (revokedAhead(trip)) {
      trips = trips.set(did, trip);
      continue;
    }
    const last = lastWindowOf(trip, windowMs);
    if (last <= through) {
      // Revoked in the block its last window expired in, or a reload's old trip.
      trips = trips.delete(did);
      continue;
    }
    trips = trips.set(did, trip);
    tripsByWindow = withKey(tripsByWindow, last, did);
  }
  if (!Number.isFinite(through) || (before !== null && through <= before))
    return { trips, tripsByWindow };
  for (const window of expiringWindows(tripsByWindow, before, through)) {
    const dids = tripsByWindow.get(String(window));
    if (!dids) continue;
    for (const did of dids) trips = trips.delete(did);
    tripsByWindow = tripsByWindow.delete(String(window));
  }
  return { trips, tripsByWindow };
}
