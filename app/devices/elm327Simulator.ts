// An ELM327 v1.5 OBD-II adapter and the vehicle behind it, for the demo device and the fake
// navigator.serial of the e2e tests. Pure and deterministic: replies depend on the command, the
// adapter settings, the seed and the `timeMs` the caller passes (ms since the engine started).
//
// Reply format (ELM327 datasheet ELM327DSH): [echo of the command + line end] + each output line +
// line end, then an empty line and the prompt: e.g. `41 0D 32 \r\r>`. The line end is CR, or CR LF
// after AT L1. With spaces on (AT S1, the default) every byte is followed by a space. With headers
// on (AT H1) a CAN reply shows the CAN id, the ISO 15765-2 PCI byte and all 8 data bytes including
// padding (datasheet example: `7E8 03 41 05 46 00 00 00 00`). The first request after reset or
// AT SP 0 prints `SEARCHING...` before the answer.
//
// Simplifications: timing (AT ST, AT AT) is accepted and ignored; services other than 01 answer
// NO DATA; an ECU whose answer needs more than one CAN frame sends ISO 15765-2 multi-frame output.

import {
  createDriveProfile,
  supportedPidBitmaps,
  type DriveProfile,
  type VehicleState,
} from './driveProfile';
import { elmCommandCharactersMax, obdPidsPerRequestMax } from './limits';
import { checkSeed, checkTimeMs } from './seededNoise';

export const elm327Identification = 'ELM327 v1.5';
const deviceDescription = 'OBDII to RS232 Interpreter';

/** ELM327 protocol numbers (AT SP h). */
export const elmProtocolNames: Readonly<Record<string, string>> = {
  '1': 'SAE J1850 PWM',
  '2': 'SAE J1850 VPW',
  '3': 'ISO 9141-2',
  '4': 'ISO 14230-4 (KWP 5BAUD)',
  '5': 'ISO 14230-4 (KWP FAST)',
  '6': 'ISO 15765-4 (CAN 11/500)',
  '7': 'ISO 15765-4 (CAN 29/500)',
  '8': 'ISO 15765-4 (CAN 11/250)',
  '9': 'ISO 15765-4 (CAN 29/250)',
  A: 'SAE J1939 (CAN 29/250)',
  B: 'USER1 (CAN 11/125)',
  C: 'USER2 (CAN 11/50)',
};

export interface Elm327SimulatorOptions {
  readonly seed: number;
  /** The vehicle's bus: 6 = ISO 15765-4 CAN 11-bit 500 kbaud (default), 7 = CAN 29-bit 500 kbaud. */
  readonly vehicleProtocol?: 6 | 7;
  /** A second ECU (transmission, 7E9 / 18DAF118) that answers PIDs 0x00 and 0x0D too. */
  readonly transmissionEcu?: boolean;
  readonly ignitionOn?: boolean;
  /** Line feeds after CR at power-up (pin 7 of the real chip); AT L0/L1 change it. Default off. */
  readonly linefeedsAfterReset?: boolean;
}

export interface Elm327Settings {
  readonly echo: boolean;
  readonly linefeeds: boolean;
  readonly spaces: boolean;
  readonly headers: boolean;
  /** Protocol digit set by AT SP / AT TP ('0' = automatic). */
  readonly protocol: string;
  readonly automatic: boolean;
  /** True once the adapter has found the vehicle's protocol (after a successful search). */
  readonly connected: boolean;
}

interface Ecu {
  readonly canId: string;
  readonly pids: ReadonlySet<number>;
  readonly data: (pid: number, timeMs: number) => number[] | null;
}

export class Elm327Simulator {
  readonly profile: DriveProfile;
  readonly vehicleProtocol: 6 | 7;
  private readonly linefeedsAfterReset: boolean;
  private readonly ecus: readonly Ecu[];
  private ignitionOn: boolean;
  private state: Elm327Settings;
  private lastCommand: string | null = null;
  private inputBuffer = '';
  private inputOverflow = false;

  constructor(options: Elm327SimulatorOptions) {
    checkSeed('Elm327Simulator', options.seed);
    this.profile = createDriveProfile(options.seed);
    this.vehicleProtocol = options.vehicleProtocol ?? 6;
    if (this.vehicleProtocol !== 6 && this.vehicleProtocol !== 7) {
      throw new RangeError(
        `Elm327Simulator: vehicleProtocol must be 6 or 7, got ${String(this.vehicleProtocol)}`,
      );
    }
    this.linefeedsAfterReset = options.linefeedsAfterReset ?? false;
    this.ignitionOn = options.ignitionOn ?? true;
    this.ecus = this.buildEcus(options.transmissionEcu ?? false);
    this.state = this.defaults();
  }

  get settings(): Elm327Settings {
    return this.state;
  }

  /** The vehicle state at `timeMs` (what the PID replies encode). */
  vehicleStateAt(timeMs: number): VehicleState {
    return this.profile.stateAt(timeMs);
  }

  /** Ignition off: the ECUs stop answering (NO DATA, or UNABLE TO CONNECT while searching). */
  setIgnition(on: boolean): void {
    this.ignitionOn = on;
  }

  /**
   * Answers one command (without its CR), exactly as the adapter would print it, ending in `>`.
   * An empty command repeats the previous one, as on the real chip.
   */
  respond(command: string, timeMs: number): string {
    if (typeof command !== 'string')
      throw new TypeError('Elm327Simulator.respond: command must be a string');
    checkTimeMs('Elm327Simulator.respond', timeMs);
    const received = command.replace(/[\r\n]+$/, '');
    const echo = this.state.echo ? received + this.lineEnd() : '';
    const normalized = received.replace(/[\s\x00-\x1f]+/g, '').toUpperCase();
    const effective = normalized === '' ? this.lastCommand : normalized;
    if (effective === null) return this.reply(echo, ['?']);
    this.lastCommand = effective;
    const lines = effective.startsWith('AT')
      ? this.atCommand(effective.slice(2), timeMs)
      : this.obdRequest(effective, timeMs);
    return this.reply(echo, lines);
  }

  /**
   * Serial stream input: buffers characters until CR (LF is ignored, as by the chip) and returns
   * the replies to every command completed by this chunk, concatenated.
   */
  write(text: string, timeMs: number): string {
    if (typeof text !== 'string')
      throw new TypeError('Elm327Simulator.write: text must be a string');
    let output = '';
    for (const character of text) {
      if (character === '\n') continue;
      if (character !== '\r') {
        if (this.inputBuffer.length >= elmCommandCharactersMax) this.inputOverflow = true;
        else this.inputBuffer += character;
        continue;
      }
      const command = this.inputBuffer;
      const overflow = this.inputOverflow;
      this.inputBuffer = '';
      this.inputOverflow = false;
      output += overflow ? this.reply('', ['?']) : this.respond(command, timeMs);
    }
    return output;
  }

  // -------------------------------------------------------------------------------------------

  private defaults(): Elm327Settings {
    return {
      echo: true,
      linefeeds: this.linefeedsAfterReset,
      spaces: true,
      headers: false,
      protocol: '0',
      automatic: true,
      connected: false,
    };
  }

  private lineEnd(): string {
    return this.state.linefeeds ? '\r\n' : '\r';
  }

  private reply(echo: string, lines: readonly string[]): string {
    const end = this.lineEnd();
    return `${echo}${lines.map((line) => line + end).join('')}${end}>`;
  }

  private atCommand(body: string, timeMs: number): string[] {
    const set = (patch: Partial<Elm327Settings>): string[] => {
      this.state = { ...this.state, ...patch };
      return ['OK'];
    };
    if (body === 'Z' || body === 'WS') {
      this.state = this.defaults();
      return ['', elm327Identification];
    }
    if (body === 'D') {
      this.state = { ...this.defaults(), linefeeds: this.state.linefeeds };
      return ['OK'];
    }
    if (body === 'I') return [elm327Identification];
    if (body === '@1') return [deviceDescription];
    if (body === 'RV') return [`${this.supplyVolts(timeMs).toFixed(1)}V`];
    if (body === 'DP') return [this.describeProtocol()];
    if (body === 'DPN') return [this.protocolNumber()];
    const toggle = /^([ELSH])([01])$/.exec(body);
    if (toggle) {
      const on = toggle[2] === '1';
      const key = ({ E: 'echo', L: 'linefeeds', S: 'spaces', H: 'headers' } as const)[
        toggle[1] as 'E' | 'L' | 'S' | 'H'
      ];
      return set({ [key]: on });
    }
    const protocol = /^(?:SP|TP)(A?)([0-9A-C])$/.exec(body);
    if (protocol) {
      const digit = protocol[2] ?? '0';
      return set({
        protocol: digit,
        automatic: digit === '0' || protocol[1] === 'A',
        connected: false,
      });
    }
    if (
      /^(?:M[01]|CAF[01]|AT[012]|AL|NL|R[01]|V[01]|D[01]|PC|ST[0-9A-F]{2}|SH(?:[0-9A-F]{3}|[0-9A-F]{6}|[0-9A-F]{8})|CRA[0-9A-F]{3}|CRA[0-9A-F]{8})$/.test(
        body,
      )
    ) {
      return ['OK'];
    }
    return ['?'];
  }

  private supplyVolts(timeMs: number): number {
    return this.ignitionOn ? this.profile.batteryVoltsAt(timeMs) : 12.6;
  }

  private describeProtocol(): string {
    const vehicle = elmProtocolNames[String(this.vehicleProtocol)] ?? '';
    if (this.state.automatic && this.state.protocol === '0')
      return this.state.connected ? `AUTO, ${vehicle}` : 'AUTO';
    const name = elmProtocolNames[this.state.protocol] ?? '';
    return this.state.automatic ? `AUTO, ${name}` : name;
  }

  private protocolNumber(): string {
    const digit =
      this.state.protocol === '0' && this.state.connected
        ? String(this.vehicleProtocol)
        : this.state.protocol;
    return this.state.automatic ? `A${digit}` : digit;
  }

  private obdRequest(hex: string, timeMs: number): string[] {
    if (!/^[0-9A-F]+$/.test(hex) || hex.length < 2) return ['?'];
    const requestHex = hex.length % 2 === 1 ? hex.slice(0, -1) : hex; // trailing digit: number of replies
    const bytes = (requestHex.match(/../g) ?? []).map((pair) => parseInt(pair, 16));
    if (bytes.length - 1 > obdPidsPerRequestMax) return ['?'];

    const prefix: string[] = [];
    const bus = this.busCheck();
    if (bus !== null) return bus;
    if (!this.state.connected) {
      if (this.state.automatic) prefix.push('SEARCHING...');
      if (!this.ignitionOn)
        return [...prefix, this.state.automatic ? 'UNABLE TO CONNECT' : 'NO DATA'];
      this.state = { ...this.state, connected: true };
    }
    if (!this.ignitionOn) return [...prefix, 'NO DATA'];
    const [service, ...pids] = bytes;
    const lines = service === 0x01 && pids.length > 0 ? this.answers(pids, timeMs) : [];
    return [...prefix, ...(lines.length > 0 ? lines : ['NO DATA'])];
  }

  /** The reply when the chosen protocol is not the vehicle's, or null when they match. */
  private busCheck(): string[] | null {
    const chosen = this.state.protocol;
    if (chosen === '0' || chosen === String(this.vehicleProtocol)) return null;
    if (this.state.automatic) return null; // AT SP Ah: try h, then search and find the vehicle
    if (chosen === '1' || chosen === '2') return ['NO DATA'];
    if (chosen === '3' || chosen === '4' || chosen === '5') return ['BUS INIT: ...ERROR'];
    return ['CAN ERROR'];
  }

  private answers(pids: readonly number[], timeMs: number): string[] {
    const lines: string[] = [];
    for (const ecu of this.ecus) {
      const payload = [0x41];
      for (const pid of pids) {
        const data = ecu.pids.has(pid) ? ecu.data(pid, timeMs) : null;
        if (data !== null) payload.push(pid, ...data);
      }
      if (payload.length > 1) lines.push(...this.frames(ecu.canId, payload));
    }
    return lines;
  }

  /** ISO 15765-2 framing as the ELM327 prints it with CAN auto-formatting on (AT CAF1). */
  private frames(canId: string, payload: readonly number[]): string[] {
    if (payload.length <= 7) {
      if (!this.state.headers) return [this.bytes(payload)];
      return [this.withHeader(canId, padded([payload.length, ...payload]))];
    }
    const first = payload.slice(0, 6);
    const rest = payload.slice(6);
    const chunks: number[][] = [];
    for (let at = 0; at < rest.length; at += 7) chunks.push(rest.slice(at, at + 7));
    if (!this.state.headers) {
      // Headers off: a length line, then numbered lines of data (datasheet, "Multiline Responses").
      const length = payload.length.toString(16).toUpperCase().padStart(3, '0');
      const numbered = (index: number, chunk: readonly number[]) =>
        `${(index % 16).toString(16).toUpperCase()}:${this.sep()}${this.bytes(chunk)}`;
      return [length, numbered(0, first), ...chunks.map((chunk, i) => numbered(i + 1, chunk))];
    }
    return [
      this.withHeader(canId, [0x10 | (payload.length >> 8), payload.length & 0xff, ...first]),
      ...chunks.map((chunk, i) =>
        this.withHeader(canId, padded([0x20 | ((i + 1) & 0x0f), ...chunk])),
      ),
    ];
  }

  private withHeader(canId: string, frame: readonly number[]): string {
    const header =
      this.state.spaces && canId.length === 8 ? (canId.match(/../g) ?? []).join(' ') : canId;
    return `${header}${this.sep()}${this.bytes(frame)}`;
  }

  private sep(): string {
    return this.state.spaces ? ' ' : '';
  }

  /** Bytes as hex; with spaces on, each byte is followed by a space, as the chip prints them. */
  private bytes(values: readonly number[]): string {
    const hex = values.map((value) => value.toString(16).toUpperCase().padStart(2, '0'));
    return this.state.spaces ? hex.map((pair) => `${pair} `).join('') : hex.join('');
  }

  private buildEcus(withTransmission: boolean): Ecu[] {
    const wide = this.vehicleProtocol === 7;
    const engine: Ecu = {
      canId: wide ? '18DAF110' : '7E8',
      pids: new Set(this.profile.supportedPids),
      data: (pid, timeMs) => this.profile.pidDataAt(pid, timeMs),
    };
    if (!withTransmission) return [engine];
    const transmissionPids = [0x0d];
    const transmissionMaps = supportedPidBitmaps(transmissionPids);
    const transmission: Ecu = {
      canId: wide ? '18DAF118' : '7E9',
      pids: new Set([...transmissionMaps.keys(), ...transmissionPids]),
      data: (pid, timeMs) =>
        transmissionMaps.get(pid) ?? (pid === 0x0d ? this.profile.pidDataAt(pid, timeMs) : null),
    };
    return [engine, transmission];
  }
}

/** CAN frames carry 8 data bytes; ISO 15765-4 pads short frames. */
function padded(frame: readonly number[]): number[] {
  return [...frame, ...new Array<number>(Math.max(0, 8 - frame.length)).fill(0)];
}
