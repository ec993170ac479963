// A GNSS receiver driving a deterministic loop, for the demo device and the fake navigator.serial
// of the e2e tests. Each epoch it prints GGA, GSA, RMC and VTG (NMEA 0183 v2.3 layouts, the order
// SiRF and MediaTek receivers use), with correct checksums and within the 82-character limit.
// Pure: output depends on the seed and the `timeMs` passed in (Unix epoch milliseconds, UTC).

import { checkSeed, checkTimeMs, createRandom, smoothNoise, unitNoise } from './seededNoise';
import { formatNmeaSentence, knotsToKmh } from './nmea';

const earthRadiusMeters = 6_371_000;
const stopSeconds = 10;
const nmeaEpochStartMs = Date.UTC(1980, 0, 1);
const nmeaEpochEndMs = Date.UTC(2080, 0, 1);

export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

export interface GpsSimulatorOptions {
  readonly seed: number;
  /** Centre of the route. Default: Munich (48.1173 N, 11.5167 E), the classic NMEA example. */
  readonly origin?: GeoPoint;
  /** Talker id of every sentence: GP (GPS only, default) or GN (multi-constellation). */
  readonly talker?: 'GP' | 'GN';
}

/** The exact fix at one instant; the sentences carry it rounded to their decimal places. */
export interface GpsFix {
  readonly timeMs: number;
  readonly latitude: number;
  readonly longitude: number;
  readonly altitudeMeters: number;
  readonly geoidSeparationMeters: number;
  readonly speedKmh: number;
  readonly courseDegrees: number;
  readonly satelliteIds: readonly number[];
  readonly hdop: number;
  readonly pdop: number;
  readonly vdop: number;
}

interface Leg {
  readonly from: GeoPoint;
  readonly to: GeoPoint;
  readonly meters: number;
  readonly courseDegrees: number;
  readonly speedKmh: number;
  readonly seconds: number;
}

export class GpsSimulator {
  readonly seed: number;
  readonly talker: 'GP' | 'GN';
  readonly route: readonly GeoPoint[];
  private readonly legs: readonly Leg[];
  private readonly loopSeconds: number;
  private readonly baseAltitudeMeters: number;
  private readonly satellitePool: readonly number[];

  constructor(options: GpsSimulatorOptions) {
    this.seed = checkSeed('GpsSimulator', options.seed);
    this.talker = options.talker ?? 'GP';
    if (this.talker !== 'GP' && this.talker !== 'GN')
      throw new RangeError('GpsSimulator: talker must be GP or GN');
    const origin = options.origin ?? { latitude: 48.1173, longitude: 11.5167 };
    if (!(Math.abs(origin.latitude) <= 80 && Math.abs(origin.longitude) <= 180)) {
      throw new RangeError(
        'GpsSimulator: origin must have |latitude| <= 80 and |longitude| <= 180',
      );
    }
    const random = createRandom(this.seed);
    this.route = makeRoute(origin, random);
    this.legs = makeLegs(this.route, random);
    this.loopSeconds = stopSeconds + this.legs.reduce((total, leg) => total + leg.seconds, 0);
    this.baseAltitudeMeters = 400 + random() * 200;
    this.satellitePool = shuffle(
      [...Array(32).keys()].map((i) => i + 1),
      random,
    );
  }

  fixAt(timeMs: number): GpsFix {
    checkTimeMs('GpsSimulator.fixAt', timeMs);
    const position = this.positionAt(timeMs / 1000);
    const satelliteCount = 7 + Math.floor(smoothNoise(this.seed, 40, timeMs / 60_000) * 6);
    const rotation = Math.floor(unitNoise(this.seed, 41, Math.floor(timeMs / 300_000)) * 32);
    const satelliteIds = [...Array(satelliteCount).keys()]
      .map((i) => this.satellitePool[(rotation + i) % 32] ?? 1)
      .sort((a, b) => a - b);
    const hdop = round(0.7 + (12 - satelliteCount) * 0.15, 1);
    return {
      timeMs,
      ...position,
      altitudeMeters:
        this.baseAltitudeMeters + (smoothNoise(this.seed, 42, timeMs / 30_000) - 0.5) * 20,
      geoidSeparationMeters: 47,
      satelliteIds,
      hdop,
      pdop: round(hdop * 1.6, 1),
      vdop: round(hdop * 1.3, 1),
    };
  }

  /** GGA, GSA, RMC, VTG for the epoch at `timeMs`, each `$...*hh` without CR LF. */
  sentencesAt(timeMs: number): string[] {
    checkTimeMs('GpsSimulator.sentencesAt', timeMs);
    if (timeMs < nmeaEpochStartMs || timeMs >= nmeaEpochEndMs) {
      throw new RangeError(
        'GpsSimulator.sentencesAt: timeMs must fall in 1980..2079, the years a two-digit NMEA date can name',
      );
    }
    const fix = this.fixAt(timeMs);
    const time = formatTime(timeMs);
    const latitude = formatCoordinate(fix.latitude, 2, 'N', 'S');
    const longitude = formatCoordinate(fix.longitude, 3, 'E', 'W');
    const knots = (fix.speedKmh / knotsToKmh).toFixed(1);
    const kmh = fix.speedKmh.toFixed(1);
    const course = (round(fix.courseDegrees, 1) % 360).toFixed(1);
    const satellites = [
      ...fix.satelliteIds.map((id) => String(id).padStart(2, '0')),
      ...Array<string>(12).fill(''),
    ].slice(0, 12);
    const t = this.talker;
    return [
      `${t}GGA,${time},${latitude},${longitude},1,${String(fix.satelliteIds.length).padStart(2, '0')},${fix.hdop.toFixed(1)},${fix.altitudeMeters.toFixed(1)},M,${fix.geoidSeparationMeters.toFixed(1)},M,,`,
      `${t}GSA,A,3,${satellites.join(',')},${fix.pdop.toFixed(1)},${fix.hdop.toFixed(1)},${fix.vdop.toFixed(1)}`,
      `${t}RMC,${time},A,${latitude},${longitude},${knots},${course},${formatDate(timeMs)},,,A`,
      `${t}VTG,${course},T,,M,${knots},N,${kmh},K,A`,
    ].map(formatNmeaSentence);
  }

  /** The bytes a receiver sends for one epoch: every sentence followed by CR LF. */
  outputAt(timeMs: number): string {
    return this.sentencesAt(timeMs)
      .map((sentence) => `${sentence}\r\n`)
      .join('');
  }

  private positionAt(seconds: number): GeoPoint & { speedKmh: number; courseDegrees: number } {
    let along = ((seconds % this.loopSeconds) + this.loopSeconds) % this.loopSeconds;
    const lastLeg = this.legs[this.legs.length - 1];
    const firstLeg = this.legs[0];
    if (!lastLeg || !firstLeg) throw new Error('assertion failed: a route has legs');
    if (along < stopSeconds)
      return { ...firstLeg.from, speedKmh: 0, courseDegrees: lastLeg.courseDegrees };
    along -= stopSeconds;
    for (const leg of this.legs) {
      if (along < leg.seconds) {
        const fraction = along / leg.seconds;
        return {
          latitude: leg.from.latitude + (leg.to.latitude - leg.from.latitude) * fraction,
          longitude: leg.from.longitude + (leg.to.longitude - leg.from.longitude) * fraction,
          speedKmh: leg.speedKmh,
          courseDegrees: leg.courseDegrees,
        };
      }
      along -= leg.seconds;
    }
    return { ...firstLeg.from, speedKmh: 0, courseDegrees: lastLeg.courseDegrees };
  }
}

/** 6-9 waypoints on an irregular ring 400-1500 m around the origin, closed back to the first. */
function makeRoute(origin: GeoPoint, random: () => number): GeoPoint[] {
  const count = 6 + Math.floor(random() * 4);
  const points: GeoPoint[] = [];
  for (let i = 0; i < count; i++) {
    const angle = (2 * Math.PI * (i + random() * 0.5)) / count;
    const meters = 400 + random() * 1100;
    points.push(offset(origin, meters * Math.cos(angle), meters * Math.sin(angle)));
  }
  return points;
}

function makeLegs(route: readonly GeoPoint[], random: () => number): Leg[] {
  return route.map((from, i) => {
    const to = route[(i + 1) % route.length] ?? from;
    const meters = distanceMeters(from, to);
    const speedKmh = 20 + Math.floor(random() * 41);
    return {
      from,
      to,
      meters,
      courseDegrees: bearingDegrees(from, to),
      speedKmh,
      seconds: meters / (speedKmh / 3.6),
    };
  });
}

function offset(origin: GeoPoint, northMeters: number, eastMeters: number): GeoPoint {
  const latitude = origin.latitude + (northMeters / earthRadiusMeters) * (180 / Math.PI);
  const longitude =
    origin.longitude +
    (eastMeters / (earthRadiusMeters * Math.cos((origin.latitude * Math.PI) / 180))) *
      (180 / Math.PI);
  return { latitude, longitude };
}

/** Equirectangular approximation: exact enough for legs of a few kilometres. */
function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const meanLatitude = (((a.latitude + b.latitude) / 2) * Math.PI) / 180;
  const north = ((b.latitude - a.latitude) * Math.PI) / 180;
  const east = (((b.longitude - a.longitude) * Math.PI) / 180) * Math.cos(meanLatitude);
  return Math.hypot(north, east) * earthRadiusMeters;
}

function bearingDegrees(a: GeoPoint, b: GeoPoint): number {
  const meanLatitude = (((a.latitude + b.latitude) / 2) * Math.PI) / 180;
  const north = b.latitude - a.latitude;
  const east = (b.longitude - a.longitude) * Math.cos(meanLatitude);
  return ((Math.atan2(east, north) * 180) / Math.PI + 360) % 360;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** ddmm.mmmm,N or dddmm.mmmm,E; rounding 59.99995' carries into the degrees. */
function formatCoordinate(
  value: number,
  degreeDigits: number,
  positive: string,
  negative: string,
): string {
  const tenThousandthsOfMinute = Math.round(Math.abs(value) * 60 * 10_000);
  const degrees = Math.floor(tenThousandthsOfMinute / 600_000);
  const minutes = (tenThousandthsOfMinute % 600_000) / 10_000;
  const text = `${String(degrees).padStart(degreeDigits, '0')}${minutes.toFixed(4).padStart(7, '0')}`;
  return `${text},${value < 0 ? negative : positive}`;
}

function formatTime(timeMs: number): string {
  const date = new Date(Math.floor(timeMs / 10) * 10);
  const two = (n: number) => String(n).padStart(2, '0');
  const centiseconds = Math.floor(date.getUTCMilliseconds() / 10);
  return `${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}.${two(centiseconds)}`;
}

function formatDate(timeMs: number): string {
  const date = new Date(Math.floor(timeMs / 10) * 10);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}${two(date.getUTCMonth() + 1)}${two(date.getUTCFullYear() % 100)}`;
}
