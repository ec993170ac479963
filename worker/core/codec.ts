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
      throw botError('BAD_FIELD_TYPE', `This value cannot be encoded canonically: ${(cause as Error).message}`);
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

/** Decode canonical bytes; throws BotError MALFORMED or NON_CANONICAL. */
export function decode<T = unknown>(bytes: Uint8Array, bytesMax: number): T {
  if (!(bytes instanceof Uint8Array)) throw botError('BAD_FIELD_TYPE', 'Expected encoded bytes.');
  if (bytes.length > bytesMax) throw botError('TOO_LARGE', `The encoded value is ${bytes.length} bytes; the limit is ${bytesMax}.`);
  let value: T;
  try {
    value = dagCbor.decode<T>(bytes);
  } catch (error) {
    throw botError('MALFORMED', `The bytes are not valid canonical CBOR: ${(error as Error).message}`);
  }
  let again: Uint8Array;
  try {
    again = encode(value);
  } catch {
    throw botError('NON_CANONICAL', 'The bytes decode to a value that has no canonical encoding.');
  }
  if (!equalBytes(again, bytes)) throw botError('NON_CANONICAL', 'The bytes are valid CBOR but not the canonical encoding of their value.');
  return value;
}
