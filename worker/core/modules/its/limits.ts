// Named bounds of the road-condition exchange (issue 20; Y.4464 II.3). Pure.

/** Speed a vehicle may report at all (km/h, whole number); above is bad input, not a lie. */
export const itsSpeedKmhMax = 300;
/** Congestion levels: 0 free flow, 1 moderate, 2 heavy, 3 standstill. */
export const itsCongestionLevelMax = 3;
/** Road temperature range a sensor may report (whole °C). */
export const itsTemperatureCMin = -60;
export const itsTemperatureCMax = 80;
/**
 * Engine speed an observation may carry (whole rpm): the ceiling of OBD-II PID 0C (16,383.75
 * rpm, rounded down); above is bad input, not a lie.
 */
export const itsEngineRpmMax = 16_383;
/** Relative humidity range (whole %). */
export const itsHumidityPctMax = 100;

/** Plausibility: a speed above the segment's limit by more than this (km/h) is rejected. */
export const itsOverLimitKmhMax = 60;
/** Plausibility: a trip may not move between two observations faster than this (km/h). */
export const itsJumpSpeedKmhMax = 200;
/** Plausibility: an observation's time may be ahead of the block's time by at most this. */
export const itsClockSkewMaxMs = 60_000;
/** Plausibility: an observation older than this (by block time) is rejected (a queue held too long). */
export const itsObservationAgeMaxMs = 24 * 60 * 60 * 1000;

/** Samples one segment-window keeps (the median is exact over them; later ones are not counted). */
export const itsWindowSamplesMax = 64;
/** Trips a provider may revoke in one its.revoke. */
export const itsRevokeTripsMax = 64;
/** Rejections (implausible or outlier) after which a trip is flagged: its observations no longer count. */
export const itsTripFlagRejectionsMin = 3;
/** A certificate's validity, at most (a trip key lives for one trip, not for months). */
export const itsCertificateLifetimeMaxMs = 7 * 24 * 60 * 60 * 1000;
/** Providers a chain's consortium may name (genesis or the its.providers policy). */
export const itsProvidersMax = 32;

/** Window length when the genesis names none (ms). */
export const itsWindowMsDefault = 5 * 60 * 1000;
/** Shortest and longest window a genesis may set (ms). */
export const itsWindowMsMin = 1_000;
export const itsWindowMsMax = 60 * 60 * 1000;
/** Distinct trips a window needs before its observations are paid (default of the policy). */
export const itsCorroborationMinDefault = 2;
/** Agreement with the median: within this many km/h, or this percentage of the median, whichever is larger. */
export const itsAgreementKmh = 10;
export const itsAgreementPct = 25;
/** Reward of an agreeing observation, base units (default of the policy; 0: no rewards). */
export const itsRewardDefault = 0;
/** Largest reward a genesis or policy may set per observation. */
export const itsRewardMax = 1_000_000;
/**
 * A window may be settled until this long after its end (later: BAD_REQUEST); then it is
 * forgotten in memory, settled or not (kept in the state trie). Its observations are stale by
 * then (itsObservationAgeMaxMs), so it can no longer change.
 */
export const itsWindowKeepMs = itsObservationAgeMaxMs;
/** Map matching: a position farther than this from every segment matches none (m). */
export const itsMatchDistanceMaxM = 40;
/** Segment identifiers in the road network: 1 to this many characters. */
export const itsSegmentIdLengthMax = 32;
/** Map matching: the previous segment is kept while at most this much farther than the nearest (m). */
export const itsMatchStickyM = 10;
