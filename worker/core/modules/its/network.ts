// The road network observations are matched to (issue 20). Every peer of a chain judges
// observations against the same network: the one bundled here ("Demo town", a 5 x 5 street grid
// with 300 m blocks, ./demo-town.ts). Node positions are whole metres in a local plane (x east,
// y north) so that distances in the core use only exact arithmetic and Math.sqrt (correctly
// rounded by IEEE 754, the same on every engine); latitude and longitude are for the host's map
// matching and the map page.
import demoTown from './demo-town';
import { itsMatchDistanceMaxM, itsMatchStickyM } from './limits';

export interface RoadNode {
  id: string;
  /** Metres east and north of the network's origin. */
  x: number;
  y: number;
  lat: number;
  lon: number;
}

export interface RoadSegment {
  id: string;
  from: string;
  to: string;
  /** The street's name, for people. */
  name: string;
  /** Speed limit (km/h). */
  limitKmh: number;
}

export interface RoadNetwork {
  name: string;
  origin: { lat: number; lon: number };
  nodes: RoadNode[];
  segments: RoadSegment[];
}

export interface IndexedNetwork extends RoadNetwork {
  nodeById: ReadonlyMap<string, RoadNode>;
  segmentById: ReadonlyMap<string, RoadSegment>;
}

export function indexNetwork(network: RoadNetwork): IndexedNetwork {
  const nodeById = new Map(network.nodes.map((node) => [node.id, node]));
  const segmentById = new Map(network.segments.map((segment) => [segment.id, segment]));
  for (const segment of network.segments)
    if (!nodeById.has(segment.from) || !nodeById.has(segment.to))
      throw new Error(`road network ${network.name}: segment ${segment.id} names a missing node`);
  return { ...network, nodeById, segmentById };
}

/** The bundled network every ITS chain uses. */
export const demoTownNetwork: IndexedNetwork = indexNetwork(demoTown as RoadNetwork);

function endpoints(network: IndexedNetwork, segment: RoadSegment): [RoadNode, RoadNode] {
  return [network.nodeById.get(segment.from)!, network.nodeById.get(segment.to)!];
}

/**
 * The shortest straight distance (m) between two segments' end points: 0 for the same or
 * adjacent segments. A lower bound of the road distance, so a "jump" judged on it is never
 * a false accusation.
 */
export function segmentGapM(network: IndexedNetwork, a: string, b: string): number {
  if (a === b) return 0;
  const sa = network.segmentById.get(a);
  const sb = network.segmentById.get(b);
  if (!sa || !sb) return Number.POSITIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  for (const p of endpoints(network, sa))
    for (const q of endpoints(network, sb)) {
      const dx = p.x - q.x;
      const dy = p.y - q.y;
      best = Math.min(best, Math.sqrt(dx * dx + dy * dy));
    }
  return best;
}

/** Metres per degree of latitude (the host's projection of positions onto the local plane). */
const metresPerDegree = 111_320;

/** A position in the network's plane (host side: uses Math.cos, never in a state transition). */
export function toPlane(network: RoadNetwork, lat: number, lon: number): { x: number; y: number } {
  const cosLat = Math.cos((network.origin.lat * Math.PI) / 180);
  return {
    x: (lon - network.origin.lon) * metresPerDegree * cosLat,
    y: (lat - network.origin.lat) * metresPerDegree,
  };
}

/** The inverse of toPlane. */
export function fromPlane(
  network: RoadNetwork,
  x: number,
  y: number,
): { lat: number; lon: number } {
  const cosLat = Math.cos((network.origin.lat * Math.PI) / 180);
  return {
    lat: network.origin.lat + y / metresPerDegree,
    lon: network.origin.lon + x / (metresPerDegree * cosLat),
  };
}

/** Distance (m) from a point to a segment of the plane, and how far along it (0..1). */
function distanceToSegment(
  px: number,
  py: number,
  a: RoadNode,
  b: RoadNode,
): { distance: number; along: number } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSquared = dx * dx + dy * dy;
  const t =
    lengthSquared === 0
      ? 0
      : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / lengthSquared));
  const cx = a.x + t * dx - px;
  const cy = a.y + t * dy - py;
  return { distance: Math.sqrt(cx * cx + cy * cy), along: t };
}

export interface MatchResult {
  segment: RoadSegment;
  distanceM: number;
}

/**
 * Map matching of one position: the nearest segment within maxDistanceM, except that the
 * previous segment is kept while it is within itsMatchStickyM of the nearest (a vehicle crossing
 * a junction stays on its road until it has left it). null when no segment is near.
 */
export function matchPosition(
  network: IndexedNetwork,
  lat: number,
  lon: number,
  maxDistanceM: number = itsMatchDistanceMaxM,
  previous: string | null = null,
): MatchResult | null {
  const { x, y } = toPlane(network, lat, lon);
  let best: MatchResult | null = null;
  let kept: MatchResult | null = null;
  for (const segment of network.segments) {
    const [a, b] = endpoints(network, segment);
    const { distance } = distanceToSegment(x, y, a, b);
    if (distance > maxDistanceM) continue;
    if (segment.id === previous) kept = { segment, distanceM: distance };
    if (!best || distance < best.distanceM) best = { segment, distanceM: distance };
  }
  if (kept && best && kept.distanceM <= best.distanceM + itsMatchStickyM) return kept;
  return best;
}

/**
 * The segments within radiusM of a position, nearest first (host side: reads of the road
 * conditions near a phone). A segment's distance is its nearest point's.
 */
export function segmentsNear(
  network: IndexedNetwork,
  lat: number,
  lon: number,
  radiusM: number,
): Array<{ segment: RoadSegment; distanceM: number }> {
  const { x, y } = toPlane(network, lat, lon);
  const near: Array<{ segment: RoadSegment; distanceM: number }> = [];
  for (const segment of network.segments) {
    const [a, b] = endpoints(network, segment);
    const { distance } = distanceToSegment(x, y, a, b);
    if (distance <= radiusM) near.push({ segment, distanceM: distance });
  }
  return near.sort((p, q) => p.distanceM - q.distanceM || (p.segment.id < q.segment.id ? -1 : 1));
}
