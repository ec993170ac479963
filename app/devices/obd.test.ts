import { describe, expect, it } from 'vitest';
import j1979 from './fixtures/j1979-examples.json';
import replies from './fixtures/elm327-replies.json';
import type { DeviceDataErrorCode } from './errors';
import {
  ambientAirTemperatureCelsius,
  coolantTemperatureCelsius,
  crc8J1850,
  decodeObdResponse,
  engineLoadPercent,
  engineSpeedRpm,
  fuelTankLevelPercent,
  intakeAirTemperatureCelsius,
  intakeManifoldPressureKpa,
  mafGramsPerSecond,
  obdPids,
  runTimeSeconds,
  supportedPidsFromBitmap,
  throttlePositionPercent,
  vehicleSpeedKmh,
  type ObdReading,
  type ObdReply,
} from './obd';
import { obdReplyCharactersMax } from './limits';
import { expectDeviceError } from './testHelpers';

function onlyReading(reply: ObdReply): ObdReading {
  expect(reply.kind).toBe('data');
  expect(reply.readings).toHaveLength(1);
  const [reading] = reply.readings;
  if (!reading) throw new Error('no reading');
  return reading;
}

describe('SAE J1979 formulas (fixtures/j1979-examples.json)', () => {
  for (const example of j1979.quantities) {
    it(`${example.reply} -> ${example.value} ${example.unit} (${example.formula})`, () => {
      const reading = onlyReading(decodeObdResponse(`${example.reply}\r\r>`));
      expect(reading.pid).toBe(example.pid);
      expect(reading.value.kind).toBe('quantity');
      if (reading.value.kind !== 'quantity') return;
      expect(reading.value.quantity).toBe(example.quantity);
      expect(reading.value.unit).toBe(example.unit);
      expect(reading.value.value).toBeCloseTo(example.value, 10);
    });
  }
  for (const example of j1979.bitmaps) {
    it(`${example.reply} lists the supported PIDs (${example.source})`, () => {
      const reading = onlyReading(decodeObdResponse(example.reply));
      expect(reading.value).toEqual({
        kind: 'supported-pids',
        supportedPids: example.supportedPids,
      });
    });
  }

  it('the exported formulas give the textbook examples', () => {
    expect(engineSpeedRpm(0x1a, 0xf8)).toBe(1726);
    expect(vehicleSpeedKmh(0x32)).toBe(50);
    expect(coolantTemperatureCelsius(0x7b)).toBe(83);
    expect(intakeAirTemperatureCelsius(0x44)).toBe(28);
    expect(ambientAirTemperatureCelsius(0x3c)).toBe(20);
    expect(mafGramsPerSecond(0x01, 0xf4)).toBe(5);
    expect(throttlePositionPercent(0xff)).toBe(100);
    expect(engineLoadPercent(0x33)).toBe(20);
    expect(fuelTankLevelPercent(0)).toBe(0);
    expect(intakeManifoldPressureKpa(0x65)).toBe(101);
    expect(runTimeSeconds(0x01, 0x2c)).toBe(300);
    expect(supportedPidsFromBitmap(0x40, 0x40, 0, 0, 0)).toEqual([0x42]);
  });

  it('covers at least the PIDs the app reads', () => {
    for (const pid of [0x00, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0f, 0x10, 0x11, 0x1f, 0x2f, 0x46])
      expect(obdPids.has(pid)).toBe(true);
  });
});

describe('decodeObdResponse: reply shapes (fixtures/elm327-replies.json)', () => {
  for (const example of replies.data) {
    it(example.name, () => {
      const reply = decodeObdResponse(example.text);
      expect(reply.kind).toBe('data');
      expect(reply.echo).toBe(example.expected.echo);
      expect(reply.searching).toBe(example.expected.searching);
      expect(reply.readings).toHaveLength(example.expected.readings.length);
      example.expected.readings.forEach((expected, index) => {
        const reading = reply.readings[index];
        expect(reading?.ecu).toBe(expected.ecu);
        expect(reading?.pid).toBe(expected.pid);
        expect(reading?.data).toEqual(expected.data);
        if ('value' in expected && reading?.value.kind === 'quantity')
          expect(reading.value.value).toBe(expected.value);
        if ('supportedPids' in expected)
          expect(reading?.value).toEqual({
            kind: 'supported-pids',
            supportedPids: expected.supportedPids,
          });
      });
      if ('negativeResponses' in example.expected)
        expect(reply.negativeResponses).toEqual(example.expected.negativeResponses);
    });
  }
});

describe('decodeObdResponse: ELM327 status replies are values, not exceptions', () => {
  for (const example of replies.status) {
    it(`${example.name}: ${JSON.stringify(example.text)}`, () => {
      const reply = decodeObdResponse(example.text);
      expect(reply).toMatchObject({
        kind: 'status',
        status: example.status,
        statusText: example.statusText,
        echo: example.echo,
        searching: example.searching,
      });
    });
  }

  it('SEARCHING... alone (the reply is still coming) is a status', () => {
    expect(decodeObdResponse('SEARCHING...\r')).toMatchObject({
      kind: 'status',
      status: 'searching',
    });
  });

  it('an error after some data keeps the data but reports the error', () => {
    const reply = decodeObdResponse('7E8 03 41 0D 32\rBUFFER FULL\r\r>');
    expect(reply).toMatchObject({ kind: 'status', status: 'buffer-full' });
    expect(reply.readings).toHaveLength(1);
  });
});

describe('decodeObdResponse: malformed replies throw DeviceDataError', () => {
  for (const example of replies.invalid) {
    it(`${example.code}: ${example.name}`, () => {
      expectDeviceError(() => decodeObdResponse(example.text), example.code as DeviceDataErrorCode);
    });
  }

  it('enforces the reply size limit', () => {
    expectDeviceError(
      () => decodeObdResponse('41 0D 32\r'.repeat(obdReplyCharactersMax / 9 + 1)),
      'TOO_LARGE',
    );
    expectDeviceError(() => decodeObdResponse('41 0D 32\r'.repeat(65)), 'TOO_LARGE');
  });

  it('throws TypeError for a non-string (programmer error)', () => {
    expect(() => decodeObdResponse(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('legacy protocol checksums', () => {
  it('CRC-8/SAE-J1850 check value', () => {
    expect(crc8J1850([...'123456789'].map((c) => c.charCodeAt(0)))).toBe(0x4b);
  });
});
