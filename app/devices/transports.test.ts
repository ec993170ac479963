// Transports driven by fakes (Node has no navigator.bluetooth or navigator.serial): the demo
// devices backed by the simulators, and scripted ports that misbehave. The code under test is the
// real driver code the page runs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  pairGattSensor,
  heartRateProfile,
  environmentProfile,
  startGattSession,
  type BluetoothDeviceLike,
  type GattCharacteristicLike,
} from './bluetooth';
import {
  parseJsonReading,
  startElm327,
  startJsonSensor,
  startNmea,
  type SerialPortLike,
} from './serial';
import { simulatedBluetooth, simulatedGattDevice, simulatedSerialPort } from './demo';
import type { ConnectionState, DeviceReading, TransportHandlers } from './transport';
import { formatNmeaSentence } from './nmea';

function collect() {
  const readings: DeviceReading[] = [];
  const errors: string[] = [];
  const states: ConnectionState[] = [];
  const handlers: TransportHandlers = {
    onReading: (r) => readings.push(r),
    onError: (m) => errors.push(m),
    onState: (s) => states.push(s),
  };
  return { readings, errors, states, handlers };
}

async function until(condition: () => boolean, timeoutMs = 4000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A port whose device answers each CR-terminated command through `answer`, or streams `lines`. */
function scriptedPort(
  answer: (command: string) => string | null,
): SerialPortLike & { push(text: string | Uint8Array): void; unplug(): void } {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  const encoder = new TextEncoder();
  let buffer = '';
  const port = {
    readable: null as ReadableStream<Uint8Array> | null,
    writable: null as WritableStream<Uint8Array> | null,
    async open() {
      port.readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      port.writable = new WritableStream<Uint8Array>({
        write(chunk) {
          buffer += new TextDecoder().decode(chunk);
          let at;
          while ((at = buffer.indexOf('\r')) >= 0) {
            const reply = answer(buffer.slice(0, at));
            buffer = buffer.slice(at + 1);
            if (reply !== null) setTimeout(() => port.push(reply), 1);
          }
        },
      });
    },
    async close() {
      try {
        controller?.close();
      } catch {
        // closed
      }
    },
    push(text: string | Uint8Array) {
      try {
        controller?.enqueue(typeof text === 'string' ? encoder.encode(text) : text);
      } catch {
        // closed
      }
    },
    unplug() {
      controller?.error(new DOMException('The device has been lost.', 'NetworkError'));
    },
  };
  return port;
}

const elmOk = (command: string) =>
  command === 'ATZ' ? 'ATZ\r\rELM327 v1.5\r\r>' : command.startsWith('AT') ? 'OK\r\r>' : null;

describe('ELM327 over Web Serial (D-card-devices)', () => {
  it('initialises with ATZ ATE0 ATL0 ATS0 ATH0 ATSP0 and polls speed, rpm and more from the simulated car', async () => {
    const port = simulatedSerialPort('elm327', { replyDelayMs: 1 });
    const { readings, errors, handlers, states } = collect();
    const session = await startElm327(port, handlers, { pollIntervalMs: 20 });
    await until(() => readings.length >= 2);
    await session.stop();
    expect(errors).toEqual([]);
    expect(states).toContain('connected');
    const values = readings[1]!.values;
    for (const name of [
      'speedKmh',
      'rpm',
      'coolantC',
      'intakeAirC',
      'mafGs',
      'throttlePct',
      'fuelPct',
    ])
      expect(typeof values[name], name).toBe('number');
  });

  it('sends exactly the init sequence, then mode 01 requests', async () => {
    const sent: string[] = [];
    const port = scriptedPort((c) => {
      sent.push(c);
      return elmOk(c) ?? '410D3C\r\r>';
    });
    const { readings, handlers } = collect();
    const session = await startElm327(port, handlers, { pollIntervalMs: 10 });
    await until(() => readings.length >= 1);
    await session.stop();
    expect(sent.slice(0, 6)).toEqual(['ATZ', 'ATE0', 'ATL0', 'ATS0', 'ATH0', 'ATSP0']);
    expect(sent[6]).toMatch(/^01[0-9A-F]{2,12}$/);
    expect(readings[0]!.values.speedKmh).toBe(60);
  });

  it('reports ELM327 error replies and a wrong device in plain words, without crashing', async () => {
    const noData = scriptedPort((c) => elmOk(c) ?? 'NO DATA\r\r>');
    const a = collect();
    const session = await startElm327(noData, a.handlers, { pollIntervalMs: 10 });
    await until(() => a.errors.length >= 1);
    await session.stop();
    expect(a.errors[0]).toMatch(/NO DATA.*ignition/);
    expect(a.readings).toEqual([]);

    const garbage = scriptedPort(() => '\u00ff\u00fe#@!\r>');
    await expect(startElm327(garbage, collect().handlers, { resetTimeoutMs: 200 })).rejects.toThrow(
      /No ELM327 answered the reset/,
    );
    const silent = scriptedPort(() => null);
    await expect(startElm327(silent, collect().handlers, { resetTimeoutMs: 100 })).rejects.toThrow(
      /did not answer "ATZ"/,
    );
    const refuses = scriptedPort((c) => (c === 'ATZ' ? 'ELM327 v1.5\r\r>' : '?\r\r>'));
    await expect(startElm327(refuses, collect().handlers)).rejects.toThrow(/refused "ATE0"/);
  });

  it('reports a cable pulled mid-read', async () => {
    const port = simulatedSerialPort('elm327', { replyDelayMs: 1 });
    const { readings, errors, states, handlers } = collect();
    const session = await startElm327(port, handlers, { pollIntervalMs: 10 });
    await until(() => readings.length >= 1);
    port.unplug();
    await until(() => states.includes('disconnected'));
    expect(errors.join(' ')).toMatch(/stopped sending|closed the connection/);
    await session.stop();
  });
});

describe('NMEA GPS over Web Serial', () => {
  it('streams positions from the simulated receiver and survives bad checksums and garbage bytes', async () => {
    const port = simulatedSerialPort('gps', {
      epochMs: 30,
      now: () => Date.UTC(2024, 5, 1, 12, 0, 0) + performance.now(),
    });
    const { readings, errors, handlers } = collect();
    const session = await startNmea(port, handlers);
    await until(() => readings.length >= 1);
    port.inject('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*00\r\n');
    port.inject(new Uint8Array([0xff, 0x00, 0x13, 0x80, 0x0d, 0x0a]));
    await until(() => errors.length >= 2 && readings.length >= 3);
    await session.stop();
    expect(errors.some((e) => /checksum/i.test(e))).toBe(true);
    const last = readings[readings.length - 1]!.values;
    expect(last.latitude as number).toBeGreaterThan(48);
    expect(last.latitude as number).toBeLessThan(48.3);
    expect(typeof last.speedKmh).toBe('number');
    expect(typeof last.satellites).toBe('number');
  });

  it('says so when there is no fix yet', async () => {
    const port = scriptedPort(() => null);
    const { errors, handlers } = collect();
    const session = await startNmea(port, handlers);
    port.push(formatNmeaSentence('GPRMC,123519,V,,,,,,,230394,,') + '\r\n');
    await until(() => errors.length >= 1);
    await session.stop();
    expect(errors[0]).toMatch(/no position fix/);
  });
});

describe('JSON-lines serial sensor', () => {
  it('turns each JSON line into a reading and reports garbage lines', async () => {
    const port = scriptedPort(() => null);
    const { readings, errors, handlers } = collect();
    const session = await startJsonSensor(port, handlers);
    port.push('{"temperatureC": 21.5, "door": true}\n{"temp');
    port.push('eratureC": 22}\r\nnot json\n[1,2]\n');
    await until(() => readings.length >= 2 && errors.length >= 2);
    await session.stop();
    expect(readings.map((r) => r.values.temperatureC)).toEqual([21.5, 22]);
    expect(errors[0]).toMatch(/not JSON/);
  });

  it('parseJsonReading never throws, whatever the line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (line) => void parseJsonReading(line)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.json(), (line) => void parseJsonReading(line)),
      { numRuns: 500 },
    );
    expect(parseJsonReading('{"x": 1e400}')).toMatch(/finite/);
    expect(parseJsonReading('{"9": 1}')).toMatch(/not a usable value name/);
  });
});

describe('Web Bluetooth GATT transport', () => {
  it('pairs through requestDevice with a service filter and streams heart rate', async () => {
    let asked: unknown = null;
    const fake = simulatedBluetooth('heart-rate', { notifyMs: 20 });
    const bluetooth = {
      requestDevice: (o: Parameters<typeof fake.requestDevice>[0]) => (
        (asked = o), fake.requestDevice(o)
      ),
    };
    const { readings, errors, handlers } = collect();
    const session = await pairGattSensor(bluetooth, heartRateProfile, handlers, {
      pollIntervalMs: 20,
    });
    await until(() => readings.length >= 3);
    await session.stop();
    expect(asked).toMatchObject({ filters: [{ services: ['heart_rate'] }] });
    expect(errors).toEqual([]);
    expect(readings[2]!.values.heartRateBpm as number).toBeGreaterThan(30);
  });

  it('polls when the sensor has no notifications, and reads all environment values', async () => {
    const { readings, handlers } = collect();
    const session = await startGattSession(
      simulatedGattDevice('environment'),
      environmentProfile,
      handlers,
      { pollIntervalMs: 20 },
    );
    await until(() => readings.length >= 2);
    await session.stop();
    expect(Object.keys(readings[1]!.values).sort()).toEqual([
      'batteryPct',
      'humidityPct',
      'pressureHpa',
      'temperatureC',
    ]);
  });

  it('reconnects after gattserverdisconnected', async () => {
    const device = simulatedGattDevice('heart-rate', { notifyMs: 20 });
    const { readings, states, handlers } = collect();
    const session = await startGattSession(device, heartRateProfile, handlers, {
      pollIntervalMs: 20,
      reconnectDelayMs: 10,
    });
    await until(() => readings.length >= 1);
    device.dropConnection();
    await until(() => states.filter((s) => s === 'connected').length >= 2);
    const before = readings.length;
    await until(() => readings.length > before);
    expect(states).toContain('reconnecting');
    await session.stop();
  });

  it('shows a clear error for a short value and keeps going', async () => {
    const values = [
      [0x01, 0x48],
      [0x00, 72],
    ]; // uint16 flag with one byte, then a good value
    let i = 0;
    const ch: GattCharacteristicLike = {
      properties: { read: true, notify: false },
      readValue: async () => new DataView(Uint8Array.from(values[Math.min(i++, 1)]!).buffer),
      startNotifications: async () => undefined,
      addEventListener: () => {},
      removeEventListener: () => {},
    };
    const server = {
      connected: true,
      connect: async () => server,
      disconnect: () => {},
      getPrimaryService: async () => ({ getCharacteristic: async () => ch }),
    };
    const device: BluetoothDeviceLike = {
      id: 'x',
      name: 'Strap',
      gatt: server,
      addEventListener: () => {},
      removeEventListener: () => {},
    };
    const { readings, errors, handlers } = collect();
    const session = await startGattSession(device, heartRateProfile, handlers, {
      pollIntervalMs: 10,
      notifySilenceMs: 0,
    });
    await until(() => readings.length >= 1);
    await session.stop();
    expect(errors[0]).toMatch(/Heart rate from Strap: .*(ends|short|byte)/i);
    expect(readings[0]!.values.heartRateBpm).toBe(72);
  });

  it('explains a missing Web Bluetooth and a cancelled chooser', async () => {
    await expect(pairGattSensor(undefined, heartRateProfile, collect().handlers)).rejects.toThrow(
      /no Web Bluetooth/,
    );
    const cancelled = {
      requestDevice: async () =>
        Promise.reject(
          Object.assign(new Error('User cancelled the requestDevice() chooser.'), {
            name: 'NotFoundError',
          }),
        ),
    };
    await expect(pairGattSensor(cancelled, heartRateProfile, collect().handlers)).rejects.toThrow(
      /cancelled/,
    );
  });
});
