import { describe, expect, it } from 'vitest';
import type { ItsConditionView } from '../../../worker/api';
import { freshness, levelOf, viewBoxOf, warningOf } from './model';
import { mergeConditions } from './live';

const base: ItsConditionView = {
  segment: 'h20',
  name: 'Main Street',
  limitKmh: 50,
  window: 1,
  from: 60_000,
  to: 120_000,
  trips: 2,
  rejected: 0,
  speedMedianKmh: 40,
  speedMeanKmh: 40,
  congestionMedian: null,
  humidityMeanPct: null,
  temperatureMeanC: null,
  settled: false,
  height: 3,
  reporters: [],
  trustMin: null,
};

describe('road map model', () => {
  it('grades a segment by its congestion, or its speed against the limit', () => {
    expect(levelOf(undefined)).toBe('none');
    expect(levelOf(base)).toBe('free');
    expect(levelOf({ ...base, speedMedianKmh: 20 })).toBe('moderate');
    expect(levelOf({ ...base, speedMedianKmh: 3 })).toBe('standstill');
    expect(levelOf({ ...base, congestionMedian: 2 })).toBe('heavy');
  });
  it('warns of ice and wet roads', () => {
    expect(warningOf(base)).toBeNull();
    expect(warningOf({ ...base, humidityMeanPct: 85, temperatureMeanC: 1 })).toBe('Risk of ice');
    expect(warningOf({ ...base, humidityMeanPct: 97, temperatureMeanC: 12 })).toBe('Wet road');
  });
  it('frames the network and says how fresh a report is', () => {
    const network = {
      name: 't',
      segments: [
        {
          id: 'a',
          name: 'A',
          limitKmh: 30,
          from: { x: 0, y: 0, lat: 0, lon: 0 },
          to: { x: 300, y: 600, lat: 0, lon: 0 },
        },
      ],
    };
    expect(viewBoxOf(network)).toBe('-60 -660 420 720');
    expect(freshness(base, 100_000)).toBe('this window');
    expect(freshness(base, 300_000)).toBe('3 min ago');
  });
});

describe('the live map’s merge of a read of some segments (issue 20)', () => {
  const view = (conditions: ItsConditionView[], height: number, segments?: string[]) => ({
    height,
    windowMs: 60_000,
    enabled: true,
    conditions,
    providers: [],
    near: null,
    proven: false,
    ...(segments ? { segments } : {}),
  });
  it('replaces the segments read, keeps the others’ objects, and a whole read replaces all', () => {
    const h20 = base;
    const h21 = { ...base, segment: 'h21' };
    const prev = view([h20, h21], 3);
    const newer = { ...base, segment: 'h21', height: 5, trips: 3 };
    const h10 = { ...base, segment: 'h10', height: 5 };
    const merged = mergeConditions(prev, view([newer, h10], 5, ['h10', 'h21', 'h30']));
    expect(merged.conditions.map((c) => c.segment)).toEqual(['h10', 'h20', 'h21']);
    expect(merged.conditions[1]).toBe(h20); // untouched: the same object (no re-render)
    expect(merged.conditions[2]).toBe(newer);
    expect(merged.height).toBe(5);
    expect('segments' in merged).toBe(false);
    expect(mergeConditions(merged, view([h10], 6)).conditions).toEqual([h10]);
  });
});
