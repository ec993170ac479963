// Layout of the mesh graph: this peer in the centre, neighbours on a ring (validators first),
// positions in a 0..100 square. Plain function, tested without React.
import type { NeighbourView } from '../../worker/api';

export interface PlacedNode {
  neighbour: NeighbourView;
  x: number;
  y: number;
}

export const meshCentre = 50;
export const meshRadius = 36;

export function layoutMesh(neighbours: NeighbourView[]): PlacedNode[] {
  const ordered = [...neighbours].sort(
    (a, b) => Number(b.validator) - Number(a.validator) || a.did.localeCompare(b.did),
  );
  return ordered.map((neighbour, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(ordered.length, 1);
    return {
      neighbour,
      x: meshCentre + meshRadius * Math.cos(angle),
      y: meshCentre + meshRadius * Math.sin(angle),
    };
  });
}

/** What the network notice says when nobody is reachable, from the view alone. */
export function meshNotice(view: {
  webrtc: string;
  relays: Array<{ state: string }>;
  neighbours: unknown[];
  notice: string | null;
}): string | null {
  if (view.notice) return view.notice;
  if (view.webrtc === 'blocked')
    return 'WebRTC is blocked in this browser (or by its network): this peer cannot open direct links. Check the browser settings or use another network.';
  if (
    view.relays.length > 0 &&
    view.relays.every((r) => r.state === 'failed' || r.state === 'closed') &&
    view.neighbours.length === 0
  ) {
    return 'No signaling relay answers. Check the relay URLs in Settings; tabs of this browser still reach each other.';
  }
  return null;
}
