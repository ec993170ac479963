// Map matching against the bundled road network (./demo-town.ts) and the distances the jump
// rule uses.
import { describe, expect, it } from 'vitest';
import {
  demoTownNetwork as net,
  fromPlane,
  itsMatchDistanceMaxM,
  matchPosition,
  segmentGapM,
} from '.';

const at = (x: number, y: number) => fromPlane(net, x, y);

describe('the demo town network', () => {
  it('is a connected 5 x 5 grid of 40 segments with speed limits', () => {
    expect(net.segments).toHaveLength(40);
    expect(new Set(net.segments.map((s) => s.limitKmh))).toEqual(new Set([30, 50, 70]));
    expect(net.segmentById.get('h20')).toMatchObject({ name: 'Main Street', limitKmh: 50 });
  });

  it('matches positions to the nearest street, keeps the previous one at a crossing, and none off the network', () => {
    const onMain = at(450, 605);
    expect(matchPosition(net, onMain.lat, onMain.lon, itsMatchDistanceMaxM)?.segment.id).toBe(
      'h21',
    );
    const crossing = at(600, 600);
    expect(
      matchPosition(net, crossing.lat, crossing.lon, itsMatchDistanceMaxM, 'v21')?.segment.id,
    ).toBe('v21');
    expect(
      matchPosition(net, crossing.lat, crossing.lon, itsMatchDistanceMaxM, 'h21')?.segment.id,
    ).toBe('h21');
    const field = at(150, 150);
    expect(matchPosition(net, field.lat, field.lon, itsMatchDistanceMaxM)).toBeNull();
    const farAway = at(-5_000, 0);
    expect(matchPosition(net, farAway.lat, farAway.lon, itsMatchDistanceMaxM)).toBeNull();
  });

  it('measures gaps between segments as straight lines between end points', () => {
    expect(segmentGapM(net, 'h20', 'h20')).toBe(0);
    expect(segmentGapM(net, 'h20', 'h21')).toBe(0);
    expect(segmentGapM(net, 'h00', 'h02')).toBe(300);
    expect(segmentGapM(net, 'h00', 'h43')).toBeCloseTo(Math.hypot(600, 1200), 6);
    expect(segmentGapM(net, 'h00', 'nowhere')).toBe(Number.POSITIVE_INFINITY);
  });
});
