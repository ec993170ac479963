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

  it('forgets in bulk when full: the size stays within an eighth below the capacity and the newest ids are kept', () => {
    const seen = new SeenIds(1000);
    for (let i = 0; i < 5000; i++) seen.add(`id${i}`);
    expect(seen.size).toBeLessThanOrEqual(1000);
    expect(seen.size).toBeGreaterThanOrEqual(875);
    for (let i = 4200; i < 5000; i++) expect(seen.has(`id${i}`)).toBe(true);
    expect(seen.has('id0')).toBe(false);
    const map = new Map<string, number>();
    for (let i = 0; i < 5000; i++) setBounded(map, `k${i}`, i, 800);
    expect(map.size).toBeLessThanOrEqual(800);
    expect(map.size).toBeGreaterThanOrEqual(700);
    expect(map.get('k4999')).toBe(4999);
  });

  it('bounds maps by entry count', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 10; i++) setBounded(map, `k${i}`, i, 4);
    expect([...map.keys()]).toEqual(['k6', 'k7', 'k8', 'k9']);
  });
});
