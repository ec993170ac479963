import { describe, expect, it } from 'vitest';
import { RecentMap } from './recent-map';

describe('RecentMap (recent tx results)', () => {
  it('never holds more than its bound, and keeps the newest seven eighths when full', () => {
    const map = new RecentMap<string, number>(800);
    for (let i = 0; i < 5000; i++) {
      map.set(`tx${i}`, i);
      expect(map.size).toBeLessThanOrEqual(800);
    }
    for (let i = 5000 - 700; i < 5000; i++) expect(map.get(`tx${i}`)).toBe(i);
    expect(map.get('tx0')).toBeUndefined();
    expect(map.get('tx4000')).toBeUndefined();
  });

  it('forgets the oldest first: a key set again is new, a deleted key is gone', () => {
    const map = new RecentMap<string, number>(8);
    for (let i = 0; i < 8; i++) map.set(`k${i}`, i);
    map.set('k0', 100); // k0 is now the newest; k1 is the oldest
    map.delete('k2');
    map.set('k8', 8);
    map.set('k9', 9); // full (8 entries): the oldest, k1, goes
    expect(map.get('k0')).toBe(100);
    expect(map.has('k1')).toBe(false);
    expect(map.has('k2')).toBe(false);
    expect([3, 4, 5, 6, 7, 8, 9].map((i) => map.get(`k${i}`))).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(map.size).toBe(8);
  });
});
