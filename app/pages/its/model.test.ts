import { describe, expect, it } from 'vitest';
import type { ItsConditionView } from '../../../worker/api';
import { freshness, levelOf, viewBoxOf, warningOf } from './model';

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
