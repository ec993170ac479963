import { describe, expect, it } from 'vitest';
import { SeenIds, setBounded } from './gossip';

describe('gossip de-duplication', () => {
  it('reports each id once and forgets the least recently seen beyond its capacity', () => {
    const seen = new SeenIds(3);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('a')).toBe(false);
    seen.add('b');
    seen.add('c');
    expect(seen.add('a')).toBe(false); // refreshes a
    seen.add('d'); // evicts b, the least recently seen
    expect(seen.size).toBe(3);
    expect(seen.has('b')).toBe(false);
    expect(seen.has('a')).toBe(true);
    expect(seen.add(Uint8Array.of(1, 2))).toBe(true);
    expect(seen.has('0102')).toBe(true);
  });

  it('bounds maps by entry count', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 10; i++) setBounded(map, `k${i}`, i, 4);
    expect([...map.keys()]).toEqual(['k6', 'k7', 'k8', 'k9']);
  });
});
