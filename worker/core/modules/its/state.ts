// The state transition of the ITS transactions (see ./types.ts for the model). Everything is
// checked before anything changes: a refused transaction leaves the overlay as it was. Integer
// inputs, exact sums and sorted samples make every peer's aggregate the same.
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import type { Genesis } from '../../genesis';
import type { Tx } from '../../tx-shape';
import type { PolicyValue } from '../governance';
import type { TokenJournal } from '../tokens';
import type { ContractOverlay } from '../contracts/apply';
import { judgeByContract, settleByContract, type TrustCallContext } from './trust';
import {
  certificateSignatureHolds,
  checkCertificateShape,
  type TripCertificate,
} from './certificate';
import * as L from './limits';
import { PersistentMap } from '../../persistent-map';
import { demoTownNetwork, segmentGapM } from './network';
import { expiringWindows, tripsAfter, withKey } from './trip-memory';
import {
  itsMetaKey,
  itsObservationPrefix,
  itsSegmentPrefix,
  itsTripPrefix,
  itsWindowPrefix,
  windowKey,
  type ItsState,
  type ItsTrip,
  type ItsWindow,
  type NotCountedReason,
  type ObservationRecord,
  type RejectionReason,
  type SegmentCondition,
} from './types';

/** The settings in force for a block: genesis, overridden by governance policies. */
export interface ItsSettings {
  providers: readonly string[];
  windowMs: number;
  reward: number;
  corroborationMin: number;
  /** The trust contract whose verdicts count (./trust.ts), or null: the module's own rules. */
  contract: string | null;
}

export function itsSettingsOf(
  genesis: Genesis,
  policy: (name: string) => PolicyValue | undefined,
): ItsSettings {
  const its = genesis.its;
  const listed = policy('its.providers');
  const providers =
    typeof listed === 'string'
      ? listed
          .split(',')
          .map((did) => did.trim())
          .filter((did) => did.startsWith('did:key:z'))
          .slice(0, L.itsProvidersMax)
      : (its?.providers ?? []);
  const count = (name: string, fallback: number, max: number): number => {
    const value = policy(name);
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max
      ? value
      : fallback;
  };
  return {
    providers,
    windowMs: its?.windowMs ?? L.itsWindowMsDefault,
    reward: count('its.reward', its?.reward ?? L.itsRewardDefault, L.itsRewardMax),
    corroborationMin: Math.max(
      1,
      count('its.corroborationMin', its?.corroborationMin ?? L.itsCorroborationMinDefault, 64),
    ),
    contract: (() => {
      const named = policy('its.contract');
      if (typeof named === 'string') return named === '' ? null : named;
      return its?.contract ?? null;
    })(),
  };
}

export interface ItsOverlay {
  readonly base: ItsState;
  readonly height: number;
  readonly time: number;
  readonly chainId: string;
  /** The settings in force (read when needed: a policy set earlier in the block counts). */
  readonly settings: () => ItsSettings;
  /** A token journal of the block (absent tokens: settlement pays nothing). */
  readonly tokens: () => TokenJournal;
  /** The block's contracts overlay (the trust contract runs in it). */
  readonly contracts: () => ContractOverlay;
  readonly trips: Map<string, ItsTrip>;
  readonly windows: Map<string, ItsWindow>;
  readonly latest: Map<string, number>;
  readonly writes: Map<string, Uint8Array>;
}

export function emptyIts(genesis: Genesis): ItsState {
  return {
    providers: genesis.its?.providers ?? [],
    trips: PersistentMap.empty(),
    tripsByWindow: PersistentMap.empty(),
    windows: PersistentMap.empty(),
    latest: PersistentMap.empty(),
    byWindow: PersistentMap.empty(),
    forgottenThrough: null,
    corroborated: PersistentMap.empty(),
    corroboratedMin: Math.max(1, genesis.its?.corroborationMin ?? L.itsCorroborationMinDefault),
  };
}

function tripIn(overlay: ItsOverlay, did: string): ItsTrip | undefined {
  return overlay.trips.get(did) ?? overlay.base.trips.get(did);
}

/**
 * The trip of a sample in a window not past its keep: always in memory (a trip is forgotten only
 * with the last window its samples can be in, ./trip-memory.ts). Missing: a bug, not bad input.
 */
function sampleTrip(overlay: ItsOverlay, did: string): ItsTrip {
  const trip = tripIn(overlay, did);
  if (!trip) throw new Error(`ITS: the trip ${did} of a window's sample is not in memory`);
  return trip;
}

function windowIn(overlay: ItsOverlay, key: string): ItsWindow | undefined {
  return overlay.windows.get(key) ?? overlay.base.windows.get(key);
}

/** May `did` send on a consortium chain: a live trip, or a trip's first observation with its certificate. */
export function itsAdmits(state: ItsState, chainId: string, did: string, tx?: Tx): boolean {
  const trip = state.trips.get(did);
  if (trip) return !trip.revoked;
  if (tx?.type !== 'its.observe') return false;
  const cert = (tx.body as { cert?: unknown } | null)?.cert;
  if (cert === undefined) return false;
  try {
    const checked = checkCertificateShape(cert);
    return (
      checked.trip === did &&
      state.providers.includes(checked.provider) &&
      certificateSignatureHolds(chainId, checked)
    );
  } catch {
    return false;
  }
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle]!;
  return Math.floor((sorted[middle - 1]! + sorted[middle]!) / 2);
}

function sortedNumbers(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

export function conditionOf(win: ItsWindow, windowMs: number, height: number): SegmentCondition {
  const speeds = sortedNumbers(win.samples.map((s) => s.speedKmh));
  const speedSum = speeds.reduce((sum, s) => sum + s, 0);
  const mean = (sum: number, count: number) =>
    count === 0 ? null : Math.round((sum / count) * 10) / 10;
  return {
    segment: win.segment,
    window: win.window,
    from: win.window * windowMs,
    to: (win.window + 1) * windowMs,
    trips: win.samples.length,
    rejected: win.rejected,
    speedMedianKmh: median(speeds),
    speedMeanKmh: mean(speedSum, speeds.length),
    congestionMedian: median(sortedNumbers(win.samples.map((s) => s.congestion))),
    humidityMeanPct: mean(win.humiditySum, win.humidityCount),
    temperatureMeanC: mean(win.temperatureSum, win.temperatureCount),
    // Only when an observation carried it: a window without rpm encodes as before.
    ...(win.rpmCount ? { engineRpmMean: Math.round((win.rpmSum ?? 0) / win.rpmCount) } : {}),
    settled: win.settledAt >= 0,
    height,
  };
}

function newWindow(segment: string, window: number): ItsWindow {
  return {
    segment,
    window,
    samples: [],
    humiditySum: 0,
    humidityCount: 0,
    temperatureSum: 0,
    temperatureCount: 0,
    notCounted: 0,
    rejected: 0,
    settledAt: -1,
    paid: [],
    outliers: [],
  };
}

/** The trip that sends `tx`: known, or made from the certificate in its body. Throws when it may not send. */
function tripOfSender(overlay: ItsOverlay, tx: Tx, settings: ItsSettings): ItsTrip {
  const known = tripIn(overlay, tx.from);
  const body = tx.body as { cert?: TripCertificate };
  if (known?.revoked)
    throw botError(
      'UNAUTHORIZED',
      'This trip key was revoked by its ITS provider; its observations are refused. Ask your provider.',
    );
  let trip = known;
  if (!trip) {
    if (!body.cert)
      throw botError(
        'BAD_CERTIFICATE',
        'The first observation of a trip must carry the trip certificate from your ITS provider.',
      );
    const cert = body.cert;
    if (cert.trip !== tx.from)
      throw botError('BAD_CERTIFICATE', 'The certificate is for another trip key than the sender.');
    if (!settings.providers.includes(cert.provider))
      throw botError(
        'BAD_CERTIFICATE',
        `${cert.provider} is not an ITS provider of this chain's consortium.`,
      );
    if (!certificateSignatureHolds(overlay.chainId, cert))
      throw botError(
        'BAD_CERTIFICATE',
        'The provider’s signature on the trip certificate does not hold.',
      );
    if (cert.expires > overlay.time + L.itsCertificateLifetimeMaxMs)
      throw botError(
        'BAD_CERTIFICATE',
        `The certificate is valid for longer than ${L.itsCertificateLifetimeMaxMs} ms (itsCertificateLifetimeMaxMs); a trip key is for one trip.`,
      );
    trip = {
      provider: cert.provider,
      expires: cert.expires,
      revoked: false,
      accepted: 0,
      rejected: 0,
      paid: 0,
      lastSegment: null,
      lastTime: 0,
    };
  }
  if (trip.expires < overlay.time)
    throw botError(
      'BAD_CERTIFICATE',
      'The trip certificate has expired; start a new trip (a fresh trip key with a new certificate).',
    );
  return trip;
}

/** The plausibility rules: the reason an observation is rejected, or null. */
function implausibility(
  overlay: ItsOverlay,
  tx: Tx,
  trip: ItsTrip,
  body: ObserveBody,
): RejectionReason | null {
  if (trip.rejected >= L.itsTripFlagRejectionsMin) return 'flagged';
  if (tx.time > overlay.time + L.itsClockSkewMaxMs) return 'future';
  if (tx.time < overlay.time - L.itsObservationAgeMaxMs) return 'stale';
  if (trip.lastSegment !== null && tx.time < trip.lastTime) return 'time-backwards';
  const segment = demoTownNetwork.segmentById.get(body.segment)!;
  if (body.speedKmh > segment.limitKmh + L.itsOverLimitKmhMax) return 'speed';
  if (
    body.humidityPct !== undefined &&
    (body.humidityPct < 0 || body.humidityPct > L.itsHumidityPctMax)
  )
    return 'humidity';
  if (
    body.temperatureC !== undefined &&
    (body.temperatureC < L.itsTemperatureCMin || body.temperatureC > L.itsTemperatureCMax)
  )
    return 'temperature';
  if (trip.lastSegment !== null) {
    const gapM = segmentGapM(demoTownNetwork, trip.lastSegment, body.segment);
    const elapsedMs = tx.time - trip.lastTime;
    // gap / elapsed > jump speed, in exact terms: gapM * 3_600_000 > kmh * 1000 * elapsedMs
    if (gapM * 3_600 > L.itsJumpSpeedKmhMax * elapsedMs) return 'jump';
  }
  return null;
}

interface ObserveBody {
  segment: string;
  speedKmh: number;
  congestion: number;
  humidityPct?: number;
  temperatureC?: number;
  rpm?: number;
}

function observe(overlay: ItsOverlay, tx: Tx, txId: string): void {
  const settings = overlay.settings();
  const body = tx.body as ObserveBody;
  const trip = tripOfSender(overlay, tx, settings);
  const window = Math.floor(tx.time / settings.windowMs);
  const key = windowKey(body.segment, window);
  const win = windowIn(overlay, key) ?? newWindow(body.segment, window);
  let rejected: RejectionReason | null;
  let trust = trip.trust;
  if (settings.contract) {
    const verdict = judgeByContract(
      trustCall(overlay, settings),
      settings.contract,
      {
        trip: tx.from,
        provider: trip.provider,
        segment: body.segment,
        limitKmh: demoTownNetwork.segmentById.get(body.segment)!.limitKmh,
        speedKmh: body.speedKmh,
        humidityPct: body.humidityPct ?? null,
        temperatureC: body.temperatureC ?? null,
        time: tx.time,
        gapM:
          trip.lastSegment === null
            ? null
            : segmentGapM(demoTownNetwork, trip.lastSegment, body.segment),
        lastTime: trip.lastTime,
        accepted: trip.accepted,
        rejected: trip.rejected,
      },
      txId,
    );
    rejected = verdict.reason;
    trust = verdict.trust;
  } else rejected = implausibility(overlay, tx, trip, body);
  // A window past its keep is forgotten in memory: nothing may count toward it (the rules above
  // find such an observation stale already; this holds whatever a deployed contract says).
  if (!rejected && pastKeep(window, settings.windowMs, overlay.time)) rejected = 'stale';
  // Nor ahead of the block by more than the skew: a trip is forgotten once the last window its
  // samples can be in is past its keep (./trip-memory.ts), so none may lie beyond it.
  if (!rejected && tx.time > overlay.time + L.itsClockSkewMaxMs) rejected = 'future';
  let notCounted: NotCountedReason | null = null;
  if (!rejected) {
    if (win.samples.some((s) => s.trip === tx.from)) notCounted = 'duplicate';
    else if (win.settledAt >= 0) notCounted = 'settled';
    else if (win.samples.length >= L.itsWindowSamplesMax) notCounted = 'full';
  }
  const counts: ItsTrip = rejected
    ? { ...trip, rejected: trip.rejected + 1 }
    : { ...trip, accepted: trip.accepted + 1, lastSegment: body.segment, lastTime: tx.time };
  const nextTrip: ItsTrip = trust === undefined ? counts : { ...counts, trust };
  const nextWindow: ItsWindow = { ...win };
  if (rejected) nextWindow.rejected += 1;
  else if (notCounted) nextWindow.notCounted += 1;
  else {
    nextWindow.samples = [
      ...win.samples,
      { trip: tx.from, speedKmh: body.speedKmh, congestion: body.congestion, tx: txId },
    ];
    if (body.humidityPct !== undefined) {
      nextWindow.humiditySum += body.humidityPct;
      nextWindow.humidityCount += 1;
    }
    if (body.temperatureC !== undefined) {
      nextWindow.temperatureSum += body.temperatureC;
      nextWindow.temperatureCount += 1;
    }
    if (body.rpm !== undefined) {
      nextWindow.rpmSum = (win.rpmSum ?? 0) + body.rpm;
      nextWindow.rpmCount = (win.rpmCount ?? 0) + 1;
    }
  }
  const record: ObservationRecord = {
    trip: tx.from,
    segment: body.segment,
    window,
    status: rejected ? 'rejected' : notCounted ? 'not-counted' : 'counted',
    reason: rejected ?? notCounted,
    speedKmh: body.speedKmh,
    congestion: body.congestion,
    ...(body.rpm !== undefined ? { rpm: body.rpm } : {}),
    time: tx.time,
    height: overlay.height,
  };
  putTrip(overlay, tx.from, nextTrip);
  putWindow(overlay, key, nextWindow, settings);
  overlay.writes.set(itsObservationPrefix + txId, encode(record));
}

function trustCall(overlay: ItsOverlay, settings: ItsSettings): TrustCallContext {
  return {
    contracts: overlay.contracts,
    tokens: overlay.tokens,
    providers: settings.providers,
    height: overlay.height,
    time: overlay.time,
  };
}

function putTrip(overlay: ItsOverlay, did: string, trip: ItsTrip): void {
  overlay.trips.set(did, trip);
  overlay.writes.set(itsTripPrefix + did, encodeTrip(trip));
}

function putWindow(overlay: ItsOverlay, key: string, win: ItsWindow, settings: ItsSettings): void {
  overlay.windows.set(key, win);
  overlay.writes.set(itsWindowPrefix + key, encode(win));
  const latest = overlay.latest.get(win.segment) ?? overlay.base.latest.get(win.segment) ?? -1;
  if (win.window < latest) return;
  overlay.latest.set(win.segment, win.window);
  overlay.writes.set(
    itsSegmentPrefix + win.segment,
    encode(conditionOf(win, settings.windowMs, overlay.height)),
  );
}

function revoke(overlay: ItsOverlay, tx: Tx): void {
  const settings = overlay.settings();
  if (!settings.providers.includes(tx.from))
    throw botError(
      'UNAUTHORIZED',
      `${tx.from} is not an ITS provider of this chain; only providers revoke trips.`,
    );
  const trips = (tx.body as { trips: string[] }).trips;
  const next = trips.map((did): [string, ItsTrip] => {
    const trip = tripIn(overlay, did);
    if (trip && trip.provider !== tx.from)
      throw botError(
        'UNAUTHORIZED',
        `Trip ${did} was certified by another provider; only it may revoke the trip.`,
      );
    return [
      did,
      trip
        ? { ...trip, revoked: true }
        : // Not seen yet: revoked ahead, so that its certificate is never taken.
          {
            provider: tx.from,
            expires: 0,
            revoked: true,
            accepted: 0,
            rejected: 0,
            paid: 0,
            lastSegment: null,
            lastTime: 0,
          },
    ];
  });
  for (const [did, trip] of next) putTrip(overlay, did, trip);
}

function agrees(speed: number, medianSpeed: number): boolean {
  const tolerance = Math.max(
    L.itsAgreementKmh,
    Math.floor((medianSpeed * L.itsAgreementPct) / 100),
  );
  return Math.abs(speed - medianSpeed) <= tolerance;
}

function settle(overlay: ItsOverlay, tx: Tx, txId: string): void {
  const settings = overlay.settings();
  const { segment, window } = tx.body as { segment: string; window: number };
  const key = windowKey(segment, window);
  // Checked before the window is looked up: memory forgets the windows past their keep.
  if (pastKeep(window, settings.windowMs, overlay.time))
    throw botError(
      'BAD_REQUEST',
      `Window ${window} of segment ${segment} ended more than ${L.itsWindowKeepMs / 3_600_000} h ago (itsWindowKeepMs): it can no longer be settled.`,
    );
  const win = windowIn(overlay, key);
  if (!win || win.samples.length === 0)
    throw botError(
      'NOT_FOUND',
      `Segment ${segment} has no counted observation in window ${window}.`,
    );
  if (win.settledAt >= 0)
    throw botError(
      'BAD_REQUEST',
      `Window ${window} of segment ${segment} was settled at height ${win.settledAt}.`,
    );
  const end = (window + 1) * settings.windowMs;
  if (overlay.time < end)
    throw botError(
      'BAD_REQUEST',
      `Window ${window} of segment ${segment} is open until block time ${end} (ms since 1970); settle it after.`,
    );
  if (win.samples.length < settings.corroborationMin)
    throw botError(
      'BAD_REQUEST',
      `Window ${window} of segment ${segment} has ${win.samples.length} vehicle(s); settlement needs ${settings.corroborationMin} (its.corroborationMin) to corroborate.`,
    );
  const medianSpeed = median(sortedNumbers(win.samples.map((s) => s.speedKmh)))!;
  // With a trust contract, its corroboration decides who agrees (./trust.ts).
  const byContract = settings.contract
    ? settleByContract(
        trustCall(overlay, settings),
        settings.contract,
        {
          segment,
          window,
          samples: win.samples.map((s) => ({
            trip: s.trip,
            provider: sampleTrip(overlay, s.trip).provider,
            speedKmh: s.speedKmh,
          })),
        },
        txId,
      )
    : null;
  const agreeing = (sample: { trip: string; speedKmh: number }) =>
    byContract ? byContract.agree.has(sample.trip) : agrees(sample.speedKmh, medianSpeed);
  const journal = overlay.tokens();
  const paid: string[] = [];
  const outliers: string[] = [];
  const tripUpdates = new Map<string, ItsTrip>();
  for (const sample of win.samples) {
    const trip = tripUpdates.get(sample.trip) ?? sampleTrip(overlay, sample.trip);
    if (!agreeing(sample)) {
      outliers.push(sample.trip);
      tripUpdates.set(sample.trip, { ...trip, rejected: trip.rejected + 1 });
      continue;
    }
    if (trip.revoked || trip.rejected >= L.itsTripFlagRejectionsMin) continue;
    if (
      settings.reward > 0 &&
      journal.hasTokens &&
      journal.balance(trip.provider) >= settings.reward
    ) {
      journal.pay(trip.provider, sample.trip, settings.reward, txId, {
        memo: `ITS reward ${segment}`,
      });
      paid.push(sample.trip);
      tripUpdates.set(sample.trip, { ...trip, paid: trip.paid + settings.reward });
    }
  }
  journal.commit();
  for (const [did, trip] of tripUpdates) putTrip(overlay, did, trip);
  putWindow(overlay, key, { ...win, settledAt: overlay.height, paid, outliers }, settings);
}

export function applyItsTx(overlay: ItsOverlay, tx: Tx, txId: string): void {
  switch (tx.type) {
    case 'its.observe':
      return observe(overlay, tx, txId);
    case 'its.revoke':
      return revoke(overlay, tx);
    case 'its.settle':
      return settle(overlay, tx, txId);
    default:
      throw botError('UNKNOWN_TYPE', `${tx.type} is not an ITS transaction.`);
  }
}

/**
 * The last window number whose settled windows are forgotten at block time `time`: a window is
 * forgotten once its end is more than itsWindowKeepMs before the block, (w + 1) * windowMs +
 * itsWindowKeepMs < time, that is w <= floor((time - itsWindowKeepMs - 1) / windowMs) - 1 (integers).
 */
export function forgottenThroughAt(time: number, windowMs: number): number {
  return Math.floor((time - L.itsWindowKeepMs - 1) / windowMs) - 1;
}

/** Is window `window` past its keep at block time `time` (forgotten in memory, no longer settled)? */
export function pastKeep(window: number, windowMs: number, time: number): boolean {
  return window <= forgottenThroughAt(time, windowMs);
}

/**
 * The windows a settlement is due for at block time `time`: ended, unsettled, not past their
 * keep, with settings.corroborationMin trips counted; at most `max`, in no particular order.
 * Read from the index of corroborated windows, so only those are visited (unless a policy asks
 * for fewer trips than the genesis, which the index counts from: then every window in memory).
 */
export function dueWindows(
  its: ItsState,
  settings: Pick<ItsSettings, 'windowMs' | 'corroborationMin'>,
  time: number,
  max: number,
): ItsWindow[] {
  const due: ItsWindow[] = [];
  const isDue = (win: ItsWindow) =>
    win.settledAt < 0 &&
    win.samples.length >= settings.corroborationMin &&
    (win.window + 1) * settings.windowMs <= time &&
    !pastKeep(win.window, settings.windowMs, time);
  if (settings.corroborationMin < its.corroboratedMin) {
    for (const win of its.windows.values()) {
      if (due.length >= max) break;
      if (isDue(win)) due.push(win);
    }
    return due;
  }
  for (const [key, window] of its.corroborated) {
    if (due.length >= max) break;
    if ((window + 1) * settings.windowMs > time) continue;
    const win = its.windows.get(key)!;
    if (isDue(win)) due.push(win);
  }
  return due;
}

/** The window state's maps after `changes`: indexed by window number, old ones forgotten. */
interface WindowMaps {
  windows: PersistentMap<ItsWindow>;
  byWindow: PersistentMap<readonly string[]>;
  forgottenThrough: number | null;
  corroborated: PersistentMap<number>;
  corroboratedMin: number;
}

/**
 * Puts the changed windows in and forgets every window that ended long ago, settled or not
 * (they stay in the state trie): the same windows as a scan of every window would forget,
 * found through the index by window number, so the work is what the block touched and what
 * expires now. Keeps the index of unsettled, corroborated windows (what may be settled).
 */
function windowsAfter(
  maps: WindowMaps,
  changes: Iterable<readonly [string, ItsWindow]>,
  time: number,
  windowMs: number,
): WindowMaps {
  const through = forgottenThroughAt(time, windowMs);
  let { windows, byWindow, corroborated } = maps;
  for (const [key, win] of changes) {
    if (win.window <= through) {
      // Not reached by a transaction (a window past its keep takes no change); a reload's old ones.
      windows = windows.delete(key);
      corroborated = corroborated.delete(key);
      continue;
    }
    windows = windows.set(key, win);
    byWindow = withKey(byWindow, win.window, key);
    corroborated =
      win.settledAt < 0 && win.samples.length >= maps.corroboratedMin
        ? corroborated.set(key, win.window)
        : corroborated.delete(key);
  }
  const before = maps.forgottenThrough;
  const kept = { windows, byWindow, corroborated, corroboratedMin: maps.corroboratedMin };
  if (!Number.isFinite(through)) return { ...kept, forgottenThrough: before };
  if (before !== null && through <= before) return { ...kept, forgottenThrough: before };
  for (const window of expiringWindows(byWindow, before, through)) {
    const keys = byWindow.get(String(window));
    if (!keys) continue;
    for (const key of keys) {
      windows = windows.delete(key);
      corroborated = corroborated.delete(key);
    }
    byWindow = byWindow.delete(String(window));
  }
  return {
    windows,
    byWindow,
    corroborated,
    corroboratedMin: maps.corroboratedMin,
    forgottenThrough: through,
  };
}

export function finishIts(overlay: ItsOverlay): ItsState {
  const settings = overlay.settings();
  const base = overlay.base;
  const providersChanged = settings.providers.join(',') !== base.providers.join(',');
  const touched = overlay.trips.size > 0 || overlay.windows.size > 0;
  if (!touched && !providersChanged) return base;
  // What a reloaded peer needs to prune and admit alike (written only when the module worked).
  overlay.writes.set(
    itsMetaKey,
    encode({ time: overlay.time, providers: [...settings.providers] }),
  );
  // Only what the block touched is copied: the maps share the rest with the state before.
  const windows = windowsAfter(base, overlay.windows, overlay.time, settings.windowMs);
  return {
    providers: [...settings.providers],
    ...tripsAfter(
      base,
      overlay.trips,
      settings.windowMs,
      base.forgottenThrough,
      forgottenThroughAt(overlay.time, settings.windowMs),
    ),
    latest: base.latest.setAll(overlay.latest),
    ...windows,
  };
}

export function itsFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
  genesis: Genesis,
): ItsState {
  const state = emptyIts(genesis);
  const trips: Array<[string, ItsTrip]> = [];
  const windows: Array<[string, ItsWindow]> = [];
  const latest: Array<[string, number]> = [];
  let meta: { time: number; providers: string[] } | null = null;
  for (const [key, bytes] of entries) {
    if (key.startsWith(itsTripPrefix))
      trips.push([key.slice(itsTripPrefix.length), decodeTrip(bytes)]);
    else if (key.startsWith(itsWindowPrefix))
      windows.push([key.slice(itsWindowPrefix.length), decodeWindow(bytes)]);
    else if (key.startsWith(itsSegmentPrefix)) {
      const condition = decodeCondition(bytes);
      latest.push([condition.segment, condition.window]);
    } else if (key === itsMetaKey) meta = decode(bytes, 64 * 1024);
  }
  const windowMs = genesis.its?.windowMs ?? L.itsWindowMsDefault;
  // No meta: the module never finished a block (no window either); nothing is forgotten.
  const time = meta?.time ?? Number.NEGATIVE_INFINITY;
  const loaded: WindowMaps = windowsAfter(state, windows, time, windowMs);
  return {
    providers: meta?.providers ?? state.providers,
    ...tripsAfter(state, trips, windowMs, null, forgottenThroughAt(time, windowMs)),
    latest: state.latest.setAll(latest),
    ...loaded,
  };
}

// ---- encodings (canonical CBOR) ----

export function encodeTrip(trip: ItsTrip): Uint8Array {
  return encode(trip);
}
export function decodeTrip(bytes: Uint8Array): ItsTrip {
  return decode<ItsTrip>(bytes, 16 * 1024);
}
export function decodeWindow(bytes: Uint8Array): ItsWindow {
  return decode<ItsWindow>(bytes, 256 * 1024);
}
export function decodeCondition(bytes: Uint8Array): SegmentCondition {
  return decode<SegmentCondition>(bytes, 16 * 1024);
}
export function decodeObservation(bytes: Uint8Array): ObservationRecord {
  return decode<ObservationRecord>(bytes, 16 * 1024);
}
