// Sealed values on the host (issue 15; the format and its block validity are in
// worker/core/modules/data/sealed.ts). The writer's peer seals a data.put by itself when its key
// is under a read role (submit, so window.bot, POST /v1/tx and the Data page alike): a fresh
// AES-256-GCM content key seals the encoded value, and the datasets' envelope
// (worker/data/envelope.ts) wraps that key for each holder of the role that has published an
// X25519 key. A holder's peer opens a value on read (get, history); any other peer reports it
// sealed, with whom it is sealed for. A peer whose identity holds a read role publishes its
// X25519 key by itself, so that writers can seal for it.
import { decode, encode } from '../core/codec';
import { botError, BotError } from '../core/errors';
import * as limits from '../core/limits';
import type { ChainState } from '../core/ledger';
import { readRoleOf } from '../core/modules/governance';
import {
  sealedAad,
  sealedFingerprint,
  sealedReadersOf,
  type SealedValue,
} from '../core/modules/data/sealed';
import {
  decodeSealedEarlierWrap,
  decodeSealedWrap,
  holdersMissing,
  sealedEarlierWrapKey,
  sealedVersionOf,
  sealedWrapKey,
} from '../core/modules/data/share';
import { dataPrefix, decodeDataEntry } from '../core/modules/data';
import { txIdOf } from '../core/tx';
import { provenHistory, verifiedBlock } from './integrity';
import type { KeyBinding, WrappedKey } from '../core/modules/datasets/keys';
import { sha256 } from '../core/crypto/hash';
import { equalBytes } from '../core/bytes';
import type { Storage } from '../store/storage';
import { isPlainObject } from '../core/body';
import type { SealedView } from '../api';
import {
  importContentKey,
  newContentKey,
  readerKeysFromSeed,
  unwrapContentKey,
  wrapForReaders,
} from '../data/envelope';
import { bestX25519, type X25519Backend } from '../data/x25519';
import type { HostState } from './host-state';
import type { LogEntry } from '../api';

/** A content key seals exactly one value, so the GCM nonce can be fixed. */
const boxNonce = new Uint8Array(12);

/** A stored version of a sealed value: its box and wraps, and who wrote it (null: not found). */
export interface StoredSealedVersion {
  sealed: SealedValue;
  writer: string | null;
}

/**
 * The stored version `tx` of data key `key` (from the verified block that holds the data.put,
 * found by the store's transaction index; else from the key's history, proven against its
 * blocks), with the sender of the transaction that wrote it; null when this store holds none.
 */
export async function storedSealedVersion(
  storage: Storage,
  chainId: string,
  hashes: readonly Uint8Array[],
  key: string,
  tx: string,
): Promise<StoredSealedVersion | null> {
  const at = await storage.txLocation(tx);
  if (at && at.chainId === chainId) {
    const found = (await verifiedBlock(storage, chainId, at.height, hashes))?.txs[at.index];
    const body = found?.body as { key?: unknown; sealed?: SealedValue } | undefined;
    if (found && txIdOf(found) === tx && found.type === 'data.put' && body?.key === key)
      return body.sealed ? { sealed: body.sealed, writer: found.from } : null;
  }
  // not a data.put of its own (a put held for approval): the key's history
  const versions = await provenHistory(storage, chainId, dataPrefix + key, hashes);
  for (const version of versions) {
    const entry = decodeDataEntry(version.entry);
    if (entry.txId !== tx || !entry.sealed) continue;
    const block = await verifiedBlock(storage, chainId, version.height, hashes);
    const writer = block?.txs.find((t) => txIdOf(t) === tx)?.from ?? null;
    return { sealed: entry.sealed, writer };
  }
  return null;
}

export interface SealedValuesDeps {
  state: HostState;
  /** Where the wraps that shares added (sealwrap/, sealwrapv/) are read from. */
  storage: Pick<Storage, 'getState'>;
  /** A stored version of a sealed value (storedSealedVersion); absent: none is found. */
  stored?: (key: string, tx: string) => Promise<StoredSealedVersion | null>;
  submitBackground(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  record(level: LogEntry['level'], message: string): void;
}

/** A read answer for one stored version: the value (opened, or null) and what is known of its seal. */
export interface OpenedValue {
  value: unknown;
  sealed?: SealedView;
}

/**
 * The value a sealed box holds, opened with its content key (zeroed after): TAMPERED when the
 * box does not open under it (sealed wrongly, changed, or moved from another key).
 */
export async function openBox(
  contentKey: Uint8Array,
  key: string,
  sealed: SealedValue,
): Promise<unknown> {
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: boxNonce, additionalData: sealedAad(key) as BufferSource },
      await importContentKey(contentKey, ['decrypt']),
      sealed.box as BufferSource,
    );
  } catch {
    throw botError(
      'TAMPERED',
      `The sealed value of "${key}" does not open with the key wrapped for you: its writer sealed it wrongly or it was changed.`,
    );
  } finally {
    contentKey.fill(0);
  }
  return decode(new Uint8Array(plain), limits.dataValueBytesMax);
}

/** Open a sealed value with `wrap`, the identity's own wrap of its content key (light peers). */
export async function openWithWrap(
  seed: Uint8Array,
  did: string,
  key: string,
  sealed: SealedValue,
  wrap: WrappedKey,
  backend: X25519Backend,
): Promise<unknown> {
  const contentKey = await unwrapContentKey(
    [wrap],
    sealedFingerprint(sealed),
    readerKeysFromSeed(seed, did),
    backend,
  );
  return openBox(contentKey, key, sealed);
}

export class SealedValues {
  private backend: Promise<X25519Backend> | undefined;
  /** The height at which this peer sent its identity.x25519 (tried again if it did not commit). */
  private publishedAt: number | null = null;

  constructor(private readonly d: SealedValuesDeps) {}

  private x25519(): Promise<X25519Backend> {
    this.backend ??= bestX25519();
    return this.backend;
  }

  /**
   * The body to sign for `request` on `chain`: a data.put of a plain value under a read role
   * comes back sealed for the role's holders; anything else unchanged.
   */
  async sealRequest(
    chain: ChainState,
    request: { type: string; body: unknown },
  ): Promise<{ type: string; body: unknown }> {
    if (request.type === 'multisig.propose' && isPlainObject(request.body)) {
      // a data.put held for approval goes into the block now: sealed like a sent one
      const held = request.body;
      if (held.type !== 'data.put') return request;
      const inner = await this.sealRequest(chain, { type: 'data.put', body: held.body });
      return inner.body === held.body
        ? request
        : { ...request, body: { ...held, body: inner.body } };
    }
    const body = request.body;
    if (request.type !== 'data.put' || !isPlainObject(body) || !('value' in body)) return request;
    if (typeof body.key !== 'string') return request; // the body rules name the fault
    const expected = sealedReadersOf(chain.governance, chain.datasets?.keys, body.key);
    if (!expected) return request;
    if (expected.readers.length === 0)
      throw botError(
        'UNAUTHORIZED',
        `"${body.key}" is under the read role ${expected.role}, but none of its holders has published an X25519 key yet, so nobody could read this value. A holder's peer publishes its key by itself once it runs on this chain; write again then.`,
      );
    const plain = encode(body.value); // the body rules check the value itself
    if (plain.length > limits.dataValueBytesMax)
      throw botError(
        'TOO_LARGE',
        `The value is ${plain.length} bytes; the limit is ${limits.dataValueBytesMax}.`,
      );
    const contentKey = newContentKey();
    const box = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: boxNonce, additionalData: sealedAad(body.key) as BufferSource },
        await importContentKey(contentKey, ['encrypt']),
        plain as BufferSource,
      ),
    );
    const bindings = expected.readers.map((did) => chain.datasets!.keys.get(did)!);
    const keys = await wrapForReaders(
      contentKey,
      sealedFingerprint({ box }),
      bindings,
      await this.x25519(),
    );
    contentKey.fill(0);
    const { value: _plain, ...rest } = body;
    const sealed: SealedValue = { box, keys };
    return { type: request.type, body: { ...rest, sealed } };
  }

  /**
   * The stored state entry under `stateKey` at `chain`, checked against its state root; undefined
   * when absent, or when the store already holds a later write (a block made durable meanwhile).
   */
  async entryAt(chain: ChainState, stateKey: string): Promise<Uint8Array | undefined> {
    const leaf = chain.trie.get(stateKey);
    if (!leaf) return undefined;
    const bytes = await this.d.storage.getState(chain.chainId, stateKey);
    return bytes && equalBytes(sha256(bytes), leaf) ? bytes : undefined;
  }

  /** This peer's wrap of the version `txId` of `key`: in the value itself, or added by a share. */
  private async myWrap(
    chain: ChainState,
    key: string,
    sealed: SealedValue,
    txId: string | undefined,
  ): Promise<WrappedKey | null> {
    const me = this.d.state.identityView.did;
    const own = sealed.keys.find((k) => k.reader === me);
    if (own || txId === undefined) return own ?? null;
    const bytes = await this.entryAt(chain, sealedWrapKey(me, key));
    const added = bytes ? decodeSealedWrap(bytes) : null;
    if (added?.tx === txId && added.wrap.reader === me) return added.wrap;
    // an earlier version shared after it was written over (share.ts sealedEarlierWrapKey)
    const earlier = await this.entryAt(chain, sealedEarlierWrapKey(me, txId));
    const old = earlier ? decodeSealedEarlierWrap(earlier) : null;
    return old?.tx === txId && old.key === key && old.wrap.reader === me ? old.wrap : null;
  }

  /** The stored version `tx` of `key` with its writer (null: not found here). */
  async storedVersion(key: string, tx: string): Promise<StoredSealedVersion | null> {
    return (await this.d.stored?.(key, tx)) ?? null;
  }

  /**
   * The content key of the version `txId` of `key`, opened with this peer's wrap (UNAUTHORIZED
   * when it has none; TAMPERED when the wrap does not open). The caller zeroes it after use.
   */
  async contentKeyOf(
    chain: ChainState,
    key: string,
    sealed: SealedValue,
    txId: string | undefined,
  ): Promise<Uint8Array> {
    const wrap = await this.myWrap(chain, key, sealed, txId);
    if (!wrap) throw botError('UNAUTHORIZED', `The value of "${key}" is not sealed for this peer.`);
    const me = this.d.state.identityView.did;
    return unwrapContentKey(
      [wrap],
      sealedFingerprint(sealed),
      readerKeysFromSeed(this.d.state.seed, me),
      await this.x25519(),
    );
  }

  /** The content key of a sealed value wrapped for `bindings` (a share for later holders). */
  async wrapFor(
    contentKey: Uint8Array,
    sealed: SealedValue,
    bindings: KeyBinding[],
  ): Promise<WrappedKey[]> {
    return wrapForReaders(contentKey, sealedFingerprint(sealed), bindings, await this.x25519());
  }

  /**
   * What a reader of `key` at `chain` sees of a stored version (`txId`: the data.put that wrote
   * it): opened when this peer holds a wrap of it, in the value or added by a share.
   */
  async open(
    chain: ChainState,
    key: string,
    sealed: SealedValue | undefined,
    value: unknown,
    txId?: string,
  ): Promise<OpenedValue> {
    if (!sealed) return { value };
    const me = this.d.state.identityView.did;
    const role = readRoleOf(chain.governance, key);
    const version = txId === undefined ? null : sealedVersionOf(chain.data, key, txId);
    const isCurrent = version?.current === true;
    const readers = version ? [...version.entry.readers] : sealed.keys.map((k) => k.reader);
    const waiting = version
      ? holdersMissing(chain.governance, chain.datasets?.keys, key, version.entry)
      : [];
    const view: SealedView = {
      role: role?.role ?? null,
      readers,
      opened: false,
      ...(waiting.length > 0 ? { waiting } : {}),
    };
    if (!readers.includes(me))
      return {
        value: null,
        sealed: {
          ...view,
          reason: role?.dids.includes(me)
            ? version
              ? `${isCurrent ? '' : 'an earlier version, '}sealed before this peer held the role (or before it published its key): a holder's peer shares it with this peer by itself, or on its page with Share with new holders`
              : `an earlier version, sealed before this peer held the role and older than the ${limits.sealedVersionsKeptMax} earlier versions kept shareable: it stays closed to this peer`
            : `sealed for the holders of ${view.role ?? 'a read role'}; this peer holds none`,
        },
      };
    const contentKey = await this.contentKeyOf(chain, key, sealed, txId);
    return { value: await openBox(contentKey, key, sealed), sealed: { ...view, opened: true } };
  }

  /**
   * After a block: a peer whose identity holds a read role and has no X25519 key on chain
   * publishes it (once), so that writers can seal values for it.
   */
  async afterBlock(chain: ChainState): Promise<void> {
    const me = this.d.state.identityView?.did;
    if (!me || chain.datasets?.keys.has(me)) return;
    if (this.publishedAt !== null && chain.height < this.publishedAt + limits.sealedKeyResendBlocks)
      return;
    const holds = [...(chain.governance?.roles ?? [])].some(
      ([role, dids]) => role.startsWith('read:') && dids.includes(me),
    );
    if (!holds) return;
    this.publishedAt = chain.height;
    try {
      const { binding } = readerKeysFromSeed(this.d.state.seed, me);
      await this.d.submitBackground({
        type: 'identity.x25519',
        body: { key: binding.x25519, signature: binding.signature },
      });
      this.d.record(
        'info',
        'This peer holds a read role: it published its X25519 key so that values can be sealed for it.',
      );
    } catch (error) {
      // refused (not a member yet, a full mempool): tried again after a later block
      if (!(error instanceof BotError)) throw error;
      this.publishedAt = null;
    }
  }
}
