// The transaction envelope { chain, type, from, nonce, time, body, sig } and its stateless
// validation. Signed bytes: "bot/tx/v1" tag + canonical encoding of everything but `sig`.
import { encode, decode } from './codec';
import { concatBytes, toHex, utf8 } from './bytes';
import { sha256 } from './crypto/hash';
import { publicKeyFromDid } from './crypto/did';
import { signSync, signatureBytes } from './crypto/ed25519';
import { botError, BotError } from './errors';
import * as limits from './limits';
import { txBodyRules } from './txtypes';

export interface UnsignedTx {
  chain: string;
  type: string;
  from: string;
  nonce: number;
  time: number;
  body: unknown;
}

export interface Tx extends UnsignedTx {
  sig: Uint8Array;
}

const signingTag = utf8('bot/tx/v1\0');
const fieldNames = ['body', 'chain', 'from', 'nonce', 'sig', 'time', 'type'] as const;

export function txSigningBytes(tx: UnsignedTx): Uint8Array {
  const { chain, type, from, nonce, time, body } = tx;
  return concatBytes(signingTag, encode({ chain, type, from, nonce, time, body }));
}

/** The id of a transaction: SHA-256 of its signed bytes, hex. Independent of the signature bytes. */
export function txIdOf(tx: UnsignedTx): string {
  return toHex(sha256(txSigningBytes(tx)));
}

export function encodeTx(tx: Tx): Uint8Array {
  const { chain, type, from, nonce, time, body, sig } = tx;
  return encode({ chain, type, from, nonce, time, body, sig });
}

/** Sign with the pure-JS signer (simulator, tests, headless tools). Hosts may sign with WebCrypto. */
export function signTx(unsigned: UnsignedTx, seed: Uint8Array): Tx {
  return { ...unsigned, sig: signSync(seed, txSigningBytes(unsigned)) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Check the envelope's shape, field types, limits and body rules (no signature, no state).
 * Throws BotError with the first problem found.
 */
export function checkTx(value: unknown): Tx {
  if (!isPlainObject(value)) throw botError('MALFORMED', 'A transaction must be a map of fields.');
  for (const name of fieldNames) {
    if (!(name in value)) throw botError('MISSING_FIELD', `The transaction has no "${name}" field.`);
  }
  for (const name of Object.keys(value)) {
    if (!(fieldNames as readonly string[]).includes(name)) throw botError('MALFORMED', `The transaction has an unknown field "${name}".`);
  }
  const { chain, type, from, nonce, time, body, sig } = value;
  if (typeof chain !== 'string' || chain.length === 0 || chain.length > 128) throw botError('BAD_FIELD_TYPE', '"chain" must be a chain id string.');
  if (typeof type !== 'string' || type.length === 0 || type.length > limits.txTypeLengthMax) throw botError('BAD_FIELD_TYPE', '"type" must be a short string such as "data.put".');
  if (typeof from !== 'string') throw botError('BAD_FIELD_TYPE', '"from" must be a did:key string.');
  publicKeyFromDid(from);
  if (!isSafeCount(nonce) || nonce < 1) throw botError('BAD_FIELD_TYPE', '"nonce" must be a whole number from 1 up.');
  if (!isSafeCount(time)) throw botError('BAD_FIELD_TYPE', '"time" must be a whole number of milliseconds since 1970.');
  if (!(sig instanceof Uint8Array) || sig.length !== signatureBytes) throw botError('BAD_FIELD_TYPE', '"sig" must be 64 signature bytes.');
  const rules = Object.hasOwn(txBodyRules, type) ? txBodyRules[type] : undefined;
  if (!rules) throw botError('UNKNOWN_TYPE', `Unknown transaction type "${type}".`);
  const bodyBytes = encode(body).length;
  if (bodyBytes > limits.txBodyBytesMax) throw botError('TOO_LARGE', `The body is ${bodyBytes} bytes; the limit is ${limits.txBodyBytesMax}.`);
  rules.check(body);
  return { chain, type, from, nonce, time, body, sig };
}

/** Decode and check wire bytes of a transaction. Throws BotError. */
export function decodeTx(bytes: Uint8Array): Tx {
  return checkTx(decode(bytes, limits.txBytesMax));
}

/** Stateless check that never throws: null, or the error. */
export function tryCheckTx(value: unknown): { tx: Tx; error: null } | { tx: null; error: BotError } {
  try {
    return { tx: checkTx(value), error: null };
  } catch (error) {
    if (error instanceof BotError) return { tx: null, error };
    throw error;
  }
}
