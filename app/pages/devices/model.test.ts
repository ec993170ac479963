// Devices page logic without React: what goes on chain, chart geometry, policy parsing, labels.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  capabilitiesFor,
  formatValue,
  keepNotice,
  onChainValues,
  policyFrom,
  sparkline,
} from './model';
import type { DeviceNotice } from '../../../worker/api';
import { deviceNoticesKeptMax } from '../../../worker/shared/limits';

describe('devices page model', () => {
  it('records only registered values, and says which were left out', () => {
    expect(onChainValues({ heartRateBpm: 72, extra: 1 }, ['heartRateBpm', 'rrMs'])).toEqual({
      values: { heartRateBpm: 72 },
      dropped: ['extra'],
    });
    expect(capabilitiesFor('vehicle', null)).toContain('speedKmh');
    expect(capabilitiesFor('sensor', { a: 1, b: 'x' })).toEqual(['a', 'b']);
  });

  it('draws a sparkline inside its box for any series', () => {
    expect(sparkline([1])).toBeNull();
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.constant(null)), {
          maxLength: 200,
        }),
        (series) => {
          const line = sparkline(series, 120, 32);
          if (!line) return;
          for (const point of line.points.split(' ')) {
            const [x, y] = point.split(',').map(Number);
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(120.05);
            expect(y).toBeGreaterThanOrEqual(1.9);
            expect(y).toBeLessThanOrEqual(30.1);
          }
        },
      ),
    );
  });

  it('parses the allow list and refuses what is not a did:key', () => {
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    expect(policyFrom('list', `${did}\n${did}, `)).toEqual({ mode: 'list', allow: [did] });
    expect(policyFrom('open', 'ignored')).toEqual({ mode: 'open' });
    expect(() => policyFrom('list', 'bob')).toThrow(/not a did:key/);
  });

  it('formats values with units', () => {
    expect(formatValue('heartRateBpm', 72)).toBe('72 bpm');
    expect(formatValue('temperatureC', 21.456)).toBe('21.5 °C');
    expect(formatValue('latitude', 48.1173)).toBe('48.11730 °');
    expect(formatValue('rrMs', null)).toBe('—');
  });
});

describe('device notices the page keeps', () => {
  const notice = (i: number): DeviceNotice => ({
    kind: 'message',
    device: `d${i}`,
    requester: 'r',
    service: null,
    state: null,
    request: null,
    digest: null,
    height: null,
    time: i,
    message: 'hello',
  });

  it('keeps the newest first and at most deviceNoticesKeptMax', () => {
    let list: DeviceNotice[] = [];
    for (let i = 0; i < deviceNoticesKeptMax + 10; i++) list = keepNotice(list, notice(i));
    expect(list).toHaveLength(deviceNoticesKeptMax);
    expect(list[0]!.device).toBe(`d${deviceNoticesKeptMax + 9}`);
    expect(list.at(-1)!.device).toBe('d10');
  });
});
