// Property tests: random input to every decoder either decodes to a typed, all-finite value or
// throws DeviceDataError. Any other exception (TypeError from a bad index, RangeError from a
// DataView read) or a NaN fails the property; fast-check prints the seed and the shrunk input.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBatteryLevel,
  decodeHeartRate,
  decodeHumidity,
  decodePressure,
  decodeTemperature,
} from './gatt';
import { formatNmeaSentence, parseNmea } from './nmea';
import { decodeObdResponse } from './obd';
import { expectTypedOutcome, viewOf } from './testHelpers';

const runs = { numRuns: 2000 };

describe('GATT decoders on random bytes', () => {
  const decoders = {
    decodeHeartRate,
    decodeTemperature,
    decodeHumidity,
    decodePressure,
    decodeBatteryLevel,
  };
  for (const [name, decode] of Object.entries(decoders)) {
    it(`${name}: typed value or DeviceDataError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 24 }), fc.nat({ max: 4 }), (bytes, skip) => {
          // Also read through a DataView that does not start at offset 0 of its buffer.
          const padded = Uint8Array.from([...new Array<number>(skip).fill(0xee), ...bytes]);
          expectTypedOutcome(() => decode(new DataView(padded.buffer, skip)));
        }),
        runs,
      );
    });
  }

  it('decodeHeartRate: a decoded value is consistent with its flags', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        let measurement;
        try {
          measurement = decodeHeartRate(viewOf(bytes));
        } catch {
          return;
        }
        const flags = bytes[0] ?? 0;
        expect(measurement.valueFormat).toBe(flags & 1 ? 'uint16' : 'uint8');
        expect(measurement.energyExpendedKilojoules === null).toBe((flags & 0x08) === 0);
        expect(measurement.rrIntervals.length > 0).toBe((flags & 0x10) !== 0);
        for (const rr of measurement.rrIntervals)
          expect(rr.milliseconds).toBeCloseTo((rr.raw / 1024) * 1000, 9);
      }),
      runs,
    );
  });
});

const nmeaFieldCharacter = fc.constantFrom(...'0123456789.-+NSEWAVMTKDP,*$'.split(''));

/** Sentences with a valid frame and checksum but random fields: reaches every field parser. */
const framedNmea = fc
  .tuple(
    fc.constantFrom('GP', 'GN', 'GL', 'GA', 'BD', 'GB', 'PS', 'XX'),
    fc.constantFrom('RMC', 'GGA', 'VTG', 'GSA', 'GSV', 'ZDA'),
    fc.array(fc.string({ unit: nmeaFieldCharacter, maxLength: 12 }), { maxLength: 20 }),
  )
  .map(([talker, type, fields]) =>
    formatNmeaSentence([`${talker}${type}`, ...fields].join(',').replace(/[*$]/g, '')),
  );

/** Plausible sentences: realistic values in every field, some left empty. */
const plausibleNmea = fc
  .tuple(
    fc.constantFrom('GP', 'GN', 'BD'),
    fc.constantFrom('RMC', 'GGA', 'VTG', 'GSA'),
    fc.array(
      fc.oneof(
        fc.constant(''),
        fc.integer({ min: 0, max: 999_999 }).map(String),
        fc.double({ min: 0, max: 20_000, noNaN: true }).map((n) => n.toFixed(4)),
        fc.constantFrom('A', 'V', 'N', 'S', 'E', 'W', 'M', 'T', 'K', 'D', '1', '2', '3', '-17.5'),
      ),
      { minLength: 3, maxLength: 19 },
    ),
  )
  .map(([talker, type, fields]) => formatNmeaSentence([`${talker}${type}`, ...fields].join(',')));

describe('parseNmea on random text', () => {
  it('arbitrary strings: typed value or DeviceDataError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 120 }),
        (line) => void expectTypedOutcome(() => parseNmea(line)),
      ),
      runs,
    );
  });

  it('arbitrary unicode and control characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 90 }),
        (line) => void expectTypedOutcome(() => parseNmea(`$${line}`)),
      ),
      runs,
    );
  });

  it('well-framed sentences with random fields', () => {
    fc.assert(
      fc.property(
        framedNmea,
        (line) => void expectTypedOutcome(() => parseNmea(line, { sentenceCharactersMax: 256 })),
      ),
      runs,
    );
  });

  it('plausible sentences: decoded coordinates are within the globe', () => {
    let decoded = 0;
    fc.assert(
      fc.property(plausibleNmea, (line) => {
        if (expectTypedOutcome(() => parseNmea(line, { sentenceCharactersMax: 256 })) !== 'value')
          return;
        decoded++;
        const sentence = parseNmea(line, { sentenceCharactersMax: 256 });
        if (sentence.type === 'RMC' || sentence.type === 'GGA') {
          if (sentence.latitude !== null)
            expect(Math.abs(sentence.latitude)).toBeLessThanOrEqual(90);
          if (sentence.longitude !== null)
            expect(Math.abs(sentence.longitude)).toBeLessThanOrEqual(180);
        }
      }),
      runs,
    );
    expect(decoded).toBeGreaterThan(0);
  });

  it('a single changed character is caught by the checksum or decodes to a valid value', () => {
    const base = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47';
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: base.length - 4 }),
        fc.constantFrom(...'0123456789,.NSEWM'.split('')),
        (at, character) => {
          const mutated = base.slice(0, at) + character + base.slice(at + 1);
          const outcome = expectTypedOutcome(() => parseNmea(mutated));
          if (mutated !== base) expect(outcome).not.toBe('value');
        },
      ),
      runs,
    );
  });
});

const hexByte = fc
  .integer({ min: 0, max: 255 })
  .map((n) => n.toString(16).toUpperCase().padStart(2, '0'));

/** Lines shaped like ELM327 output: optional header, hex bytes, spaces or not, statuses. */
const elmLine = fc.oneof(
  fc.array(hexByte, { maxLength: 12 }).map((bytes) => bytes.join(' ')),
  fc.array(hexByte, { maxLength: 12 }).map((bytes) => bytes.join('')),
  fc
    .tuple(
      fc.constantFrom('7E8', '7E9', '18DAF110', '18 DA F1 10'),
      fc.array(hexByte, { maxLength: 9 }),
    )
    .map(([h, b]) => [h, ...b].join(' ')),
  fc
    .tuple(fc.constantFrom('41', '7F'), fc.array(hexByte, { maxLength: 8 }))
    .map(([s, b]) => [s, ...b].join(' ')),
  fc.constantFrom(
    'NO DATA',
    'SEARCHING...',
    '?',
    'CAN ERROR',
    'BUS INIT: ...ERROR',
    'STOPPED',
    'OK',
    '010D',
    'ATZ',
    '>',
    '',
    '0:',
    '014',
  ),
  fc.string({ maxLength: 20 }),
);

describe('decodeObdResponse on random text', () => {
  it('arbitrary strings: typed value or DeviceDataError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        (text) => void expectTypedOutcome(() => decodeObdResponse(text)),
      ),
      runs,
    );
  });

  it('ELM-shaped replies: typed value or DeviceDataError, and data replies carry readings', () => {
    fc.assert(
      fc.property(
        fc.array(elmLine, { maxLength: 6 }),
        fc.constantFrom('\r', '\n', '\r\n'),
        (lines, end) => {
          const text = `${lines.join(end)}${end}${end}>`;
          const outcome = expectTypedOutcome(() => decodeObdResponse(text));
          if (outcome !== 'value') return;
          const reply = decodeObdResponse(text);
          if (reply.kind === 'data')
            expect(reply.readings.length + reply.negativeResponses.length).toBeGreaterThan(0);
          for (const reading of reply.readings) expect(reading.pid).toBeGreaterThanOrEqual(0);
        },
      ),
      runs,
    );
  });

  it('any single-PID reply built from a known PID and random data decodes to the formula', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x04, 0x05, 0x0b, 0x0d, 0x0f, 0x11, 0x2f, 0x46),
        hexByte,
        (pid, a) => {
          const reply = decodeObdResponse(`41 ${pid.toString(16).padStart(2, '0')} ${a} \r\r>`);
          expect(reply.kind).toBe('data');
          expect(reply.readings[0]?.data).toEqual([parseInt(a, 16)]);
        },
      ),
      runs,
    );
  });
});
