// A deterministic drive for the simulated vehicle behind the ELM327 simulator: a 3-minute loop of
// idle, acceleration, cruise (speed drawn from the seed per loop), braking and idle again, with a
// warming engine and a slowly emptying tank. `timeMs` is milliseconds since the engine started.
//
// The profile produces the raw SAE J1979 data bytes for each PID; the physical state is computed
// from those bytes with the same formulas the decoder uses, so a decoded reply equals the state.

import {
  ambientAirTemperatureCelsius,
  barometricPressureKpa,
  controlModuleVoltageVolts,
  coolantTemperatureCelsius,
  engineLoadPercent,
  engineSpeedRpm,
  fuelTankLevelPercent,
  intakeAirTemperatureCelsius,
  intakeManifoldPressureKpa,
  mafGramsPerSecond,
  runTimeSeconds,
  throttlePositionPercent,
  vehicleSpeedKmh,
} from './obd';
import { checkSeed, checkTimeMs, smoothNoise, unitNoise } from './seededNoise';

export interface VehicleState {
  readonly engineSpeedRpm: number;
  readonly vehicleSpeedKmh: number;
  readonly coolantTemperatureCelsius: number;
  readonly intakeAirTemperatureCelsius: number;
  readonly mafGramsPerSecond: number;
  readonly throttlePositionPercent: number;
  readonly engineLoadPercent: number;
  readonly intakeManifoldPressureKpa: number;
  readonly fuelTankLevelPercent: number;
  readonly runTimeSeconds: number;
  readonly ambientAirTemperatureCelsius: number;
  readonly barometricPressureKpa: number;
  readonly controlModuleVoltageVolts: number;
}

export interface DriveProfile {
  readonly seed: number;
  /** Service 01 PIDs the engine ECU answers, including the supported-PID maps 0x00/0x20/0x40. */
  readonly supportedPids: readonly number[];
  /** Raw data bytes (A, B, ...) for a PID at `timeMs`, or null if the ECU does not support it. */
  pidDataAt(pid: number, timeMs: number): number[] | null;
  stateAt(timeMs: number): VehicleState;
  /** Battery voltage the ELM327 reads on its supply pin (AT RV) while the engine runs. */
  batteryVoltsAt(timeMs: number): number;
}

const loopMs = 180_000;
const dataPids = [0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0f, 0x10, 0x11, 0x1f, 0x2f, 0x33, 0x42, 0x46];

/** Bitmap PIDs 0x00, 0x20, 0x40 for the given data PIDs (each map also announces the next). */
export function supportedPidBitmaps(pids: readonly number[]): Map<number, number[]> {
  const maps = new Map<number, number[]>();
  const highest = Math.max(0, ...pids);
  for (let base = 0; base < 0x100 && base < highest; base += 0x20) {
    const bytes = [0, 0, 0, 0];
    const inRange = pids.filter((pid) => pid > base && pid <= base + 0x20);
    const announcesNext = base + 0x20 < highest;
    for (const pid of announcesNext ? [...inRange, base + 0x20] : inRange) {
      const bit = pid - base - 1;
      const index = bit >> 3;
      bytes[index] = (bytes[index] ?? 0) | (0x80 >> (bit & 7));
    }
    maps.set(base, bytes);
  }
  return maps;
}

export function createDriveProfile(seed: number): DriveProfile {
  checkSeed('createDriveProfile', seed);
  const ambientCelsius = 5 + Math.floor(unitNoise(seed, 30, 0) * 26);
  const idleRpm = 760 + Math.floor(unitNoise(seed, 31, 0) * 80);
  const startFuelPercent = 30 + unitNoise(seed, 32, 0) * 60;
  const bitmaps = supportedPidBitmaps(dataPids);
  const supportedPids = [...bitmaps.keys(), ...dataPids].sort((a, b) => a - b);

  const speedAt = (
    t: number,
  ): { kmh: number; phase: 'idle' | 'accelerate' | 'cruise' | 'brake' } => {
    const loop = Math.floor(t / loopMs);
    const s = (t - loop * loopMs) / 1000;
    const cruise = 40 + unitNoise(seed, 33, loop) * 70;
    if (s < 15 || s >= 165) return { kmh: 0, phase: 'idle' };
    if (s < 35) return { kmh: (cruise * (s - 15)) / 20, phase: 'accelerate' };
    if (s < 140)
      return { kmh: cruise + (smoothNoise(seed, 34, t / 12_000) - 0.5) * 16, phase: 'cruise' };
    return { kmh: (cruise * (165 - s)) / 25, phase: 'brake' };
  };

  const rawAt = (t: number): Map<number, number[]> => {
    const { kmh, phase } = speedAt(t);
    const speed = clampByte(Math.round(kmh));
    const gearRpmPerKmh = kmh < 15 ? 110 : kmh < 30 ? 65 : kmh < 50 ? 45 : kmh < 70 ? 35 : 28;
    const rpm =
      kmh < 3
        ? idleRpm + (smoothNoise(seed, 35, t / 2_000) - 0.5) * 40
        : Math.max(idleRpm, kmh * gearRpmPerKmh);
    const rpmRaw = Math.min(0xffff, Math.round((phase === 'accelerate' ? rpm * 1.15 : rpm) * 4));
    const throttle = { idle: 14, accelerate: 55, cruise: 24, brake: 12 }[phase];
    const load = { idle: 22, accelerate: 72, cruise: 38, brake: 9 }[phase];
    const manifoldKpa = { idle: 31, accelerate: 88, cruise: 52, brake: 24 }[phase];
    const maf = (((rpmRaw / 4) * load) / 1000) * 0.12;
    const mafRaw = Math.min(0xffff, Math.round(maf * 100));
    const coolant = ambientCelsius + (90 - ambientCelsius) * (1 - Math.exp(-t / 240_000));
    const intake = ambientCelsius + 8 - kmh / 20;
    const fuel = Math.max(0, startFuelPercent - t / 600_000);
    const runtime = Math.min(0xffff, Math.floor(t / 1000));
    const moduleMillivolts = 14_100 + Math.round(smoothNoise(seed, 36, t / 30_000) * 300);
    return new Map<number, number[]>([
      ...bitmaps,
      [0x04, [percentByte(load)]],
      [0x05, [clampByte(Math.round(coolant) + 40)]],
      [0x0b, [clampByte(manifoldKpa)]],
      [0x0c, [rpmRaw >> 8, rpmRaw & 0xff]],
      [0x0d, [speed]],
      [0x0f, [clampByte(Math.round(intake) + 40)]],
      [0x10, [mafRaw >> 8, mafRaw & 0xff]],
      [0x11, [percentByte(throttle)]],
      [0x1f, [runtime >> 8, runtime & 0xff]],
      [0x2f, [percentByte(fuel)]],
      [0x33, [101]],
      [0x42, [moduleMillivolts >> 8, moduleMillivolts & 0xff]],
      [0x46, [clampByte(ambientCelsius + 40)]],
    ]);
  };

  const pidDataAt = (pid: number, timeMs: number): number[] | null => {
    checkTimeMs('DriveProfile.pidDataAt', timeMs);
    return rawAt(Math.max(0, timeMs)).get(pid) ?? null;
  };

  const stateAt = (timeMs: number): VehicleState => {
    checkTimeMs('DriveProfile.stateAt', timeMs);
    const raw = rawAt(Math.max(0, timeMs));
    const a = (pid: number) => raw.get(pid)?.[0] ?? 0;
    const b = (pid: number) => raw.get(pid)?.[1] ?? 0;
    return {
      engineSpeedRpm: engineSpeedRpm(a(0x0c), b(0x0c)),
      vehicleSpeedKmh: vehicleSpeedKmh(a(0x0d)),
      coolantTemperatureCelsius: coolantTemperatureCelsius(a(0x05)),
      intakeAirTemperatureCelsius: intakeAirTemperatureCelsius(a(0x0f)),
      mafGramsPerSecond: mafGramsPerSecond(a(0x10), b(0x10)),
      throttlePositionPercent: throttlePositionPercent(a(0x11)),
      engineLoadPercent: engineLoadPercent(a(0x04)),
      intakeManifoldPressureKpa: intakeManifoldPressureKpa(a(0x0b)),
      fuelTankLevelPercent: fuelTankLevelPercent(a(0x2f)),
      runTimeSeconds: runTimeSeconds(a(0x1f), b(0x1f)),
      ambientAirTemperatureCelsius: ambientAirTemperatureCelsius(a(0x46)),
      barometricPressureKpa: barometricPressureKpa(a(0x33)),
      controlModuleVoltageVolts: controlModuleVoltageVolts(a(0x42), b(0x42)),
    };
  };

  const batteryVoltsAt = (timeMs: number): number => {
    checkTimeMs('DriveProfile.batteryVoltsAt', timeMs);
    const raw = rawAt(Math.max(0, timeMs)).get(0x42) ?? [0, 0];
    return Math.round(controlModuleVoltageVolts(raw[0] ?? 0, raw[1] ?? 0) * 10) / 10;
  };

  return { seed, supportedPids, pidDataAt, stateAt, batteryVoltsAt };
}

function clampByte(value: number): number {
  return Math.min(255, Math.max(0, value));
}

function percentByte(percent: number): number {
  return clampByte(Math.round((percent * 255) / 100));
}
