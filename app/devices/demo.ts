// Demo devices for people without hardware: a serial port backed by the ELM327 or GPS simulator
// and a Bluetooth device backed by the GATT simulators. They implement the same structural types
// the real transports use (SerialPortLike, BluetoothDeviceLike), so everything after the
// transport (framing, decoding, signing, the chain) runs exactly as with a real device. The e2e
// tests install the serial one as a fake navigator.serial.
import { Elm327Simulator } from './elm327Simulator';
import { GpsSimulator } from './gpsSimulator';
import { simulateEnvironment, simulateHeartRate } from './gattSimulators';
import type { SerialLike, SerialPortLike } from './serial';
import {
  demoDetergentLevelAt,
  detergentLevelUuid,
  encodeDetergentLevel,
  washerServiceUuid,
} from './washer';
import type {
  BluetoothDeviceLike,
  BluetoothLike,
  GattCharacteristicLike,
  GattServerLike,
  GattServiceLike,
} from './bluetooth';

export type SimulatedSerialKind = 'elm327' | 'gps';

export interface SimulatedSerialOptions {
  readonly seed?: number;
  /** Milliseconds the adapter takes to answer a command. */
  readonly replyDelayMs?: number;
  /** Milliseconds between GPS epochs. */
  readonly epochMs?: number;
  /** Clock (ms since 1970); the GPS needs real dates, the ELM327 counts from open. */
  readonly now?: () => number;
  /**
   * Where in its drive the simulated car is when the port opens (ms into the drive profile: 0
   * idles 15 s, then accelerates; 25,000 is already under way). The ELM327 only.
   */
  readonly driveAtMs?: number;
}

/** A serial port whose other end is a simulated ELM327 adapter or GPS receiver. */
export function simulatedSerialPort(
  kind: SimulatedSerialKind,
  options: SimulatedSerialOptions = {},
): SerialPortLike & { unplug(): void; inject(bytes: Uint8Array | string): void } {
  const seed = options.seed ?? 7;
  const now = options.now ?? (() => Date.now());
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let openedAt = 0;
  let isOpen = false;
  const elm = kind === 'elm327' ? new Elm327Simulator({ seed }) : null;
  const gps = kind === 'gps' ? new GpsSimulator({ seed }) : null;
  const push = (data: Uint8Array | string) => {
    if (!isOpen || !controller) return;
    try {
      controller.enqueue(typeof data === 'string' ? encoder.encode(data) : data);
    } catch {
      // the reader went away
    }
  };

  const port = {
    readable: null as ReadableStream<Uint8Array> | null,
    writable: null as WritableStream<Uint8Array> | null,
    async open({ baudRate }: { baudRate: number }) {
      if (isOpen) throw new DOMException('The port is already open.', 'InvalidStateError');
      if (!Number.isInteger(baudRate) || baudRate <= 0)
        throw new TypeError('baudRate must be a positive whole number');
      isOpen = true;
      openedAt = now();
      port.readable = new ReadableStream<Uint8Array>({
        start: (c) => void (controller = c),
        cancel: () => void (controller = null),
      });
      port.writable = new WritableStream<Uint8Array>({
        write(chunk) {
          if (!elm) return;
          const elapsed = Math.max(0, now() - openedAt) + (options.driveAtMs ?? 0);
          const reply = elm.write(decoder.decode(chunk), elapsed);
          if (reply) setTimeout(() => push(reply), options.replyDelayMs ?? 15);
        },
      });
      if (gps) {
        const epoch = () => push(gps.outputAt(now()));
        epoch();
        timer = setInterval(epoch, options.epochMs ?? 1000);
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      isOpen = false;
      try {
        controller?.close();
      } catch {
        // already closed
      }
      controller = null;
    },
    getInfo: () => ({
      usbVendorId: kind === 'elm327' ? 0x0403 : 0x067b,
      usbProductId: kind === 'elm327' ? 0x6001 : 0x2303,
    }),
    /** The cable is pulled: the stream errors. */
    unplug() {
      if (timer) clearInterval(timer);
      try {
        controller?.error(new DOMException('The device has been lost.', 'NetworkError'));
      } catch {
        // already gone
      }
      isOpen = false;
    },
    /** Bytes from the device side (tests: garbage, broken sentences). */
    inject: (bytes: Uint8Array | string) => push(bytes),
  };
  return port;
}

/** A navigator.serial look-alike whose requestPort() hands out the next simulated port. */
export function simulatedSerial(
  next: () => SimulatedSerialKind,
  options: SimulatedSerialOptions = {},
): SerialLike & { getPorts(): Promise<SerialPortLike[]> } {
  const ports: SerialPortLike[] = [];
  return {
    async requestPort() {
      const port = simulatedSerialPort(next(), options);
      ports.push(port);
      return port;
    },
    async getPorts() {
      return [...ports];
    },
  };
}

// ---- Bluetooth ---------------------------------------------------------------------------

export type SimulatedGattKind = 'heart-rate' | 'environment' | 'washer';

class SimulatedCharacteristic extends EventTarget implements GattCharacteristicLike {
  readonly properties = { read: true, notify: true };
  value: DataView | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  constructor(
    private readonly produce: () => Uint8Array,
    private readonly server: { connected: boolean },
    private readonly notifyMs: number | null,
  ) {
    super();
  }
  private fresh(): DataView {
    const bytes = this.produce();
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  async readValue(): Promise<DataView> {
    if (!this.server.connected)
      throw new DOMException(
        'GATT Server is disconnected. Cannot perform GATT operations.',
        'NetworkError',
      );
    this.value = this.fresh();
    return this.value;
  }
  async startNotifications(): Promise<this> {
    if (this.notifyMs === null)
      throw new DOMException('GATT operation not permitted.', 'NotSupportedError');
    this.stop();
    this.timer = setInterval(() => {
      if (!this.server.connected) return this.stop();
      this.value = this.fresh();
      this.dispatchEvent(new Event('characteristicvaluechanged'));
    }, this.notifyMs);
    return this;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
  override addEventListener(type: string, listener: (event: Event) => void): void {
    super.addEventListener(type, listener);
  }
  override removeEventListener(type: string, listener: (event: Event) => void): void {
    super.removeEventListener(type, listener);
  }
}

/** A Bluetooth sensor backed by the GATT simulators; `notifyMs: null` makes it read-only. */
export function simulatedGattDevice(
  kind: SimulatedGattKind,
  options: { seed?: number; notifyMs?: number | null } = {},
): BluetoothDeviceLike & { dropConnection(): void } {
  const seed = options.seed ?? 11;
  const started = Date.now();
  const events = new EventTarget();
  const state = { connected: false };
  const notifyMs = options.notifyMs === undefined ? 1000 : options.notifyMs;
  const characteristics = new Map<string, SimulatedCharacteristic>();
  if (kind === 'heart-rate') {
    const hr = simulateHeartRate(seed);
    characteristics.set(
      'heart_rate/heart_rate_measurement',
      new SimulatedCharacteristic(() => hr.measurementAt(Date.now() - started), state, notifyMs),
    );
  } else if (kind === 'washer') {
    characteristics.set(
      `${washerServiceUuid}/${detergentLevelUuid}`,
      new SimulatedCharacteristic(
        () => encodeDetergentLevel(demoDetergentLevelAt(Date.now() - started)),
        state,
        notifyMs,
      ),
    );
  } else {
    const env = simulateEnvironment(seed);
    characteristics.set(
      'environmental_sensing/temperature',
      new SimulatedCharacteristic(() => env.valuesAt(Date.now()).temperature, state, null),
    );
    characteristics.set(
      'environmental_sensing/humidity',
      new SimulatedCharacteristic(() => env.valuesAt(Date.now()).humidity, state, null),
    );
    characteristics.set(
      'environmental_sensing/pressure',
      new SimulatedCharacteristic(() => env.valuesAt(Date.now()).pressure, state, null),
    );
    characteristics.set(
      'battery_service/battery_level',
      new SimulatedCharacteristic(() => env.valuesAt(Date.now()).batteryLevel, state, null),
    );
  }
  const server: GattServerLike = {
    get connected() {
      return state.connected;
    },
    async connect() {
      state.connected = true;
      return server;
    },
    disconnect() {
      if (!state.connected) return;
      state.connected = false;
      for (const c of characteristics.values()) c.stop();
      events.dispatchEvent(new Event('gattserverdisconnected'));
    },
    async getPrimaryService(service: string): Promise<GattServiceLike> {
      if (!state.connected) throw new DOMException('GATT Server is disconnected.', 'NetworkError');
      if (![...characteristics.keys()].some((k) => k.startsWith(`${service}/`)))
        throw new DOMException(
          `No Services matching UUID ${service} found in Device.`,
          'NotFoundError',
        );
      return {
        async getCharacteristic(uuid: string) {
          const c = characteristics.get(`${service}/${uuid}`);
          if (!c)
            throw new DOMException(
              `No Characteristics matching UUID ${uuid} found in Service.`,
              'NotFoundError',
            );
          return c;
        },
      };
    },
  };
  return {
    id: `demo-${kind}`,
    name:
      kind === 'heart-rate'
        ? 'Demo heart-rate strap'
        : kind === 'washer'
          ? 'Demo washing machine'
          : 'Demo environment sensor',
    gatt: server,
    addEventListener: (type, listener) => events.addEventListener(type, listener),
    removeEventListener: (type, listener) => events.removeEventListener(type, listener),
    /** The radio link drops (the device walks away); it accepts a reconnect. */
    dropConnection: () => server.disconnect(),
  };
}

/** A navigator.bluetooth look-alike that "finds" one simulated device. */
export function simulatedBluetooth(
  kind: SimulatedGattKind,
  options: { seed?: number; notifyMs?: number | null } = {},
): BluetoothLike {
  return { requestDevice: async () => simulatedGattDevice(kind, options) };
}
