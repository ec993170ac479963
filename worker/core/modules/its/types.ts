// Road-condition exchange among vehicles through a consortium of ITS providers (issue 20;
// Y.4464 II.3; R-7.2.3-c). Transactions:
//   its.observe { cert?, segment, speedKmh, congestion, humidityPct?, temperatureC?, rpm? }
//       from a trip key: one observation of one road segment; its time window is the signed
//       tx.time's (floor(time / windowMs)). rpm: the engine's mean speed over the segment when
//       an OBD-II adapter was connected (0 to itsEngineRpmMax). The trip's first observation carries the provider's
//       certificate of the trip key (./certificate.ts); later ones may omit it.
//   its.revoke { trips }   a provider revokes trip keys it certified (or will certify)
//   its.settle { segment, window }   anyone: after the window ends, pays every counted
//       observation that agrees with the window's median speed (the chain's reward, from the
//       certifying provider's account to the trip key's), and marks the others as outliers.
// An observation that passes the body rules but fails a plausibility rule (speed against the
// segment's limit, a jump between a trip's consecutive observations, a time far from the
// block's, humidity or temperature out of range) still commits: it is recorded as rejected
// with its reason, counts against the trip's trust, and does not count toward the road state.
// A trip with itsTripFlagRejectionsMin rejections (implausible or outlier) is flagged: its
// later observations are recorded as rejected ("flagged").
// State (prefix "its/"): its/trip/<did>, its/win/<segment>/<window>, its/seg/<segment> (the
// latest window's summary: what a map reads, one key and one proof per segment),
// its/obs/<txId> (the verdict of one observation), its/meta (the block time of the last
// pruning of memory, so that a reloaded peer prunes alike).

import type { PersistentMap } from '../../persistent-map';

export const itsTxTypes = ['its.observe', 'its.revoke', 'its.settle'] as const;
export type ItsTxType = (typeof itsTxTypes)[number];

export const itsTripPrefix = 'its/trip/';
export const itsWindowPrefix = 'its/win/';
export const itsSegmentPrefix = 'its/seg/';
export const itsObservationPrefix = 'its/obs/';
export const itsMetaKey = 'its/meta';

/** The ITS settings of a genesis (Genesis.its). Policies its.providers, its.reward and its.corroborationMin override them. */
export interface ItsGenesis {
  /** The consortium's providers (did:key): they certify trips and revoke them. */
  providers: string[];
  /** Length of an observation window (ms; absent: limits.itsWindowMsDefault). */
  windowMs?: number;
  /** Base units paid per agreeing observation at settlement (absent: 0). */
  reward?: number;
  /** Distinct trips a window needs before it can be settled (absent: 2). */
  corroborationMin?: number;
  /**
   * The deployed trust contract whose plausibility and corroboration verdicts count (absent: the
   * module's own rules). A provider deploys it (./trust-contract.ts); the policy its.contract overrides.
   */
  contract?: string;
}

export type RejectionReason =
  | 'speed'
  | 'jump'
  | 'time-backwards'
  | 'future'
  | 'stale'
  | 'humidity'
  | 'temperature'
  | 'flagged';

/** Why an observation that is not rejected still does not count toward its window. */
export type NotCountedReason = 'duplicate' | 'settled' | 'full';

export interface ItsTrip {
  provider: string;
  expires: number;
  revoked: boolean;
  accepted: number;
  /** Implausible observations and outliers found at settlement. */
  rejected: number;
  paid: number;
  /** Segment and time of the last accepted observation (the jump rule compares with it). */
  lastSegment: string | null;
  lastTime: number;
  /** Trust (0..100) the trust contract gave at the trip's last observation (absent: no contract). */
  trust?: number;
}

export interface ItsSample {
  trip: string;
  speedKmh: number;
  congestion: number;
  tx: string;
}

export interface ItsWindow {
  segment: string;
  window: number;
  samples: ItsSample[];
  humiditySum: number;
  humidityCount: number;
  temperatureSum: number;
  temperatureCount: number;
  /** Sum and count of the counted observations' engine rpm (absent until one carries it). */
  rpmSum?: number;
  rpmCount?: number;
  /** Observations of the window that did not count (not rejected: duplicates, late, full). */
  notCounted: number;
  rejected: number;
  /** Height of the settlement, or -1. */
  settledAt: number;
  /** Trips paid and outliers found at settlement. */
  paid: string[];
  outliers: string[];
}

/** The road state of a segment: its latest window, summarised (what a map shows). */
export interface SegmentCondition {
  segment: string;
  window: number;
  /** Start and end of the window (ms). */
  from: number;
  to: number;
  /** Distinct trips counted, and observations rejected in the window. */
  trips: number;
  rejected: number;
  speedMedianKmh: number | null;
  speedMeanKmh: number | null;
  congestionMedian: number | null;
  humidityMeanPct: number | null;
  temperatureMeanC: number | null;
  /** Mean engine rpm of the counted observations that carried one (absent: none did). */
  engineRpmMean?: number;
  settled: boolean;
  /** Block height of the last change. */
  height: number;
}

/** The verdict of one observation. */
export interface ObservationRecord {
  trip: string;
  segment: string;
  window: number;
  status: 'counted' | 'rejected' | 'not-counted';
  reason: RejectionReason | NotCountedReason | null;
  speedKmh: number;
  congestion: number;
  /** The engine rpm the observation carried (absent: none). */
  rpm?: number;
  time: number;
  height: number;
}

/**
 * What the core keeps in memory between blocks: caches of the state trie's its/ entries (the trie
 * is the source of truth; itsFromEntries rebuilds them). Persistent maps: a block's finish shares
 * every entry it did not touch with the state before it, which stays as it was.
 */
export interface ItsState {
  /** The providers in force after the last block the module worked in (admission reads it). */
  readonly providers: readonly string[];
  /**
   * Trips in memory: each is forgotten with the last window its samples can be in (when that
   * window is past its keep, ./trip-memory.ts); revoked-ahead ones are kept.
   */
  readonly trips: PersistentMap<ItsTrip>;
  /** The trips in memory by their last window number (decimal), each list sorted. */
  readonly tripsByWindow: PersistentMap<readonly string[]>;
  /**
   * Windows in memory, by "<segment>/<window>": every window, settled or not, is forgotten when
   * its end is itsWindowKeepMs before the block (it stays in the state trie; it can no longer
   * change: its observations are stale and its settlement time is over).
   */
  readonly windows: PersistentMap<ItsWindow>;
  /** The latest window of each segment that has one. */
  readonly latest: PersistentMap<number>;
  /**
   * The windows in memory by their window number (decimal), each list sorted: the ones to forget
   * when their window's end is itsWindowKeepMs old, found without visiting the others.
   */
  readonly byWindow: PersistentMap<readonly string[]>;
  /** Windows numbered up to this one are forgotten (null: none yet). */
  readonly forgottenThrough: number | null;
  /**
   * The unsettled windows in memory with at least the genesis's corroborationMin trips counted,
   * by key, each with its window number: what a settlement may be due for, found without
   * visiting the windows that are settled or lack vehicles (itsSettle on the host).
   */
  readonly corroborated: PersistentMap<number>;
  /** The count of trips `corroborated` holds windows from: the genesis's corroborationMin. */
  readonly corroboratedMin: number;
}

export function windowKey(segment: string, window: number): string {
  return `${segment}/${window}`;
}
