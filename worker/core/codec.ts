// The one canonical encoding for everything hashed or signed: deterministic CBOR as DAG-CBOR
// defines it (RFC 8949 section 4.2 core deterministic rules, map keys sorted by length then
// bytes, no indefinite lengths, no undefined, floats always 64-bit). Decoding is strict: bytes
// that are not exactly what `encode` would produce for the decoded value are refused, so two
// peers can never hash different bytes for the same value.
import * as dagCbor from '@ipld/dag-cbor';
import { botError } from './errors';
import { equalBytes } from './bytes';

export function encode(value: unknown): Uint8Array {
  return dagCbor.encode(value);
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
    again = dagCbor.encode(value);
  } catch {
    throw botError('NON_CANONICAL', 'The bytes decode to a value that has no canonical encoding.');
  }
  if (!equalBytes(again, bytes)) throw botError('NON_CANONICAL', 'The bytes are valid CBOR but not the canonical encoding of their value.');
  return value;
}
