// window.bot: road conditions among vehicles through a consortium of ITS providers (issue 20;
// Y.4464 II.3). Types only, as worker/api.ts.
import type { StateProofView } from './api-common';

/** A point of the bundled road network: metres in its plane, and latitude/longitude. */
export interface ItsPointView {
  x: number;
  y: number;
  lat: number;
  lon: number;
}

export interface ItsSegmentView {
  id: string;
  name: string;
  limitKmh: number;
  from: ItsPointView;
  to: ItsPointView;
}

/** The road network every ITS chain matches observations to (bundled with the app). */
export interface ItsNetworkView {
  name: string;
  segments: ItsSegmentView[];
}

/** The road state of a segment: its latest window (see worker/core/modules/its/types.ts). */
export interface ItsConditionView {
  segment: string;
  name: string;
  limitKmh: number;
  window: number;
  /** Window start and end (ms since 1970). */
  from: number;
  to: number;
  /** Distinct vehicles (trips) counted, and observations rejected as implausible. */
  trips: number;
  rejected: number;
  speedMedianKmh: number | null;
  speedMeanKmh: number | null;
  /** 0 free flow, 1 moderate, 2 heavy, 3 standstill. */
  congestionMedian: number | null;
  humidityMeanPct: number | null;
  temperatureMeanC: number | null;
  /** Mean engine rpm of the counted vehicles whose OBD-II adapter gave one (absent: none did). */
  engineRpmMean?: number;
  settled: boolean;
  height: number;
  /**
   * Who reported the window: per provider (the root of the trip keys' certificates), its vehicles
   * counted and the provider's trust (0..100, from the trust contract). Empty on a light peer,
   * which reads the segment's summary only.
   */
  reporters: ItsReporterView[];
  /** The lowest trust (0..100) the trust contract gave a counted trip of the window (null: none, or a light peer). */
  trustMin: number | null;
}

export interface ItsReporterView {
  provider: string;
  trips: number;
  trust: number;
}

/** A provider of the consortium and its trust record in the trust contract (agreeing and refused observations). */
export interface ItsProviderView {
  did: string;
  ok: number;
  bad: number;
  /** 0..100: 100 with no record yet. */
  trust: number;
}

/** Where the road conditions are read around (a phone's position). */
export interface ItsNear {
  lat: number;
  lon: number;
  /** Metres (absent: itsNearRadiusDefaultM; at most itsNearRadiusMaxM). */
  radiusM?: number;
}

export interface ItsConditionsView {
  /** Height of the state read. */
  height: number;
  windowMs: number;
  /** Whether the chain has ITS providers at all. */
  enabled: boolean;
  conditions: ItsConditionView[];
  /** The consortium's providers with their trust (each condition's reporters point here). */
  providers: ItsProviderView[];
  /** The read was limited to the segments near this point (null: every segment). */
  near: ItsNear | null;
  /** The read was limited to these segments (absent: not limited by name). */
  segments?: string[];
  /** Read by a light peer: every condition and trust record is proven against a verified header. */
  proven: boolean;
}

/** One segment's condition with the Merkle proof of its its/seg/<segment> entry. */
export interface ItsConditionProofView {
  condition: ItsConditionView | null;
  proof: StateProofView | null;
}

/** An observation this vehicle sent, with the chain's verdict once committed. */
export interface ItsSentView {
  txId: string;
  segment: string;
  speedKmh: number;
  /** The engine's mean rpm over the segment (an OBD-II adapter was connected), or null. */
  rpm: number | null;
  /** pending: not yet committed here; counted; rejected (implausible); not-counted (a duplicate, late or full window); failed (in a block but failed in execution: reason is its error code). */
  status: 'pending' | 'counted' | 'rejected' | 'not-counted' | 'failed';
  reason: string | null;
}

/** The Drive mode's figures (a vehicle's trip). */
export interface ItsDriveView {
  active: boolean;
  /** The trip key (a pseudonym: a did:key certified by the provider, not this peer's did). */
  trip: string | null;
  /** Certified trip keys not used yet (one per trip). */
  certificatesLeft: number;
  /** Trip keys made and waiting for the provider's certificates. */
  uncertified: number;
  /** The provider that certified this vehicle's latest trip keys (null: none yet). */
  provider: string | null;
  segment: { id: string; name: string; limitKmh: number } | null;
  speedKmh: number | null;
  humidityPct: number | null;
  temperatureC: number | null;
  /** Observations handed to the chain, and those waiting in the queue (offline). */
  sent: number;
  queued: number;
  online: boolean;
  /** The last observations sent, newest first (at most 20), with their verdicts. */
  recent: ItsSentView[];
  /** Tokens the chain paid this vehicle's trip keys (their balances, with the final ones of the trips dropped, its-trips.ts). */
  reward: number;
  symbol: string | null;
  lastError: string | null;
}

/** One position (and sensor readings) of a vehicle, from the page's Geolocation watch and devices. */
export interface ItsReport {
  lat: number;
  lon: number;
  /** Speed from the GPS or the OBD-II adapter (km/h); absent: from the positions. */
  speedKmh?: number;
  humidityPct?: number;
  temperatureC?: number;
  /** Engine speed from the OBD-II adapter (rpm, 0 to itsEngineRpmMax); the observation carries the segment's mean. */
  rpm?: number;
  /** Reported accuracy (m); a position worse than itsAccuracyMaxM is not matched. */
  accuracyM?: number;
}

export interface ItsMethods {
  /** The bundled road network. */
  itsNetwork(): Promise<ItsNetworkView>;
  /**
   * Every segment's latest road state (a city dashboard, the live map); with `near`, the segments
   * within its radius only (a light peer reads only those, each with a proof, and needs `near`).
   * With `segments` (a full peer), those segments only: what a live map reads after an `its`
   * event named the segments a block touched (at most itsSegmentsReadMax).
   */
  itsConditions(near?: ItsNear | null, segments?: string[]): Promise<ItsConditionsView>;
  /** One segment's road state with its Merkle proof (what a light peer checks against a header). */
  itsCondition(segment: string): Promise<ItsConditionProofView>;
  /** Vehicle: make `count` fresh trip keys; returns the request code to hand to the provider. */
  itsTripKeys(count: number): Promise<{ request: string; keys: number }>;
  /** Provider: certify the trip keys of a request for a vehicle (its name stays on this peer). */
  itsCertify(request: string, vehicle: string): Promise<{ certificates: string; trips: number }>;
  /** Vehicle: store the provider's certificates for its trip keys. */
  itsAddCertificates(certificates: string): Promise<{ certified: number }>;
  /** Vehicle: start a trip with the next certified trip key. */
  itsStartTrip(): Promise<ItsDriveView>;
  /** Vehicle: stop the trip (the last segment's observation goes into the queue). */
  itsStopTrip(): Promise<ItsDriveView>;
  /** Vehicle: one position during a trip (map-matched to a segment). */
  itsReport(report: ItsReport): Promise<ItsDriveView>;
  /** Vehicle: the Drive mode's figures. */
  itsDrive(): Promise<ItsDriveView>;
  /** Provider: revoke every trip key certified for a vehicle. */
  itsRevoke(vehicle: string): Promise<{ txId: string; trips: number }>;
  /** Settle the windows that have ended and are corroborated (pays the agreeing vehicles). */
  itsSettle(): Promise<{ settled: Array<{ segment: string; window: number; txId: string }> }>;
}

export const itsMethodNames = [
  'itsNetwork',
  'itsConditions',
  'itsCondition',
  'itsTripKeys',
  'itsCertify',
  'itsAddCertificates',
  'itsStartTrip',
  'itsStopTrip',
  'itsReport',
  'itsDrive',
  'itsRevoke',
  'itsSettle',
] as const;
