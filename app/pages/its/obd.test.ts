import { describe, expect, it } from 'vitest';
import { simulatedSerialPort, startElm327 } from '../../devices';
import {
  freshObdRpm,
  freshObdSpeed,
  obdRpmOf,
  obdSpeedFreshMsMax,
  obdSpeedOf,
  type ObdSpeed,
} from './obd';

describe('the OBD-II speed of Drive mode', () => {
  it('takes the vehicle speed of an adapter reading, and only while it is fresh', () => {
    expect(obdSpeedOf({ at: 1_000, values: { speedKmh: 42, rpm: 1800 } })).toEqual({
      speedKmh: 42,
      at: 1_000,
    });
    expect(obdSpeedOf({ at: 1_000, values: { rpm: 1800 } })).toBeNull();
    expect(obdSpeedOf({ at: 1_000, values: { speedKmh: 300 } })).toBeNull();
    const latest: ObdSpeed = { speedKmh: 42, at: 10_000 };
    expect(freshObdSpeed(latest, 10_000 + obdSpeedFreshMsMax)).toBe(42);
    expect(freshObdSpeed(latest, 10_001 + obdSpeedFreshMsMax)).toBeNull();
    expect(freshObdSpeed(null, 10_000)).toBeNull();
    // The engine rpm goes with the speed, and only while the reading is fresh.
    const withRpm: ObdSpeed = { ...latest, rpm: 1_850 };
    expect(freshObdRpm(withRpm, 10_000 + obdSpeedFreshMsMax)).toBe(1_850);
    expect(freshObdRpm(withRpm, 10_001 + obdSpeedFreshMsMax)).toBeNull();
    expect(freshObdRpm(latest, 10_000)).toBeNull();
    expect(freshObdRpm(null, 10_000)).toBeNull();
  });

  it('takes the engine speed of a reading when it is one an ELM327 can report', () => {
    expect(obdRpmOf({ at: 1_000, values: { speedKmh: 42, rpm: 1800 } })).toBe(1800);
    expect(obdRpmOf({ at: 1_000, values: { speedKmh: 42 } })).toBeNull();
    expect(obdRpmOf({ at: 1_000, values: { rpm: 20_000 } })).toBeNull();
    expect(obdRpmOf({ at: 1_000, values: { rpm: -1 } })).toBeNull();
  });

  it('reads speeds from the ELM327 simulator through the real driver', async () => {
    // 20 s into the simulated drive the car accelerates (idle for its first 15 s).
    let now = 0;
    const port = simulatedSerialPort('elm327', { replyDelayMs: 0, now: () => now });
    const speeds: ObdSpeed[] = [];
    const session = await startElm327(
      port,
      {
        onReading(reading) {
          const s = obdSpeedOf(reading);
          if (s) speeds.push(s);
        },
        onError: () => undefined,
      },
      { pollIntervalMs: 1 },
    );
    now = 20_000;
    const start = speeds.length;
    while (speeds.length < start + 3) await new Promise((r) => setTimeout(r, 5));
    await session.stop();
    expect(speeds.at(-1)!.speedKmh).toBeGreaterThan(0);
  });

  it('starts the simulated car where driveAtMs says: 25 s in, it is already moving', async () => {
    const speedsOf = async (driveAtMs: number | undefined) => {
      const port = simulatedSerialPort('elm327', { replyDelayMs: 0, now: () => 0, driveAtMs });
      const speeds: number[] = [];
      const session = await startElm327(
        port,
        {
          onReading(reading) {
            const s = obdSpeedOf(reading);
            if (s) speeds.push(s.speedKmh);
          },
          onError: () => undefined,
        },
        { pollIntervalMs: 1 },
      );
      while (speeds.length < 3) await new Promise((r) => setTimeout(r, 5));
      await session.stop();
      return speeds;
    };
    expect(Math.max(...(await speedsOf(undefined)))).toBe(0); // idling at first
    expect(Math.min(...(await speedsOf(25_000)))).toBeGreaterThanOrEqual(10);
  });
});
