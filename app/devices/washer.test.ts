import { describe, expect, it } from 'vitest';
import {
  decodeDetergentLevel,
  demoDetergentLevelAt,
  encodeDetergentLevel,
  washerServiceUuid,
} from './washer';
import { washerProfile, startGattSession } from './bluetooth';
import { simulatedGattDevice } from './demo';
import { DeviceDataError } from './errors';

const view = (bytes: number[]) => new DataView(Uint8Array.from(bytes).buffer);

describe('the washer’s detergent level', () => {
  it('decodes one byte of percent and refuses anything else plainly', () => {
    expect(decodeDetergentLevel(view([42]))).toEqual({ percent: 42 });
    expect(decodeDetergentLevel(view([0]))).toEqual({ percent: 0 });
    expect(() => decodeDetergentLevel(view([101]))).toThrow(/above 100 %/);
    expect(() => decodeDetergentLevel(view([]))).toThrow(DeviceDataError);
    expect(() => decodeDetergentLevel(view([1, 2]))).toThrow(/expected 1 byte, got 2/);
    expect([...encodeDetergentLevel(15)]).toEqual([15]);
    expect(() => encodeDetergentLevel(100.5)).toThrow(RangeError);
  });

  it('the demo washer uses 2 % a second from 60 % and is refilled after 6 %', () => {
    expect([0, 1000, 27_000, 27_999, 28_000].map(demoDetergentLevelAt)).toEqual([60, 58, 6, 6, 60]);
  });

  it('the demo washer streams its level through the real GATT session', async () => {
    const readings: Array<Record<string, unknown>> = [];
    const session = await startGattSession(simulatedGattDevice('washer'), washerProfile, {
      onReading: (r) => readings.push(r.values),
      onError: (m) => {
        throw new Error(m);
      },
    });
    expect(washerProfile.service).toBe(washerServiceUuid);
    await new Promise((r) => setTimeout(r, 50));
    await session.stop();
    expect(readings[0]).toEqual({ detergentPct: 60 });
  });
});
