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
import { isPlainObject } from './body';
import type { Tx, UnsignedTx } from './tx-shape';

export type { Tx, UnsignedTx } from './tx-shape';

const signingTag = utf8('bot/tx/v1\0');
const fieldNames = ['body', 'chain', 'from', 'nonce', 'sig', 'time', 'type'] as const;

// Each transaction is encoded and hashed once. The envelope, its signed bytes, id and Merkle
// leaf are cached per object, but only for the transactions the core makes itself (checkTx,
// decodeTx, signTx): those are frozen, so their fields cannot change under the cache. The
// envelope is also keyed by the signature bytes it holds. Other objects are encoded each time.
interface TxEncodings {
  envelope?: Uint8Array;
  signing?: Uint8Array;
  id?: string;
  leaf?: Uint8Array;
}
const encodings = new WeakMap<object, TxEncodings>();

function seal<T extends Tx>(tx: T, envelope?: Uint8Array): T {
  Object.freeze(tx);
  encodings.set(tx, envelope ? { envelope } : {});
  return tx;
}

// A canonical envelope is a 7-entry map whose keys sort as sig, body, from, time, type, chain,
// nonce: 0xa7, "sig" (4 bytes), a 64-byte string (2 + 64), then the signed fields in order. The
// signed bytes are the tag, a 6-entry map head and those same field bytes.
const sigEntryEnd = 1 + 4 + 2 + 64;
const envelopePrefix = [0xa7, 0x63, 0x73, 0x69, 0x67, 0x58, 0x40];

function signingFromEnvelope(envelope: Uint8Array): Uint8Array | null {
  for (let i = 0; i < envelopePrefix.length; i++)
    if (envelope[i] !== envelopePrefix[i]) return null;
  const out = new Uint8Array(signingTag.length + 1 + envelope.length - sigEntryEnd);
  out.set(signingTag, 0);
  out[signingTag.length] = 0xa6;
  out.set(envelope.subarray(sigEntryEnd), signingTag.length + 1);
  return out;
}

/** The envelope of signed bytes and a 64-byte signature: the inverse of signingFromEnvelope. */
function envelopeFromSigning(signing: Uint8Array, sig: Uint8Array): Uint8Array | undefined {
  if (sig.length !== 64 || signing[signingTag.length] !== 0xa6) return undefined;
  const fields = signing.subarray(signingTag.length + 1);
  const out = new Uint8Array(sigEntryEnd + fields.length);
  out.set(envelopePrefix, 0);
  out.set(sig, envelopePrefix.length);
  out.set(fields, sigEntryEnd);
  return out;
}

export function txSigningBytes(tx: UnsignedTx): Uint8Array {
  const cached = encodings.get(tx);
  if (cached?.signing) return cached.signing;
  const fromEnvelope = cached?.envelope ? signingFromEnvelope(cached.envelope) : null;
  const { chain, type, from, nonce, time, body } = tx;
  const signing =
    fromEnvelope ?? concatBytes(signingTag, encode({ chain, type, from, nonce, time, body }));
  if (cached) cached.signing = signing;
  return signing;
}

/** The id of a transaction: SHA-256 of its signed bytes, hex. Independent of the signature bytes. */
export function txIdOf(tx: UnsignedTx): string {
  const cached = encodings.get(tx);
  if (cached?.id) return cached.id;
  const id = toHex(sha256(txSigningBytes(tx)));
  if (cached) cached.id = id;
  return id;
}

function cachedEnvelope(tx: Tx, cached: TxEncodings | undefined): Uint8Array | null {
  const envelope = cached?.envelope;
  if (!envelope || tx.sig.length !== 64) return null;
  for (let i = 0; i < 64; i++) if (envelope[sigEntryEnd - 64 + i] !== tx.sig[i]) return null;
  return envelope;
}

export function encodeTx(tx: Tx): Uint8Array {
  const cached = encodings.get(tx);
  const known = cachedEnvelope(tx, cached);
  if (known) return known;
  const { chain, type, from, nonce, time, body, sig } = tx;
  const envelope = encode({ chain, type, from, nonce, time, body, sig });
  if (cached) {
    cached.envelope = envelope;
    cached.leaf = undefined;
  }
  return envelope;
}

/** Leaf of a block's transaction root: the SHA-256 of the whole signed envelope. */
export function txLeafOf(tx: Tx): Uint8Array {
  const cached = encodings.get(tx);
  if (cached?.leaf && cachedEnvelope(tx, cached)) return cached.leaf;
  const leaf = sha256(encodeTx(tx));
  if (cached) cached.leaf = leaf;
  return leaf;
}

/**
 * `tx` (checked: checkTx's result) with `sig`, a host signer's signature over
 * txSigningBytes(tx): frozen like checkTx's, and with `tx`'s signed bytes and id (which do not
 * cover the signature) carried over, and its envelope built from them, so a large body is not
 * encoded again for the id, the verifier, the outbox or the block (a host signing with WebCrypto
 * encoded it at each of them). Like checkTx's, only the envelope is frozen: the body is the
 * caller's, who must not change it once submitted (the peer's callers build a body per call;
 * window.bot and HTTP bodies are copies by then).
 */
export function withSignature(tx: Tx, sig: Uint8Array): Tx {
  const { chain, type, from, nonce, time, body } = tx;
  const signed = seal({ chain, type, from, nonce, time, body, sig });
  const known = encodings.get(tx);
  // the envelope too, from the signed bytes: the outbox, the block's transaction root and the
  // stored block each encoded the whole transaction again (kilobytes for a cross-chain step)
  const envelope = known?.signing ? envelopeFromSigning(known.signing, sig) : undefined;
  if (known) encodings.set(signed, { signing: known.signing, id: known.id, envelope });
  return signed;
}

/** Sign with the pure-JS signer (simulator, tests, headless tools). Hosts may sign with WebCrypto. */
export function signTx(unsigned: UnsignedTx, seed: Uint8Array): Tx {
  const { chain, type, from, nonce, time, body } = unsigned;
  return seal({
    chain,
    type,
    from,
    nonce,
    time,
    body,
    sig: signSync(seed, txSigningBytes(unsigned)),
  });
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Check the envelope's shape, field types, limits and body rules (no signature, no state).
 * Throws BotError with the first problem found.
 */
export function checkTx(value: unknown): Tx {
  return checkTxFields(value, Infinity);
}

/** checkTx, told the size of the encoding the value came from (a body within it needs no re-encoding to be measured). */
function checkTxFields(value: unknown, encodedBytes: number): Tx {
  if (!isPlainObject(value)) throw botError('MALFORMED', 'A transaction must be a map of fields.');
  for (const name of fieldNames) {
    if (!(name in value))
      throw botError('MISSING_FIELD', `The transaction has no "${name}" field.`);
  }
  for (const name of Object.keys(value)) {
    if (!(fieldNames as readonly string[]).includes(name))
      throw botError('MALFORMED', `The transaction has an unknown field "${name}".`);
  }
  const { chain, type, from, nonce, time, body, sig } = value;
  if (typeof chain !== 'string' || chain.length === 0 || chain.length > 128)
    throw botError('BAD_FIELD_TYPE', '"chain" must be a chain id string.');
  if (typeof type !== 'string' || type.length === 0 || type.length > limits.txTypeLengthMax)
    throw botError('BAD_FIELD_TYPE', '"type" must be a short string such as "data.put".');
  if (typeof from !== 'string')
    throw botError('BAD_FIELD_TYPE', '"from" must be a did:key string.');
  publicKeyFromDid(from);
  if (!isSafeCount(nonce) || nonce < 1)
    throw botError('BAD_FIELD_TYPE', '"nonce" must be a whole number from 1 up.');
  if (!isSafeCount(time))
    throw botError('BAD_FIELD_TYPE', '"time" must be a whole number of milliseconds since 1970.');
  if (!(sig instanceof Uint8Array) || sig.length !== signatureBytes)
    throw botError('BAD_FIELD_TYPE', '"sig" must be 64 signature bytes.');
  const rules = Object.hasOwn(txBodyRules, type) ? txBodyRules[type] : undefined;
  if (!rules) throw botError('UNKNOWN_TYPE', `Unknown transaction type "${type}".`);
  // The body's encoding is part of the envelope's: an envelope within the body limit holds a body within it.
  if (encodedBytes > limits.txBodyBytesMax) {
    const bodyBytes = encode(body).length;
    if (bodyBytes > limits.txBodyBytesMax)
      throw botError(
        'TOO_LARGE',
        `The body is ${bodyBytes} bytes; the limit is ${limits.txBodyBytesMax}.`,
      );
  }
  rules.check(body);
  return seal({ chain, type, from, nonce, time, body, sig });
}

/** Decode and check wire bytes of a transaction. Throws BotError. */
export function decodeTx(bytes: Uint8Array): Tx {
  const tx = checkTxFields(decode(bytes, limits.txBytesMax), bytes.length);
  encodings.get(tx)!.envelope = bytes.slice(); // canonical: exactly encodeTx(tx); a copy, the caller keeps theirs
  return tx;
}

/** Stateless check that never throws: null, or the error. */
export function tryCheckTx(
  value: unknown,
): { tx: Tx; error: null } | { tx: null; error: BotError } {
  try {
    return { tx: checkTx(value), error: null };
  } catch (error) {
    if (error instanceof BotError) return { tx: null, error };
    throw error;
  }
}
