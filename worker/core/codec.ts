// The one canonical encoding for everything hashed or signed: deterministic CBOR as DAG-CBOR
// defines it (RFC 8949 section 4.2 core deterministic rules, map keys sorted by length then
// bytes, no indefinite lengths, no undefined, floats always 64-bit). Decoding is strict: bytes
// that are not exactly what `encode` would produce for the decoded value are refused, so two
// peers can never hash different bytes for the same value.
//
// `encode` writes the values the ledger uses (null, booleans, safe integers, finite floats,
// strings, bytes, arrays, plain objects with ASCII keys) directly, about ten times faster than
// the generic @ipld/dag-cbor encoder; anything else (CIDs, non-ASCII keys, lone surrogates,
// undefined, NaN, deep nesting, ...) goes to @ipld/dag-cbor itself, which also raises its
// errors. codec.test.ts proves both give the same bytes on random values.
import * as dagCbor from '@ipld/dag-cbor';
import { botError } from './errors';
import { equalBytes } from './bytes';

/** The fast path gives up; @ipld/dag-cbor encodes the value (or throws its error). */
class Unsupported {}
const unsupported = new Unsupported();
const depthMax = 64;
const textEncoder = new TextEncoder();

const bufferBytesKept = 64 * 1024;
let buffer = new Uint8Array(bufferBytesKept);
let view = new DataView(buffer.buffer);
let at = 0;

function reserve(bytes: number): void {
  if (at + bytes <= buffer.length) return;
  let size = buffer.length * 2;
  while (size < at + bytes) size *= 2;
  const next = new Uint8Array(size);
  next.set(buffer.subarray(0, at));
  buffer = next;
  view = new DataView(buffer.buffer);
}

/** A CBOR head: major type (0..7) and argument, in the shortest form. */
function writeHead(major: number, argument: number): void {
  const m = major << 5;
  reserve(9);
  if (argument < 24) {
    buffer[at++] = m | argument;
  } else if (argument < 0x100) {
    buffer[at++] = m | 24;
    buffer[at++] = argument;
  } else if (argument < 0x10000) {
    buffer[at++] = m | 25;
    view.setUint16(at, argument);
    at += 2;
  } else if (argument < 0x100000000) {
    buffer[at++] = m | 26;
    view.setUint32(at, argument);
    at += 4;
  } else {
    buffer[at++] = m | 27;
    view.setUint32(at, Math.floor(argument / 0x100000000));
    view.setUint32(at + 4, argument >>> 0);
    at += 8;
  }
}

function writeNumber(value: number): void {
  if (Number.isSafeInteger(value)) {
    if (value >= 0) writeHead(0, value);
    else writeHead(1, -value - 1);
    return;
  }
  if (!Number.isFinite(value)) throw unsupported;
  reserve(9);
  buffer[at++] = 0xfb;
  view.setFloat64(at, value);
  at += 8;
}

/**
 * ASCII written in place; other text through TextEncoder, except text with surrogates (where
 * encoders differ on lone halves), which is left to @ipld/dag-cbor.
 */
function writeString(value: string): void {
  const length = value.length;
  const start = at;
  writeHead(3, length); // right when the text is ASCII (one byte per code unit): the common case
  reserve(length);
  for (let i = 0; i < length; i++) {
    const unit = value.charCodeAt(i);
    if (unit > 0x7f) {
      at = start;
      writeText(value);
      return;
    }
    buffer[at++] = unit;
  }
}

function writeText(value: string): void {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) throw unsupported;
  }
  const bytes = textEncoder.encode(value);
  writeHead(3, bytes.length);
  reserve(bytes.length);
  buffer.set(bytes, at);
  at += bytes.length;
}

function isAsciiKey(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** DAG-CBOR key order for ASCII keys: shorter first, then bytewise (= code unit order). */
function compareKeys(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeMap(value: Record<string, unknown>, depth: number): void {
  // A plain object carrying CID markers is a link to @ipld/dag-cbor: leave it to it.
  if (value['/'] !== undefined || value.asCID !== undefined) throw unsupported;
  const keys = Object.keys(value);
  for (const key of keys) if (!isAsciiKey(key)) throw unsupported;
  keys.sort(compareKeys);
  writeHead(5, keys.length);
  for (const key of keys) {
    writeString(key);
    writeValue(value[key], depth + 1);
  }
}

function writeValue(value: unknown, depth: number): void {
  if (depth > depthMax) throw unsupported;
  if (value === null) {
    reserve(1);
    buffer[at++] = 0xf6;
    return;
  }
  switch (typeof value) {
    case 'boolean':
      reserve(1);
      buffer[at++] = value ? 0xf5 : 0xf4;
      return;
    case 'number':
      writeNumber(value);
      return;
    case 'string':
      writeString(value);
      return;
    case 'object':
      break;
    default:
      throw unsupported;
  }
  if (value instanceof Uint8Array) {
    writeHead(2, value.length);
    reserve(value.length);
    buffer.set(value, at);
    at += value.length;
    return;
  }
  if (Array.isArray(value)) {
    writeHead(4, value.length);
    for (let i = 0; i < value.length; i++) writeValue(value[i], depth + 1);
    return;
  }
  if ((value as object).constructor === Object) {
    writeMap(value as Record<string, unknown>, depth);
    return;
  }
  throw unsupported;
}

export function encode(value: unknown): Uint8Array {
  at = 0;
  try {
    writeValue(value, 0);
  } catch (error) {
    if (error !== unsupported) throw error;
    try {
      return dagCbor.encode(value);
    } catch (cause) {
      // e.g. `undefined` or a function inside a body: bad input, not a fault of the peer
      throw botError(
        'BAD_FIELD_TYPE',
        `This value cannot be encoded canonically: ${(cause as Error).message}`,
      );
    }
  }
  const out = buffer.slice(0, at);
  if (buffer.length > 16 * bufferBytesKept) {
    buffer = new Uint8Array(bufferBytesKept); // a large block was encoded: do not keep its space
    view = new DataView(buffer.buffer);
  }
  return out;
}

/**
 * The canonical head of an array of `count` items, for callers that splice items they hold
 * encoded already (a block's transactions): head + item encodings = encode(array).
 */
export function encodeArrayHead(count: number): Uint8Array {
  at = 0;
  writeHead(4, count);
  return buffer.slice(0, at);
}

// Decoding. `decode` reads the bytes once and checks, as it goes, that they are exactly what
// `encode` writes for the value read: shortest heads, 64-bit floats only for numbers that are
// not safe integers, map keys ASCII text in strictly increasing DAG-CBOR order (so no
// duplicates), nothing after the value. Whatever it does not settle itself (tags, undefined,
// other simple values, non-minimal or indefinite heads, integers outside the safe range,
// invalid UTF-8, keys that are not ASCII, '/', 'asCID' or '__proto__', deep nesting, truncated or
// trailing bytes) goes to `decodeReference`, the decode + re-encode of @ipld/dag-cbor, which then
// gives the value or the error; the reference refuses any tag (a CID, tag 42) as MALFORMED. So
// the fast path only ever accepts bytes the reference accepts,
// with an equal value; codec.test.ts checks that on random and mutated inputs.
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const noInput = new Uint8Array(0);
let input: Uint8Array = noInput;
let pos = 0;
/** Eight bytes for reading a float (the input's own buffer may be shared or offset). */
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/** A big-endian unsigned integer of 2 or 4 bytes at `pos`. */
function readUint(bytes: 2 | 4): number {
  const a = input[pos]!;
  const b = input[pos + 1]!;
  pos += bytes;
  if (bytes === 2) return (a << 8) | b;
  return a * 0x1000000 + ((b << 16) | (input[pos - 2]! << 8) | input[pos - 1]!);
}

function need(bytes: number): void {
  if (pos + bytes > input.length) throw unsupported;
}

/** The argument of a head whose first byte is `first`, checked to be in its shortest form. */
function readArgument(first: number): number {
  const info = first & 31;
  if (info < 24) return info;
  let argument: number;
  if (info === 24) {
    need(1);
    argument = input[pos++]!;
    if (argument < 24) throw unsupported;
  } else if (info === 25) {
    need(2);
    argument = readUint(2);
    if (argument < 0x100) throw unsupported;
  } else if (info === 26) {
    need(4);
    argument = readUint(4);
    if (argument < 0x10000) throw unsupported;
  } else if (info === 27) {
    need(8);
    const high = readUint(4);
    const low = readUint(4);
    if (high === 0 || high >= 0x200000) throw unsupported; // not shortest, or past the safe integers
    argument = high * 0x100000000 + low;
  } else throw unsupported; // reserved, or an indefinite length
  return argument;
}

/** Whether the input from `pos` to `end` is ASCII. */
function isAscii(end: number): boolean {
  for (let i = pos; i < end; i++) if (input[i]! > 0x7f) return false;
  return true;
}

/**
 * The next `length` bytes, known to be ASCII, as text. Short text is built char by char; longer
 * text with one String.fromCharCode call (in Chromium a TextDecoder call costs more than the
 * whole of a 56-character did).
 */
function takeAscii(length: number): string {
  const end = pos + length;
  let out = '';
  if (length <= 12) for (let i = pos; i < end; i++) out += String.fromCharCode(input[i]!);
  else {
    const codes = input.subarray(pos, end);
    out =
      length <= 4096
        ? String.fromCharCode.apply(null, codes as unknown as number[])
        : fatalUtf8.decode(codes);
  }
  pos = end;
  return out;
}

/** ASCII text from the input, or `unsupported` for anything else (left to the reference). */
function readAscii(length: number): string {
  need(length);
  if (!isAscii(pos + length)) throw unsupported;
  return takeAscii(length);
}

function readText(length: number): string {
  need(length);
  const end = pos + length;
  if (isAscii(end)) return takeAscii(length);
  // Valid UTF-8 decodes the same everywhere and encodes back to itself; a leading BOM is one
  // place decoders differ (some drop it), so it is left to the reference.
  if (input[pos] === 0xef && input[pos + 1] === 0xbb && input[pos + 2] === 0xbf) throw unsupported;
  let text: string;
  try {
    text = fatalUtf8.decode(input.subarray(pos, end));
  } catch {
    throw unsupported;
  }
  pos = end;
  return text;
}

/** a < b in DAG-CBOR key order, for ASCII keys: shorter first, then bytewise. */
function keyBefore(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

function readValue(depth: number): unknown {
  if (depth > depthMax) throw unsupported;
  need(1);
  const first = input[pos++]!;
  const major = first >> 5;
  switch (major) {
    case 0:
      return readArgument(first);
    case 1: {
      const argument = readArgument(first);
      if (argument >= Number.MAX_SAFE_INTEGER) throw unsupported; // -1 - argument would not be safe
      return -1 - argument;
    }
    case 2: {
      const length = readArgument(first);
      need(length);
      pos += length;
      return input.slice(pos - length, pos);
    }
    case 3:
      return readText(readArgument(first));
    case 4: {
      const count = readArgument(first);
      if (count > input.length - pos) throw unsupported; // each item takes a byte at least
      const out = new Array<unknown>(count);
      for (let i = 0; i < count; i++) out[i] = readValue(depth + 1);
      return out;
    }
    case 5: {
      const count = readArgument(first);
      if (count * 2 > input.length - pos) throw unsupported;
      const out: Record<string, unknown> = {};
      let previous = '';
      for (let i = 0; i < count; i++) {
        need(1);
        const head = input[pos++]!;
        if (head >> 5 !== 3) throw unsupported;
        const key = readAscii(readArgument(head));
        if (i > 0 && !keyBefore(previous, key)) throw unsupported;
        if (key === '__proto__' || key === '/' || key === 'asCID') throw unsupported;
        out[key] = readValue(depth + 1);
        previous = key;
      }
      return out;
    }
    case 7:
      if (first === 0xf4) return false;
      if (first === 0xf5) return true;
      if (first === 0xf6) return null;
      if (first === 0xfb) {
        need(8);
        floatBytes.set(input.subarray(pos, pos + 8));
        pos += 8;
        const value = floatView.getFloat64(0);
        if (!Number.isFinite(value) || Number.isSafeInteger(value)) throw unsupported; // encode writes these otherwise, or not at all
        return value;
      }
      throw unsupported;
    default:
      throw unsupported; // tags
  }
}

/** The fast decode of canonical bytes, or `unsupported` when the reference must decide. */
function decodeCanonical(bytes: Uint8Array): unknown {
  input = bytes;
  pos = 0;
  try {
    const value = readValue(0);
    return pos === bytes.length ? value : unsupported;
  } catch (error) {
    if (error === unsupported) return unsupported;
    throw error;
  } finally {
    input = noInput; // keep no reference to the caller's bytes
  }
}

function checkDecodeInput(bytes: Uint8Array, bytesMax: number): void {
  if (!(bytes instanceof Uint8Array)) throw botError('BAD_FIELD_TYPE', 'Expected encoded bytes.');
  if (bytes.length > bytesMax)
    throw botError(
      'TOO_LARGE',
      `The encoded value is ${bytes.length} bytes; the limit is ${bytesMax}.`,
    );
}

/** Decode canonical bytes; throws BotError MALFORMED or NON_CANONICAL. */
export function decode<T = unknown>(bytes: Uint8Array, bytesMax: number): T {
  checkDecodeInput(bytes, bytesMax);
  const value = decodeCanonical(bytes);
  if (value !== unsupported) return value as T;
  return decodeReference<T>(bytes, bytesMax);
}

/**
 * The reference decode: @ipld/dag-cbor's strict decoder, then a re-encode that must give the
 * same bytes. Same verdicts and values as `decode`, slower; `decode` falls back to it.
 */
export function decodeReference<T = unknown>(bytes: Uint8Array, bytesMax: number): T {
  checkDecodeInput(bytes, bytesMax);
  let value: T;
  try {
    value = dagCbor.decode<T>(bytes);
  } catch (error) {
    throw botError(
      'MALFORMED',
      `The bytes are not valid canonical CBOR: ${(error as Error).message}`,
    );
  }
  let again: Uint8Array;
  try {
    again = encode(value);
  } catch {
    throw botError('NON_CANONICAL', 'The bytes decode to a value that has no canonical encoding.');
  }
  if (!equalBytes(again, bytes))
    throw botError(
      'NON_CANONICAL',
      'The bytes are valid CBOR but not the canonical encoding of their value.',
    );
  if (holdsTag(value, 0))
    throw botError(
      'MALFORMED',
      'The bytes hold a CBOR tag (such as a CID link, tag 42); BoT encodings carry no tags.',
    );
  return value;
}

/**
 * Whether a decoded value holds what a CBOR tag decodes to: an object that is neither a list,
 * bytes nor a plain map (@ipld/dag-cbor accepts tag 42 and gives a CID). The fast path never
 * accepts a tag; this makes the reference refuse it too, so no encoding anywhere carries one.
 * Nesting is already bounded by the decoder; `depth` only guards the recursion.
 */
function holdsTag(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  if (depth > depthMax * 4) return false;
  if (Array.isArray(value)) return value.some((item) => holdsTag(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return true;
  return Object.values(value).some((item) => holdsTag(item, depth + 1));
}
