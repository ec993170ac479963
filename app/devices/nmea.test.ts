import { describe, expect, it } from 'vitest';
import expectations from './fixtures/nmea-expected.json';
import gpsdLogs from './fixtures/gpsd-logs.nmea?raw';
import gpsdRtkLog from './fixtures/gpsd-rtk.nmea?raw';
import type { DeviceDataErrorCode } from './errors';
import { formatNmeaSentence, nmeaChecksum, parseNmea, type NmeaSentence } from './nmea';
import { expectAllFinite, expectDeviceError, referenceChecksum } from './testHelpers';

/** Numbers compared to 9 decimal places (well under a millimetre of latitude); the rest exactly. */
function expectCloseTo(actual: unknown, expected: unknown, path = 'sentence'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(actual as number, path).toBeCloseTo(expected, 9);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual, path).toBeTypeOf('object');
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      expectCloseTo((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}

function sentencesOf(log: string): string[] {
  return log.split(/\r?\n/).filter((line) => line.startsWith('$'));
}

describe('parseNmea: expected values (fixtures/nmea-expected.json)', () => {
  for (const { source, sentence, expected, ...rest } of expectations.sentences) {
    const options =
      'sentenceCharactersMax' in rest
        ? { sentenceCharactersMax: rest.sentenceCharactersMax as number }
        : {};
    it(`${sentence.slice(0, 6)} from ${source}`, () => {
      expectCloseTo(parseNmea(sentence, options), expected);
    });
  }
  for (const { source, sentence, code } of expectations.errors) {
    it(`rejects with ${code}: ${source}`, () => {
      expectDeviceError(() => parseNmea(sentence), code as DeviceDataErrorCode);
    });
  }
});

describe('parseNmea on real receiver logs (gpsd regression corpus)', () => {
  const sentences = sentencesOf(gpsdLogs);

  it('every fixture sentence carries a correct checksum (computed independently)', () => {
    for (const sentence of [
      ...sentences,
      ...sentencesOf(gpsdRtkLog),
      ...expectations.sentences.map((s) => s.sentence),
    ]) {
      const { given, computed } = referenceChecksum(sentence);
      expect(given, sentence).toBe(computed);
    }
  });

  it('decodes every RMC, GGA, VTG and GSA, and reports the other types as UNSUPPORTED', () => {
    const decoded: NmeaSentence[] = [];
    for (const sentence of sentences) {
      const type = sentence.slice(3, 6);
      if (['RMC', 'GGA', 'VTG', 'GSA'].includes(type) && !sentence.startsWith('$P')) {
        const parsed = parseNmea(sentence);
        expect(parsed.type).toBe(type);
        expect(parsed.talker).toBe(sentence.slice(1, 3));
        expectAllFinite(parsed);
        decoded.push(parsed);
      } else {
        expectDeviceError(() => parseNmea(sentence), 'UNSUPPORTED');
      }
    }
    expect(new Set(decoded.map((s) => s.talker))).toEqual(new Set(['GP', 'GN', 'BD']));
    expect(new Set(decoded.map((s) => s.type))).toEqual(new Set(['RMC', 'GGA', 'VTG', 'GSA']));
  });

  it('a fix in the southern and eastern hemispheres has negative latitude and positive longitude', () => {
    const fixes = sentences.filter((s) => s.startsWith('$GPRMC,0307')).map((s) => parseNmea(s));
    for (const fix of fixes) {
      if (fix.type !== 'RMC') throw new Error('expected RMC');
      expect(fix.latitude).toBeCloseTo(-37.7848, 3);
      expect(fix.longitude).toBeCloseTo(175.3149, 3);
      expect(fix.date).toEqual({ year: 2014, month: 12, day: 31 });
    }
    expect(fixes.length).toBeGreaterThan(3);
  });

  it('high-precision sentences exceed 82 characters: refused by default, decoded with a larger limit', () => {
    for (const sentence of sentencesOf(gpsdRtkLog)) {
      expectDeviceError(() => parseNmea(sentence), 'LINE_TOO_LONG');
      const parsed = parseNmea(sentence, { sentenceCharactersMax: 120 });
      expect(parsed.talker === 'GN' || parsed.talker === 'GP').toBe(true);
      if (parsed.type === 'GGA' || parsed.type === 'RMC') {
        expect(parsed.latitude).toBeCloseTo(41.5749, 3);
        expect(parsed.longitude).toBeCloseTo(-93.7506, 3);
      }
    }
  });
});

describe('parseNmea framing', () => {
  const rmc = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A';

  it('accepts the CR LF a receiver sends, and a lower-case checksum', () => {
    expect(parseNmea(`${rmc}\r\n`).type).toBe('RMC');
    const body = 'GPVTG,054.7,T,034.4,M,005.5,N,010.2,K';
    expect(parseNmea(`$${body}*${nmeaChecksum(body).toLowerCase()}`).type).toBe('VTG');
  });

  it('an empty field is "not known" (null), never zero', () => {
    const parsed = parseNmea(formatNmeaSentence('GPRMC,,V,,,,,,,,,'));
    expect(parsed).toMatchObject({
      time: null,
      status: 'warning',
      latitude: null,
      speedKnots: null,
      speedKmh: null,
      date: null,
      timestampMs: null,
    });
  });

  it('converts knots to km/h when VTG has no km/h field', () => {
    const parsed = parseNmea(formatNmeaSentence('GNVTG,90.0,T,,M,10.0,N,,K,A'));
    expect(parsed).toMatchObject({ type: 'VTG', speedKnots: 10, mode: 'autonomous' });
    if (parsed.type === 'VTG') expect(parsed.speedKmh).toBeCloseTo(18.52, 10);
  });

  it('reads the NMEA 1.x VTG layout without unit letters', () => {
    expect(parseNmea(formatNmeaSentence('GPVTG,054.7,034.4,005.5,010.2'))).toMatchObject({
      courseTrueDegrees: 54.7,
      courseMagneticDegrees: 34.4,
      speedKnots: 5.5,
      speedKmh: 10.2,
    });
  });

  it('two-digit years 80-99 are 1980-1999, 00-79 are 2000-2079', () => {
    const at = (yy: string) => parseNmea(formatNmeaSentence(`GPRMC,000000,A,,,,,,,0101${yy},,`));
    expect(at('80')).toMatchObject({ date: { year: 1980, month: 1, day: 1 } });
    expect(at('79')).toMatchObject({ date: { year: 2079, month: 1, day: 1 } });
  });

  it('names what was wrong in the message', () => {
    expect(
      expectDeviceError(() => parseNmea(rmc.replace('*6A', '*6B')), 'BAD_CHECKSUM').message,
    ).toMatch(/6B.*6A/);
    expect(
      expectDeviceError(
        () =>
          parseNmea(
            formatNmeaSentence('GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
          ),
        'MALFORMED',
      ).message,
    ).toMatch(/latitude hemisphere/);
  });

  it('refuses what is not an NMEA sentence', () => {
    expectDeviceError(() => parseNmea(''), 'MISSING_FIELD');
    expectDeviceError(() => parseNmea('GPRMC,123519*00'), 'MALFORMED');
    expectDeviceError(
      () => parseNmea('!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*26'),
      'UNSUPPORTED',
    );
    expectDeviceError(() => parseNmea('$GPRMC,1*ZZ'), 'MALFORMED');
    expectDeviceError(() => parseNmea(formatNmeaSentence('G1RMC,123519')), 'MALFORMED');
    expectDeviceError(
      () => parseNmea(`$GPRMC,\u00e9*${nmeaChecksum('GPRMC,\u00e9')}`),
      'MALFORMED',
    );
    expect(() => parseNmea(42 as unknown as string)).toThrow(TypeError);
    expect(() => parseNmea(rmc, { sentenceCharactersMax: 10_000 })).toThrow(RangeError);
  });
});
