// Bluetooth GATT characteristic values, as defined in the Bluetooth SIG "GATT Specification
// Supplement" (GSS v5+) and the Heart Rate Service 1.0 / Battery Service 1.0 specifications:
//   Heart Rate Measurement 0x2A37, Battery Level 0x2A19,
//   Environmental Sensing: Pressure 0x2A6D, Temperature 0x2A6E, Humidity 0x2A6F.
// All multi-byte fields are little-endian. Decoders take the DataView Web Bluetooth hands out
// (`characteristic.value`); encoders produce the same bytes (used by the simulators and tests).

import { DeviceDataError } from './errors';
import { gattValueBytesMax, heartRateRrIntervalsMax } from './limits';

/** 16-bit UUIDs of the services and characteristics decoded here (Bluetooth Assigned Numbers). */
export const gattUuids = {
  heartRateService: 0x180d,
  heartRateMeasurement: 0x2a37,
  bodySensorLocation: 0x2a38,
  batteryService: 0x180f,
  batteryLevel: 0x2a19,
  environmentalSensingService: 0x181a,
  pressure: 0x2a6d,
  temperature: 0x2a6e,
  humidity: 0x2a6f,
} as const;

/** The 128-bit form Web Bluetooth and CDP expect: `0000xxxx-0000-1000-8000-00805f9b34fb`. */
export function gattUuid128(shortUuid: number): string {
  if (!Number.isInteger(shortUuid) || shortUuid < 0 || shortUuid > 0xffff) {
    throw new RangeError(`gattUuid128: shortUuid must be an integer 0..0xFFFF, got ${shortUuid}`);
  }
  return `0000${shortUuid.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`;
}

// ---------------------------------------------------------------------------------------------
// Heart Rate Measurement 0x2A37

/** Flags byte bits (GSS 3.113.1). Bits 5-7 are reserved for future use and ignored. */
const heartRateFlag = {
  valueFormatUint16: 0x01,
  sensorContactDetected: 0x02,
  sensorContactSupported: 0x04,
  energyExpendedPresent: 0x08,
  rrIntervalsPresent: 0x10,
} as const;

/** RR-Interval resolution: 1/1024 second. */
export const rrIntervalUnitsPerSecond = 1024;
/** Energy Expended saturates here: "0xFFFF means 65535 kJ or more" (HRS 1.0, 3.1.1.3). */
export const energyExpendedSaturatedKilojoules = 0xffff;

/**
 * Sensor contact, from flag bits 1-2. Bit 1 only means something when bit 2 says the feature is
 * supported: a strap without contact detection sends both bits clear, which is "not supported",
 * not "not touching the skin".
 */
export type SensorContact = 'not-supported' | 'not-detected' | 'detected';

export interface RrInterval {
  /** As sent, in units of 1/1024 s. */
  readonly raw: number;
  readonly seconds: number;
  readonly milliseconds: number;
}

export interface HeartRateMeasurement {
  readonly heartRateBpm: number;
  /** Wire format of the heart rate field (flag bit 0). */
  readonly valueFormat: 'uint8' | 'uint16';
  readonly sensorContact: SensorContact;
  /** Cumulative energy since the last reset, in kilojoules; null when the field is absent. */
  readonly energyExpendedKilojoules: number | null;
  /** True when the sensor sent 0xFFFF: the true value is 65535 kJ or more. */
  readonly energyExpendedSaturated: boolean;
  /** Oldest first, as in the packet. Empty when the field is absent. */
  readonly rrIntervals: readonly RrInterval[];
}

export function decodeHeartRate(view: DataView): HeartRateMeasurement {
  checkView('decodeHeartRate', view);
  const what = 'Heart Rate Measurement (0x2A37)';
  if (view.byteLength < 1) throw short(what, 'the flags byte', 1, view.byteLength);
  const flags = view.getUint8(0);
  const valueFormat = flags & heartRateFlag.valueFormatUint16 ? 'uint16' : 'uint8';
  let offset = 1;

  const rateBytes = valueFormat === 'uint16' ? 2 : 1;
  if (view.byteLength < offset + rateBytes) {
    throw short(what, `the ${valueFormat} heart rate`, offset + rateBytes, view.byteLength);
  }
  const heartRateBpm =
    valueFormat === 'uint16' ? view.getUint16(offset, true) : view.getUint8(offset);
  offset += rateBytes;

  let energyExpendedKilojoules: number | null = null;
  if (flags & heartRateFlag.energyExpendedPresent) {
    if (view.byteLength < offset + 2)
      throw short(what, 'Energy Expended', offset + 2, view.byteLength);
    energyExpendedKilojoules = view.getUint16(offset, true);
    offset += 2;
  }

  const rrIntervals = flags & heartRateFlag.rrIntervalsPresent ? readRrIntervals(view, offset) : [];
  if (!(flags & heartRateFlag.rrIntervalsPresent) && view.byteLength > offset) {
    throw new DeviceDataError(
      'MALFORMED',
      `${what}: ${view.byteLength - offset} stray byte(s) after the last field the flags announce (flags 0x${hex2(flags)}).`,
    );
  }

  return {
    heartRateBpm,
    valueFormat,
    sensorContact: sensorContactFromFlags(flags),
    energyExpendedKilojoules,
    energyExpendedSaturated: energyExpendedKilojoules === energyExpendedSaturatedKilojoules,
    rrIntervals,
  };
}

function sensorContactFromFlags(flags: number): SensorContact {
  if (!(flags & heartRateFlag.sensorContactSupported)) return 'not-supported';
  return flags & heartRateFlag.sensorContactDetected ? 'detected' : 'not-detected';
}

function readRrIntervals(view: DataView, offset: number): RrInterval[] {
  const what = 'Heart Rate Measurement (0x2A37)';
  const remaining = view.byteLength - offset;
  if (remaining === 0) throw short(what, 'at least one RR-Interval', offset + 2, view.byteLength);
  if (remaining % 2 !== 0) {
    throw new DeviceDataError(
      'MALFORMED',
      `${what}: the RR-Interval field has ${remaining} bytes; each interval is 2 bytes.`,
    );
  }
  const intervals: RrInterval[] = [];
  for (let at = offset; at < view.byteLength; at += 2)
    intervals.push(rrInterval(view.getUint16(at, true)));
  return intervals;
}

export function rrInterval(raw: number): RrInterval {
  return {
    raw,
    seconds: raw / rrIntervalUnitsPerSecond,
    milliseconds: (raw * 1000) / rrIntervalUnitsPerSecond,
  };
}

export interface HeartRateMeasurementInput {
  readonly heartRateBpm: number;
  readonly sensorContact: SensorContact;
  readonly energyExpendedKilojoules?: number | null;
  /** In units of 1/1024 s. */
  readonly rrIntervalsRaw?: readonly number[];
}

/** Inverse of decodeHeartRate. Uses the uint8 format when the rate fits, as the spec asks. */
export function encodeHeartRate(input: HeartRateMeasurementInput): Uint8Array {
  const rate = checkUint('encodeHeartRate: heartRateBpm', input.heartRateBpm, 0xffff);
  const energy = input.energyExpendedKilojoules ?? null;
  const rr = input.rrIntervalsRaw ?? [];
  if (rr.length > heartRateRrIntervalsMax) {
    throw new RangeError(
      `encodeHeartRate: at most ${heartRateRrIntervalsMax} RR-Intervals, got ${rr.length}`,
    );
  }
  const wide = rate > 0xff;
  let flags = wide ? heartRateFlag.valueFormatUint16 : 0;
  if (input.sensorContact !== 'not-supported') flags |= heartRateFlag.sensorContactSupported;
  if (input.sensorContact === 'detected') flags |= heartRateFlag.sensorContactDetected;
  if (energy !== null) flags |= heartRateFlag.energyExpendedPresent;
  if (rr.length > 0) flags |= heartRateFlag.rrIntervalsPresent;

  const bytes = new Uint8Array(1 + (wide ? 2 : 1) + (energy !== null ? 2 : 0) + rr.length * 2);
  const out = new DataView(bytes.buffer);
  out.setUint8(0, flags);
  let offset = 1;
  if (wide) out.setUint16(offset, rate, true);
  else out.setUint8(offset, rate);
  offset += wide ? 2 : 1;
  if (energy !== null) {
    out.setUint16(
      offset,
      checkUint('encodeHeartRate: energyExpendedKilojoules', energy, 0xffff),
      true,
    );
    offset += 2;
  }
  for (const raw of rr) {
    out.setUint16(offset, checkUint('encodeHeartRate: rrIntervalsRaw[]', raw, 0xffff), true);
    offset += 2;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Environmental Sensing (GSS 3.204 Temperature, 3.125 Humidity, 3.171 Pressure) and Battery Level

/** GSS: "A value of 0x8000 represents 'value is not known'". */
export const temperatureUnknownRaw = -0x8000;
/** GSS: allowed range -273.15 to 327.67 °C; every other value is prohibited. */
export const temperatureRawMin = -27315;
/** GSS: "A value of 0xFFFF represents 'value is not known'". */
export const humidityUnknownRaw = 0xffff;
/** GSS: allowed range 0.00 to 100.00 %. */
export const humidityRawMax = 10000;
/** Battery Service: 0..100 %; 101..255 are reserved for future use. */
export const batteryLevelPercentMax = 100;

export interface TemperatureReading {
  /** Degrees Celsius, resolution 0.01; null when the sensor says "value is not known". */
  readonly celsius: number | null;
  /** As sent: sint16, units of 0.01 °C. */
  readonly raw: number;
}

export interface HumidityReading {
  /** Relative humidity in percent, resolution 0.01; null when "value is not known". */
  readonly percent: number | null;
  /** As sent: uint16, units of 0.01 %. */
  readonly raw: number;
}

export interface PressureReading {
  /** Pascals, resolution 0.1 Pa. The GSS defines no "not known" value for Pressure. */
  readonly pascals: number;
  readonly hectopascals: number;
  /** As sent: uint32, units of 0.1 Pa. */
  readonly raw: number;
}

export interface BatteryLevelReading {
  readonly percent: number;
  readonly raw: number;
}

export function decodeTemperature(view: DataView): TemperatureReading {
  checkExactLength('decodeTemperature', 'Temperature (0x2A6E)', view, 2);
  const raw = view.getInt16(0, true);
  if (raw === temperatureUnknownRaw) return { celsius: null, raw };
  if (raw < temperatureRawMin) {
    throw new DeviceDataError(
      'OUT_OF_RANGE',
      `Temperature (0x2A6E): ${raw / 100} °C is below absolute zero (-273.15 °C); the sensor sent a prohibited value.`,
    );
  }
  return { celsius: raw / 100, raw };
}

export function decodeHumidity(view: DataView): HumidityReading {
  checkExactLength('decodeHumidity', 'Humidity (0x2A6F)', view, 2);
  const raw = view.getUint16(0, true);
  if (raw === humidityUnknownRaw) return { percent: null, raw };
  if (raw > humidityRawMax) {
    throw new DeviceDataError(
      'OUT_OF_RANGE',
      `Humidity (0x2A6F): ${raw / 100} % is above 100 %; the sensor sent a prohibited value.`,
    );
  }
  return { percent: raw / 100, raw };
}

export function decodePressure(view: DataView): PressureReading {
  checkExactLength('decodePressure', 'Pressure (0x2A6D)', view, 4);
  const raw = view.getUint32(0, true);
  return { pascals: raw / 10, hectopascals: raw / 1000, raw };
}

export function decodeBatteryLevel(view: DataView): BatteryLevelReading {
  checkExactLength('decodeBatteryLevel', 'Battery Level (0x2A19)', view, 1);
  const raw = view.getUint8(0);
  if (raw > batteryLevelPercentMax) {
    throw new DeviceDataError(
      'OUT_OF_RANGE',
      `Battery Level (0x2A19): ${raw} % is above 100 %; values 101-255 are reserved.`,
    );
  }
  return { percent: raw, raw };
}

/** `null` encodes "value is not known" (0x8000). */
export function encodeTemperature(celsius: number | null): Uint8Array {
  const raw = celsius === null ? temperatureUnknownRaw : Math.round(celsius * 100);
  if (
    celsius !== null &&
    !(Number.isFinite(celsius) && raw >= temperatureRawMin && raw <= 0x7fff)
  ) {
    throw new RangeError(
      `encodeTemperature: celsius must be within -273.15..327.67, got ${celsius}`,
    );
  }
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setInt16(0, raw, true);
  return bytes;
}

/** `null` encodes "value is not known" (0xFFFF). */
export function encodeHumidity(percent: number | null): Uint8Array {
  const raw = percent === null ? humidityUnknownRaw : Math.round(percent * 100);
  if (percent !== null && !(Number.isFinite(percent) && raw >= 0 && raw <= humidityRawMax)) {
    throw new RangeError(`encodeHumidity: percent must be within 0..100, got ${percent}`);
  }
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, raw, true);
  return bytes;
}

export function encodePressure(pascals: number): Uint8Array {
  const raw = checkUint('encodePressure: pascals * 10', Math.round(pascals * 10), 0xffffffff);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, raw, true);
  return bytes;
}

export function encodeBatteryLevel(percent: number): Uint8Array {
  return Uint8Array.of(checkUint('encodeBatteryLevel: percent', percent, batteryLevelPercentMax));
}

// ---------------------------------------------------------------------------------------------

function checkView(caller: string, view: unknown): asserts view is DataView {
  if (!(view instanceof DataView)) throw new TypeError(`${caller}: view must be a DataView`);
  if (view.byteLength > gattValueBytesMax) {
    throw new DeviceDataError(
      'TOO_LARGE',
      `${caller}: the value has ${view.byteLength} bytes; a GATT value has at most ${gattValueBytesMax}.`,
    );
  }
}

function checkExactLength(caller: string, what: string, view: DataView, bytes: number): void {
  checkView(caller, view);
  if (view.byteLength < bytes) throw short(what, `the ${bytes}-byte value`, bytes, view.byteLength);
  if (view.byteLength > bytes) {
    throw new DeviceDataError(
      'MALFORMED',
      `${what}: expected ${bytes} byte(s), got ${view.byteLength}.`,
    );
  }
}

function short(what: string, field: string, needed: number, got: number): DeviceDataError {
  return new DeviceDataError(
    'SHORT_VALUE',
    `${what}: the value ends before ${field} (needs ${needed} bytes, got ${got}).`,
  );
}

function checkUint(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer 0..${max}, got ${value}`);
  }
  return value;
}

function hex2(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
