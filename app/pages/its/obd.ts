// Engine data source of Drive mode (issue 20): an ELM327 OBD-II adapter over Web Serial or over
// Web Bluetooth (the BLE FFF0/FFE0 adapters, app/devices/bleElm.ts), driven by the same driver as
// the Devices page (app/devices/serial.ts runElm327, mode 01 PIDs 0D speed and 0C rpm). The
// latest vehicle speed it read goes into each position report instead of the GPS speed while it
// is fresh; a stale or missing reading leaves the GPS speed (or the speed from the positions).
import {
  pairBleElm327,
  startElm327,
  type BluetoothLike,
  type ConnectionState,
  type DeviceReading,
  type DeviceSession,
  type SerialLike,
  type TransportHandlers,
} from '../../devices';

/** A speed from the adapter older than this is not used (the adapter polls about once a second). */
export const obdSpeedFreshMsMax = 5_000;

export interface ObdSpeed {
  speedKmh: number;
  /** When it was read (Date.now()). */
  at: number;
  /** The engine speed of the same reading (rpm), when the car gave one. */
  rpm?: number;
}

/** The vehicle speed of one adapter reading, or null when it has none (km/h, 0 to 255). */
export function obdSpeedOf(reading: DeviceReading): ObdSpeed | null {
  const speed = reading.values.speedKmh;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0 || speed > 255) return null;
  return { speedKmh: speed, at: reading.at };
}

/** The speed to report at `now`: the adapter's while fresh, else null (use the GPS). */
export function freshObdSpeed(latest: ObdSpeed | null, now: number): number | null {
  if (!latest || now - latest.at > obdSpeedFreshMsMax || latest.at > now + obdSpeedFreshMsMax)
    return null;
  return latest.speedKmh;
}

/** The engine rpm to report at `now`: the adapter's while its reading is fresh, else null. */
export function freshObdRpm(latest: ObdSpeed | null, now: number): number | null {
  return freshObdSpeed(latest, now) === null ? null : (latest?.rpm ?? null);
}

/** The engine speed of one adapter reading, or null when it has none (rpm, 0 to 16,383.75). */
export function obdRpmOf(reading: DeviceReading): number | null {
  const rpm = reading.values.rpm;
  return typeof rpm === 'number' && Number.isFinite(rpm) && rpm >= 0 && rpm <= 16_383.75
    ? rpm
    : null;
}

export interface ObdLink {
  stop(): Promise<void>;
}

export type ObdTransport = 'serial' | 'bluetooth';

/**
 * Ask for the adapter (its serial port, or a Bluetooth device in the chooser; inside a click: the
 * browser needs the user gesture), start the ELM327 conversation and hand every reading with a
 * vehicle speed to `onSpeed` (with its rpm when the car gave one); errors go to `onError`, the
 * link's states to `onState` (a Bluetooth adapter that drops is reconnected: 'reconnecting' with
 * the try and the wait, then 'connected' again; app/devices/bleElm.ts keepBleElm327).
 */
export async function connectObd(
  onSpeed: (speed: ObdSpeed, rpm: number | null) => void,
  onError: (message: string) => void,
  transport: ObdTransport = 'serial',
  onState?: (state: ConnectionState, message?: string) => void,
): Promise<ObdLink> {
  const handlers: TransportHandlers = {
    onReading(reading) {
      const speed = obdSpeedOf(reading);
      if (speed) onSpeed(speed, obdRpmOf(reading));
    },
    onError,
    onState,
  };
  if (transport === 'bluetooth') return connectBluetooth(handlers);
  const serial = (navigator as Navigator & { serial?: SerialLike }).serial;
  if (!serial)
    throw new Error(
      'This browser has no Web Serial: the trip goes on with the GPS speed (Chromium or Chrome on a desktop or Android have it).',
    );
  const port = await serial.requestPort().catch((error: Error) => {
    throw new Error(
      error.name === 'NotFoundError'
        ? 'No serial port was chosen. Try again and pick the OBD-II adapter in the browser\u2019s list.'
        : error.message,
    );
  });
  return startElm327(port, handlers);
}

async function connectBluetooth(handlers: TransportHandlers): Promise<DeviceSession> {
  const bluetooth = (navigator as Navigator & { bluetooth?: BluetoothLike }).bluetooth;
  if (!bluetooth)
    throw new Error(
      'This browser has no Web Bluetooth: the trip goes on with the GPS speed (Chrome on Android has it).',
    );
  return pairBleElm327(bluetooth, handlers).catch((error: Error) => {
    throw new Error(
      error.name === 'NotFoundError'
        ? 'No adapter was chosen. Try again and pick the OBD-II adapter in the browser\u2019s list.'
        : error.message,
    );
  });
}
