// ELM327 OBD-II adapters over Web Bluetooth (issue 20). Most cheap Bluetooth OBD-II adapters are
// BLE ELM327 clones that tunnel the adapter's serial line through a vendor GATT service:
//   FFF0: notify FFF1 (adapter -> phone), write FFF2 (phone -> adapter)
//   FFE0: FFE1 for both (the HM-10 style modules)
// The text protocol is the one the Web Serial adapters speak, so the conversation and the
// decoding are shared with ./serial.ts (Elm327Conversation, runElm327) and ./obd.ts: this file is
// only the link. Commands go out as GATT writes of at most bleWriteChunkBytesMax bytes; the
// replies come back as notifications of up to 20 bytes each, cut anywhere (mid-line, mid-CR LF),
// and are reassembled into lines by ./lineSplitter.ts until the `>` prompt.
//
// Typed errors (DeviceDataError, ./errors.ts) fail the command they belong to once its prompt
// comes: a notification larger than an attribute can be (TOO_LARGE), a reply longer than
// bleElmReplyBytesMax (TOO_LARGE), bytes that are not ELM327 text (MALFORMED: a wrong device or a
// garbled link), a line longer than serialLineCharactersMax (LINE_TOO_LONG). A reply that never
// ends in `>` times out (the conversation's timeout).
//
// Read fallback: when no notification comes within notifySilenceMs of a write and the output
// characteristic is readable, the link reads it instead, each read handing the pending output (an
// empty or all-NUL value: nothing yet), until the prompt. The Chromium BluetoothEmulation used by
// the e2e tests cannot push notifications (../shared/notes/devices.md), so it answers reads this
// way; the first notification switches the link to notifications for good.
import {
  type BluetoothDeviceLike,
  type BluetoothLike,
  type GattCharacteristicLike,
  type GattServerLike,
} from './bluetooth';
import { DeviceDataError } from './errors';
import { LineSplitter, type LineEvent } from './lineSplitter';
import {
  bleElmReplyBytesMax,
  bleReconnectAttemptsMax,
  bleReconnectDelayMaxMs,
  bleReconnectDelayMs,
  bleWriteChunkBytesMax,
  gattValueBytesMax,
} from './limits';
import { Elm327Conversation, runElm327, type ElmLink, type ElmOptions } from './serial';
import { delay, describeError, type DeviceSession, type TransportHandlers } from './transport';

const uuid16 = (short: string) => `0000${short}-0000-1000-8000-00805f9b34fb`;

/** The serial-over-GATT layouts of BLE ELM327 adapters, tried in this order. */
export const bleElmLayouts: ReadonlyArray<{
  readonly service: string;
  readonly notify: string;
  readonly write: string;
}> = [
  { service: uuid16('fff0'), notify: uuid16('fff1'), write: uuid16('fff2') },
  { service: uuid16('ffe0'), notify: uuid16('ffe1'), write: uuid16('ffe1') },
];

export interface BleElmOptions extends ElmOptions {
  /** Bytes per GATT write, 1 to bleWriteChunkBytesMax (an adapter with a larger MTU still takes 20). */
  readonly writeChunkBytes?: number;
  /** How long after a write the link waits for a first notification before it reads instead. */
  readonly notifySilenceMs?: number;
  /** Pause between reads that brought nothing, in read mode. */
  readonly readIntervalMs?: number;
  /** After a dropped link (keepBleElm327): the first wait, the longest, and the tries. */
  readonly reconnectDelayMs?: number;
  readonly reconnectDelayMaxMs?: number;
  readonly reconnectAttemptsMax?: number;
}

/** ELM327 output is ASCII text: printable characters, CR, LF, and NULs some clones send. */
const isElmByte = (b: number) => (b >= 0x20 && b <= 0x7e) || b === 0x0d || b === 0x0a || b === 0;
const promptByte = 0x3e; // '>'

/** The link: GATT writes out, notifications (or reads) in, framed into ELM327 lines and prompts. */
export class BleElmLink implements ElmLink {
  private readonly splitter = new LineSplitter({ prompt: '>' });
  private readonly encoder = new TextEncoder();
  private readonly writeChunkBytes: number;
  private readonly notifySilenceMs: number;
  private readonly readIntervalMs: number;
  private replyBytes = 0;
  private overflowing = false;
  private garbled = false;
  private mode: 'unknown' | 'notify' | 'read' = 'unknown';
  private awaitingPrompt = false;
  private readInFlight = false;
  private reading = false;
  private closed = false;

  private constructor(
    private readonly rx: GattCharacteristicLike,
    private readonly tx: GattCharacteristicLike,
    private readonly onEvent: (event: LineEvent) => void,
    private readonly onClose: () => void,
    options: BleElmOptions,
  ) {
    const chunk = options.writeChunkBytes ?? bleWriteChunkBytesMax;
    if (!Number.isInteger(chunk) || chunk < 1 || chunk > bleWriteChunkBytesMax)
      throw new RangeError(
        `BleElmLink: writeChunkBytes must be an integer from 1 to ${bleWriteChunkBytesMax}, got ${chunk}`,
      );
    this.writeChunkBytes = chunk;
    this.notifySilenceMs = options.notifySilenceMs ?? 500;
    this.readIntervalMs = options.readIntervalMs ?? 50;
  }

  /** Subscribe to the adapter's output; `onClose` runs on close (it disconnects the server). */
  static async open(
    rx: GattCharacteristicLike,
    tx: GattCharacteristicLike,
    onEvent: (event: LineEvent) => void,
    onClose: () => void,
    options: BleElmOptions = {},
  ): Promise<BleElmLink> {
    const link = new BleElmLink(rx, tx, onEvent, onClose, options);
    rx.addEventListener('characteristicvaluechanged', link.onNotification);
    try {
      await rx.startNotifications();
    } catch (error) {
      // Without notifications the adapter can still be read, if its output is readable.
      if (!rx.properties?.read) {
        rx.removeEventListener('characteristicvaluechanged', link.onNotification);
        throw error;
      }
      link.mode = 'read';
    }
    return link;
  }

  private readonly onNotification = (event: Event): void => {
    // A read also fires characteristicvaluechanged (Web Bluetooth 5.6.4): the read takes its value.
    if (this.closed || this.readInFlight) return;
    const view = ((event.target as GattCharacteristicLike | null) ?? this.rx).value;
    if (!view) return;
    this.mode = 'notify';
    this.receive(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  };

  /** One value from the adapter: checked, counted against the reply's limit, then framed. */
  receive(bytes: Uint8Array): void {
    if (bytes.length > gattValueBytesMax) {
      this.error(
        'TOO_LARGE',
        `OBD-II adapter: a Bluetooth value of ${bytes.length} bytes is larger than an attribute can be (${gattValueBytesMax}); it was dropped.`,
      );
      if (bytes.includes(promptByte)) this.frame('>');
      return;
    }
    this.replyBytes += bytes.length;
    if (!this.overflowing && this.replyBytes > bleElmReplyBytesMax) {
      this.overflowing = true;
      this.error(
        'TOO_LARGE',
        `OBD-II adapter: the reply ran past ${bleElmReplyBytesMax} bytes without a prompt; it was dropped. Is it an ELM327 in a monitor mode?`,
      );
    }
    if (this.overflowing) {
      if (bytes.includes(promptByte)) this.frame('>');
      return;
    }
    let clean = bytes;
    if (!bytes.every(isElmByte)) {
      if (!this.garbled) {
        this.garbled = true;
        const bad = bytes.find((b) => !isElmByte(b)) ?? 0;
        this.error(
          'MALFORMED',
          `OBD-II adapter: the reply holds byte 0x${bad.toString(16).padStart(2, '0')}, which is not ELM327 text (a garbled link or not an ELM327).`,
        );
      }
      clean = bytes.filter(isElmByte);
    }
    this.frame(clean);
  }

  private frame(chunk: Uint8Array | string): void {
    for (const event of this.splitter.feed(chunk)) {
      if (event.kind === 'prompt') {
        this.awaitingPrompt = false;
        this.replyBytes = 0;
        this.overflowing = false;
        this.garbled = false;
      }
      this.onEvent(event);
    }
  }

  private error(code: 'TOO_LARGE' | 'MALFORMED', message: string): void {
    this.onEvent({ kind: 'error', error: new DeviceDataError(code, message) });
  }

  resetLine(): void {
    this.splitter.reset();
    this.replyBytes = 0;
    this.overflowing = false;
    this.garbled = false;
  }

  /** Send a command as GATT writes of at most writeChunkBytes bytes each, in order. */
  async write(text: string): Promise<void> {
    if (this.closed) throw new Error('The Bluetooth OBD-II adapter is disconnected.');
    const bytes = this.encoder.encode(text);
    const withoutResponse =
      this.tx.properties?.writeWithoutResponse && this.tx.writeValueWithoutResponse
        ? this.tx.writeValueWithoutResponse.bind(this.tx)
        : null;
    const writeOne = withoutResponse ?? this.tx.writeValue?.bind(this.tx);
    if (!writeOne) throw new Error('The adapter offers no characteristic to write commands to.');
    this.awaitingPrompt = true;
    for (let at = 0; at < bytes.length; at += this.writeChunkBytes)
      await writeOne(bytes.slice(at, at + this.writeChunkBytes));
    if (this.mode !== 'notify' && this.rx.properties?.read) void this.readLoop();
  }

  /** Read mode: read the output while a reply is awaited (see the file's header). */
  private async readLoop(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      if (this.mode === 'unknown') {
        await delay(this.notifySilenceMs);
        if (this.mode !== 'unknown' || !this.awaitingPrompt || this.closed) return;
        this.mode = 'read';
      }
      while (!this.closed && this.awaitingPrompt && this.mode === 'read') {
        this.readInFlight = true;
        let view: DataView;
        try {
          view = await this.rx.readValue();
        } finally {
          this.readInFlight = false;
        }
        if (this.closed) return;
        const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        if (bytes.some((b) => b !== 0)) this.receive(bytes);
        else await delay(this.readIntervalMs);
      }
    } catch {
      // A failed read: the command times out, or the disconnect handler reports the loss.
    } finally {
      this.reading = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rx.removeEventListener('characteristicvaluechanged', this.onNotification);
    await this.rx.stopNotifications?.().catch(() => undefined);
    this.onClose();
  }
}

/**
 * Ask the user for a BLE OBD-II adapter (the browser's chooser; needs a click) and poll it; a
 * dropped link is reconnected (keepBleElm327).
 */
export async function pairBleElm327(
  bluetooth: BluetoothLike | undefined,
  handlers: TransportHandlers,
  options: BleElmOptions = {},
): Promise<DeviceSession> {
  if (!bluetooth)
    throw new Error(
      'This browser has no Web Bluetooth. Use Chrome on Android or a desktop (on Linux, Chromium started with --enable-features=WebBluetooth), or a serial adapter.',
    );
  const services = bleElmLayouts.map((l) => l.service);
  const device = await bluetooth.requestDevice({
    filters: services.map((service) => ({ services: [service] })),
    optionalServices: services,
  });
  return keepBleElm327(device, handlers, options);
}

/**
 * startBleElm327 that survives a dropped link: when the GATT server disconnects
 * (gattserverdisconnected: out of range, the adapter rebooting as the engine cranks) the session
 * says so (state 'reconnecting', with the try and the wait) and connects again to the same device
 * (no chooser) after reconnectDelayMs, doubling up to reconnectDelayMaxMs, for at most
 * reconnectAttemptsMax tries (limits.ts); back, it initialises the adapter again and readings
 * resume ('connected'). Out of tries it reports 'disconnected' and an error. stop() ends it all.
 */
export async function keepBleElm327(
  device: BluetoothDeviceLike,
  handlers: TransportHandlers,
  options: BleElmOptions = {},
): Promise<DeviceSession> {
  const label = device.name || `Bluetooth OBD-II adapter ${device.id}`;
  const firstDelayMs = options.reconnectDelayMs ?? bleReconnectDelayMs;
  const delayMaxMs = options.reconnectDelayMaxMs ?? bleReconnectDelayMaxMs;
  const attemptsMax = options.reconnectAttemptsMax ?? bleReconnectAttemptsMax;
  let stopped = false;
  let reconnecting = false;
  /** Bumped on every loss: the handlers of a lost session fall silent. */
  let generation = 0;
  let session: DeviceSession | null = null;
  const waiting = new AbortController();
  const relay = (mine: number): TransportHandlers => ({
    onReading: (reading) => {
      if (!stopped && mine === generation) handlers.onReading(reading);
    },
    onError: (message) => {
      if (!stopped && mine === generation) handlers.onError(message);
    },
    onState: (state, message) => {
      if (!stopped && mine === generation && state !== 'disconnected')
        handlers.onState?.(state, message);
    },
  });
  const reconnect = async (): Promise<void> => {
    reconnecting = true;
    const mine = ++generation;
    const lost = session;
    session = null;
    // The lost session's link is closed before a new one opens (its close disconnects).
    await Promise.race([lost?.stop().catch(() => undefined), delay(firstDelayMs)]);
    let wait = firstDelayMs;
    let last = '';
    try {
      for (let attempt = 1; attempt <= attemptsMax && !stopped; attempt++) {
        handlers.onState?.(
          'reconnecting',
          `${label} disconnected; reconnecting (try ${attempt} of ${attemptsMax} in ${wait < 1000 ? `${wait} ms` : `${Math.round(wait / 1000)} s`}).`,
        );
        await delay(wait, waiting.signal);
        if (stopped) return;
        try {
          session = await startBleElm327(device, relay(mine), options);
          return;
        } catch (error) {
          last = describeError(error, 'last try');
        }
        wait = Math.min(wait * 2, delayMaxMs);
      }
      if (stopped) return;
      handlers.onState?.('disconnected', `${label} is out of reach.`);
      handlers.onError(
        `${label} disconnected and did not come back after ${attemptsMax} tries (${last}). Check that it is plugged in and the ignition is on, then connect it again.`,
      );
    } finally {
      reconnecting = false;
    }
  };
  // Registered before the session's own listener: the loss bumps the generation first, so the
  // lost session's "disconnected, connect it again" never reaches the page.
  const onLost = () => {
    if (!stopped && !reconnecting) void reconnect();
  };
  device.addEventListener('gattserverdisconnected', onLost);
  try {
    session = await startBleElm327(device, relay(generation), options);
  } catch (error) {
    device.removeEventListener('gattserverdisconnected', onLost);
    throw error;
  }
  return {
    label,
    async stop() {
      stopped = true;
      waiting.abort();
      device.removeEventListener('gattserverdisconnected', onLost);
      await session?.stop();
      session = null;
      handlers.onState?.('disconnected');
    },
  };
}

/** The part after the chooser: connect, find the serial service, initialise, poll until stopped. */
export async function startBleElm327(
  device: BluetoothDeviceLike,
  handlers: TransportHandlers,
  options: BleElmOptions = {},
): Promise<DeviceSession> {
  const label = device.name || `Bluetooth OBD-II adapter ${device.id}`;
  if (!device.gatt)
    throw new Error(`${label} has no GATT server; it cannot be used over Bluetooth.`);
  handlers.onState?.('connecting');
  let server: GattServerLike;
  try {
    server = await device.gatt.connect();
  } catch (error) {
    throw new Error(describeError(error, `Could not connect to ${label}`));
  }
  let found: { rx: GattCharacteristicLike; tx: GattCharacteristicLike } | null = null;
  for (const layout of bleElmLayouts) {
    try {
      const service = await server.getPrimaryService(layout.service);
      const rx = await service.getCharacteristic(layout.notify);
      const tx =
        layout.write === layout.notify ? rx : await service.getCharacteristic(layout.write);
      found = { rx, tx };
      break;
    } catch {
      // not this layout
    }
  }
  if (!found) {
    server.disconnect();
    throw new Error(
      `${label} offers neither the FFF0 nor the FFE0 serial service of BLE OBD-II adapters; it is not one this app can talk to.`,
    );
  }
  const elm = new Elm327Conversation();
  const lost = () =>
    elm.lostLink(
      `${label} disconnected (out of reach or switched off). Connect it again.`,
      handlers,
    );
  device.addEventListener('gattserverdisconnected', lost);
  try {
    elm.link = await BleElmLink.open(
      found.rx,
      found.tx,
      elm.onEvent,
      () => {
        device.removeEventListener('gattserverdisconnected', lost);
        if (server.connected) server.disconnect();
      },
      options,
    );
  } catch (error) {
    device.removeEventListener('gattserverdisconnected', lost);
    server.disconnect();
    throw new Error(describeError(error, `${label} did not start sending`));
  }
  return runElm327(elm, handlers, options, {
    label,
    resetHint: 'over Bluetooth',
    retryHint: 'Check that it is an ELM327 OBD-II adapter and that it is plugged into the car.',
  });
}
