// Sealed data values (issue 15, "who may read which key prefixes ... enforced by block
// validity"). A data.put under a key that a `read:<prefix>` role covers carries no plaintext:
// its body is { key, sealed: { box, keys } } where
//   box  = AES-256-GCM(content key, nonce all zero, aad = sealedAad(key), encode(value)):
//          the content key is fresh for each value and seals exactly that one, so a fixed
//          nonce is never reused under a key;
//   keys = the content key wrapped for each holder of the role that has published an X25519
//          key (identity.x25519), with the datasets' envelope (../datasets/keys.ts: X25519 +
//          HKDF-SHA-256 + AES-256-GCM), fingerprint = SHA-256 of the box.
// Block validity (sealedPutError, judged on the state before the block like every role) refuses
// a plaintext data.put under a read role (sent, or held by multisig.propose), a sealed one under a key no read role covers, and a
// sealed one with a wrap for anyone but the role's holders that have a published key, or with no
// wrap while such holders exist (a holder left without a wrap gets one by data.share). It
// cannot check what a wrap holds (only its reader can open it): a writer that wraps garbage for
// a holder makes a value that holder cannot open, which its peer reports as TAMPERED.
// Pure: no clock, no randomness; the host seals and opens (worker/host/sealed-values.ts).
import { encode } from '../../codec';
import { botError, type BotError } from '../../errors';
import { sha256 } from '../../crypto/hash';
import { isPlainObject, onlyFields } from '../../body';
import * as limits from '../../limits';
import type { Tx } from '../../tx-shape';
import { readRoleOf, type RightsState } from '../governance/rights';
import { checkWrappedKey, type KeyBinding, type WrappedKey } from '../datasets/keys';

/** The AES-GCM tag at the end of every box. */
export const sealedTagBytes = 16;

/** A value sealed for the holders of a read role, as a data.put body and the state carry it. */
export interface SealedValue {
  /** AES-256-GCM of the encoded value under the content key (tag appended). */
  box: Uint8Array;
  /** The content key wrapped for each holder (one per reader, any order). */
  keys: WrappedKey[];
}

/** The additional data of a box: it opens only under the key it was written to. */
export function sealedAad(key: string): Uint8Array {
  return encode({ t: 'bot/sealed-value/v1', key });
}

/** The fingerprint the wraps of a sealed value are bound to (wrapAad): SHA-256 of its box. */
export function sealedFingerprint(sealed: { box: Uint8Array }): Uint8Array {
  return sha256(sealed.box);
}

/** Body rule of `sealed` (stateless): shape, sizes, distinct readers (typed errors). */
export function checkSealedValue(value: unknown): SealedValue {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'A sealed value must be a map { box, keys }.');
  onlyFields(value, ['box', 'keys'], 'sealed value');
  const box = value.box;
  if (!(box instanceof Uint8Array))
    throw botError('BAD_FIELD_TYPE', 'A sealed value carries its box as bytes.');
  if (box.length < sealedTagBytes)
    throw botError(
      'BAD_FIELD_TYPE',
      `A sealed box is at least its ${sealedTagBytes}-byte tag long; this one is ${box.length}.`,
    );
  if (box.length > limits.sealedValueBytesMax)
    throw botError(
      'TOO_LARGE',
      `The sealed value is ${box.length} bytes; the limit is ${limits.sealedValueBytesMax} (sealedValueBytesMax).`,
    );
  if (!Array.isArray(value.keys))
    throw botError('BAD_FIELD_TYPE', 'A sealed value carries its wrapped keys as a list.');
  if (value.keys.length > limits.sealedValueHoldersMax)
    throw botError(
      'TOO_LARGE',
      `A sealed value is wrapped for ${value.keys.length} holders; the limit is ${limits.sealedValueHoldersMax} (sealedValueHoldersMax).`,
    );
  const seen = new Set<string>();
  const keys = value.keys.map((item) => {
    const wrapped = checkWrappedKey(item);
    if (seen.has(wrapped.reader))
      throw botError('BAD_REQUEST', `${wrapped.reader} appears twice among the sealed keys.`);
    seen.add(wrapped.reader);
    return wrapped;
  });
  return { box, keys };
}

/** The encoded bytes of the value a box seals (for data.valueBytesMax). */
export function sealedPlainBytes(sealed: SealedValue): number {
  return sealed.box.length - sealedTagBytes;
}

/**
 * Who a value written now under `key` must be sealed for: the read role that covers it and its
 * holders that have published an X25519 key (sorted), or null when no read role covers the key.
 * `holdersWithoutKey`: the holders that cannot be wrapped for until they publish one.
 */
export function sealedReadersOf(
  rights: RightsState | undefined,
  bindings: ReadonlyMap<string, KeyBinding> | undefined,
  key: string,
): { role: string; readers: string[]; holdersWithoutKey: string[] } | null {
  const role = readRoleOf(rights, key);
  if (!role) return null;
  const holders = [...new Set(role.dids)].sort();
  return {
    role: role.role,
    readers: holders.filter((did) => bindings?.has(did)),
    holdersWithoutKey: holders.filter((did) => !bindings?.has(did)),
  };
}

function listed(dids: readonly string[]): string {
  return dids.length === 0 ? 'nobody' : dids.join(', ');
}

/**
 * Block validity of a data.put's confidentiality, on the state before the block (`rights`: the
 * governance state, `bindings`: the published X25519 keys). null when it may be in the block.
 */
export function sealedPutError(
  rights: RightsState | undefined,
  bindings: ReadonlyMap<string, KeyBinding> | undefined,
  tx: Tx,
): BotError | null {
  if (tx.type === 'multisig.propose') {
    // a data.put held for approval (../multisig) carries its body in this block already
    const held = tx.body as { type?: unknown; body?: unknown };
    if (held.type !== 'data.put' || !isPlainObject(held.body) || typeof held.body.key !== 'string')
      return null; // not a data.put, or malformed: the held body's rules refuse it
    return sealedPutError(rights, bindings, { ...tx, type: 'data.put', body: held.body });
  }
  if (tx.type !== 'data.put') return null;
  const body = tx.body as { key: string; sealed?: SealedValue };
  const expected = sealedReadersOf(rights, bindings, body.key);
  if (!expected) {
    if (!body.sealed) return null;
    return botError(
      'BAD_REQUEST',
      `"${body.key}" is under no read role on this chain, so its value is written plainly, not sealed.`,
    );
  }
  if (!body.sealed)
    return botError(
      'UNAUTHORIZED',
      `"${body.key}" is under the read role ${expected.role}: its value must be sealed for the role's holders, never written in plaintext. A peer seals it by itself when it writes (put, POST /v1/data, the Data page).`,
    );
  // Every wrap is for a holder with a published key (nobody else may read it), and at least one
  // holder can open it. A holder without a wrap is allowed: its key (or its role) came after the
  // writer's peer sealed the value, a race the writer cannot see (refusing it left the write out
  // and every later transaction of the writer with a nonce gap); a holder that can open the value
  // shares it with that holder (data.share, worker/host/sealed-share.ts), as with one granted later.
  const named = body.sealed.keys.map((k) => k.reader).sort();
  const extra = named.filter((did) => !expected.readers.includes(did));
  if (extra.length === 0 && (named.length > 0 || expected.readers.length === 0)) return null;
  return botError(
    'BAD_KEY',
    extra.length > 0
      ? `The value of "${body.key}" may be sealed only for holders of ${expected.role} that published an X25519 key; not such holders: ${listed(extra)}. Seal it again for the current holders.`
      : `The value of "${body.key}" is sealed for nobody, though holders of ${expected.role} published X25519 keys (${listed(expected.readers)}). Seal it again for the current holders.`,
  );
}
