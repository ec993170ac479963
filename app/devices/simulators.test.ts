import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDriveProfile, type VehicleState } from './driveProfile';
import { Elm327Simulator, type Elm327SimulatorOptions } from './elm327Simulator';
import {
  decodeBatteryLevel,
  decodeHeartRate,
  decodeHumidity,
  decodePressure,
  decodeTemperature,
} from './gatt';
import { simulateEnvironment, simulateHeartRate } from './gattSimulators';
import { GpsSimulator } from './gpsSimulator';
import { nmeaSentenceCharactersMax } from './limits';
import { LineSplitter } from './lineSplitter';
import { parseNmea, type NmeaSentence } from './nmea';
import { decodeObdResponse, type ObdReading } from './obd';
import { expectAllFinite, expectDeviceError, referenceChecksum, viewOf } from './testHelpers';

const minuteMs = 60_000;
const june2025 = Date.UTC(2025, 5, 1, 12, 0, 0);

// The simulators must be pure: any use of Math.random or the clock fails these tests.
beforeEach(() => {
  vi.spyOn(Math, 'random').mockImplementation(() => {
    throw new Error('a simulator called Math.random');
  });
  vi.spyOn(Date, 'now').mockImplementation(() => {
    throw new Error('a simulator called Date.now');
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const sampleTimesMs = Array.from({ length: 120 }, (_, i) => i * 7_919);

describe('simulateHeartRate', () => {
  it('produces 0x2A37 values that decode to the state it reports', () => {
    const strap = simulateHeartRate(42);
    for (const t of sampleTimesMs) {
      const state = strap.stateAt(t);
      const decoded = decodeHeartRate(viewOf(strap.measurementAt(t)));
      expect(decoded.heartRateBpm).toBe(state.heartRateBpm);
      expect(decoded.sensorContact).toBe(state.sensorContact);
      expect(decoded.energyExpendedKilojoules).toBe(state.energyExpendedKilojoules);
      expect(decoded.rrIntervals.map((rr) => rr.raw)).toEqual(state.rrIntervalsRaw);
    }
  });

  it('stays physiological: 40-200 bpm, RR-intervals matching the rate, energy that only grows', () => {
    const strap = simulateHeartRate(7);
    let lastEnergy = -1;
    for (let t = 0; t < 60 * minuteMs; t += 1000) {
      const state = strap.stateAt(t);
      expect(state.heartRateBpm).toBeGreaterThanOrEqual(40);
      expect(state.heartRateBpm).toBeLessThanOrEqual(200);
      for (const raw of state.rrIntervalsRaw)
        expect(Math.abs(raw / 1024 - 60 / state.heartRateBpm)).toBeLessThan(0.05);
      if (state.energyExpendedKilojoules !== null) {
        expect(state.energyExpendedKilojoules).toBeGreaterThanOrEqual(lastEnergy);
        lastEnergy = state.energyExpendedKilojoules;
      }
    }
    expect(lastEnergy).toBeGreaterThan(0);
  });

  it('same seed, same bytes, whatever the order of the questions; another seed differs', () => {
    const forwards = sampleTimesMs.map((t) => Array.from(simulateHeartRate(1).measurementAt(t)));
    const backwards = [...sampleTimesMs]
      .reverse()
      .map((t) => Array.from(simulateHeartRate(1).measurementAt(t)))
      .reverse();
    expect(backwards).toEqual(forwards);
    const other = sampleTimesMs.map((t) => Array.from(simulateHeartRate(2).measurementAt(t)));
    expect(other).not.toEqual(forwards);
  });

  it('checks its arguments', () => {
    expect(() => simulateHeartRate(-1)).toThrow(RangeError);
    expect(() => simulateHeartRate(1.5)).toThrow(RangeError);
    expect(() => simulateHeartRate(1).stateAt(Number.NaN)).toThrow(RangeError);
  });
});

describe('simulateEnvironment', () => {
  it('produces characteristic values that decode to the state it reports', () => {
    const sensor = simulateEnvironment(3);
    for (const offset of sampleTimesMs) {
      const t = june2025 + offset * 60;
      const state = sensor.stateAt(t);
      const values = sensor.valuesAt(t);
      expect(decodeTemperature(viewOf(values.temperature)).celsius).toBe(state.temperatureCelsius);
      expect(decodeHumidity(viewOf(values.humidity)).percent).toBe(state.humidityPercent);
      expect(decodePressure(viewOf(values.pressure)).pascals).toBe(state.pressurePascals);
      expect(decodeBatteryLevel(viewOf(values.batteryLevel)).percent).toBe(state.batteryPercent);
    }
  });

  it('afternoons are warmer than the small hours; values stay in range', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sensor = simulateEnvironment(seed);
      for (let day = 0; day < 5; day++) {
        const midnight = Date.UTC(2025, 0, 10 + day);
        const afternoon = sensor.stateAt(midnight + 15 * 3_600_000);
        const night = sensor.stateAt(midnight + 3 * 3_600_000);
        expect(afternoon.temperatureCelsius).toBeGreaterThan(night.temperatureCelsius);
        for (const state of [afternoon, night]) {
          expect(state.humidityPercent).toBeGreaterThanOrEqual(0);
          expect(state.humidityPercent).toBeLessThanOrEqual(100);
          expect(state.pressurePascals).toBeGreaterThan(95_000);
          expect(state.batteryPercent).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it('is deterministic per seed', () => {
    const a = simulateEnvironment(9).stateAt(june2025);
    expect(simulateEnvironment(9).stateAt(june2025)).toEqual(a);
    expect(simulateEnvironment(10).stateAt(june2025)).not.toEqual(a);
  });
});

/** Which VehicleState field each PID's reply must decode to. */
const pidFields: ReadonlyArray<[number, keyof VehicleState]> = [
  [0x04, 'engineLoadPercent'],
  [0x05, 'coolantTemperatureCelsius'],
  [0x0b, 'intakeManifoldPressureKpa'],
  [0x0c, 'engineSpeedRpm'],
  [0x0d, 'vehicleSpeedKmh'],
  [0x0f, 'intakeAirTemperatureCelsius'],
  [0x10, 'mafGramsPerSecond'],
  [0x11, 'throttlePositionPercent'],
  [0x1f, 'runTimeSeconds'],
  [0x2f, 'fuelTankLevelPercent'],
  [0x33, 'barometricPressureKpa'],
  [0x42, 'controlModuleVoltageVolts'],
  [0x46, 'ambientAirTemperatureCelsius'],
];

function quantityOf(reading: ObdReading | undefined): number {
  if (reading?.value.kind !== 'quantity') throw new Error('expected a quantity reading');
  return reading.value.value;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

describe('Elm327Simulator', () => {
  it('answers the python-OBD initialisation sequence byte for byte (project notes 3.2)', () => {
    const elm = new Elm327Simulator({ seed: 1 });
    expect(elm.respond('ATZ', 0)).toBe('ATZ\r\rELM327 v1.5\r\r>');
    expect(elm.respond('ATE0', 0)).toBe('ATE0\rOK\r\r>');
    expect(elm.respond('ATH1', 0)).toBe('OK\r\r>');
    expect(elm.respond('ATL0', 0)).toBe('OK\r\r>');
    expect(elm.respond('AT RV', 0)).toMatch(/^1[0-9]\.\dV\r\r>$/);
    expect(elm.respond('ATSP0', 0)).toBe('OK\r\r>');
    const first = elm.respond('0100', 0);
    expect(first).toMatch(/^SEARCHING\.\.\.\r7E8 06 41 00 ([0-9A-F]{2} ){4}00 \r\r>$/);
    expect(decodeObdResponse(first)).toMatchObject({ kind: 'data', searching: true });
    expect(elm.respond('ATDPN', 0)).toBe('A6\r\r>');
    expect(elm.respond('ATDP', 0)).toBe('AUTO, ISO 15765-4 (CAN 11/500)\r\r>');
    expect(elm.respond('0100', 0)).not.toContain('SEARCHING');
  });

  it('prints each byte followed by a space, headers with PCI and padding, CR or CR LF line ends', () => {
    const elm = new Elm327Simulator({ seed: 1 });
    const speed = hex2(elm.vehicleStateAt(60_000).vehicleSpeedKmh);
    elm.respond('ATE0', 0);
    elm.respond('0100', 0);
    expect(elm.respond('010D', 60_000)).toBe(`41 0D ${speed} \r\r>`);
    elm.respond('ATS0', 0);
    expect(elm.respond('010D', 60_000)).toBe(`410D${speed}\r\r>`);
    elm.respond('ATH1', 0);
    expect(elm.respond('010D', 60_000)).toBe(`7E803410D${speed}00000000\r\r>`);
    elm.respond('ATS1', 0);
    elm.respond('ATL1', 0);
    expect(elm.respond('010D', 60_000)).toBe(`7E8 03 41 0D ${speed} 00 00 00 00 \r\n\r\n>`);
    elm.respond('ATE1', 0);
    expect(elm.respond('01 0d', 60_000)).toBe(
      `01 0d\r\n7E8 03 41 0D ${speed} 00 00 00 00 \r\n\r\n>`,
    );
  });

  const settingCombinations: Array<{
    name: string;
    options: Elm327SimulatorOptions;
    commands: string[];
  }> = [
    { name: 'defaults (echo on, spaces on, headers off)', options: { seed: 11 }, commands: [] },
    { name: 'echo off, spaces off', options: { seed: 12 }, commands: ['ATE0', 'ATS0'] },
    {
      name: 'CAN 11-bit headers, two ECUs',
      options: { seed: 13, transmissionEcu: true },
      commands: ['ATH1'],
    },
    {
      name: 'CAN 11-bit headers without spaces, CR LF',
      options: { seed: 14 },
      commands: ['ATH1', 'ATS0', 'ATL1'],
    },
    {
      name: 'CAN 29-bit headers with spaces, two ECUs',
      options: { seed: 15, vehicleProtocol: 7, transmissionEcu: true },
      commands: ['ATH1'],
    },
    {
      name: 'CAN 29-bit headers without spaces',
      options: { seed: 16, vehicleProtocol: 7 },
      commands: ['ATE0', 'ATH1', 'ATS0'],
    },
    { name: 'fixed protocol 6', options: { seed: 17 }, commands: ['ATSP6'] },
  ];

  for (const { name, options, commands } of settingCombinations) {
    it(`replies decode to the drive profile: ${name}`, () => {
      const elm = new Elm327Simulator(options);
      for (const command of ['ATZ', ...commands]) elm.respond(command, 0);
      for (const t of [0, 5_000, 20_000, 60_000, 150_000, 170_000, 45 * minuteMs]) {
        const state = elm.vehicleStateAt(t);
        for (const [pid, field] of pidFields) {
          const reply = decodeObdResponse(elm.respond(`01${hex2(pid)}`, t));
          expect(reply.kind, `PID ${hex2(pid)}`).toBe('data');
          const engine = reply.readings[0];
          expect(engine?.pid).toBe(pid);
          expect(quantityOf(engine)).toBe(state[field]);
          if (pid === 0x0d && options.transmissionEcu) {
            expect(reply.readings).toHaveLength(2);
            expect(quantityOf(reply.readings[1])).toBe(state.vehicleSpeedKmh);
          }
        }
      }
    });
  }

  it('the supported-PID maps list exactly the PIDs that answer', () => {
    const elm = new Elm327Simulator({ seed: 5 });
    elm.respond('ATE0', 0);
    const supported: number[] = [];
    for (const map of ['00', '20', '40']) {
      const value = decodeObdResponse(elm.respond(`01${map}`, 0)).readings[0]?.value;
      if (value?.kind === 'supported-pids') supported.push(...value.supportedPids);
    }
    expect(supported).toEqual([...createDriveProfile(5).supportedPids.filter((pid) => pid !== 0)]);
    expect(elm.respond('0160', 0)).toBe('NO DATA\r\r>');
    expect(elm.respond('0103', 0)).toBe('NO DATA\r\r>');
  });

  it('answers several PIDs in one frame when they fit, multi-frame when they do not', () => {
    const elm = new Elm327Simulator({ seed: 5 });
    elm.respond('ATE0', 0);
    elm.respond('ATH1', 0);
    const state = elm.vehicleStateAt(60_000);
    const reply = decodeObdResponse(elm.respond('010C0D', 60_000));
    expect(reply.readings.map(quantityOf)).toEqual([state.engineSpeedRpm, state.vehicleSpeedKmh]);
    const long = elm.respond('010C0D0511', 60_000);
    expect(long).toMatch(/^7E8 10 0A 41 0C/);
    expectDeviceError(() => decodeObdResponse(long), 'UNSUPPORTED');
  });

  it('reports the ELM327 status replies the app must handle', () => {
    const off = new Elm327Simulator({ seed: 2, ignitionOn: false });
    off.respond('ATE0', 0);
    expect(off.respond('010D', 0)).toBe('SEARCHING...\rUNABLE TO CONNECT\r\r>');
    expect(decodeObdResponse(off.respond('010D', 0))).toMatchObject({
      kind: 'status',
      status: 'unable-to-connect',
      searching: true,
    });

    const elm = new Elm327Simulator({ seed: 2 });
    elm.respond('ATE0', 0);
    elm.respond('0100', 0);
    elm.setIgnition(false);
    expect(decodeObdResponse(elm.respond('010D', 0))).toMatchObject({
      kind: 'status',
      status: 'no-data',
    });
    elm.setIgnition(true);
    expect(decodeObdResponse(elm.respond('AT FOO', 0))).toMatchObject({
      kind: 'status',
      status: 'unknown-command',
    });
    expect(decodeObdResponse(elm.respond('01ZZ', 0))).toMatchObject({
      kind: 'status',
      status: 'unknown-command',
    });
    elm.respond('ATSP3', 0);
    expect(decodeObdResponse(elm.respond('010D', 0))).toMatchObject({
      kind: 'status',
      status: 'bus-init-error',
    });
    elm.respond('ATSP8', 0);
    expect(decodeObdResponse(elm.respond('010D', 0))).toMatchObject({
      kind: 'status',
      status: 'can-error',
    });
    elm.respond('ATSP1', 0);
    expect(decodeObdResponse(elm.respond('010D', 0))).toMatchObject({
      kind: 'status',
      status: 'no-data',
    });
    elm.respond('ATSPA8', 0);
    expect(decodeObdResponse(elm.respond('010D', 0))).toMatchObject({ kind: 'data' });
  });

  it('an empty command repeats the previous one, as on the chip', () => {
    const elm = new Elm327Simulator({ seed: 3 });
    elm.respond('ATE0', 0);
    elm.respond('0100', 0);
    expect(elm.respond('', 60_000)).toBe(elm.respond('0100', 60_000));
    expect(new Elm327Simulator({ seed: 3 }).respond('', 0)).toBe('\r?\r\r>');
  });

  it('serial input: commands end at CR, may arrive in pieces, LF is ignored, overlong input gets ?', () => {
    const elm = new Elm327Simulator({ seed: 4 });
    expect(elm.write('AT', 0)).toBe('');
    expect(elm.write('E0\r\nAT', 0)).toBe('ATE0\rOK\r\r>');
    expect(elm.write('I\r', 0)).toBe('ELM327 v1.5\r\r>');
    expect(elm.write(`${'0'.repeat(100)}\r`, 0)).toBe('?\r\r>');
    const splitter = new LineSplitter();
    const events = splitter.feed(elm.write('0100\r010D\r', 1000));
    expect(events.filter((event) => event.kind === 'prompt')).toHaveLength(2);
  });

  it('same seed, same transcript; another seed, another drive', () => {
    const transcript = (seed: number) => {
      const elm = new Elm327Simulator({ seed, transmissionEcu: true });
      return ['ATZ', 'ATH1', '0100', '010C', '010D', '0105', 'ATRV'].flatMap((command) =>
        [0, 30_000, 90_000].map((t) => elm.respond(command, t)),
      );
    };
    expect(transcript(8)).toEqual(transcript(8));
    expect(transcript(9)).not.toEqual(transcript(8));
  });

  it('the drive profile idles, drives and warms up', () => {
    const profile = createDriveProfile(21);
    expect(profile.stateAt(5_000).vehicleSpeedKmh).toBe(0);
    expect(profile.stateAt(5_000).engineSpeedRpm).toBeGreaterThan(600);
    expect(profile.stateAt(60_000).vehicleSpeedKmh).toBeGreaterThan(20);
    expect(profile.stateAt(60 * minuteMs).coolantTemperatureCelsius).toBeGreaterThan(
      profile.stateAt(0).coolantTemperatureCelsius,
    );
    expect(profile.stateAt(123_456).runTimeSeconds).toBe(123);
    expectAllFinite(profile.stateAt(10 * minuteMs));
  });
});

describe('GpsSimulator', () => {
  const epochs = Array.from({ length: 90 }, (_, i) => june2025 + i * 4_321);

  it('every sentence has a correct checksum and fits in 82 characters', () => {
    const gps = new GpsSimulator({ seed: 1 });
    for (const t of epochs) {
      for (const sentence of gps.sentencesAt(t)) {
        const { given, computed } = referenceChecksum(sentence);
        expect(given, sentence).toBe(computed);
        expect(sentence.length + 2).toBeLessThanOrEqual(nmeaSentenceCharactersMax);
      }
    }
  });

  it('sentences parse to the simulated fix', () => {
    const gps = new GpsSimulator({ seed: 2 });
    for (const t of epochs) {
      const fix = gps.fixAt(t);
      const parsed = gps.sentencesAt(t).map((sentence) => parseNmea(sentence));
      const byType = Object.fromEntries(
        parsed.map((sentence) => [sentence.type, sentence]),
      ) as Record<string, NmeaSentence>;
      const gga = byType.GGA;
      const rmc = byType.RMC;
      const vtg = byType.VTG;
      const gsa = byType.GSA;
      if (gga?.type !== 'GGA' || rmc?.type !== 'RMC' || vtg?.type !== 'VTG' || gsa?.type !== 'GSA')
        throw new Error('missing sentence');
      for (const position of [gga, rmc]) {
        expect(Math.abs((position.latitude ?? 0) - fix.latitude)).toBeLessThan(2e-6);
        expect(Math.abs((position.longitude ?? 0) - fix.longitude)).toBeLessThan(2e-6);
      }
      expect(rmc.timestampMs).toBe(Math.floor(t / 10) * 10);
      expect(rmc.status).toBe('valid');
      expect(Math.abs((vtg.speedKmh ?? -1) - fix.speedKmh)).toBeLessThanOrEqual(0.05);
      expect(Math.abs((rmc.speedKmh ?? -1) - fix.speedKmh)).toBeLessThanOrEqual(0.1);
      expect(gga.satellitesInUse).toBe(fix.satelliteIds.length);
      expect(gsa.satelliteIds).toEqual(fix.satelliteIds);
      expect(gsa.hdop).toBe(fix.hdop);
      expect(Math.abs((gga.altitudeMeters ?? 0) - fix.altitudeMeters)).toBeLessThanOrEqual(0.05);
    }
  });

  it('drives a continuous loop near the origin, stopping once per lap', () => {
    const origin = { latitude: -37.7848, longitude: 175.3149 };
    const gps = new GpsSimulator({ seed: 3, origin });
    let stopped = 0;
    let previous = gps.fixAt(june2025);
    for (let s = 1; s < 3600; s++) {
      const fix = gps.fixAt(june2025 + s * 1000);
      const stepMeters = Math.hypot(
        (fix.latitude - previous.latitude) * 111_195,
        (fix.longitude - previous.longitude) *
          111_195 *
          Math.cos((origin.latitude * Math.PI) / 180),
      );
      expect(stepMeters).toBeLessThanOrEqual(Math.max(fix.speedKmh, previous.speedKmh) / 3.6 + 1);
      expect(Math.abs(fix.latitude - origin.latitude)).toBeLessThan(0.02);
      if (fix.speedKmh === 0) stopped++;
      previous = fix;
    }
    expect(stopped).toBeGreaterThan(0);
  });

  it('outputAt is what a receiver writes: CR LF after each sentence, splittable into lines', () => {
    const gps = new GpsSimulator({ seed: 4, talker: 'GN' });
    const output = gps.outputAt(june2025);
    expect(output.endsWith('\r\n')).toBe(true);
    const splitter = new LineSplitter({ prompt: null });
    const lines = splitter
      .feed(output)
      .flatMap((event) => (event.kind === 'line' ? [event.text] : []));
    expect(lines.map((line) => parseNmea(line).type)).toEqual(['GGA', 'GSA', 'RMC', 'VTG']);
    expect(new Set(lines.map((line) => line.slice(1, 3)))).toEqual(new Set(['GN']));
  });

  it('same seed, same sentences; another seed, another route', () => {
    const a = new GpsSimulator({ seed: 5 });
    const b = new GpsSimulator({ seed: 5 });
    expect(epochs.map((t) => a.outputAt(t))).toEqual(
      [...epochs]
        .reverse()
        .map((t) => b.outputAt(t))
        .reverse(),
    );
    expect(new GpsSimulator({ seed: 6 }).route).not.toEqual(a.route);
  });

  it('checks its arguments', () => {
    expect(() => new GpsSimulator({ seed: 1, origin: { latitude: 89, longitude: 0 } })).toThrow(
      RangeError,
    );
    expect(() => new GpsSimulator({ seed: 1 }).sentencesAt(Date.UTC(2090, 0, 1))).toThrow(
      RangeError,
    );
    expect(() => new GpsSimulator({ seed: 2 ** 32 })).toThrow(RangeError);
  });
});
