// Shared assertions for the device tests (imported only by *.test.ts files).

import { expect } from 'vitest';
import { DeviceDataError, type DeviceDataErrorCode } from './errors';

/** Runs `action` and checks it throws a DeviceDataError with `code`; returns the error. */
export function expectDeviceError(
  action: () => unknown,
  code: DeviceDataErrorCode,
): DeviceDataError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceDataError);
    const deviceError = error as DeviceDataError;
    expect(deviceError.code, deviceError.message).toBe(code);
    expect(deviceError.message.length).toBeGreaterThan(10);
    return deviceError;
  }
  throw new Error(`expected a DeviceDataError ${code}, but nothing was thrown`);
}

/** Every number reachable in `value` is finite (no NaN, no Infinity). */
export function expectAllFinite(value: unknown, path = 'value'): void {
  if (typeof value === 'number') {
    expect(Number.isFinite(value), `${path} is ${value}`).toBe(true);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => expectAllFinite(item, `${path}[${index}]`));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) expectAllFinite(item, `${path}.${key}`);
  }
}

/** `fn` either returns (then its result is all-finite) or throws a DeviceDataError, nothing else. */
export function expectTypedOutcome(fn: () => unknown): 'value' | DeviceDataErrorCode {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (!(error instanceof DeviceDataError)) throw error;
    return error.code;
  }
  expectAllFinite(result);
  return 'value';
}

export function viewOf(bytes: readonly number[] | Uint8Array): DataView {
  const copy = Uint8Array.from(bytes);
  return new DataView(copy.buffer);
}

/** The NMEA checksum computed independently of the code under test. */
export function referenceChecksum(sentence: string): { given: string; computed: string } {
  const star = sentence.lastIndexOf('*');
  let sum = 0;
  for (const character of sentence.slice(1, star)) sum ^= character.charCodeAt(0);
  return {
    given: sentence.slice(star + 1, star + 3),
    computed: sum.toString(16).toUpperCase().padStart(2, '0'),
  };
}
