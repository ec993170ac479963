// OBD-II service 01 ("show current data") replies as printed by an ELM327 (datasheet ELM327DSH,
// v1.5 command set), with the SAE J1979 / ISO 15031-5 scaling formulas for each PID.
//
// Accepted reply shapes, one ECU message per line, lines ended by CR, LF or CR LF, `>` prompt:
//   headers off (ATH0):         41 0D 32            410D32 (ATS0)
//   CAN 11-bit, headers on:     7E8 03 41 0D 32 00 00 00 00     7E803410D32
//   CAN 29-bit, headers on:     18 DA F1 10 03 41 0D 32         18DAF110 03 41 0D 32
//   legacy (J1850, ISO 9141-2, ISO 14230) headers on: 48 6B 10 41 0D 32 <checksum>
// On CAN the byte after the header is the ISO 15765-2 PCI (single frame: 0x0L, L = length); the
// bytes after those L bytes are padding and are ignored. ELM327 status lines (NO DATA, SEARCHING...,
// UNABLE TO CONNECT, ?, CAN ERROR, BUS INIT: ...ERROR, STOPPED...) are returned as a typed status.

import { DeviceDataError } from './errors';
import { obdReplyCharactersMax, obdReplyLinesMax } from './limits';

/** Response service id of a positive reply to service 01 (request service + 0x40). */
export const obdCurrentDataResponseService = 0x41;
/** Negative response service id (ISO 14229 / ISO 15765-4). */
export const obdNegativeResponseService = 0x7f;

// ---------------------------------------------------------------------------------------------
// SAE J1979 formulas (A, B, C, D are the data bytes after the PID, in order)

export const engineLoadPercent = (a: number): number => (100 * a) / 255;
export const coolantTemperatureCelsius = (a: number): number => a - 40;
export const fuelPressureKpa = (a: number): number => 3 * a;
export const intakeManifoldPressureKpa = (a: number): number => a;
export const engineSpeedRpm = (a: number, b: number): number => (256 * a + b) / 4;
export const vehicleSpeedKmh = (a: number): number => a;
export const timingAdvanceDegrees = (a: number): number => a / 2 - 64;
export const intakeAirTemperatureCelsius = (a: number): number => a - 40;
export const mafGramsPerSecond = (a: number, b: number): number => (256 * a + b) / 100;
export const throttlePositionPercent = (a: number): number => (100 * a) / 255;
export const runTimeSeconds = (a: number, b: number): number => 256 * a + b;
export const distanceWithMilKm = (a: number, b: number): number => 256 * a + b;
export const fuelTankLevelPercent = (a: number): number => (100 * a) / 255;
export const distanceSinceCodesClearedKm = (a: number, b: number): number => 256 * a + b;
export const barometricPressureKpa = (a: number): number => a;
export const controlModuleVoltageVolts = (a: number, b: number): number => (256 * a + b) / 1000;
export const ambientAirTemperatureCelsius = (a: number): number => a - 40;
export const engineOilTemperatureCelsius = (a: number): number => a - 40;
export const engineFuelRateLitresPerHour = (a: number, b: number): number => (256 * a + b) / 20;

/**
 * PIDs 0x00, 0x20, 0x40... : a 32-bit map of which of the next 32 PIDs the ECU supports. Bit 7 of
 * A is PID base+1, bit 0 of D is PID base+32 (which, when set, says the next map exists).
 */
export function supportedPidsFromBitmap(
  basePid: number,
  a: number,
  b: number,
  c: number,
  d: number,
): number[] {
  const pids: number[] = [];
  const bytes = [a, b, c, d];
  for (let byteIndex = 0; byteIndex < 4; byteIndex++) {
    const byte = bytes[byteIndex] ?? 0;
    for (let bit = 0; bit < 8; bit++) {
      if (byte & (0x80 >> bit)) pids.push(basePid + byteIndex * 8 + bit + 1);
    }
  }
  return pids;
}

export type ObdQuantity =
  | 'engine-load'
  | 'coolant-temperature'
  | 'fuel-pressure'
  | 'intake-manifold-pressure'
  | 'engine-speed'
  | 'vehicle-speed'
  | 'timing-advance'
  | 'intake-air-temperature'
  | 'maf-air-flow-rate'
  | 'throttle-position'
  | 'run-time-since-engine-start'
  | 'distance-with-mil-on'
  | 'fuel-tank-level'
  | 'distance-since-codes-cleared'
  | 'barometric-pressure'
  | 'control-module-voltage'
  | 'ambient-air-temperature'
  | 'engine-oil-temperature'
  | 'engine-fuel-rate';

export type ObdUnit = '%' | '°C' | 'kPa' | 'rpm' | 'km/h' | '°' | 'g/s' | 's' | 'km' | 'V' | 'L/h';

export interface ObdQuantityDefinition {
  readonly kind: 'quantity';
  readonly pid: number;
  readonly quantity: ObdQuantity;
  readonly unit: ObdUnit;
  readonly dataBytes: 1 | 2;
  readonly decode: (data: readonly number[]) => number;
}

export interface ObdBitmapDefinition {
  readonly kind: 'supported-pids';
  readonly pid: number;
  readonly dataBytes: 4;
}

export type ObdPidDefinition = ObdQuantityDefinition | ObdBitmapDefinition;

const byteAt = (data: readonly number[], index: number): number => data[index] ?? 0;

function one(
  pid: number,
  quantity: ObdQuantity,
  unit: ObdUnit,
  formula: (a: number) => number,
): ObdQuantityDefinition {
  return {
    kind: 'quantity',
    pid,
    quantity,
    unit,
    dataBytes: 1,
    decode: (data) => formula(byteAt(data, 0)),
  };
}

function two(
  pid: number,
  quantity: ObdQuantity,
  unit: ObdUnit,
  formula: (a: number, b: number) => number,
): ObdQuantityDefinition {
  return {
    kind: 'quantity',
    pid,
    quantity,
    unit,
    dataBytes: 2,
    decode: (data) => formula(byteAt(data, 0), byteAt(data, 1)),
  };
}

const definitions: ObdPidDefinition[] = [
  one(0x04, 'engine-load', '%', engineLoadPercent),
  one(0x05, 'coolant-temperature', '°C', coolantTemperatureCelsius),
  one(0x0a, 'fuel-pressure', 'kPa', fuelPressureKpa),
  one(0x0b, 'intake-manifold-pressure', 'kPa', intakeManifoldPressureKpa),
  two(0x0c, 'engine-speed', 'rpm', engineSpeedRpm),
  one(0x0d, 'vehicle-speed', 'km/h', vehicleSpeedKmh),
  one(0x0e, 'timing-advance', '°', timingAdvanceDegrees),
  one(0x0f, 'intake-air-temperature', '°C', intakeAirTemperatureCelsius),
  two(0x10, 'maf-air-flow-rate', 'g/s', mafGramsPerSecond),
  one(0x11, 'throttle-position', '%', throttlePositionPercent),
  two(0x1f, 'run-time-since-engine-start', 's', runTimeSeconds),
  two(0x21, 'distance-with-mil-on', 'km', distanceWithMilKm),
  one(0x2f, 'fuel-tank-level', '%', fuelTankLevelPercent),
  two(0x31, 'distance-since-codes-cleared', 'km', distanceSinceCodesClearedKm),
  one(0x33, 'barometric-pressure', 'kPa', barometricPressureKpa),
  two(0x42, 'control-module-voltage', 'V', controlModuleVoltageVolts),
  one(0x46, 'ambient-air-temperature', '°C', ambientAirTemperatureCelsius),
  one(0x5c, 'engine-oil-temperature', '°C', engineOilTemperatureCelsius),
  two(0x5e, 'engine-fuel-rate', 'L/h', engineFuelRateLitresPerHour),
  ...[0x00, 0x20, 0x40, 0x60, 0x80, 0xa0, 0xc0, 0xe0].map(
    (pid): ObdBitmapDefinition => ({ kind: 'supported-pids', pid, dataBytes: 4 }),
  ),
];

/** The service 01 PIDs this module decodes, by PID. */
export const obdPids: ReadonlyMap<number, ObdPidDefinition> = new Map(
  definitions.map((d) => [d.pid, d]),
);

// ---------------------------------------------------------------------------------------------
// Reply types

export type ObdValue =
  | { readonly kind: 'supported-pids'; readonly supportedPids: readonly number[] }
  | {
      readonly kind: 'quantity';
      readonly quantity: ObdQuantity;
      readonly unit: ObdUnit;
      readonly value: number;
    };

export interface ObdReading {
  /** ECU header as printed, without spaces (`7E8`, `18DAF110`, `486B10`); null with headers off. */
  readonly ecu: string | null;
  readonly pid: number;
  /** The data bytes after the PID (A, B, ...). */
  readonly data: readonly number[];
  readonly value: ObdValue;
}

/** `7F <service> <code>`: the ECU refused the request (e.g. 0x12 sub-function not supported). */
export interface ObdNegativeResponse {
  readonly ecu: string | null;
  readonly requestedService: number;
  readonly responseCode: number;
}

export type ElmStatus =
  | 'ok'
  | 'searching'
  | 'no-data'
  | 'unable-to-connect'
  | 'unknown-command'
  | 'can-error'
  | 'bus-init-error'
  | 'bus-error'
  | 'bus-busy'
  | 'buffer-full'
  | 'data-error'
  | 'rx-error'
  | 'feedback-error'
  | 'stopped'
  | 'low-voltage-reset'
  | 'activity-alert'
  | 'low-power-alert'
  | 'internal-error';

interface ObdReplyBase {
  /** The command line the ELM327 echoed (echo on, ATE1), as printed; null when not echoed. */
  readonly echo: string | null;
  /** The ELM printed SEARCHING... (first request after ATSP0 / ATZ). */
  readonly searching: boolean;
  /** One per PID per ECU, in the order received. */
  readonly readings: readonly ObdReading[];
  readonly negativeResponses: readonly ObdNegativeResponse[];
}

export interface ObdDataReply extends ObdReplyBase {
  readonly kind: 'data';
}

export interface ObdStatusReply extends ObdReplyBase {
  readonly kind: 'status';
  readonly status: ElmStatus;
  /** The status line as printed, e.g. `BUS INIT: ...ERROR`. */
  readonly statusText: string;
}

export type ObdReply = ObdDataReply | ObdStatusReply;

// ---------------------------------------------------------------------------------------------

const statusLines: readonly (readonly [RegExp, ElmStatus])[] = [
  [/^OK$/, 'ok'],
  [/^NO DATA$/, 'no-data'],
  [/^UNABLE TO CONNECT$/, 'unable-to-connect'],
  [/^\?$/, 'unknown-command'],
  [/^CAN ERROR$/, 'can-error'],
  [/^BUS INIT:? ?\.*ERROR$/, 'bus-init-error'],
  [/^BUS ERROR$/, 'bus-error'],
  [/^BUS BUSY$/, 'bus-busy'],
  [/^BUFFER FULL$/, 'buffer-full'],
  // The ELM appends these to a line it received badly (checksum or framing); the data is suspect.
  [/^(?:.*<)?DATA ERROR$/, 'data-error'],
  [/^(?:.*)?<RX ERROR$/, 'rx-error'],
  [/^FB ERROR$/, 'feedback-error'],
  [/^STOPPED$/, 'stopped'],
  [/^LV RESET$/, 'low-voltage-reset'],
  [/^ACT ALERT$/, 'activity-alert'],
  [/^LP ALERT$/, 'low-power-alert'],
  [/^ERR\d{2}$/, 'internal-error'],
];

/** An echoed command: an AT command, or a service 01-0A request of up to 6 PIDs (+ count digit). */
const echoPattern = /^(?:AT.*|0[1-9A](?: ?[0-9A-F]{2}){0,6}(?: ?[0-9A-F])?)$/i;

/**
 * Decodes the text an ELM327 sent back for one command (everything up to and including the `>`
 * prompt, or just the lines). Returns a data reply when at least one ECU answered and the ELM
 * reported no error, else a status reply. Throws DeviceDataError for text that is neither.
 */
export function decodeObdResponse(text: string): ObdReply {
  if (typeof text !== 'string') throw new TypeError('decodeObdResponse: text must be a string');
  if (text.length > obdReplyCharactersMax) {
    throw new DeviceDataError(
      'TOO_LARGE',
      `OBD reply: ${text.length} characters; the limit is ${obdReplyCharactersMax}.`,
    );
  }
  const lines = replyLines(text);
  if (lines.length === 0)
    throw new DeviceDataError(
      'MISSING_FIELD',
      'OBD reply: the reply is empty (only a prompt or blank lines).',
    );
  if (lines.length > obdReplyLinesMax) {
    throw new DeviceDataError(
      'TOO_LARGE',
      `OBD reply: ${lines.length} lines; the limit is ${obdReplyLinesMax}.`,
    );
  }

  const first = lines[0] ?? '';
  const echo = echoPattern.test(first) ? first : null;
  const readings: ObdReading[] = [];
  const negativeResponses: ObdNegativeResponse[] = [];
  let searching = false;
  let status: { status: ElmStatus; text: string } | null = null;

  for (const line of echo === null ? lines : lines.slice(1)) {
    if (line === 'SEARCHING...') {
      searching = true;
      continue;
    }
    if (/^BUS INIT:? ?\.*OK$/.test(line)) continue; // ISO 9141 / 14230 init succeeded; data follows
    const lineStatus = statusOf(line);
    if (lineStatus !== null) {
      // The first error wins; OK never overrides an error.
      if (status === null || status.status === 'ok') status = { status: lineStatus, text: line };
      continue;
    }
    for (const message of decodeMessageLine(line)) {
      if ('pid' in message) readings.push(message);
      else negativeResponses.push(message);
    }
  }

  const base = { echo, searching, readings, negativeResponses };
  const answered = readings.length + negativeResponses.length > 0;
  if (status !== null && (status.status !== 'ok' || !answered)) {
    return { kind: 'status', status: status.status, statusText: status.text, ...base };
  }
  if (answered) return { kind: 'data', ...base };
  if (searching)
    return { kind: 'status', status: 'searching', statusText: 'SEARCHING...', ...base };
  throw new DeviceDataError(
    'MISSING_FIELD',
    'OBD reply: the ELM327 echoed the command but sent no answer.',
  );
}

function replyLines(text: string): string[] {
  return text
    .replace(/\0/g, '') // the ELM327 may send NUL bytes after power-up
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/^>+/, '').trim())
    .filter((line) => line !== '');
}

function statusOf(line: string): ElmStatus | null {
  const upper = line.toUpperCase();
  for (const [pattern, status] of statusLines) if (pattern.test(upper)) return status;
  return null;
}

type ObdMessage = ObdReading | ObdNegativeResponse;

/** One line of hex: headers (if any), then the service 01 payload. */
function decodeMessageLine(line: string): ObdMessage[] {
  if (/^[0-9A-F]:/i.test(line) || /^[0-9A-F]{3}$/i.test(line)) {
    throw new DeviceDataError(
      'UNSUPPORTED',
      `OBD reply: "${line}" is part of a multi-frame (ISO 15765-2) message; service 01 replies fit in one frame.`,
    );
  }
  const tokens = line.split(/ +/);
  for (const token of tokens) {
    if (!/^[0-9A-F]+$/i.test(token))
      throw new DeviceDataError(
        'MALFORMED',
        `OBD reply: "${line}" is neither hex data nor an ELM327 status.`,
      );
  }
  const first = tokens[0] ?? '';
  if (tokens.length > 1 && tokens.slice(1).some((token) => token.length !== 2)) {
    throw new DeviceDataError(
      'MALFORMED',
      `OBD reply: "${line}" has a byte that is not two hex digits.`,
    );
  }
  if (tokens.length > 1 && first.length !== 2 && first.length !== 3 && first.length !== 8) {
    throw new DeviceDataError(
      'MALFORMED',
      `OBD reply: "${line}" starts with a ${first.length}-digit header; headers have 3 or 8.`,
    );
  }
  const hex = tokens.join('').toUpperCase();
  const spacedHeader = tokens.length > 1 && first.length !== 2;
  if ((spacedHeader && first.length === 3) || (!spacedHeader && hex.length % 2 === 1)) {
    return decodeCanFrame(hex.slice(0, 3), bytesOf(hex.slice(3), line));
  }
  if (spacedHeader) return decodeCanFrame(hex.slice(0, 8), bytesOf(hex.slice(8), line));
  return decodeUnspacedHeaderOrPayload(bytesOf(hex, line), line);
}

function decodeUnspacedHeaderOrPayload(bytes: number[], line: string): ObdMessage[] {
  const [b0 = 0, , , b3 = 0, b4 = 0, b5 = 0] = bytes;
  if (b0 === obdCurrentDataResponseService || b0 === obdNegativeResponseService)
    return decodePayload(null, bytes);
  const isServiceByte = (byte: number) =>
    byte === obdCurrentDataResponseService || byte === obdNegativeResponseService;
  if (bytes.length >= 6 && b0 <= 0x1f && b4 >= 1 && b4 <= 7 && isServiceByte(b5)) {
    return decodeCanFrame(hexOf(bytes.slice(0, 4)), bytes.slice(4));
  }
  if (bytes.length >= 5 && isServiceByte(b3)) return decodeLegacyFrame(bytes, line);
  throw new DeviceDataError(
    'UNSUPPORTED',
    `OBD reply: "${line}" is not a service 01 reply (it starts with 0x${hexOf([b0])}, not 0x41 or a known header).`,
  );
}

/** ISO 15765-2 single frame after the CAN id: PCI 0x0L, L payload bytes, then padding. */
function decodeCanFrame(header: string, frame: number[]): ObdMessage[] {
  const pci = frame[0];
  if (pci === undefined)
    throw new DeviceDataError(
      'SHORT_VALUE',
      `OBD reply from ${header}: the frame has no data after the header.`,
    );
  const frameType = pci >> 4;
  if (frameType >= 1 && frameType <= 3) {
    throw new DeviceDataError(
      'UNSUPPORTED',
      `OBD reply from ${header}: a multi-frame (ISO 15765-2) message; service 01 replies fit in one frame.`,
    );
  }
  const length = pci & 0x0f;
  if (frameType !== 0 || length === 0 || length > 7) {
    throw new DeviceDataError(
      'MALFORMED',
      `OBD reply from ${header}: 0x${hexOf([pci])} is not a single-frame length byte.`,
    );
  }
  if (frame.length - 1 < length) {
    throw new DeviceDataError(
      'SHORT_VALUE',
      `OBD reply from ${header}: the frame announces ${length} bytes but carries ${frame.length - 1}.`,
    );
  }
  return decodePayload(header, frame.slice(1, 1 + length));
}

/** J1850 / ISO 9141-2 / ISO 14230: 3 header bytes, the payload, then one checksum byte. */
function decodeLegacyFrame(bytes: number[], line: string): ObdMessage[] {
  const covered = bytes.slice(0, -1);
  const checksum = bytes[bytes.length - 1] ?? 0;
  const sum = covered.reduce((total, byte) => (total + byte) & 0xff, 0);
  if (checksum !== sum && checksum !== crc8J1850(covered)) {
    throw new DeviceDataError(
      'BAD_CHECKSUM',
      `OBD reply: "${line}" ends in 0x${hexOf([checksum])}, which is neither the ISO 9141/14230 sum nor the J1850 CRC.`,
    );
  }
  return decodePayload(hexOf(bytes.slice(0, 3)), bytes.slice(3, -1));
}

/** SAE J1850 CRC-8: polynomial 0x1D, initial value 0xFF, result inverted. */
export function crc8J1850(bytes: readonly number[]): number {
  let crc = 0xff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x80 ? ((crc << 1) ^ 0x1d) & 0xff : (crc << 1) & 0xff;
  }
  return crc ^ 0xff;
}

function decodePayload(ecu: string | null, payload: readonly number[]): ObdMessage[] {
  const service = payload[0];
  const from = ecu === null ? '' : ` from ${ecu}`;
  if (service === obdNegativeResponseService) {
    const [, requestedService, responseCode] = payload;
    if (requestedService === undefined || responseCode === undefined) {
      throw new DeviceDataError(
        'SHORT_VALUE',
        `OBD reply${from}: a negative response needs 3 bytes, got ${payload.length}.`,
      );
    }
    return [{ ecu, requestedService, responseCode }];
  }
  if (service !== obdCurrentDataResponseService) {
    throw new DeviceDataError(
      'UNSUPPORTED',
      `OBD reply${from}: service 0x${hexOf([service ?? 0])} is not decoded (only service 01 replies, 0x41).`,
    );
  }
  if (payload.length < 2)
    throw new DeviceDataError('SHORT_VALUE', `OBD reply${from}: 0x41 without a PID.`);
  return decodePids(ecu, payload);
}

/** One reply may carry several PIDs (a multi-PID request on CAN): PID, its bytes, PID, ... */
function decodePids(ecu: string | null, payload: readonly number[]): ObdReading[] {
  const readings: ObdReading[] = [];
  const from = ecu === null ? '' : ` from ${ecu}`;
  let at = 1;
  while (at < payload.length) {
    const pid = payload[at] ?? 0;
    const definition = obdPids.get(pid);
    if (definition === undefined) {
      throw new DeviceDataError(
        'UNSUPPORTED',
        `OBD reply${from}: PID 0x${hexOf([pid])} is not one this app decodes.`,
      );
    }
    const data = payload.slice(at + 1, at + 1 + definition.dataBytes);
    if (data.length < definition.dataBytes) {
      throw new DeviceDataError(
        'SHORT_VALUE',
        `OBD reply${from}: PID 0x${hexOf([pid])} needs ${definition.dataBytes} data byte(s), got ${data.length}.`,
      );
    }
    readings.push({ ecu, pid, data, value: valueOf(definition, data) });
    at += 1 + definition.dataBytes;
  }
  return readings;
}

function valueOf(definition: ObdPidDefinition, data: readonly number[]): ObdValue {
  if (definition.kind === 'supported-pids') {
    const [a = 0, b = 0, c = 0, d = 0] = data;
    return {
      kind: 'supported-pids',
      supportedPids: supportedPidsFromBitmap(definition.pid, a, b, c, d),
    };
  }
  return {
    kind: 'quantity',
    quantity: definition.quantity,
    unit: definition.unit,
    value: definition.decode(data),
  };
}

function bytesOf(hex: string, line: string): number[] {
  if (hex.length % 2 !== 0)
    throw new DeviceDataError('MALFORMED', `OBD reply: "${line}" has an odd number of hex digits.`);
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes;
}

function hexOf(bytes: readonly number[]): string {
  return bytes.map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join('');
}
