// The layout of a product's journey graph (Trace page): lots in columns by generation, origins on
// the left and the asked lot on the right, an edge from each parent to the lot made from it.
// Pure (tested without a DOM); the page draws it as SVG.
import type { TraceJourney } from '../../worker/api';

export interface GraphNode {
  id: string;
  x: number;
  y: number;
  tampered: boolean;
  origin: boolean;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: Array<{ from: GraphNode; to: GraphNode }>;
}

export const nodeWidth = 104;
export const nodeHeight = 32;
const columnGap = 36;
const rowGap = 14;

export function layoutJourney(journey: TraceJourney): GraphLayout {
  const depthMax = Math.max(0, ...journey.lots.map((l) => l.depth));
  const tampered = new Set<string>();
  for (const step of journey.steps)
    if (step.status === 'tampered' || step.document.status === 'tampered')
      for (const id of [...step.ids, ...step.into]) tampered.add(id);
  const rows = new Map<number, number>();
  const nodes = new Map<string, GraphNode>();
  for (const lot of journey.lots) {
    const column = depthMax - lot.depth;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    nodes.set(lot.id, {
      id: lot.id,
      x: column * (nodeWidth + columnGap),
      y: row * (nodeHeight + rowGap),
      tampered: tampered.has(lot.id),
      origin: journey.origins.includes(lot.id),
    });
  }
  const edges: GraphLayout['edges'] = [];
  for (const lot of journey.lots)
    for (const parent of lot.parents) {
      const from = nodes.get(parent);
      const to = nodes.get(lot.id);
      if (from && to) edges.push({ from, to });
    }
  const rowsMax = Math.max(1, ...rows.values());
  return {
    width: (depthMax + 1) * (nodeWidth + columnGap) - columnGap,
    height: rowsMax * (nodeHeight + rowGap) - rowGap,
    nodes: [...nodes.values()],
    edges,
  };
}

/** The identifier a scanned QR code names: a Trace link (…#/trace/<id>) or the text itself. */
export function traceIdFrom(text: string): string {
  const trimmed = text.trim();
  const link = /#\/trace\/([^/?#]+)/.exec(trimmed);
  if (link) {
    try {
      return decodeURIComponent(link[1]!);
    } catch {
      return link[1]!;
    }
  }
  return trimmed;
}
