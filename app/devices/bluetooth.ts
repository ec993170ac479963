// Web Bluetooth transport (GATT): requestDevice with service filters, connect, read, notifications
// with a polling fallback, and reconnect on `gattserverdisconnected`. Decoding is done by the pure
// decoders in ./gatt.ts. The browser objects are reached through the small structural types
// below, so unit tests drive the same code with fakes and the demo devices plug in here too.
import {
  decodeBatteryLevel,
  decodeHeartRate,
  decodeHumidity,
  decodePressure,
  decodeTemperature,
} from './gatt';
import { decodeDetergentLevel, detergentLevelUuid, washerServiceUuid } from './washer';
import {
  delay,
  describeError,
  type DeviceSession,
  type ReadingValue,
  type TransportHandlers,
} from './transport';

export interface GattCharacteristicLike {
  readonly properties?: {
    readonly read?: boolean;
    readonly notify?: boolean;
    readonly write?: boolean;
    readonly writeWithoutResponse?: boolean;
  };
  readonly value?: DataView | null;
  readValue(): Promise<DataView>;
  startNotifications(): Promise<unknown>;
  stopNotifications?(): Promise<unknown>;
  /** Writes (serial-over-GATT adapters, ./bleElm.ts); the sensors here are only read. */
  writeValue?(value: Uint8Array): Promise<void>;
  writeValueWithoutResponse?(value: Uint8Array): Promise<void>;
  addEventListener(type: 'characteristicvaluechanged', listener: (event: Event) => void): void;
  removeEventListener(type: 'characteristicvaluechanged', listener: (event: Event) => void): void;
}
export interface GattServiceLike {
  getCharacteristic(uuid: string): Promise<GattCharacteristicLike>;
}
export interface GattServerLike {
  readonly connected: boolean;
  connect(): Promise<GattServerLike>;
  disconnect(): void;
  getPrimaryService(uuid: string): Promise<GattServiceLike>;
}
export interface BluetoothDeviceLike {
  readonly id: string;
  readonly name?: string | null;
  readonly gatt?: GattServerLike;
  addEventListener(type: 'gattserverdisconnected', listener: () => void): void;
  removeEventListener(type: 'gattserverdisconnected', listener: () => void): void;
}
export interface BluetoothLike {
  requestDevice(options: {
    filters: Array<{ services: string[] }>;
    optionalServices?: string[];
  }): Promise<BluetoothDeviceLike>;
}

interface CharacteristicSpec {
  readonly service: string;
  readonly uuid: string;
  readonly label: string;
  readonly optional: boolean;
  decode(view: DataView): Record<string, ReadingValue>;
}

export interface GattProfile {
  readonly kind: 'heart-rate' | 'environment' | 'sensor';
  /** The service the chooser filters on. */
  readonly service: string;
  readonly optionalServices: readonly string[];
  readonly characteristics: readonly CharacteristicSpec[];
}

const round = (value: number, decimals: number) =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;

export const heartRateProfile: GattProfile = {
  kind: 'heart-rate',
  service: 'heart_rate',
  optionalServices: ['battery_service'],
  characteristics: [
    {
      service: 'heart_rate',
      uuid: 'heart_rate_measurement',
      label: 'Heart rate',
      optional: false,
      decode(view) {
        const m = decodeHeartRate(view);
        const rr = m.rrIntervals.length
          ? round(m.rrIntervals.reduce((s, r) => s + r.milliseconds, 0) / m.rrIntervals.length, 1)
          : null;
        return {
          heartRateBpm: m.heartRateBpm,
          rrMs: rr,
          energyKj: m.energyExpendedKilojoules,
          contact: m.sensorContact,
        };
      },
    },
  ],
};

export const environmentProfile: GattProfile = {
  kind: 'environment',
  service: 'environmental_sensing',
  optionalServices: ['battery_service'],
  characteristics: [
    {
      service: 'environmental_sensing',
      uuid: 'temperature',
      label: 'Temperature',
      optional: false,
      decode: (v) => ({ temperatureC: decodeTemperature(v).celsius }),
    },
    {
      service: 'environmental_sensing',
      uuid: 'humidity',
      label: 'Humidity',
      optional: true,
      decode: (v) => ({ humidityPct: decodeHumidity(v).percent }),
    },
    {
      service: 'environmental_sensing',
      uuid: 'pressure',
      label: 'Pressure',
      optional: true,
      decode: (v) => ({ pressureHpa: round(decodePressure(v).hectopascals, 2) }),
    },
    {
      service: 'battery_service',
      uuid: 'battery_level',
      label: 'Battery level',
      optional: true,
      decode: (v) => ({ batteryPct: decodeBatteryLevel(v).percent }),
    },
  ],
};

/** A washing machine's detergent level (./washer.ts), a vendor service. */
export const washerProfile: GattProfile = {
  kind: 'sensor',
  service: washerServiceUuid,
  optionalServices: [],
  characteristics: [
    {
      service: washerServiceUuid,
      uuid: detergentLevelUuid,
      label: 'Detergent level',
      optional: false,
      decode: (v) => ({ detergentPct: decodeDetergentLevel(v).percent }),
    },
  ],
};

export interface GattOptions {
  /** Read interval when notifications are missing or silent. */
  readonly pollIntervalMs?: number;
  /** How long notifications may stay silent before polling starts. */
  readonly notifySilenceMs?: number;
  readonly reconnectAttemptsMax?: number;
  readonly reconnectDelayMs?: number;
}

const defaults = {
  pollIntervalMs: 1000,
  notifySilenceMs: 2500,
  reconnectAttemptsMax: 5,
  reconnectDelayMs: 500,
};

/** Ask the user for a sensor (the browser's chooser) and stream its readings until stopped. */
export async function pairGattSensor(
  bluetooth: BluetoothLike | undefined,
  profile: GattProfile,
  handlers: TransportHandlers,
  options: GattOptions = {},
): Promise<DeviceSession> {
  if (!bluetooth)
    throw new Error(
      'This browser has no Web Bluetooth. Use Chromium or Chrome (on Linux, start it with --enable-features=WebBluetooth), or pick a demo device.',
    );
  const device = await bluetooth.requestDevice({
    filters: [{ services: [profile.service] }],
    optionalServices: [...profile.optionalServices],
  });
  return startGattSession(device, profile, handlers, options);
}

/** Stream readings from a chosen device: the part after the chooser (also used by demo devices). */
export async function startGattSession(
  device: BluetoothDeviceLike,
  profile: GattProfile,
  handlers: TransportHandlers,
  options: GattOptions = {},
): Promise<DeviceSession> {
  const o = { ...defaults, ...options };
  const label = device.name || `Bluetooth device ${device.id}`;
  if (!device.gatt)
    throw new Error(`${label} has no GATT server; it cannot be read over Web Bluetooth.`);
  const gatt = device.gatt;
  let stopped = false;
  let generation = 0; // bumps on every (re)connect; stale loops end
  const latest: Record<string, ReadingValue> = {};
  const cleanups: Array<() => void> = [];

  const emit = (values: Record<string, ReadingValue>) => {
    Object.assign(latest, values);
    handlers.onReading({ at: Date.now(), values: { ...latest } });
  };
  const decodeInto = (
    spec: CharacteristicSpec,
    view: DataView | null | undefined,
  ): Record<string, ReadingValue> | null => {
    if (!view) return null;
    try {
      return spec.decode(view);
    } catch (error) {
      handlers.onError(describeError(error, `${spec.label} from ${label}`));
      return null;
    }
  };

  const setup = async (mine: number) => {
    handlers.onState?.('connecting');
    const server = await gatt.connect();
    const services = new Map<string, GattServiceLike>();
    const found: Array<{ spec: CharacteristicSpec; ch: GattCharacteristicLike }> = [];
    for (const spec of profile.characteristics) {
      try {
        let service = services.get(spec.service);
        if (!service)
          services.set(spec.service, (service = await server.getPrimaryService(spec.service)));
        found.push({ spec, ch: await service.getCharacteristic(spec.uuid) });
      } catch (error) {
        if (!spec.optional) throw error;
      }
    }
    let lastNotifyAt = 0;
    const polled: typeof found = [];
    for (const item of found) {
      const canNotify = item.ch.properties?.notify ?? true;
      if (canNotify) {
        try {
          const listener = (event: Event) => {
            const target = (event.target ?? item.ch) as GattCharacteristicLike;
            lastNotifyAt = Date.now();
            const values = decodeInto(item.spec, target.value);
            if (values) emit(values);
          };
          item.ch.addEventListener('characteristicvaluechanged', listener);
          cleanups.push(() => item.ch.removeEventListener('characteristicvaluechanged', listener));
          await item.ch.startNotifications();
        } catch {
          // No notifications from this one: it is polled.
        }
      }
      if (item.ch.properties?.read ?? true) polled.push(item);
    }
    handlers.onState?.('connected');
    void pollLoop(mine, polled, () => lastNotifyAt);
  };

  /** Read once now; then keep reading whenever notifications are silent longer than notifySilenceMs. */
  const pollLoop = async (
    mine: number,
    items: Array<{ spec: CharacteristicSpec; ch: GattCharacteristicLike }>,
    lastNotify: () => number,
  ) => {
    let first = true;
    while (!stopped && mine === generation && items.length > 0) {
      if (first || Date.now() - lastNotify() > o.notifySilenceMs) {
        const values: Record<string, ReadingValue> = {};
        for (const { spec, ch } of items) {
          try {
            Object.assign(values, decodeInto(spec, await ch.readValue()) ?? {});
          } catch (error) {
            if (stopped || mine !== generation) return;
            handlers.onError(describeError(error, `Reading ${spec.label} from ${label} failed`));
            if (!gatt.connected) return; // the disconnect handler reconnects
          }
        }
        if (Object.keys(values).length > 0 && !stopped && mine === generation) emit(values);
      }
      first = false;
      await delay(o.pollIntervalMs);
    }
  };

  const onDisconnected = async () => {
    if (stopped) return;
    const mine = ++generation;
    for (const c of cleanups.splice(0)) c();
    handlers.onState?.('reconnecting', `${label} disconnected; reconnecting…`);
    for (
      let attempt = 1;
      attempt <= o.reconnectAttemptsMax && !stopped && mine === generation;
      attempt++
    ) {
      await delay(o.reconnectDelayMs * 2 ** (attempt - 1));
      try {
        await setup(mine);
        return;
      } catch {
        // try again
      }
    }
    if (stopped || mine !== generation) return;
    handlers.onState?.('disconnected', `${label} is out of reach.`);
    handlers.onError(
      `${label} disconnected and did not come back after ${o.reconnectAttemptsMax} tries. Bring it closer, check its battery, and pair it again.`,
    );
  };
  const listener = () => void onDisconnected();
  device.addEventListener('gattserverdisconnected', listener);

  try {
    await setup(generation);
  } catch (error) {
    device.removeEventListener('gattserverdisconnected', listener);
    throw new Error(describeError(error, `Could not connect to ${label}`));
  }
  return {
    label,
    async stop() {
      stopped = true;
      generation++;
      device.removeEventListener('gattserverdisconnected', listener);
      for (const c of cleanups.splice(0)) c();
      if (gatt.connected) gatt.disconnect();
      handlers.onState?.('disconnected');
    },
  };
}
