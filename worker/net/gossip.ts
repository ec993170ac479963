// De-duplication of gossip: a bounded set of message ids, least recently seen forgotten first.
// A JS Map keeps insertion order, so deleting and re-inserting on a hit makes it an LRU.
import { toHex } from '../core/bytes';
import { seenIdsMax } from './limits';

export class SeenIds {
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity: number = seenIdsMax) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity: expected a positive integer');
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
