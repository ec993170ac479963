// Keys at rest (issue 15): in a tab, the identity seed and the device keys are kept in IndexedDB
// sealed by a non-extractable WebCrypto AES-256-GCM key. That key is itself kept in IndexedDB as
// a CryptoKey (IndexedDB structured-clones a non-extractable key without ever exposing its
// bytes), so a copy of the database files, or script reading the records, finds no seed; the
// only way a seed leaves the peer is the passphrase backup (identity-backup.ts). The meta key a
// secret is stored under is its additional data, so two sealed records cannot be swapped.
// Records written before this (plain bytes) are sealed the first time they are read.
// The Node peer seals with a key from its key file (server/peer/key-file.ts; by default
// <dataDir>/at-rest.key, `--key-file` puts it elsewhere), so the store alone holds no seed.
import { utf8 } from '../core/bytes';
import { botError } from '../core/errors';
import type { Storage } from '../store/storage';

/** The meta key the wrapping CryptoKey is stored under. */
export const atRestKeyMetaKey = 'keys.atRest';
const sealedFormat = 1;
const ivBytes = 12;

/** A secret as stored: AES-GCM under the at-rest key. */
export interface SealedSecret {
  sealed: typeof sealedFormat;
  iv: Uint8Array;
  ct: Uint8Array;
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  const v = value as SealedSecret | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.sealed === sealedFormat &&
    v.iv instanceof Uint8Array &&
    v.ct instanceof Uint8Array
  );
}

/** Seals and opens secrets under one key that never leaves WebCrypto. */
export interface SecretBox {
  seal(plain: Uint8Array, label: string): Promise<SealedSecret>;
  open(sealed: SealedSecret, label: string): Promise<Uint8Array>;
}

/**
 * The box of this storage: its stored CryptoKey, or a new non-extractable one stored now.
 * Each seal puts the key back if the meta store was wiped since (a reset), so a sealed secret
 * never outlives its key.
 */
export async function openSecretBox(storage: Storage): Promise<SecretBox> {
  let key = await storage.getMeta<CryptoKey>(atRestKeyMetaKey);
  if (!key) {
    key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    await storage.putMeta(atRestKeyMetaKey, key);
  }
  const held = key;
  return boxOf(held, "this browser's key", async () => {
    if (!(await storage.getMeta<CryptoKey>(atRestKeyMetaKey)))
      await storage.putMeta(atRestKeyMetaKey, held);
  });
}

/**
 * The box of the Node peer: a 32-byte key kept apart from the meta store (its key file, see
 * server/peer/key-file.ts), imported as a non-extractable WebCrypto key.
 */
export async function secretBoxFromKey(raw: Uint8Array): Promise<SecretBox> {
  if (!(raw instanceof Uint8Array) || raw.length !== 32)
    throw new RangeError('raw: expected a 32-byte AES-256 key');
  const key = await crypto.subtle.importKey(
    'raw',
    raw as BufferSource,
    { name: 'AES-GCM' },
    false,
    ['encrypt', 'decrypt'],
  );
  return boxOf(key, "the key in this peer's key file", async () => undefined);
}

function boxOf(held: CryptoKey, keyName: string, beforeSeal: () => Promise<void>): SecretBox {
  return {
    async seal(plain, label) {
      await beforeSeal();
      const iv = crypto.getRandomValues(new Uint8Array(ivBytes));
      const ct = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: iv as BufferSource, additionalData: utf8(label) as BufferSource },
        held,
        plain as BufferSource,
      );
      return { sealed: sealedFormat, iv, ct: new Uint8Array(ct) };
    },
    async open(sealed, label) {
      try {
        return new Uint8Array(
          await crypto.subtle.decrypt(
            {
              name: 'AES-GCM',
              iv: sealed.iv as BufferSource,
              additionalData: utf8(label) as BufferSource,
            },
            held,
            sealed.ct as BufferSource,
          ),
        );
      } catch {
        throw botError(
          'TAMPERED',
          `The stored ${label} did not open under ${keyName}: it was altered, or moved from elsewhere without its key. Import the identity from its passphrase backup.`,
        );
      }
    },
  };
}

/**
 * Secrets in the storage's meta, sealed when a box is given (tabs) and plain otherwise (the
 * Node peer, tests). A plain record found with a box is sealed in place (migration).
 */
export class SecretMeta {
  constructor(
    private readonly storage: Storage,
    private readonly box: SecretBox | undefined,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const stored = await this.storage.getMeta<unknown>(key);
    if (stored === undefined || stored === null) return undefined;
    return this.openValue(key, key, stored, async (sealed) => this.storage.putMeta(key, sealed));
  }

  async put(key: string, plain: Uint8Array): Promise<void> {
    await this.storage.putMeta(key, this.box ? await this.box.seal(plain, key) : plain);
  }

  /** A map of secrets under one meta key (device keys by did); each value sealed on its own. */
  async getMap(key: string): Promise<Record<string, Uint8Array>> {
    const stored = (await this.storage.getMeta<Record<string, unknown>>(key)) ?? {};
    const out: Record<string, Uint8Array> = {};
    let migrate = false;
    for (const [name, value] of Object.entries(stored))
      out[name] = await this.openValue(key, `${key}/${name}`, value, async () => {
        migrate = true;
      });
    if (migrate) await this.putMap(key, out);
    return out;
  }

  async putMap(key: string, plain: Record<string, Uint8Array>): Promise<void> {
    const box = this.box;
    if (!box) {
      await this.storage.putMeta(key, plain);
      return;
    }
    const sealed: Record<string, SealedSecret> = {};
    for (const [name, value] of Object.entries(plain))
      sealed[name] = await box.seal(value, `${key}/${name}`);
    await this.storage.putMeta(key, sealed);
  }

  private async openValue(
    key: string,
    label: string,
    stored: unknown,
    migrate: (sealed: SealedSecret) => Promise<void>,
  ): Promise<Uint8Array> {
    if (isSealedSecret(stored)) {
      if (!this.box)
        throw botError(
          'INTERNAL',
          `The stored ${label} is sealed at rest, but this peer has no key to open it.`,
        );
      return this.box.open(stored, label);
    }
    if (!(stored instanceof Uint8Array))
      throw botError('INTERNAL', `The stored ${key} is not a key this peer understands.`);
    if (this.box) await migrate(await this.box.seal(stored, label));
    return stored;
  }
}
