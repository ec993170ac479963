// Reads of the road conditions shared by a full peer (./its.ts) and a light peer (./its-light.ts):
// the segments near a position, and a provider's trust from the trust contract's record
// (worker/core/modules/its/trust-contract.ts keeps { ok, bad } under p/<provider>).
import { botError } from '../core/errors';
import {
  demoTownNetwork,
  emptyIts,
  itsSettingsOf,
  segmentsNear,
  windowKey,
  type SegmentCondition,
} from '../core/modules/its';
import { contractStatePrefix } from '../core/modules/contracts/types';
import type { ItsConditionView, ItsNear, ItsNetworkView, ItsProviderView } from '../api-its';
import type { ChainState } from '../core/ledger';
import { itsNearRadiusDefaultM, itsNearRadiusMaxM, itsSegmentsReadMax } from './its-limits';
import type { Block } from '../core/block';
import { txIdOf } from '../core/tx';

/** A provider's trust (0..100) from its record, as the contract's trustOf computes it. */
export function providerTrust(ok: number, bad: number): number {
  return ok + bad === 0 ? 100 : Math.floor((100 * ok) / (ok + bad));
}

/** The state key of a provider's trust record in trust contract `contract`. */
export function providerTrustKey(contract: string, provider: string): string {
  return `${contractStatePrefix}${contract}/p/${provider}`;
}

/** A provider's record { ok, bad } from the contract's JSON (anything else: none yet). */
export function trustRecordOf(json: string | null | undefined): { ok: number; bad: number } {
  if (!json) return { ok: 0, bad: 0 };
  try {
    const value = JSON.parse(json) as { ok?: unknown; bad?: unknown };
    const count = (n: unknown) =>
      typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0;
    return { ok: count(value.ok), bad: count(value.bad) };
  } catch {
    return { ok: 0, bad: 0 };
  }
}

/** `near` checked: a position and a radius within itsNearRadiusMaxM (absent: null). */
export function checkNear(near: unknown): Required<ItsNear> | null {
  if (near === undefined || near === null) return null;
  if (typeof near !== 'object' || Array.isArray(near))
    throw botError('BAD_REQUEST', 'itsConditions: near is { lat, lon, radiusM? }.');
  const { lat, lon, radiusM } = near as Record<string, unknown>;
  const number = (value: unknown, name: string, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw botError(
        'BAD_REQUEST',
        `itsConditions: near.${name} must be a number from ${min} to ${max}.`,
      );
    return value;
  };
  return {
    lat: number(lat, 'lat', -90, 90),
    lon: number(lon, 'lon', -180, 180),
    radiusM:
      radiusM === undefined
        ? itsNearRadiusDefaultM
        : number(radiusM, 'radiusM (itsNearRadiusMaxM)', 1, itsNearRadiusMaxM),
  };
}

/** `segments` checked: segments of the bundled network (at most itsSegmentsReadMax), sorted, once each. */
export function checkSegments(segments: readonly string[]): string[] {
  if (segments.length > itsSegmentsReadMax)
    throw botError(
      'TOO_LARGE',
      `itsConditions: at most ${itsSegmentsReadMax} segments at once (itsSegmentsReadMax).`,
    );
  for (const id of segments)
    if (!demoTownNetwork.segmentById.has(id))
      throw botError(
        'NOT_FOUND',
        `itsConditions: "${id}" is not a segment of ${demoTownNetwork.name}.`,
      );
  return [...new Set(segments)].sort();
}

/**
 * The segments whose road state a committed block may have changed: those of its ITS
 * observations and settlements that did not fail (what the `its` event names, so that a live map
 * reads only these; a superset: an observation that changed nothing is named too).
 */
export function segmentsTouched(block: Block, failed: ReadonlyArray<{ txId: string }>): string[] {
  const its = block.txs.filter((tx) => tx.type === 'its.observe' || tx.type === 'its.settle');
  if (its.length === 0) return [];
  const failedIds = new Set(failed.map((f) => f.txId));
  const segments = new Set<string>();
  for (const tx of its) {
    if (failedIds.size > 0 && failedIds.has(txIdOf(tx))) continue;
    const segment = (tx.body as { segment?: unknown }).segment;
    if (typeof segment === 'string') segments.add(segment);
  }
  return [...segments].sort();
}

/** The ids of the bundled network's segments within `near`'s radius, nearest first. */
export function segmentIdsNear(near: Required<ItsNear>): string[] {
  return segmentsNear(demoTownNetwork, near.lat, near.lon, near.radiusM).map((s) => s.segment.id);
}

/** The bundled road network as the API shows it. */
export function itsNetworkView(): ItsNetworkView {
  const net = demoTownNetwork;
  const point = (id: string) => {
    const n = net.nodeById.get(id)!;
    return { x: n.x, y: n.y, lat: n.lat, lon: n.lon };
  };
  return {
    name: net.name,
    segments: net.segments.map((s) => ({
      id: s.id,
      name: s.name,
      limitKmh: s.limitKmh,
      from: point(s.from),
      to: point(s.to),
    })),
  };
}

/** A segment's condition with who reported it: the providers of its counted trips, their trust. */
export function conditionView(
  condition: SegmentCondition,
  chain: ChainState,
  trustOf: (provider: string) => number,
): ItsConditionView {
  const segment = demoTownNetwork.segmentById.get(condition.segment);
  const its = chain.its ?? emptyIts(chain.genesis);
  const win = its.windows.get(windowKey(condition.segment, condition.window));
  const byProvider = new Map<string, number>();
  let trustMin: number | null = null;
  for (const sample of win?.samples ?? []) {
    const trip = its.trips.get(sample.trip);
    if (!trip) continue;
    byProvider.set(trip.provider, (byProvider.get(trip.provider) ?? 0) + 1);
    if (trip.trust !== undefined) trustMin = Math.min(trustMin ?? 100, trip.trust);
  }
  return {
    ...condition,
    name: segment?.name ?? condition.segment,
    limitKmh: segment?.limitKmh ?? 0,
    reporters: [...byProvider]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([provider, trips]) => ({ provider, trips, trust: trustOf(provider) })),
    trustMin,
  };
}

/** Each provider's trust record in the chain's trust contract (none: 100, no record yet). */
export function providersOf(chain: ChainState): ItsProviderView[] {
  const settings = itsSettingsOf(chain.genesis, (name) => chain.governance?.policies.get(name));
  return settings.providers.map((did) => {
    const { ok, bad } = trustRecordOf(
      settings.contract ? chain.contracts?.state.get(`${settings.contract}/p/${did}`) : null,
    );
    return { did, ok, bad, trust: providerTrust(ok, bad) };
  });
}
