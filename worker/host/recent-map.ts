// A Map bounded by entry count that forgets its oldest entries first, in bulk. Deleting the
// oldest entry one at a time (`map.delete(map.keys().next().value)`) costs a walk over every
// entry deleted before it (V8 keeps their slots until it rehashes), so a full map of 50,000
// made each insert tens of microseconds: 13 % of the peer thread in a 100,000-tx run. Here one
// walk drops the oldest eighth, and the walk is paid once per eighth of inserts (setBounded,
// which gossip's bounded maps use too).
import { setBounded } from '../net/gossip';

export class RecentMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly entriesMax: number) {
    if (!Number.isInteger(entriesMax) || entriesMax < 1)
      throw new RangeError('entriesMax: expected a positive integer');
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Set `key` (a key set again counts as new); when full, the oldest eighth is forgotten. */
  set(key: K, value: V): void {
    setBounded(this.map, key, value, this.entriesMax);
  }
}
