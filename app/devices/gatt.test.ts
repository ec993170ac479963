import { describe, expect, it } from 'vitest';
import examples from './fixtures/gatt-sig-examples.json';
import {
  decodeBatteryLevel,
  decodeHeartRate,
  decodeHumidity,
  decodePressure,
  decodeTemperature,
  encodeBatteryLevel,
  encodeHeartRate,
  encodeHumidity,
  encodePressure,
  encodeTemperature,
  gattUuid128,
  gattUuids,
} from './gatt';
import type { DeviceDataErrorCode } from './errors';
import { gattValueBytesMax } from './limits';
import { expectDeviceError, viewOf } from './testHelpers';

type Decoder = (view: DataView) => unknown;

const decoders: ReadonlyArray<[keyof Omit<typeof examples, 'about'>, Decoder]> = [
  ['heartRateMeasurement', decodeHeartRate],
  ['temperature', decodeTemperature],
  ['humidity', decodeHumidity],
  ['pressure', decodePressure],
  ['batteryLevel', decodeBatteryLevel],
];

describe('GATT decoders against the Bluetooth SIG examples (fixtures/gatt-sig-examples.json)', () => {
  for (const [characteristic, decode] of decoders) {
    describe(characteristic, () => {
      for (const example of examples[characteristic].valid) {
        it(`decodes: ${example.name}`, () => {
          expect(decode(viewOf(example.bytes))).toEqual(example.expected);
        });
      }
      for (const example of examples[characteristic].invalid) {
        it(`rejects: ${example.name}`, () => {
          expectDeviceError(
            () => decode(viewOf(example.bytes)),
            example.code as DeviceDataErrorCode,
          );
        });
      }
    });
  }
});

describe('decodeHeartRate', () => {
  it('reads from the DataView offset Web Bluetooth hands out, not from the buffer start', () => {
    const buffer = Uint8Array.of(0xaa, 0xbb, 0x16, 0x48, 0x00, 0x04).buffer;
    const measurement = decodeHeartRate(new DataView(buffer, 2));
    expect(measurement.heartRateBpm).toBe(72);
    expect(measurement.rrIntervals).toEqual([{ raw: 1024, seconds: 1, milliseconds: 1000 }]);
  });

  it('gives RR-intervals in seconds and milliseconds, 1/1024 s each', () => {
    const measurement = decodeHeartRate(viewOf([0x10, 0x3c, 0x00, 0x02]));
    expect(measurement.rrIntervals[0]).toEqual({ raw: 512, seconds: 0.5, milliseconds: 500 });
  });

  it('refuses a value longer than any GATT attribute can be', () => {
    const bytes = new Array<number>(gattValueBytesMax + 1).fill(0);
    bytes[0] = 0x10;
    expectDeviceError(() => decodeHeartRate(viewOf(bytes)), 'TOO_LARGE');
  });

  it('accepts the most RR-intervals a 512-byte value can hold', () => {
    const rrIntervalsRaw = new Array<number>(254).fill(800);
    const measurement = decodeHeartRate(
      viewOf(encodeHeartRate({ heartRateBpm: 75, sensorContact: 'detected', rrIntervalsRaw })),
    );
    expect(measurement.rrIntervals).toHaveLength(254);
  });

  it('throws TypeError (a programmer error) for something that is not a DataView', () => {
    expect(() => decodeHeartRate(Uint8Array.of(0, 60) as unknown as DataView)).toThrow(TypeError);
    expect(() => decodeTemperature('0x2A6E' as unknown as DataView)).toThrow(
      /view must be a DataView/,
    );
  });
});

describe('encoders are the inverse of the decoders', () => {
  it('heart rate: every field survives a round trip', () => {
    const input = {
      heartRateBpm: 140,
      sensorContact: 'not-detected',
      energyExpendedKilojoules: 321,
      rrIntervalsRaw: [430, 441],
    } as const;
    const decoded = decodeHeartRate(viewOf(encodeHeartRate(input)));
    expect(decoded).toMatchObject({
      heartRateBpm: 140,
      valueFormat: 'uint8',
      sensorContact: 'not-detected',
      energyExpendedKilojoules: 321,
    });
    expect(decoded.rrIntervals.map((interval) => interval.raw)).toEqual([430, 441]);
  });

  it('heart rate above 255 bpm switches to the uint16 format', () => {
    expect(
      decodeHeartRate(
        viewOf(encodeHeartRate({ heartRateBpm: 300, sensorContact: 'not-supported' })),
      ),
    ).toMatchObject({
      heartRateBpm: 300,
      valueFormat: 'uint16',
    });
  });

  it('environmental values and "not known"', () => {
    expect(decodeTemperature(viewOf(encodeTemperature(-5.5))).celsius).toBe(-5.5);
    expect(decodeTemperature(viewOf(encodeTemperature(null))).celsius).toBeNull();
    expect(decodeHumidity(viewOf(encodeHumidity(45.67))).percent).toBe(45.67);
    expect(decodeHumidity(viewOf(encodeHumidity(null))).percent).toBeNull();
    expect(decodePressure(viewOf(encodePressure(101_325))).hectopascals).toBe(1013.25);
    expect(decodeBatteryLevel(viewOf(encodeBatteryLevel(87))).percent).toBe(87);
  });

  it('encoders reject values the characteristic cannot carry (RangeError, with the argument name)', () => {
    expect(() => encodeTemperature(-300)).toThrow(RangeError);
    expect(() => encodeHumidity(100.5)).toThrow(/percent/);
    expect(() => encodeBatteryLevel(101)).toThrow(RangeError);
    expect(() => encodeHeartRate({ heartRateBpm: Number.NaN, sensorContact: 'detected' })).toThrow(
      /heartRateBpm/,
    );
    expect(() => encodePressure(-1)).toThrow(RangeError);
  });
});

describe('UUIDs', () => {
  it('expands 16-bit UUIDs to the Bluetooth base UUID', () => {
    expect(gattUuid128(gattUuids.heartRateMeasurement)).toBe(
      '00002a37-0000-1000-8000-00805f9b34fb',
    );
    expect(gattUuid128(gattUuids.environmentalSensingService)).toBe(
      '0000181a-0000-1000-8000-00805f9b34fb',
    );
    expect(() => gattUuid128(0x10000)).toThrow(RangeError);
  });
});
