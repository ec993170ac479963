// What every transport (Web Bluetooth, Web Serial, the demo devices) hands to the page: typed
// readings, plain-language errors and connection states. A transport never throws into the UI
// after it has started; it reports through these handlers and keeps going when it can.
import { DeviceDataError } from './errors';

export type ReadingValue = number | string | boolean | null;

export interface DeviceReading {
  /** When the sample was taken, ms since 1970 (the page's clock). */
  readonly at: number;
  readonly values: Readonly<Record<string, ReadingValue>>;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface TransportHandlers {
  onReading(reading: DeviceReading): void;
  /** A problem the user should see: what happened and what to do. The session may carry on. */
  onError(message: string): void;
  onState?(state: ConnectionState, message?: string): void;
}

export interface DeviceSession {
  /** A label for the paired device (name or port), for the UI. */
  readonly label: string;
  stop(): Promise<void>;
}

export type DeviceKind = 'heart-rate' | 'environment' | 'vehicle' | 'gps' | 'sensor';

/** Value names each kind of device reports (registered on chain as its capabilities). */
export const kindCapabilities: Readonly<Record<Exclude<DeviceKind, 'sensor'>, readonly string[]>> =
  {
    'heart-rate': ['heartRateBpm', 'rrMs', 'energyKj', 'contact'],
    environment: ['temperatureC', 'humidityPct', 'pressureHpa', 'batteryPct'],
    vehicle: ['speedKmh', 'rpm', 'coolantC', 'intakeAirC', 'mafGs', 'throttlePct', 'fuelPct'],
    gps: ['latitude', 'longitude', 'speedKmh', 'courseDeg', 'altitudeM', 'satellites', 'hdop'],
  };

/** The message of a thrown value, worded for the user when it is a decoder error. */
export function describeError(error: unknown, what: string): string {
  if (error instanceof DeviceDataError) return `${what}: ${error.message}`;
  if (error instanceof Error) {
    if (error.name === 'NotFoundError')
      return `${what}: no device was chosen. Try again and pick one in the browser's list.`;
    if (error.name === 'SecurityError')
      return `${what}: the browser refused access (${error.message}). Use a button click and a secure (https or localhost) page.`;
    if (error.name === 'NetworkError')
      return `${what}: the device is out of reach or turned off (${error.message}).`;
    return `${what}: ${error.message}`;
  }
  return `${what}: ${String(error)}`;
}

export const delay = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
