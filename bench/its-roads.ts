// Shared by the ITS benchmarks (bench/its.ts, bench/its-map.ts): vehicles that drive Demo town
// from segment to adjacent segment (so the trust contract's jump rule holds), and trip
// certificates asked of a provider with the request a phone makes (ItsHost.itsTripKeys).
import { decode, encode } from '../worker/core/codec';
import { fromHex, toHex } from '../worker/core/bytes';
import {
  demoTownNetwork,
  type RoadSegment,
  type TripCertificate,
} from '../worker/core/modules/its';

const segments = demoTownNetwork.segments;
const touching = (a: RoadSegment, b: RoadSegment) =>
  a.id !== b.id && (b.from === a.from || b.from === a.to || b.to === a.from || b.to === a.to);
const adjacent = new Map(segments.map((s) => [s.id, segments.filter((o) => touching(s, o))]));

/** A deterministic walk: the segment after `segment`, picked by `pick` in [0, 1). */
export function nextSegment(segment: RoadSegment, pick: number): RoadSegment {
  const next = adjacent.get(segment.id)!;
  return next[Math.floor(pick * next.length)]!;
}

/** A linear congruential generator: the same routes on every run. */
export function seeded(seed = 1): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
}

/** The trip key request a phone makes (worker/host/its.ts itsTripKeys) for these dids. */
export function tripKeyRequest(trips: string[]): string {
  return `its-req:${toHex(encode({ v: 1, trips }))}`;
}

/** The certificates in a provider's answer (worker/host/its.ts itsCertify). */
export function certificatesOf(code: string): TripCertificate[] {
  return decode<{ certs: TripCertificate[] }>(fromHex(code.slice('its-cert:'.length)), 1 << 20)
    .certs;
}
