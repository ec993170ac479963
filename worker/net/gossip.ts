// Gossip: broadcasts flooded over the neighbour links with a hop limit, each copy naming the
// peers that have it or were sent it (covered), and de-duplicated by message id: a bounded set
// of ids, least recently seen forgotten first. A JS Map keeps insertion order, so deleting and
// re-inserting on a hit makes it an LRU.
import { concatBytes, toHex } from '../core/bytes';
import * as limits from './limits';
import { seenIdsMax } from './limits';
import type { Link } from './link';
import { randomBytesOf } from './names';
import { coversTag, encodeFrame, type Frame } from './wire';

type GossipFrame = Omit<Extract<Frame, { type: 'gossip' }>, 'type'>;

/** What the gossip router needs from the hub. */
export interface GossipLinks {
  /** This peer's tag (wire.ts peerTag). */
  ownTag(): Uint8Array;
  /** Every neighbour's link. */
  openLinks(): Link[];
  wouldQueue(link: Link, bytes: number): boolean;
  send(link: Link, frame: Uint8Array): boolean;
  /** Deliver a new message to the host. */
  deliver(from: string, payload: Uint8Array): void;
  observe?: GossipObserver;
}

/**
 * Told of every gossip frame that arrives: its message id, the hops it took (1: straight from
 * the peer that broadcast it), whether it was a duplicate, and its payload's bytes.
 */
export type GossipObserver = (
  id: Uint8Array,
  hops: number,
  duplicate: boolean,
  bytes: number,
) => void;

export class GossipRouter {
  private readonly seen = new SeenIds();
  private readonly counters = { gossipIn: 0, gossipDuplicates: 0 };

  constructor(private readonly links: GossipLinks) {}

  broadcast(bytes: Uint8Array): void {
    const id = randomBytesOf(limits.messageIdBytes);
    this.seen.add(id);
    this.send(
      this.links.openLinks(),
      { ttl: limits.gossipTtl, id, covered: new Uint8Array(0), payload: bytes },
      null,
    );
  }

  /** A gossip frame from the authenticated neighbour on `link`. */
  onFrame(link: Link, frame: GossipFrame): void {
    this.counters.gossipIn++;
    const fresh = this.seen.add(frame.id);
    this.links.observe?.(
      frame.id,
      limits.gossipTtl - Math.min(frame.ttl, limits.gossipTtl) + 1,
      !fresh,
      frame.payload.length,
    );
    if (!fresh) {
      this.counters.gossipDuplicates++;
      return;
    }
    this.links.deliver(link.did, frame.payload);
    const ttl = Math.min(frame.ttl, limits.gossipTtl) - 1;
    if (ttl <= 0) return;
    const targets = this.links
      .openLinks()
      .filter((other) => other !== link && !coversTag(frame.covered, other.tag));
    if (targets.length > 0)
      this.send(
        targets,
        { ttl, id: frame.id, covered: frame.covered, payload: frame.payload },
        link,
      );
  }

  counts(): { gossipIn: number; gossipDuplicates: number } {
    return { ...this.counters };
  }

  clear(): void {
    this.seen.clear();
  }

  /**
   * Send a gossip frame to `targets` (neighbours not covered yet). Its covered list grows by the
   * neighbour it came from, this peer and every target that will take it (as far as
   * gossipCoveredMax allows), so the targets do not pass it to one another or back.
   */
  private send(targets: Link[], frame: GossipFrame, from: Link | null): void {
    const tagsAtMost = Math.min(
      limits.gossipCoveredMax,
      frame.covered.length / limits.peerTagBytes + 2 + targets.length,
    );
    const size =
      3 + limits.messageIdBytes + tagsAtMost * limits.peerTagBytes + frame.payload.length;
    const taking = targets.filter((link) => this.links.wouldQueue(link, size));
    if (taking.length === 0) return;
    const added: Uint8Array[] = [];
    let count = frame.covered.length / limits.peerTagBytes;
    for (const tag of [from?.tag, this.links.ownTag(), ...taking.map((link) => link.tag)]) {
      if (!tag || count >= limits.gossipCoveredMax || coversTag(frame.covered, tag)) continue;
      added.push(tag);
      count++;
    }
    const covered = added.length > 0 ? concatBytes(frame.covered, ...added) : frame.covered;
    const encoded = encodeFrame({ type: 'gossip', ...frame, covered });
    for (const link of taking) this.links.send(link, encoded);
  }
}

export class SeenIds {
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity: number = seenIdsMax) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity: expected a positive integer');
  }

  /** Record `id`; true when it was new (deliver and forward), false for a duplicate. */
  add(id: Uint8Array | string): boolean {
    const key = typeof id === 'string' ? id : toHex(id);
    const seen = this.ids.has(key);
    setBounded(this.ids, key, true, this.capacity);
    return !seen;
  }

  has(id: Uint8Array | string): boolean {
    return this.ids.has(typeof id === 'string' ? id : toHex(id));
  }

  get size(): number {
    return this.ids.size;
  }

  clear(): void {
    this.ids.clear();
  }
}

/** A Map bounded by entry count: the oldest entry goes when a new one would pass the bound. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, entriesMax: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > entriesMax) forgetOldest(map, entriesMax);
}

/**
 * A map just grown past its bound `entriesMax` forgets its oldest entries, an eighth of the
 * bound (at least one) in one walk. Deleting the oldest entry one insert at a time walks every
 * slot deleted before it (V8 keeps them until it rehashes): a full 50,000-entry map cost tens of
 * microseconds an insert (worker/host/recent-map.ts).
 */
function forgetOldest<K, V>(map: Map<K, V>, entriesMax: number): void {
  let drop = map.size - entriesMax - 1 + Math.max(1, entriesMax >> 3);
  for (const key of map.keys()) {
    if (drop-- <= 0) break;
    map.delete(key);
  }
}
