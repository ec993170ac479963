// Named bounds of the ITS host service (worker/host/its.ts).
import { itsRevokeTripsMax } from '../core/modules/its/limits';

/** Trip keys a vehicle asks its provider to certify at once (one per trip). */
export const itsTripKeysMax = 32;
/** A vehicle's name in the provider's register (stays on the provider's peer). */
export const itsVehicleNameLengthMax = 64;
/** Signed observations waiting for the network, at most (a day of driving at one per minute is 1,440). */
export const itsQueueMax = 2_000;
/** How often a waiting queue is tried again while offline (ms). */
export const itsFlushIntervalMs = 5_000;
/** Observations whose verdicts the Drive page shows. */
export const itsRecentShown = 20;
/** Observations the trip remembers having sent (the Drive page's count). */
export const itsSentKept = 1_000;
/** Settlements one itsSettle sends, at most. */
export const itsSettlePerCallMax = 16;
/** A position less accurate than this (m) is not map-matched. */
export const itsAccuracyMaxM = 50;
/** Road conditions near a position: the radius when none is given, and the largest (m). */
export const itsNearRadiusDefaultM = 500;
export const itsNearRadiusMaxM = 5_000;
/** Segments a light peer reads (one proof each) per call of itsConditions, nearest first. */
export const itsLightSegmentsMax = 12;
/** Segments one itsConditions call may name (`segments`: the map's read after a block touched them). */
export const itsSegmentsReadMax = 64;
/**
 * Finished trips a vehicle keeps (their keys, sealed seeds and records); older finished ones are
 * dropped, their reward kept in the Drive page's total. A trip still running, with observations
 * queued, or with verdicts or settlements to come is never dropped.
 */
export const itsTripsKept = 32;
/**
 * Trips within the keep time whose verdicts and settlements one pruning reads from the chain (one
 * found settled is not read again); at least itsTripsKept, so a busy day's settled trips can go.
 */
export const itsTripsCheckedMax = 64;
/** Trip keys the provider's register keeps per vehicle for revocation (the newest; its.revoke's bound). */
export const itsVehicleTripsKept = itsRevokeTripsMax;
