// Reads of the road conditions shared by a full peer (./its.ts) and a light peer (./its-light.ts):
// the segments near a position, and a provider's trust from the trust contract's record
// (worker/core/modules/its/trust-contract.ts keeps { ok, bad } under p/<provider>).
import { botError } from '../core/errors';
import { demoTownNetwork, segmentsNear } from '../core/modules/its';
import { contractStatePrefix } from '../core/modules/contracts/types';
import type { ItsNear, ItsNetworkView } from '../api-its';
import { itsNearRadiusDefaultM, itsNearRadiusMaxM } from './its-limits';

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
