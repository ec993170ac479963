// Simulated Bluetooth sensors for the demo devices and the e2e BluetoothEmulation fixtures: a heart
// rate strap (Heart Rate Measurement 0x2A37) and an environmental sensor (0x2A6E/0x2A6F/0x2A6D plus
// Battery Level 0x2A19). Pure and deterministic: the output is a function of (seed, timeMs) only.
// The `...At(timeMs)` state is exactly what the bytes encode, so tests compare decoded bytes to it.

import {
  encodeBatteryLevel,
  encodeHeartRate,
  encodeHumidity,
  encodePressure,
  encodeTemperature,
  energyExpendedSaturatedKilojoules,
  rrIntervalUnitsPerSecond,
  type SensorContact,
} from './gatt';
import { checkSeed, checkTimeMs, smoothNoise, unitNoise } from './seededNoise';

const secondMs = 1000;
const hourMs = 3_600_000;

// ---------------------------------------------------------------------------------------------

export interface HeartRateState {
  readonly heartRateBpm: number;
  readonly sensorContact: SensorContact;
  /** Present every 10th second, as straps commonly send it (HRS 1.0 leaves the rate to the device). */
  readonly energyExpendedKilojoules: number | null;
  /** In units of 1/1024 s, oldest first. */
  readonly rrIntervalsRaw: readonly number[];
}

export interface HeartRateSimulator {
  readonly seed: number;
  /** `timeMs` is milliseconds since the strap was put on. */
  stateAt(timeMs: number): HeartRateState;
  /** The 0x2A37 value a strap would notify at `timeMs` (one notification per second is typical). */
  measurementAt(timeMs: number): Uint8Array;
}

/** Resting rate 58-72 bpm, drifting workout intensity up to ~165 bpm, RR-intervals with jitter. */
export function simulateHeartRate(seed: number): HeartRateSimulator {
  checkSeed('simulateHeartRate', seed);
  const restingBpm = 58 + Math.floor(unitNoise(seed, 1, 0) * 15);

  const stateAt = (timeMs: number): HeartRateState => {
    checkTimeMs('simulateHeartRate.stateAt', timeMs);
    const intensity = smoothNoise(seed, 2, timeMs / 90_000);
    const wobble = (smoothNoise(seed, 3, timeMs / 4_000) - 0.5) * 6;
    const heartRateBpm = Math.max(40, Math.round(restingBpm + intensity * 95 + wobble));
    const secondIndex = Math.floor(timeMs / secondMs);
    const contactLost = unitNoise(seed, 4, Math.floor(timeMs / 20_000)) < 0.05;
    const elapsedSeconds = Math.max(0, timeMs) / secondMs;
    const energy = Math.min(energyExpendedSaturatedKilojoules, Math.floor(elapsedSeconds * 0.35));
    const beats = Math.min(3, Math.max(1, Math.floor(heartRateBpm / 60)));
    const rrIntervalsRaw: number[] = [];
    for (let beat = 0; beat < beats; beat++) {
      const jitter = (unitNoise(seed, 5, secondIndex * 4 + beat) - 0.5) * 40;
      rrIntervalsRaw.push(Math.round((60 / heartRateBpm) * rrIntervalUnitsPerSecond + jitter));
    }
    return {
      heartRateBpm,
      sensorContact: contactLost ? 'not-detected' : 'detected',
      energyExpendedKilojoules: secondIndex % 10 === 0 ? energy : null,
      rrIntervalsRaw,
    };
  };

  return { seed, stateAt, measurementAt: (timeMs) => encodeHeartRate(stateAt(timeMs)) };
}

// ---------------------------------------------------------------------------------------------

export interface EnvironmentState {
  /** Multiples of 0.01 °C, as the Temperature characteristic carries them. */
  readonly temperatureCelsius: number;
  /** Multiples of 0.01 %. */
  readonly humidityPercent: number;
  /** Multiples of 0.1 Pa. */
  readonly pressurePascals: number;
  readonly batteryPercent: number;
}

export interface EnvironmentValues {
  readonly temperature: Uint8Array;
  readonly humidity: Uint8Array;
  readonly pressure: Uint8Array;
  readonly batteryLevel: Uint8Array;
}

export interface EnvironmentSimulator {
  readonly seed: number;
  /** `timeMs` is Unix epoch milliseconds (UTC): temperature follows the time of day. */
  stateAt(timeMs: number): EnvironmentState;
  /** The characteristic values a sensor would return at `timeMs`. */
  valuesAt(timeMs: number): EnvironmentValues;
}

/** An indoor/outdoor climate sensor: daily temperature swing, humidity opposite, slow weather. */
export function simulateEnvironment(seed: number): EnvironmentSimulator {
  checkSeed('simulateEnvironment', seed);
  const baseCelsius = 8 + unitNoise(seed, 10, 0) * 14;
  const batteryOffsetHours = unitNoise(seed, 11, 0) * 1000;

  const stateAt = (timeMs: number): EnvironmentState => {
    checkTimeMs('simulateEnvironment.stateAt', timeMs);
    const hourOfDay = (((timeMs / hourMs) % 24) + 24) % 24;
    const daily = 6 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    const weather = smoothNoise(seed, 12, timeMs / (6 * hourMs)) - 0.5;
    const temperatureRaw = Math.round((baseCelsius + daily + weather * 4) * 100);
    const humidityRaw = clamp(Math.round((65 - daily * 3 + weather * 20) * 100), 500, 10000);
    const pressureRaw = Math.round((101_325 + weather * 3_000) * 10);
    const hoursOnBattery = (((timeMs / hourMs + batteryOffsetHours) % 2000) + 2000) % 2000;
    return {
      temperatureCelsius: temperatureRaw / 100,
      humidityPercent: humidityRaw / 100,
      pressurePascals: pressureRaw / 10,
      batteryPercent: clamp(100 - Math.floor(hoursOnBattery / 20), 0, 100),
    };
  };

  const valuesAt = (timeMs: number): EnvironmentValues => {
    const state = stateAt(timeMs);
    return {
      temperature: encodeTemperature(state.temperatureCelsius),
      humidity: encodeHumidity(state.humidityPercent),
      pressure: encodePressure(state.pressurePascals),
      batteryLevel: encodeBatteryLevel(state.batteryPercent),
    };
  };

  return { seed, stateAt, valuesAt };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
