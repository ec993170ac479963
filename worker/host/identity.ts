// Identity: this peer's key (a seed in the storage meta), its backup and its import.
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { toHex } from '../core/bytes';
import { botError } from '../core/errors';
import { createSigner } from './crypto';
import type { Identity, LogEntry, Status } from '../api';
import type { HostState, HostOptions } from './host-state';
import { SecretMeta } from './keys-at-rest';

/** The meta key of the identity seed (sealed at rest in a tab: keys-at-rest.ts). */
export const seedMetaKey = 'identity.seed';

export interface IdentityServiceDeps {
  state: HostState;
  options: HostOptions;
  record(level: LogEntry['level'], message: string): void;
  ready(): Promise<Status>;
}

export class IdentityService {
  private readonly s: HostState;

  constructor(private readonly d: IdentityServiceDeps) {
    this.s = d.state;
  }

  /** Read this peer's seed (or make one) and derive its identity and signer (at start-up). */
  async open(): Promise<string> {
    const { storage } = this.d.options;
    const secrets = new SecretMeta(storage, this.d.options.secretBox);
    let seed = this.d.options.identitySeed ?? (await secrets.get(seedMetaKey));
    if (!seed) {
      seed = this.d.options.randomBytes(32);
      await secrets.put(seedMetaKey, seed);
      this.d.record('info', 'Created a new identity for this peer.');
    }
    this.s.seed = seed;
    const publicKey = publicKeyFromSeed(seed);
    const did = didFromPublicKey(publicKey);
    this.s.identityView = { did, publicKey: toHex(publicKey) };
    this.s.signer = await (this.d.options.signerFor ?? createSigner)(seed);
    return did;
  }

  async identity(): Promise<Identity> {
    await this.d.ready();
    return this.s.identityView;
  }

  async exportIdentity(passphrase: string): Promise<string> {
    await this.d.ready();
    const { encryptSeed } = await import('./identity-backup');
    try {
      const backup = await encryptSeed(this.s.seed, passphrase, {
        did: this.s.identityView.did,
        randomBytes: this.d.options.randomBytes,
        now: this.d.options.now(),
      });
      this.d.record('info', 'Exported the identity (encrypted under a passphrase).');
      return backup;
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError)
        throw botError(
          'BAD_REQUEST',
          `The passphrase ${error.message.replace(/^passphrase /, '')}.`,
        );
      throw error;
    }
  }
  async importIdentity(backup: string, passphrase: string): Promise<Identity> {
    await this.d.ready();
    const { decryptSeed } = await import('./identity-backup');
    const { seed, did: labelled } = await decryptSeed(backup, passphrase);
    const publicKey = publicKeyFromSeed(seed);
    const did = didFromPublicKey(publicKey);
    if (did !== labelled)
      throw botError(
        'UNAUTHORIZED',
        'The backup holds a key that does not match its identity; it was changed.',
      );
    await new SecretMeta(this.d.options.storage, this.d.options.secretBox).put(seedMetaKey, seed);
    this.d.record('info', `Imported the identity ${did}; restart the peer to use it.`);
    return { did, publicKey: toHex(publicKey) };
  }
}
