// A vehicle's trip keys and its trips, bounded (issue 20): a phone that drives daily for a year
// keeps the trips that can still change (running, with observations queued or waiting for their
// verdict or their window's settlement) and the itsTripsKept newest finished ones; an older
// finished trip is dropped with its key and sealed seed, its final reward added to the Drive
// page's earlier total (persisted with the drive state). A trip is finished when it is stopped,
// none of its observations is queued, and nothing of it can change on the chain any more: every
// observation it sent has its verdict (counted, rejected, not counted, failed) and the window of
// every counted one is settled, or its last window ended more than itsWindowKeepMs (plus the
// clock skew the chain allows) ago, after which no block takes its observations or settles it.
import { fromHex, toHex } from '../core/bytes';
import { decodeTx } from '../core/tx';
import {
  decodeObservation,
  decodeWindow,
  itsClockSkewMaxMs,
  itsObservationPrefix,
  itsWindowKeepMs,
  itsWindowPrefix,
  windowKey,
} from '../core/modules/its';
import { decodeTxFailure, failurePrefix } from '../core/ledger';
import type { Storage } from '../store/storage';
import { SecretMeta, type SecretBox } from './keys-at-rest';
import { itsTripsCheckedMax, itsTripsKept } from './its-limits';

/** A trip key: its seed is kept apart, sealed at rest (tripSeedsMeta), and joined on load. */
export interface StoredKey {
  seed: string;
  did: string;
  cert: { provider: string; expires: number; sig: string; chain: string } | null;
  used: boolean;
}

/** A trip this vehicle drove (or drives): what decides whether it may be dropped. */
export interface TripRecord {
  did: string;
  stopped: boolean;
  /** Observations sealed with the trip key (-1: unknown, a trip from before trip records). */
  observations: number;
  /** End of the window of its last observation (ms), or of the trip's start when it has none. */
  lastWindowEnd: number;
  /** Found with every verdict in and every counted window settled (tripSettled): not read again. */
  settled?: boolean;
}

/** One observation the vehicle sent, as the drive state lists it (newest first). */
export interface SentRecord {
  txId: string;
  segment: string;
  speedKmh: number;
  rpm?: number;
  /** The trip key and window (absent in a drive state saved before trip records). */
  trip?: string;
  window?: number;
}

/** What the bound reads of the committed chain (ItsVehicleLedger's entries and balances). */
export interface TripLedger {
  entry(key: string): Promise<Uint8Array | undefined>;
  balance(did: string): Promise<number>;
}

const keysMeta = 'its/keys';
/** The trip keys' seeds by did, each sealed on its own under the at-rest key (SecretMeta). */
const tripSeedsMeta = 'its/trip-seeds';

/** The trip keys in meta (without seeds) and their seeds sealed beside them. */
export class TripKeyStore {
  /** The opened seeds (one decryption per key per service, not per call). */
  private seeds: Record<string, Uint8Array> | undefined;
  /** The stored keys (without seeds), once read. */
  private stored: Array<Partial<StoredKey>> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly box: SecretBox | undefined,
  ) {}

  private secrets(): SecretMeta {
    return new SecretMeta(this.storage, this.box);
  }

  /** The trip keys with their seeds; a record from before sealing is moved to the sealed map. */
  async all(): Promise<StoredKey[]> {
    // Kept once read (only put writes them): sealing an observation reads no storage.
    this.stored ??= (await this.storage.getMeta<Array<Partial<StoredKey>>>(keysMeta)) ?? [];
    const stored = this.stored;
    this.seeds ??= await this.secrets().getMap(tripSeedsMeta);
    const seeds = this.seeds;
    const keys = stored.map((k) => ({
      ...k,
      seed: typeof k.seed === 'string' ? k.seed : toHex(seeds[k.did!] ?? new Uint8Array()),
    })) as StoredKey[];
    if (stored.some((k) => typeof k.seed === 'string')) await this.put(keys);
    return keys;
  }

  /** The keys without their seeds in meta, the seeds sealed beside them (seeds first). */
  async put(keys: StoredKey[]): Promise<void> {
    const seeds: Record<string, Uint8Array> = {};
    for (const k of keys) seeds[k.did] = fromHex(k.seed);
    await this.secrets().putMap(tripSeedsMeta, seeds);
    this.seeds = seeds;
    const stored = keys.map(({ seed: _seed, ...rest }) => rest);
    await this.storage.putMeta(keysMeta, stored);
    this.stored = stored;
  }
}

/**
 * Whether a trip's last window ended so long ago that no block takes its observations (stale) or
 * settles its windows any more (the chain's block time is wall time within the clock skew).
 */
export function tripOutlived(trip: TripRecord, now: number): boolean {
  return now > trip.lastWindowEnd + itsWindowKeepMs + itsClockSkewMaxMs;
}

/**
 * Whether every observation of a stopped trip (none queued) has its verdict in a block, and the
 * window of every counted one is settled (its reward paid).
 */
export async function tripSettled(
  trip: TripRecord,
  sent: readonly SentRecord[],
  ledger: TripLedger,
): Promise<boolean> {
  if (trip.observations === 0) return true;
  const mine = sent.filter((s) => s.trip === trip.did);
  // Some of its observations fell off the sent list (or predate trip records): wait for the time.
  if (mine.length !== trip.observations) return false;
  for (const s of mine) {
    const bytes = await ledger.entry(itsObservationPrefix + s.txId);
    if (!bytes) {
      if (await ledger.entry(failurePrefix + s.txId)) continue; // failed in its block: final
      return false; // not committed yet
    }
    const record = decodeObservation(bytes);
    if (record.status !== 'counted') continue;
    const win = await ledger.entry(itsWindowPrefix + windowKey(record.segment, record.window));
    if (!win || decodeWindow(win).settledAt < 0) return false; // its reward is still to come
  }
  return true;
}

/** What pruneTrips changed: the trips and keys to drop and the reward they had earned. */
export interface TripsPruned {
  dropped: string[];
  reward: number;
}

/**
 * Picks the finished trips older than the itsTripsKept newest finished ones. Never picks the
 * running trip, a trip with a queued observation, or one whose verdicts or settlements are still
 * to come. A trip past the keep time needs no read; at most itsTripsCheckedMax others are checked
 * through the ledger per call (each check may read proofs on a light peer), oldest first, and
 * one not checked counts as unfinished (so at least itsTripsKept finished trips stay).
 */
export async function finishedTripsToDrop(
  trips: readonly TripRecord[],
  queue: readonly string[],
  sent: readonly SentRecord[],
  ledger: TripLedger,
  now: number,
): Promise<TripsPruned> {
  const stopped = trips.filter((t) => t.stopped);
  if (stopped.length <= itsTripsKept) return { dropped: [], reward: 0 };
  const queued = new Set(queue.map((hex) => decodeTx(fromHex(hex)).from));
  const finished: TripRecord[] = [];
  let reads = 0;
  for (const trip of stopped) {
    if (queued.has(trip.did)) continue;
    if (trip.settled || tripOutlived(trip, now)) finished.push(trip);
    else if (reads++ < itsTripsCheckedMax && (await tripSettled(trip, sent, ledger))) {
      trip.settled = true; // saved with the drive state
      finished.push(trip);
    }
  }
  const drop = finished.slice(0, Math.max(0, finished.length - itsTripsKept));
  let reward = 0;
  for (const trip of drop) reward += await ledger.balance(trip.did);
  return { dropped: drop.map((t) => t.did), reward };
}

/**
 * Trip records for a drive state saved before they existed: one per used key (the current trip
 * running), observations unknown, their last window taken as `now` (so they wait out the keep
 * time unless settled sooner).
 */
export function tripsFromUsed(used: readonly string[], current: string | null, now: number) {
  return used.map(
    (did): TripRecord => ({ did, stopped: did !== current, observations: -1, lastWindowEnd: now }),
  );
}
