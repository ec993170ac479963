// A washing machine over Bluetooth (Y.4464 II.4, issue 16): a vendor GATT service with one
// characteristic, the detergent level (uint8, percent, read and notify). The gateway records the
// level on chain as the device's reading `detergentPct`, and its reorder rule
// (worker/host/reorder-host.ts, set on the Devices page) has the washer buy detergent when the
// level falls under a threshold. The demo washer (./demo.ts) and the e2e's emulated peripheral
// serve the same bytes.
import { DeviceDataError } from './errors';

/** The washer's vendor service and its detergent-level characteristic (128-bit, lowercase). */
export const washerServiceUuid = 'a3c87500-8ed3-4bdf-8a39-a01bebede295';
export const detergentLevelUuid = 'a3c87501-8ed3-4bdf-8a39-a01bebede295';
export const detergentLevelMax = 100;

/** The detergent level in percent: one byte, 0-100; anything else is refused plainly. */
export function decodeDetergentLevel(view: DataView): { percent: number } {
  if (view.byteLength !== 1)
    throw new DeviceDataError(
      view.byteLength === 0 ? 'SHORT_VALUE' : 'MALFORMED',
      `Detergent level: expected 1 byte, got ${view.byteLength}.`,
    );
  const percent = view.getUint8(0);
  if (percent > detergentLevelMax)
    throw new DeviceDataError(
      'OUT_OF_RANGE',
      `Detergent level: ${percent} % is above ${detergentLevelMax} %.`,
    );
  return { percent };
}

export function encodeDetergentLevel(percent: number): Uint8Array {
  if (!Number.isInteger(percent) || percent < 0 || percent > detergentLevelMax)
    throw new RangeError(`A detergent level is a whole percent from 0 to ${detergentLevelMax}.`);
  return Uint8Array.of(percent);
}

/** The demo washer's level `elapsedMs` after it was switched on: from 60 %, 2 % less a second, refilled after 6 %. */
export function demoDetergentLevelAt(elapsedMs: number): number {
  const used = Math.floor(Math.max(0, elapsedMs) / 1000) * 2;
  return 60 - (used % 56);
}
