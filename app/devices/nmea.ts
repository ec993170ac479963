// NMEA 0183 (v2.3 to v4.11) sentences RMC, GGA, VTG and GSA from any talker (GP, GN, GL, GA, GB,
// BD, GQ, GI...), with checksum verification. An empty field means "not known" and decodes to
// null, never to zero. Reference: NMEA 0183 v4.11; field layouts as documented by gpsd
// ("NMEA Revealed", E. S. Raymond) and checked against the gpsd regression logs in ./fixtures.

import { DeviceDataError } from './errors';
import {
  nmeaFieldsMax,
  nmeaSentenceCharactersAcceptedMax,
  nmeaSentenceCharactersMax,
} from './limits';

export const knotsToKmh = 1.852;

export interface NmeaTime {
  readonly hours: number;
  readonly minutes: number;
  /** May carry a fraction (hhmmss.ss); 60 only during a leap second. */
  readonly seconds: number;
}

export interface NmeaDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** FAA mode indicator (NMEA 2.3+), the last field of RMC and VTG. */
export type NmeaFaaMode =
  | 'autonomous'
  | 'differential'
  | 'estimated'
  | 'float-rtk'
  | 'manual'
  | 'not-valid'
  | 'precise'
  | 'rtk'
  | 'simulator';

const faaModes: Readonly<Record<string, NmeaFaaMode>> = {
  A: 'autonomous',
  D: 'differential',
  E: 'estimated',
  F: 'float-rtk',
  M: 'manual',
  N: 'not-valid',
  P: 'precise',
  R: 'rtk',
  S: 'simulator',
};

/** Navigational status (NMEA 4.1 RMC field 13). */
export type NmeaNavigationStatus = 'safe' | 'caution' | 'unsafe' | 'not-valid';

const navigationStatuses: Readonly<Record<string, NmeaNavigationStatus>> = {
  S: 'safe',
  C: 'caution',
  U: 'unsafe',
  V: 'not-valid',
};

/** GGA fix quality, field 6. */
export const ggaFixQualityNames = [
  'invalid',
  'gps',
  'dgps',
  'pps',
  'rtk-fixed',
  'rtk-float',
  'estimated',
  'manual',
  'simulation',
] as const;
export type GgaFixQualityName = (typeof ggaFixQualityNames)[number];

interface NmeaBase {
  /** Two-letter talker id: GP, GN, GL, GA, GB, BD, GQ, GI... */
  readonly talker: string;
}

/** Recommended Minimum Specific GNSS Data. */
export interface RmcSentence extends NmeaBase {
  readonly type: 'RMC';
  readonly time: NmeaTime | null;
  /** A = data valid, V = receiver warning. */
  readonly status: 'valid' | 'warning' | null;
  /** Decimal degrees, south negative. */
  readonly latitude: number | null;
  /** Decimal degrees, west negative. */
  readonly longitude: number | null;
  readonly speedKnots: number | null;
  readonly speedKmh: number | null;
  /** Course over ground, degrees true. */
  readonly courseDegrees: number | null;
  readonly date: NmeaDate | null;
  /** Degrees, east positive, west negative. */
  readonly magneticVariationDegrees: number | null;
  readonly mode: NmeaFaaMode | null;
  readonly navigationStatus: NmeaNavigationStatus | null;
  /** Date and time together as Unix epoch milliseconds (UTC); null unless both are present. */
  readonly timestampMs: number | null;
}

/** Global Positioning System Fix Data. */
export interface GgaSentence extends NmeaBase {
  readonly type: 'GGA';
  readonly time: NmeaTime | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly fixQuality: number | null;
  readonly fixQualityName: GgaFixQualityName | null;
  readonly satellitesInUse: number | null;
  readonly hdop: number | null;
  /** Antenna altitude above mean sea level (geoid), metres. */
  readonly altitudeMeters: number | null;
  /** Geoid height above the WGS84 ellipsoid, metres. */
  readonly geoidSeparationMeters: number | null;
  readonly dgpsAgeSeconds: number | null;
  readonly dgpsStationId: string | null;
}

/** Track Made Good and Ground Speed. */
export interface VtgSentence extends NmeaBase {
  readonly type: 'VTG';
  readonly courseTrueDegrees: number | null;
  readonly courseMagneticDegrees: number | null;
  readonly speedKnots: number | null;
  readonly speedKmh: number | null;
  readonly mode: NmeaFaaMode | null;
}

/** GNSS DOP and Active Satellites. */
export interface GsaSentence extends NmeaBase {
  readonly type: 'GSA';
  readonly selectionMode: 'manual' | 'automatic' | null;
  readonly fixType: 'none' | '2d' | '3d' | null;
  /** Ids of the satellites used in the fix, in the order sent, empty fields skipped. */
  readonly satelliteIds: readonly number[];
  readonly pdop: number | null;
  readonly hdop: number | null;
  readonly vdop: number | null;
  /** NMEA 4.1 GNSS system id (1 GPS, 2 GLONASS, 3 Galileo, 4 BeiDou, 5 QZSS, 6 NavIC). */
  readonly systemId: number | null;
}

export type NmeaSentence = RmcSentence | GgaSentence | VtgSentence | GsaSentence;

export interface ParseNmeaOptions {
  /** Counting `$` and CR LF. Default nmeaSentenceCharactersMax (82, the standard's limit). */
  readonly sentenceCharactersMax?: number;
}

/** XOR of every character strictly between `$` and `*`, as two uppercase hex digits. */
export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** `$` + body + `*` + checksum, without CR LF. `body` is e.g. `GPRMC,123519,A,...`. */
export function formatNmeaSentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}`;
}

/**
 * Parses one sentence (trailing CR/LF allowed). Throws DeviceDataError for a bad checksum, a
 * malformed or missing field, a sentence over the length limit, or a type other than
 * RMC/GGA/VTG/GSA (code UNSUPPORTED: GSV, GLL, ZDA and proprietary $P... sentences).
 */
export function parseNmea(line: string, options: ParseNmeaOptions = {}): NmeaSentence {
  if (typeof line !== 'string') throw new TypeError('parseNmea: line must be a string');
  const body = checkedBody(stripLineEnd(line), sentenceLimit(options));
  const fields = body.split(',');
  const address = fields[0] ?? '';
  if (fields.length > nmeaFieldsMax) {
    throw new DeviceDataError(
      'MALFORMED',
      `NMEA ${address}: ${fields.length} fields; at most ${nmeaFieldsMax} are accepted.`,
    );
  }
  if (address.startsWith('P')) {
    throw new DeviceDataError(
      'UNSUPPORTED',
      `NMEA ${address}: proprietary sentences are not decoded.`,
    );
  }
  const match = /^([A-Z]{2})([A-Z]{3})$/.exec(address);
  if (!match)
    throw new DeviceDataError(
      'MALFORMED',
      `NMEA: "${address}" is not a talker id and sentence type.`,
    );
  const talker = match[1] ?? '';
  const type = match[2] ?? '';
  const reader = new FieldReader(`${talker}${type}`, fields.slice(1));
  switch (type) {
    case 'RMC':
      return parseRmc(talker, reader);
    case 'GGA':
      return parseGga(talker, reader);
    case 'VTG':
      return parseVtg(talker, reader);
    case 'GSA':
      return parseGsa(talker, reader);
    default:
      throw new DeviceDataError(
        'UNSUPPORTED',
        `NMEA ${address}: ${type} sentences are not decoded (only RMC, GGA, VTG, GSA).`,
      );
  }
}

function sentenceLimit(options: ParseNmeaOptions): number {
  const limit = options.sentenceCharactersMax ?? nmeaSentenceCharactersMax;
  if (!Number.isInteger(limit) || limit < 11 || limit > nmeaSentenceCharactersAcceptedMax) {
    throw new RangeError(
      `parseNmea: options.sentenceCharactersMax must be an integer 11..${nmeaSentenceCharactersAcceptedMax}, got ${limit}`,
    );
  }
  return limit;
}

function stripLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === '\n' || line[end - 1] === '\r')) end--;
  return line.slice(0, end);
}

/** Checks framing, length and checksum; returns the text between `$` and `*`. */
function checkedBody(sentence: string, limit: number): string {
  if (sentence.length + 2 > limit) {
    throw new DeviceDataError(
      'LINE_TOO_LONG',
      `NMEA: the sentence has ${sentence.length + 2} characters with CR LF; the limit is ${limit}.`,
    );
  }
  if (sentence.length === 0) throw new DeviceDataError('MISSING_FIELD', 'NMEA: the line is empty.');
  if (sentence[0] === '!')
    throw new DeviceDataError(
      'UNSUPPORTED',
      'NMEA: encapsulated (!) sentences such as AIS are not decoded.',
    );
  if (sentence[0] !== '$')
    throw new DeviceDataError('MALFORMED', 'NMEA: a sentence starts with "$".');
  const star = sentence.indexOf('*');
  if (star < 0)
    throw new DeviceDataError('MISSING_FIELD', 'NMEA: the sentence has no checksum (*hh).');
  const body = sentence.slice(1, star);
  const given = sentence.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(given)) {
    throw new DeviceDataError(
      'MALFORMED',
      `NMEA: the checksum must be two hex digits after "*", got "${given}".`,
    );
  }
  if (!/^[\x20-\x7e]*$/.test(body) || body.includes('$')) {
    throw new DeviceDataError(
      'MALFORMED',
      'NMEA: the sentence holds characters outside printable ASCII or a second "$".',
    );
  }
  const computed = nmeaChecksum(body);
  if (computed !== given.toUpperCase()) {
    throw new DeviceDataError(
      'BAD_CHECKSUM',
      `NMEA: the checksum is ${given} but the sentence sums to ${computed}; the line was garbled.`,
    );
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Sentence layouts. Field numbers in comments are 1-based after the address, as in the standard.

function parseRmc(talker: string, r: FieldReader): RmcSentence {
  r.require(11);
  const time = r.time(0);
  const date = r.date(8);
  const speedKnots = r.unsigned(6, 'speed over ground (knots)');
  const modeIndex = 11;
  return {
    type: 'RMC',
    talker,
    time,
    status: r.letter(1, 'status', { A: 'valid', V: 'warning' } as const),
    latitude: r.latitude(2, 3),
    longitude: r.longitude(4, 5),
    speedKnots,
    speedKmh: speedKnots === null ? null : speedKnots * knotsToKmh,
    courseDegrees: r.course(7, 'course over ground'),
    date,
    magneticVariationDegrees: r.magneticVariation(9, 10),
    mode: r.optional(modeIndex) ? r.letter(modeIndex, 'mode indicator', faaModes) : null,
    navigationStatus: r.optional(12)
      ? r.letter(12, 'navigational status', navigationStatuses)
      : null,
    timestampMs: time && date ? timestampMs(date, time) : null,
  };
}

function parseGga(talker: string, r: FieldReader): GgaSentence {
  r.require(14);
  const fixQuality = r.integer(5, 'fix quality', ggaFixQualityNames.length - 1);
  const altitudeMeters = r.signed(8, 'altitude');
  r.unit(9, 'altitude unit', 'M');
  const geoidSeparationMeters = r.signed(10, 'geoid separation');
  r.unit(11, 'geoid separation unit', 'M');
  const station = r.text(13);
  if (station !== null && !/^\d{1,4}$/.test(station)) {
    throw r.malformed(13, 'DGPS station id', 'up to four digits');
  }
  return {
    type: 'GGA',
    talker,
    time: r.time(0),
    latitude: r.latitude(1, 2),
    longitude: r.longitude(3, 4),
    fixQuality,
    fixQualityName: fixQuality === null ? null : (ggaFixQualityNames[fixQuality] ?? null),
    satellitesInUse: r.integer(6, 'satellites in use', 999),
    hdop: r.unsigned(7, 'HDOP'),
    altitudeMeters,
    geoidSeparationMeters,
    dgpsAgeSeconds: r.unsigned(12, 'age of DGPS data'),
    dgpsStationId: station,
  };
}

function parseVtg(talker: string, r: FieldReader): VtgSentence {
  if (r.count === 4) return parseLegacyVtg(talker, r);
  r.require(8);
  r.unit(1, 'true course marker', 'T');
  r.unit(3, 'magnetic course marker', 'M');
  r.unit(5, 'knots marker', 'N');
  r.unit(7, 'km/h marker', 'K');
  const speedKnots = r.unsigned(4, 'speed (knots)');
  const speedKmh = r.unsigned(6, 'speed (km/h)');
  return {
    type: 'VTG',
    talker,
    courseTrueDegrees: r.course(0, 'true course'),
    courseMagneticDegrees: r.course(2, 'magnetic course'),
    speedKnots,
    speedKmh: speedKmh ?? (speedKnots === null ? null : speedKnots * knotsToKmh),
    mode: r.optional(8) ? r.letter(8, 'mode indicator', faaModes) : null,
  };
}

/** NMEA 1.x layout without the unit letters: course true, course magnetic, knots, km/h. */
function parseLegacyVtg(talker: string, r: FieldReader): VtgSentence {
  const speedKnots = r.unsigned(2, 'speed (knots)');
  const speedKmh = r.unsigned(3, 'speed (km/h)');
  return {
    type: 'VTG',
    talker,
    courseTrueDegrees: r.course(0, 'true course'),
    courseMagneticDegrees: r.course(1, 'magnetic course'),
    speedKnots,
    speedKmh: speedKmh ?? (speedKnots === null ? null : speedKnots * knotsToKmh),
    mode: null,
  };
}

function parseGsa(talker: string, r: FieldReader): GsaSentence {
  r.require(17);
  const satelliteIds: number[] = [];
  for (let index = 2; index < 14; index++) {
    const id = r.integer(index, 'satellite id', 999);
    if (id !== null) satelliteIds.push(id);
  }
  const fixType = r.letter(1, 'fix type', { '1': 'none', '2': '2d', '3': '3d' } as const);
  return {
    type: 'GSA',
    talker,
    selectionMode: r.letter(0, 'selection mode', { M: 'manual', A: 'automatic' } as const),
    fixType,
    satelliteIds,
    pdop: r.unsigned(14, 'PDOP'),
    hdop: r.unsigned(15, 'HDOP'),
    vdop: r.unsigned(16, 'VDOP'),
    systemId: r.optional(17) ? r.hexDigit(17, 'GNSS system id') : null,
  };
}

function timestampMs(date: NmeaDate, time: NmeaTime): number {
  const wholeSeconds = Math.floor(time.seconds);
  const millis = Math.round((time.seconds - wholeSeconds) * 1000);
  return Date.UTC(
    date.year,
    date.month - 1,
    date.day,
    time.hours,
    time.minutes,
    wholeSeconds,
    millis,
  );
}

const unsignedPattern = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const signedPattern = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Reads typed fields by index; every error names the sentence, the field and what was wrong. */
class FieldReader {
  constructor(
    private readonly sentence: string,
    private readonly fields: readonly string[],
  ) {}

  get count(): number {
    return this.fields.length;
  }

  require(count: number): void {
    if (this.fields.length < count) {
      throw new DeviceDataError(
        'MISSING_FIELD',
        `NMEA ${this.sentence}: ${this.fields.length} fields; the sentence has at least ${count}.`,
      );
    }
  }

  /** True when an optional trailing field is present and not empty. */
  optional(index: number): boolean {
    return (this.fields[index] ?? '') !== '';
  }

  text(index: number): string | null {
    const value = this.fields[index] ?? '';
    return value === '' ? null : value;
  }

  malformed(index: number, name: string, expected: string): DeviceDataError {
    return new DeviceDataError(
      'MALFORMED',
      `NMEA ${this.sentence}: field ${index + 1} (${name}) is "${this.fields[index] ?? ''}"; expected ${expected}.`,
    );
  }

  unsigned(index: number, name: string): number | null {
    const value = this.text(index);
    if (value === null) return null;
    if (!unsignedPattern.test(value))
      throw this.malformed(index, name, 'an unsigned decimal number');
    return Number(value);
  }

  signed(index: number, name: string): number | null {
    const value = this.text(index);
    if (value === null) return null;
    if (!signedPattern.test(value)) throw this.malformed(index, name, 'a decimal number');
    return Number(value);
  }

  integer(index: number, name: string, max: number): number | null {
    const value = this.text(index);
    if (value === null) return null;
    if (!/^\d{1,3}$/.test(value)) throw this.malformed(index, name, `an integer 0..${max}`);
    const number = Number(value);
    if (number > max) throw this.outOfRange(index, name, `0..${max}`);
    return number;
  }

  hexDigit(index: number, name: string): number {
    const value = this.fields[index] ?? '';
    if (!/^[0-9A-Fa-f]$/.test(value)) throw this.malformed(index, name, 'one hex digit');
    return parseInt(value, 16);
  }

  course(index: number, name: string): number | null {
    const degrees = this.unsigned(index, name);
    if (degrees !== null && degrees > 360) throw this.outOfRange(index, name, '0..360 degrees');
    return degrees;
  }

  letter<T extends string>(
    index: number,
    name: string,
    values: Readonly<Record<string, T>>,
  ): T | null {
    const value = this.text(index);
    if (value === null) return null;
    const mapped = Object.hasOwn(values, value) ? values[value] : undefined;
    if (mapped === undefined)
      throw this.malformed(index, name, `one of ${Object.keys(values).join(', ')}`);
    return mapped;
  }

  /** A unit or marker letter: either empty or exactly `letter`. */
  unit(index: number, name: string, letter: string): void {
    const value = this.fields[index] ?? '';
    if (value !== '' && value !== letter) throw this.malformed(index, name, `"${letter}"`);
  }

  time(index: number): NmeaTime | null {
    const value = this.text(index);
    if (value === null) return null;
    const match = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(value);
    if (!match) throw this.malformed(index, 'UTC time', 'hhmmss or hhmmss.ss');
    const time = { hours: Number(match[1]), minutes: Number(match[2]), seconds: Number(match[3]) };
    if (time.hours > 23 || time.minutes > 59 || time.seconds >= 61) {
      throw this.outOfRange(index, 'UTC time', '00:00:00..23:59:60');
    }
    return time;
  }

  date(index: number): NmeaDate | null {
    const value = this.text(index);
    if (value === null) return null;
    const match = /^(\d{2})(\d{2})(\d{2})$/.exec(value);
    if (!match) throw this.malformed(index, 'date', 'ddmmyy');
    const day = Number(match[1]);
    const month = Number(match[2]);
    const twoDigitYear = Number(match[3]);
    // Two-digit years: 80..99 are 1980..1999 (GPS started in 1980), 00..79 are 2000..2079.
    const year = twoDigitYear >= 80 ? 1900 + twoDigitYear : 2000 + twoDigitYear;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw this.outOfRange(index, 'date', 'a calendar date');
    }
    return { year, month, day };
  }

  latitude(valueIndex: number, hemisphereIndex: number): number | null {
    return this.coordinate(valueIndex, hemisphereIndex, 'latitude', 2, 90, { N: 1, S: -1 });
  }

  longitude(valueIndex: number, hemisphereIndex: number): number | null {
    return this.coordinate(valueIndex, hemisphereIndex, 'longitude', 3, 180, { E: 1, W: -1 });
  }

  magneticVariation(valueIndex: number, directionIndex: number): number | null {
    const degrees = this.unsigned(valueIndex, 'magnetic variation');
    const direction = this.text(directionIndex);
    if (degrees === null) return null;
    if (direction === null)
      throw this.missing(directionIndex, 'magnetic variation direction', 'magnetic variation');
    const sign = direction === 'E' ? 1 : direction === 'W' ? -1 : 0;
    if (sign === 0) throw this.malformed(directionIndex, 'magnetic variation direction', 'E or W');
    if (degrees > 180) throw this.outOfRange(valueIndex, 'magnetic variation', '0..180 degrees');
    return sign * degrees;
  }

  /** ddmm.mmmm / dddmm.mmmm plus a hemisphere letter, to signed decimal degrees. */
  private coordinate(
    valueIndex: number,
    hemisphereIndex: number,
    name: string,
    degreeDigits: number,
    maxDegrees: number,
    signs: Readonly<Record<string, number>>,
  ): number | null {
    const value = this.text(valueIndex);
    const hemisphere = this.text(hemisphereIndex);
    if (value === null && hemisphere === null) return null;
    if (value === null) throw this.missing(valueIndex, name, `its hemisphere "${hemisphere}"`);
    if (hemisphere === null) throw this.missing(hemisphereIndex, `${name} hemisphere`, name);
    const match = new RegExp(`^(\\d{1,${degreeDigits}})(\\d{2}(?:\\.\\d+)?)$`).exec(value);
    if (!match)
      throw this.malformed(valueIndex, name, degreeDigits === 2 ? 'ddmm.mmmm' : 'dddmm.mmmm');
    const sign = Object.hasOwn(signs, hemisphere) ? signs[hemisphere] : undefined;
    if (sign === undefined)
      throw this.malformed(hemisphereIndex, `${name} hemisphere`, Object.keys(signs).join(' or '));
    const degrees = Number(match[1]);
    const minutes = Number(match[2]);
    if (minutes >= 60) throw this.outOfRange(valueIndex, `${name} minutes`, '0..59.999');
    const decimal = degrees + minutes / 60;
    if (decimal > maxDegrees) throw this.outOfRange(valueIndex, name, `0..${maxDegrees} degrees`);
    return decimal === 0 ? 0 : sign * decimal;
  }

  private missing(index: number, name: string, companion: string): DeviceDataError {
    return new DeviceDataError(
      'MISSING_FIELD',
      `NMEA ${this.sentence}: field ${index + 1} (${name}) is empty but ${companion} is present.`,
    );
  }

  private outOfRange(index: number, name: string, range: string): DeviceDataError {
    return new DeviceDataError(
      'OUT_OF_RANGE',
      `NMEA ${this.sentence}: field ${index + 1} (${name}) is "${this.fields[index] ?? ''}", outside ${range}.`,
    );
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
