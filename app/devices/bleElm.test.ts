// The BLE ELM327 link (./bleElm.ts) driven by a fake adapter: GATT characteristics whose other end
// is the ELM327 simulator (or a scripted misbehaving device). Replies come back cut into
// notifications of any size up to 20 bytes; the code under test is the driver the page runs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bleElmLayouts, keepBleElm327, pairBleElm327, startBleElm327 } from './bleElm';
import type { BluetoothDeviceLike, GattCharacteristicLike } from './bluetooth';
import { Elm327Simulator } from './elm327Simulator';
import { bleElmReplyBytesMax, bleWriteChunkBytesMax } from './limits';
import type { ConnectionState, DeviceReading, TransportHandlers } from './transport';

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
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Listener = (event: Event) => void;

/** A characteristic with a value, listeners, and the operations the link uses. */
function characteristic(properties: GattCharacteristicLike['properties']) {
  const listeners = new Set<Listener>();
  const ch = {
    properties,
    value: null as DataView | null,
    notifying: false,
    onWrite: (_bytes: Uint8Array) => {},
    onRead: (): Uint8Array => new Uint8Array(0),
    async readValue() {
      const bytes = ch.onRead();
      ch.value = new DataView(bytes.slice().buffer);
      // As in Chromium: a read also fires characteristicvaluechanged.
      for (const l of listeners) l({ target: ch } as unknown as Event);
      return ch.value;
    },
    async startNotifications() {
      if (!properties?.notify) throw new DOMException('not supported', 'NotSupportedError');
      ch.notifying = true;
      return ch;
    },
    async stopNotifications() {
      ch.notifying = false;
      return ch;
    },
    async writeValue(bytes: Uint8Array) {
      ch.onWrite(bytes.slice());
    },
    async writeValueWithoutResponse(bytes: Uint8Array) {
      ch.onWrite(bytes.slice());
    },
    notify(bytes: Uint8Array) {
      if (!ch.notifying) return;
      ch.value = new DataView(bytes.slice().buffer);
      for (const l of listeners) l({ target: ch } as unknown as Event);
    },
    addEventListener: (_: string, l: Listener) => void listeners.add(l),
    removeEventListener: (_: string, l: Listener) => void listeners.delete(l),
  };
  return ch;
}

interface AdapterOptions {
  /** 'fff0': notify FFF1 + write FFF2; 'ffe0': FFE1 both; 'none': some other device. */
  layout?: 'fff0' | 'ffe0' | 'none';
  /** The adapter's answer to one command (CR stripped), or null for silence. */
  answer?: (command: string) => string | Uint8Array | null;
  /** How a reply is cut into notifications (default: 20-byte pieces). */
  cut?: (reply: Uint8Array) => Uint8Array[];
  /** No notifications: the output is only read (the CDP emulation's way). */
  readOnly?: boolean;
}

const encoder = new TextEncoder();
const twentyBytePieces = (reply: Uint8Array) => {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < reply.length; at += 20) pieces.push(reply.slice(at, at + 20));
  return pieces;
};

/** A BLE OBD-II adapter; by default the ELM327 simulator answers, as the car under way. */
function fakeAdapter(options: AdapterOptions = {}) {
  const layout = options.layout ?? 'fff0';
  const sim = new Elm327Simulator({ seed: 3 });
  const startedAt = Date.now();
  const answer =
    options.answer ??
    ((command: string) => sim.write(`${command}\r`, 30_000 + Date.now() - startedAt));
  const cut = options.cut ?? twentyBytePieces;
  const rx = characteristic(
    options.readOnly ? { read: true } : { notify: true, read: layout === 'ffe0' },
  );
  const tx = layout === 'ffe0' ? rx : characteristic({ write: true, writeWithoutResponse: true });
  const writes: Uint8Array[] = [];
  const commands: string[] = [];
  const pending: Uint8Array[] = [];
  let typed = '';
  let connected = false;
  /** Out of range: connecting fails (NetworkError), counted in connectTries. */
  const range = { away: false, connectTries: 0 };
  tx.onWrite = (bytes) => {
    writes.push(bytes);
    typed += new TextDecoder().decode(bytes);
    let at: number;
    while ((at = typed.indexOf('\r')) >= 0) {
      const command = typed.slice(0, at);
      typed = typed.slice(at + 1);
      commands.push(command);
      const reply = answer(command);
      if (reply === null) continue;
      const pieces = cut(typeof reply === 'string' ? encoder.encode(reply) : reply);
      if (options.readOnly) pending.push(...pieces);
      else setTimeout(() => pieces.forEach((p) => rx.notify(p)), 1);
    }
  };
  rx.onRead = () => pending.shift() ?? new Uint8Array(0);
  const serviceUuid = layout === 'ffe0' ? bleElmLayouts[1]!.service : bleElmLayouts[0]!.service;
  const disconnects = new Set<() => void>();
  const server = {
    get connected() {
      return connected;
    },
    async connect() {
      range.connectTries++;
      if (range.away)
        throw new DOMException('Connection failed for unknown reason.', 'NetworkError');
      connected = true;
      return server;
    },
    disconnect() {
      connected = false;
    },
    async getPrimaryService(uuid: string) {
      if (layout === 'none' || uuid !== serviceUuid) throw new DOMException('no', 'NotFoundError');
      return {
        async getCharacteristic(c: string) {
          const layoutOf = bleElmLayouts.find((l) => l.service === serviceUuid)!;
          if (c === layoutOf.notify) return rx;
          if (c === layoutOf.write) return tx;
          throw new DOMException('no', 'NotFoundError');
        },
      };
    },
  };
  const device: BluetoothDeviceLike = {
    id: 'AA:BB',
    name: 'OBDII',
    gatt: server,
    addEventListener: (_: string, l: () => void) => void disconnects.add(l),
    removeEventListener: (_: string, l: () => void) => void disconnects.delete(l),
  };
  return {
    device,
    writes,
    commands,
    server,
    range,
    dropLink() {
      connected = false;
      for (const l of disconnects) l();
    },
  };
}

const fast = { pollIntervalMs: 5, notifySilenceMs: 20, readIntervalMs: 2 };

describe('ELM327 over Web Bluetooth (FFF0/FFE0 serial-over-GATT)', () => {
  it('initialises over FFF0 and polls speed and rpm, however the replies are cut into notifications', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
        async (sizes) => {
          let turn = 0;
          const adapter = fakeAdapter({
            cut(reply) {
              const pieces: Uint8Array[] = [];
              for (let at = 0; at < reply.length; ) {
                const size = sizes[turn++ % sizes.length]!;
                pieces.push(reply.slice(at, at + size));
                at += size;
              }
              return pieces;
            },
          });
          const { readings, errors, states, handlers } = collect();
          const session = await startBleElm327(adapter.device, handlers, fast);
          await until(() => readings.length >= 2);
          await session.stop();
          expect(errors).toEqual([]);
          expect(states).toContain('connected');
          expect(adapter.commands.slice(0, 6)).toEqual([
            'ATZ',
            'ATE0',
            'ATL0',
            'ATS0',
            'ATH0',
            'ATSP0',
          ]);
          const values = readings[1]!.values;
          expect(values.speedKmh).toBeGreaterThan(0);
          expect(values.rpm).toBeGreaterThan(500);
          expect(adapter.server.connected).toBe(false);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('talks to an FFE0 adapter through its one characteristic, in writes of at most 20 bytes', async () => {
    const adapter = fakeAdapter({ layout: 'ffe0' });
    const { readings, errors, handlers } = collect();
    const session = await pairBleElm327({ requestDevice: async () => adapter.device }, handlers, {
      ...fast,
      writeChunkBytes: 3,
    });
    await until(() => readings.length >= 1);
    await session.stop();
    expect(errors).toEqual([]);
    expect(readings[0]!.values.speedKmh).toEqual(expect.any(Number));
    expect(adapter.writes.every((w) => w.length <= 3)).toBe(true);
    expect(adapter.writes.some((w) => w.length === 3)).toBe(true);
    const sent = new TextDecoder().decode(new Uint8Array(adapter.writes.flatMap((w) => [...w])));
    expect(sent.startsWith('ATZ\rATE0\rATL0\r')).toBe(true);
    await expect(
      startBleElm327(fakeAdapter().device, collect().handlers, {
        writeChunkBytes: bleWriteChunkBytesMax + 1,
      }),
    ).rejects.toThrow(/writeChunkBytes/);
  });

  it('reads the output when the adapter sends no notifications (the CDP emulation), without double counting', async () => {
    const adapter = fakeAdapter({ readOnly: true });
    const { readings, errors, handlers } = collect();
    const session = await startBleElm327(adapter.device, handlers, fast);
    await until(() => readings.length >= 2);
    await session.stop();
    expect(errors).toEqual([]);
    expect(readings[1]!.values.rpm).toBeGreaterThan(500);
  });

  it('times out on a silent adapter and says what was not answered', async () => {
    const adapter = fakeAdapter({ answer: () => null });
    await expect(
      startBleElm327(adapter.device, collect().handlers, { ...fast, resetTimeoutMs: 50 }),
    ).rejects.toThrow(/did not start.*did not answer "ATZ" within 50 ms/);
    expect(adapter.server.connected).toBe(false);
    const noPrompt = fakeAdapter({ answer: (c) => (c === 'ATZ' ? 'ELM327 v1.5\r' : null) });
    await expect(
      startBleElm327(noPrompt.device, collect().handlers, { ...fast, resetTimeoutMs: 50 }),
    ).rejects.toThrow(/did not answer "ATZ"/);
  });

  it('fails a garbled reply with a typed error and keeps polling', async () => {
    let garble = 2;
    const sim = new Elm327Simulator({ seed: 3 });
    const adapter = fakeAdapter({
      answer(command) {
        const reply = sim.write(`${command}\r`, 30_000);
        if (!command.startsWith('01') || garble-- <= 0) return reply;
        const bytes = encoder.encode(reply);
        bytes[1] = 0xff;
        return bytes;
      },
    });
    const { readings, errors, handlers } = collect();
    const session = await startBleElm327(adapter.device, handlers, fast);
    const speeds = () => readings.filter((r) => typeof r.values.speedKmh === 'number');
    await until(() => speeds().length >= 1 && errors.length >= 2);
    await session.stop();
    expect(errors[0]).toMatch(/Vehicle data \(01.*\): OBD-II adapter: the reply holds byte 0xff/);
    expect(errors).toHaveLength(2);
    expect(speeds().length).toBeGreaterThan(0);
  });

  it('refuses an oversized reply and an oversized value, named by their limits, then goes on', async () => {
    let flood = true;
    const sim = new Elm327Simulator({ seed: 3 });
    const adapter = fakeAdapter({
      answer(command) {
        if (command.startsWith('01') && flood) {
          flood = false;
          return `${'41 0D 3C\r'.repeat(Math.ceil(bleElmReplyBytesMax / 9) + 1)}\r>`;
        }
        return sim.write(`${command}\r`, 30_000);
      },
    });
    const { readings, errors, handlers } = collect();
    const session = await startBleElm327(adapter.device, handlers, fast);
    await until(() => readings.length >= 1);
    await session.stop();
    expect(errors[0]).toMatch(new RegExp(`ran past ${bleElmReplyBytesMax} bytes`));

    let big = true;
    const sim2 = new Elm327Simulator({ seed: 3 });
    const huge = fakeAdapter({
      answer: (command) => sim2.write(`${command}\r`, 30_000),
      cut(reply) {
        if (!big || reply.length < 8) return twentyBytePieces(reply);
        big = false;
        return [new Uint8Array(600).fill(0x41), ...twentyBytePieces(reply)];
      },
    });
    const b = collect();
    await expect(startBleElm327(huge.device, b.handlers, fast)).rejects.toThrow(
      /600 bytes is larger than an attribute can be \(512\)/,
    );
  });

  it('explains a device that is not an OBD-II adapter, a missing Web Bluetooth, and a lost link', async () => {
    await expect(
      startBleElm327(fakeAdapter({ layout: 'none' }).device, collect().handlers),
    ).rejects.toThrow(/neither the FFF0 nor the FFE0/);
    await expect(pairBleElm327(undefined, collect().handlers)).rejects.toThrow(/no Web Bluetooth/);
    const notElm = fakeAdapter({ answer: () => 'HM-10 OK\r>' });
    await expect(startBleElm327(notElm.device, collect().handlers, fast)).rejects.toThrow(
      /No ELM327 answered the reset over Bluetooth \(got "HM-10 OK"\)/,
    );
    const adapter = fakeAdapter();
    const { readings, errors, states, handlers } = collect();
    const session = await startBleElm327(adapter.device, handlers, fast);
    await until(() => readings.length >= 1);
    adapter.dropLink();
    await until(() => states.includes('disconnected'));
    expect(errors.join(' ')).toMatch(/OBDII disconnected/);
    await session.stop();
  });

  it('reconnects a dropped adapter with doubling waits up to the cap, and readings resume', async () => {
    const adapter = fakeAdapter();
    const { readings, errors, states, handlers } = collect();
    const messages: string[] = [];
    const session = await pairBleElm327(
      { requestDevice: async () => adapter.device },
      { ...handlers, onState: (s, m) => (states.push(s), m && messages.push(m)) },
      { ...fast, reconnectDelayMs: 10, reconnectDelayMaxMs: 25, reconnectAttemptsMax: 8 },
    );
    await until(() => readings.length >= 1);
    // The adapter goes out of range: the link drops and connecting fails for a while.
    adapter.range.away = true;
    adapter.dropLink();
    await until(() => adapter.range.connectTries >= 5); // the first connect, then four tries
    expect(states.at(-1)).toBe('reconnecting');
    expect(messages.filter((m) => m.includes('reconnecting')).slice(0, 5)).toEqual(
      [10, 20, 25, 25, 25].map(
        (ms, i) => `OBDII disconnected; reconnecting (try ${i + 1} of 8 in ${ms} ms).`,
      ),
    );
    // Back in range: the next try connects, initialises the adapter again, readings resume.
    const before = readings.length;
    const commandsBefore = adapter.commands.length;
    adapter.range.away = false;
    await until(() => readings.length >= before + 2);
    expect(states.at(-1)).toBe('connected');
    expect(adapter.commands.slice(commandsBefore, commandsBefore + 6)).toEqual([
      'ATZ',
      'ATE0',
      'ATL0',
      'ATS0',
      'ATH0',
      'ATSP0',
    ]);
    expect(readings.at(-1)!.values.rpm).toBeGreaterThan(500);
    expect(errors).toEqual([]); // the lost session's errors and "connect it again" stay silent
    await session.stop();
    expect(states.at(-1)).toBe('disconnected');
    expect(adapter.server.connected).toBe(false);
  });

  it('gives up after reconnectAttemptsMax tries and says so; stop() ends a reconnection', async () => {
    const adapter = fakeAdapter();
    const { readings, errors, states, handlers } = collect();
    const options = { ...fast, reconnectDelayMs: 5, reconnectAttemptsMax: 3 };
    const session = await keepBleElm327(adapter.device, handlers, options);
    await until(() => readings.length >= 1);
    adapter.range.away = true;
    adapter.dropLink();
    await until(() => errors.length > 0);
    expect(adapter.range.connectTries).toBe(1 + 3);
    expect(states.at(-1)).toBe('disconnected');
    expect(errors).toEqual([
      expect.stringMatching(
        /OBDII disconnected and did not come back after 3 tries \(last try: .*out of reach/,
      ),
    ]);
    await session.stop();

    const again = fakeAdapter();
    const b = collect();
    const stopping = await keepBleElm327(again.device, b.handlers, {
      ...fast,
      reconnectDelayMs: 40,
    });
    await until(() => b.readings.length >= 1);
    again.range.away = true;
    again.dropLink();
    await until(() => b.states.at(-1) === 'reconnecting');
    await stopping.stop();
    const tries = again.range.connectTries;
    await new Promise((r) => setTimeout(r, 100));
    expect(again.range.connectTries).toBe(tries);
    expect(b.states.at(-1)).toBe('disconnected');
  });
});
