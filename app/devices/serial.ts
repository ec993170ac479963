// Web Serial transports: an ELM327 OBD-II adapter (init ATZ, ATE0, ATL0, ATS0, ATH0, ATSP0, then a
// polling loop of mode 01 PIDs), an NMEA 0183 GPS receiver (streaming), and a generic sensor that
// prints one JSON object per line (Arduino and friends). Line framing is ./lineSplitter.ts; the
// decoders are ./obd.ts and ./nmea.ts. The port is reached through a small structural type, so
// the fake navigator.serial of the e2e tests and the demo devices drive this same code.
import { LineSplitter, type LineEvent } from './lineSplitter';
import { decodeObdResponse, obdPids, type ObdQuantity } from './obd';
import { parseNmea } from './nmea';
import {
  delay,
  describeError,
  type DeviceSession,
  type ReadingValue,
  type TransportHandlers,
} from './transport';
import { deviceReadingValuesMaxForJson, obdPidsPerRequestMax } from './limits';

export interface SerialPortLike {
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
  open(options: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  getInfo?(): { usbVendorId?: number; usbProductId?: number };
}
export interface SerialLike {
  requestPort(options?: { filters?: Array<{ usbVendorId?: number }> }): Promise<SerialPortLike>;
}

/** Baud rates: the ELM327 default (38400; clones often 9600 or 38400), NMEA 4800/9600, Arduino 9600/115200. */
export const defaultBaud = { elm327: 38400, nmea: 9600, json: 115200 } as const;

/** An open port with line framing: lines and prompts go to `onEvent`; text is written as ASCII. */
export class SerialLink {
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private closed = false;
  private readonly splitter: LineSplitter;
  private readonly encoder = new TextEncoder();
  /** Resolves when the read loop ends (port closed, unplugged, or stopped). */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  private constructor(
    private readonly port: SerialPortLike,
    prompt: string | null,
    private readonly onEvent: (event: LineEvent) => void,
    private readonly onLost: (message: string) => void,
  ) {
    this.splitter = new LineSplitter({ prompt });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  static async open(
    port: SerialPortLike,
    baudRate: number,
    prompt: string | null,
    onEvent: (event: LineEvent) => void,
    onLost: (message: string) => void,
  ): Promise<SerialLink> {
    try {
      await port.open({ baudRate });
    } catch (error) {
      throw new Error(
        describeError(
          error,
          `Could not open the serial port at ${baudRate} baud (is another tab or program using it?)`,
        ),
      );
    }
    const link = new SerialLink(port, prompt, onEvent, onLost);
    void link.readLoop();
    return link;
  }

  private async readLoop(): Promise<void> {
    try {
      if (!this.port.readable) throw new Error('the port cannot be read');
      this.reader = this.port.readable.getReader();
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        if (value) for (const event of this.splitter.feed(value)) this.onEvent(event);
      }
    } catch (error) {
      if (!this.closed)
        this.onLost(describeError(error, 'The serial device stopped sending (unplugged?)'));
    } finally {
      this.reader?.releaseLock();
      this.resolveDone();
    }
    if (!this.closed)
      this.onLost('The serial device closed the connection. Plug it in again and reconnect.');
  }

  /** Forget any partial line (before a new command). */
  resetLine(): void {
    this.splitter.reset();
  }

  async write(text: string): Promise<void> {
    if (!this.port.writable) throw new Error('The serial port cannot be written to.');
    const writer = this.port.writable.getWriter();
    try {
      await writer.write(this.encoder.encode(text));
    } finally {
      writer.releaseLock();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.reader?.cancel();
    } catch {
      // already gone
    }
    await this.done;
    try {
      await this.port.close();
    } catch {
      // already closed
    }
  }
}

// ---- ELM327 -------------------------------------------------------------------------------

/** Mode 01 PIDs polled, and the value name each reading gets on chain. */
export const elmPolledPids: ReadonlyArray<
  readonly [pid: number, quantity: ObdQuantity, name: string]
> = [
  [0x0d, 'vehicle-speed', 'speedKmh'],
  [0x0c, 'engine-speed', 'rpm'],
  [0x05, 'coolant-temperature', 'coolantC'],
  [0x0f, 'intake-air-temperature', 'intakeAirC'],
  [0x10, 'maf-air-flow-rate', 'mafGs'],
  [0x11, 'throttle-position', 'throttlePct'],
  [0x2f, 'fuel-tank-level', 'fuelPct'],
];

/**
 * PIDs asked together: several PIDs per request save round trips, but the answer must fit one CAN
 * frame (7 bytes: 0x41, then each PID and its data), since multi-frame replies are not decoded.
 */
function groupPids(pids: readonly number[]): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let bytes = 1;
  for (const pid of pids) {
    const definition = obdPids.get(pid);
    const size = 1 + (definition?.dataBytes ?? 4);
    if (group.length > 0 && (bytes + size > 7 || group.length >= obdPidsPerRequestMax)) {
      groups.push(group);
      group = [];
      bytes = 1;
    }
    group.push(pid);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export const elmInitCommands = ['ATZ', 'ATE0', 'ATL0', 'ATS0', 'ATH0', 'ATSP0'] as const;

export interface ElmOptions {
  readonly baudRate?: number;
  readonly pollIntervalMs?: number;
  readonly commandTimeoutMs?: number;
  /** ATZ takes about a second on a real chip. */
  readonly resetTimeoutMs?: number;
}

/** What the ELM327 conversation needs from a link (Web Serial here, BLE GATT in ./bleElm.ts). */
export interface ElmLink {
  write(text: string): Promise<void>;
  /** Forget any partial line (before a new command). */
  resetLine(): void;
  close(): Promise<void>;
}

/**
 * An ELM327 conversation: one command at a time, each answered by lines and then the `>` prompt.
 * A framing error of the link (an over-long line, a garbled or oversized reply) fails the
 * command it belongs to with that typed error once the prompt ends it.
 */
export class Elm327Conversation {
  private lines: string[] = [];
  private error: Error | null = null;
  private waiting: { resolve: (lines: string[]) => void; reject: (error: Error) => void } | null =
    null;
  link!: ElmLink;
  stopped = false;

  onEvent = (event: LineEvent): void => {
    if (event.kind === 'line') this.lines.push(event.text);
    else if (event.kind === 'prompt') {
      const { lines, error } = this;
      this.lines = [];
      this.error = null;
      if (error) this.waiting?.reject(error);
      else this.waiting?.resolve(lines);
      this.waiting = null;
    } else this.error ??= event.error;
  };

  fail(message: string): void {
    this.waiting?.reject(new Error(message));
    this.waiting = null;
  }

  /** The link is gone (unplugged, out of reach): fail the command and tell the user once. */
  lostLink(message: string, handlers: TransportHandlers): void {
    this.fail(message);
    if (!this.stopped) {
      handlers.onError(message);
      handlers.onState?.('disconnected', message);
    }
  }

  async command(command: string, timeoutMs: number): Promise<string[]> {
    this.lines = [];
    this.error = null;
    this.link.resetLine();
    const answer = new Promise<string[]>((resolve, reject) => (this.waiting = { resolve, reject }));
    await this.link.write(`${command}\r`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `The adapter did not answer "${command}" within ${timeoutMs} ms. Check that it is an ELM327 and that it is on.`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
      this.waiting = null;
    }
  }
}

/** Open an ELM327 adapter, initialise it, and poll vehicle data until stopped. */
export async function startElm327(
  port: SerialPortLike,
  handlers: TransportHandlers,
  options: ElmOptions = {},
): Promise<DeviceSession> {
  const baudRate = options.baudRate ?? defaultBaud.elm327;
  const elm = new Elm327Conversation();
  handlers.onState?.('connecting');
  elm.link = await SerialLink.open(port, baudRate, '>', elm.onEvent, (message) =>
    elm.lostLink(message, handlers),
  );
  return runElm327(elm, handlers, options, {
    label: 'ELM327 OBD-II adapter',
    resetHint: `at ${baudRate} baud`,
    retryHint: 'Try 9600 or 38400 baud.',
  });
}

/** How an ELM327 link names itself in messages. */
export interface ElmLinkWords {
  readonly label: string;
  /** Where the reset went unanswered ("at 38400 baud", "over Bluetooth"). */
  readonly resetHint: string;
  /** What to try when no ELM327 answered. */
  readonly retryHint: string;
}

/**
 * Initialise an ELM327 over an open link (ATZ, ATE0, ATL0, ATS0, ATH0, ATSP0) and poll the mode 01
 * PIDs of elmPolledPids until stopped. Shared by Web Serial and BLE (./bleElm.ts).
 */
export async function runElm327(
  elm: Elm327Conversation,
  handlers: TransportHandlers,
  options: ElmOptions,
  words: ElmLinkWords,
): Promise<DeviceSession> {
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  try {
    for (const command of elmInitCommands) {
      const lines = await elm.command(
        command,
        command === 'ATZ' ? (options.resetTimeoutMs ?? 4000) : commandTimeoutMs,
      );
      const printed = lines.filter((l) => l.trim() !== '' && l.trim().toUpperCase() !== command);
      if (command === 'ATZ') {
        if (!printed.some((l) => /ELM327/i.test(l)))
          throw new Error(
            `No ELM327 answered the reset ${words.resetHint} (got "${printed.join(' ') || 'nothing'}"). ${words.retryHint}`,
          );
      } else if (printed[printed.length - 1]?.trim() !== 'OK') {
        throw new Error(
          `The adapter refused "${command}" (answered "${printed.join(' ')}"). It may be a clone without full ELM327 support.`,
        );
      }
    }
  } catch (error) {
    elm.stopped = true;
    await elm.link.close();
    throw new Error(describeError(error, 'The OBD-II adapter did not start'));
  }
  handlers.onState?.('connected');
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const requestGroups = groupPids(elmPolledPids.map(([pid]) => pid));

  const poll = async () => {
    while (!elm.stopped) {
      const values: Record<string, ReadingValue> = {};
      for (const group of requestGroups) {
        if (elm.stopped) break;
        const request =
          '01' + group.map((pid) => pid.toString(16).toUpperCase().padStart(2, '0')).join('');
        try {
          const lines = await elm.command(request, commandTimeoutMs * 3);
          const reply = decodeObdResponse(lines.join('\r'));
          if (reply.kind === 'status') {
            if (reply.status !== 'searching')
              handlers.onError(
                `The car answered "${reply.statusText}" to ${request}${reply.status === 'unable-to-connect' || reply.status === 'no-data' ? ': is the ignition on?' : '.'}`,
              );
            continue;
          }
          for (const r of reply.readings) {
            const entry = elmPolledPids.find(([pid]) => pid === r.pid);
            if (entry && r.value.kind === 'quantity' && !(entry[2] in values))
              values[entry[2]] = Math.round(r.value.value * 100) / 100;
          }
        } catch (error) {
          if (elm.stopped) return;
          handlers.onError(describeError(error, `Vehicle data (${request})`));
        }
      }
      if (Object.keys(values).length > 0 && !elm.stopped)
        handlers.onReading({ at: Date.now(), values });
      await delay(pollIntervalMs);
    }
  };
  void poll();
  return {
    label: words.label,
    async stop() {
      elm.stopped = true;
      await elm.link.close();
      handlers.onState?.('disconnected');
    },
  };
}

// ---- NMEA 0183 ----------------------------------------------------------------------------

/** Stream a GPS receiver: one reading per RMC sentence, completed by the latest GGA and GSA. */
export async function startNmea(
  port: SerialPortLike,
  handlers: TransportHandlers,
  options: { baudRate?: number } = {},
): Promise<DeviceSession> {
  const baudRate = options.baudRate ?? defaultBaud.nmea;
  const extra: Record<string, ReadingValue> = {};
  let badLines = 0;
  handlers.onState?.('connecting');
  const onEvent = (event: LineEvent) => {
    if (event.kind === 'error') return handlers.onError(describeError(event.error, 'GPS'));
    if (event.kind !== 'line' || !event.text.startsWith('$')) {
      if (event.kind === 'line' && event.text.trim() !== '' && ++badLines % 10 === 1)
        handlers.onError(
          `GPS: ignored a line that is not NMEA ("${event.text.slice(0, 24)}"). Check the baud rate (usually ${defaultBaud.nmea} or 4800).`,
        );
      return;
    }
    try {
      const s = parseNmea(event.text);
      if (s.type === 'GGA')
        Object.assign(extra, {
          altitudeM: s.altitudeMeters,
          satellites: s.satellitesInUse,
          hdop: s.hdop,
        });
      if (s.type !== 'RMC') return;
      if (s.status !== 'valid' || s.latitude === null || s.longitude === null)
        return handlers.onError('GPS: no position fix yet (the receiver needs open sky).');
      handlers.onReading({
        at: Date.now(),
        values: {
          latitude: round6(s.latitude),
          longitude: round6(s.longitude),
          speedKmh: s.speedKmh === null ? null : Math.round(s.speedKmh * 10) / 10,
          courseDeg: s.courseDegrees,
          ...extra,
        },
      });
    } catch (error) {
      const message = describeError(error, 'GPS sentence');
      if (!/UNSUPPORTED|not supported|GSV/i.test(message)) handlers.onError(message);
    }
  };
  return streamLines(port, baudRate, 'NMEA GPS receiver', handlers, onEvent);
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

// ---- newline-delimited JSON -----------------------------------------------------------------

/** A sensor printing one JSON object of named numbers (or text/true/false) per line, e.g. {"temperatureC":21.5}. */
export async function startJsonSensor(
  port: SerialPortLike,
  handlers: TransportHandlers,
  options: { baudRate?: number } = {},
): Promise<DeviceSession> {
  const baudRate = options.baudRate ?? defaultBaud.json;
  handlers.onState?.('connecting');
  const onEvent = (event: LineEvent) => {
    if (event.kind === 'error')
      return handlers.onError(describeError(event.error, 'Serial sensor'));
    if (event.kind !== 'line' || event.text.trim() === '') return;
    const values = parseJsonReading(event.text);
    if (typeof values === 'string') return handlers.onError(`Serial sensor: ${values}`);
    handlers.onReading({ at: Date.now(), values });
  };
  return streamLines(port, baudRate, 'JSON serial sensor', handlers, onEvent);
}

/** A device that streams lines on its own (no polling): open the port, report state, stop. */
async function streamLines(
  port: SerialPortLike,
  baudRate: number,
  label: string,
  handlers: TransportHandlers,
  onEvent: (event: LineEvent) => void,
): Promise<DeviceSession> {
  let stopped = false;
  const link = await SerialLink.open(port, baudRate, null, onEvent, (message) => {
    if (stopped) return;
    handlers.onError(message);
    handlers.onState?.('disconnected', message);
  });
  handlers.onState?.('connected');
  return {
    label,
    async stop() {
      stopped = true;
      await link.close();
      handlers.onState?.('disconnected');
    },
  };
}

/** One JSON line as reading values, or the reason it is not one. Pure. */
export function parseJsonReading(line: string): Record<string, ReadingValue> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return `ignored a line that is not JSON ("${line.slice(0, 24)}").`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'each line must be a JSON object such as {"temperatureC": 21.5}.';
  const entries = Object.entries(parsed);
  if (entries.length === 0) return 'a line held no values.';
  if (entries.length > deviceReadingValuesMaxForJson)
    return `a line held ${entries.length} values; at most ${deviceReadingValuesMaxForJson} are kept per reading.`;
  const out: Record<string, ReadingValue> = {};
  for (const [name, value] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,31}$/.test(name))
      return `"${name.slice(0, 32)}" is not a usable value name (letters, digits, "." "_" "-", starting with a letter).`;
    if (typeof value === 'number' && !Number.isFinite(value))
      return `"${name}" is not a finite number.`;
    if (typeof value === 'string' && value.length > 64)
      return `"${name}" is longer than 64 characters.`;
    if (value !== null && !['number', 'string', 'boolean'].includes(typeof value))
      return `"${name}" must be a number, text, true/false or null.`;
    out[name] = value as ReadingValue;
  }
  return out;
}
