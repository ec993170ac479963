// The overlay: which peers a peer keeps links with (issue 19). Pure functions, used by the
// dialer (dialer.ts) and by the 1,000-peer model of the overlay (worker/sim/overlay-sim.ts).
//
// - A peer keeps at most `linksMax` links (a setting, limits.linksMaxDefault) to peers other
//   than its fellow validators; validators keep direct links among themselves on top (up to
//   limits.validatorLinksMax), so a proposal reaches every validator in one hop.
// - Every pair of peers has a rank: a hash of the room and both dids, the same seen from either
//   end, and random-looking. A peer with room takes any peer that announces itself; a full peer
//   takes a newly announced one only in place of its lowest-ranked link, and only when the new
//   link ranks among its top overlaySwitchShare x linksMax of the peers it knows. When a new
//   link is authenticated past the limit, the lowest-ranked links are shed (linksToShed). The
//   links thus drift toward the pairs of highest rank, a random graph of bounded degree: an
//   expander, connected with a diameter of about log(n)/log(linksMax - 1).
// - A peer that loses a link (the other left, or shed it) announces itself again; peers with
//   room, or that rank it high, link with it: links are replaced when peers leave.
// - The ring (connectivity): ranks alone can leave the room in parts that each filled up on
//   their own (with linksMax 2, peers linked in a triangle and a pair never switch to each other,
//   and each full peer refuses the pair). So every peer also keeps a link to its two ring
//   neighbours: the peers just after and just before it when the peers it has heard from lately
//   are ordered by ringKey (a hash of the room and the did). Seen by peers that know the same
//   peers, these links form one cycle through all of them: the overlay is connected whatever the
//   ranks did. Ring links do not count against linksMax (as validator links do not), so a
//   peer's links are at most linksMax + 2, plus its fellow validators.
// - Gossip is flooded over these links (gossip.ts): every peer forwards a new message to all its
//   links but the one it came from and those its covered list names; duplicates are bounded by
//   the degree.
import * as limits from './limits';

/** What the overlay policy looks at, from one peer's side. */
export interface OverlayView {
  /** The room (chain id): it salts the ranks, so each chain has its own random graph. */
  room: string;
  own: string;
  linksMax: number;
  /** The dids of this peer's links that count against linksMax (any state), once each. */
  linked: readonly string[];
  /** How many peers of the room this peer knows of (from announces). */
  known: number;
}

/** The rank of the link between `a` and `b` in `room`: in [0, 1), the same from either end. */
export function linkRank(room: string, a: string, b: string): number {
  const [low, high] = a < b ? [a, b] : [b, a];
  // FNV-1a, 32 bits, then a final avalanche (murmur3's fmix32): cheap and well spread.
  let h = 0x811c9dc5;
  const text = `${room}|${low}|${high}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** A peer's place on the room's ring, in [0, 1): a hash of the room and its did. */
export function ringKey(room: string, did: string): number {
  return linkRank(room, did, '');
}

/**
 * The ring neighbours of `own` among `alive` (the peers it heard from lately; own may be among
 * them): the next peer after it and the one before it, by ringKey then did, wrapping around.
 * None when it knows no other peer; one when it knows one.
 */
export function ringNeighbours(room: string, own: string, alive: Iterable<string>): string[] {
  const ownKey = ringKey(room, own);
  let next: { key: number; did: string } | null = null;
  let previous: { key: number; did: string } | null = null;
  let lowest: { key: number; did: string } | null = null;
  let highest: { key: number; did: string } | null = null;
  const before = (a: { key: number; did: string }, b: { key: number; did: string }) =>
    a.key < b.key || (a.key === b.key && a.did < b.did);
  const self = { key: ownKey, did: own };
  for (const did of alive) {
    if (did === own) continue;
    const entry = { key: ringKey(room, did), did };
    if (!lowest || before(entry, lowest)) lowest = entry;
    if (!highest || before(highest, entry)) highest = entry;
    if (before(self, entry) && (!next || before(entry, next))) next = entry;
    if (before(entry, self) && (!previous || before(previous, entry))) previous = entry;
  }
  const successor = next ?? lowest;
  const predecessor = previous ?? highest;
  if (!successor || !predecessor) return [];
  return successor.did === predecessor.did ? [successor.did] : [successor.did, predecessor.did];
}

/** Does a link between two peers count against linksMax? Not between two validators. */
export function countsAgainstLimit(validators: ReadonlySet<string>, a: string, b: string): boolean {
  return !(validators.has(a) && validators.has(b));
}

/** Whether this peer wants a link with `did` (not linked yet, or being replaced). */
export function wantsLink(view: OverlayView, did: string): boolean {
  const others = view.linked.filter((d) => d !== did);
  if (others.length < view.linksMax) return true;
  const rank = linkRank(view.room, view.own, did);
  // The cheap test first: most full peers stop here.
  if (rank < 1 - (limits.overlaySwitchShare * view.linksMax) / Math.max(1, view.known))
    return false;
  // Above the lowest-ranked link held: that one is shed when the new one is made.
  return others.some((d) => linkRank(view.room, view.own, d) < rank);
}

/** The links to close so that at most linksMax remain: the lowest-ranked first. */
export function linksToShed(view: OverlayView): string[] {
  const excess = view.linked.length - view.linksMax;
  if (excess <= 0) return [];
  return [...view.linked]
    .sort((x, y) => linkRank(view.room, view.own, x) - linkRank(view.room, view.own, y))
    .slice(0, excess);
}

/** A linksMax from settings or options, checked; the default when absent. */
export function linksMaxOf(value: number | undefined): number {
  if (value === undefined) return limits.linksMaxDefault;
  if (!Number.isInteger(value) || value < limits.linksMaxMin || value > limits.linksMaxMax)
    throw new RangeError(
      `linksMax must be a whole number from ${limits.linksMaxMin} to ${limits.linksMaxMax}.`,
    );
  return value;
}
