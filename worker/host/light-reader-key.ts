// A light peer that holds a read role publishes its X25519 key (issue 15), as a full peer does
// (sealed-values.ts afterBlock): without it no writer can seal a value for it and no holder can
// share one with it, so a phone on a light peer could never be a reader. It sends the same
// transaction (identity.x25519 { key, signature }, signed here, handed to its full peers like
// any light transaction), once:
// - Who holds a role: a light peer keeps no governance state. Every full peer's light answer
//   names the read roles the asking identity holds (lightData.readRoles, a hint); the light peer
//   acts only after proving one of them (gov/role/<role> holds its did, checked against a header
//   it verified), so a lying full peer cannot make it publish, only keep it from knowing.
// - Idempotent: before sending it proves its own ds/key/<did> absent; once that entry is proven
//   present it never asks again (a restart proves it once more). While its transaction waits it
//   sends no other (a second would wait behind the first's nonce); one refused is sent again
//   after sealedKeyResendBlocks verified heights.
// - Cost: nothing while the hint names no role; with one, two proofs per new verified height
//   until the key is on chain.
import { decode } from '../core/codec';
import { BotError } from '../core/errors';
import { rolePrefix } from '../core/modules/governance';
import { keyPrefix as readerKeyPrefix } from '../core/modules/datasets/state';
import { bindingFromSeed } from '../core/modules/datasets/keys';
import * as limits from '../core/limits';
import type { LightFollower } from './light';

export interface LightReaderKeyDeps {
  did: string;
  seed: Uint8Array;
  follower: () => Pick<LightFollower, 'getState' | 'height'>;
  /** The read roles the full peers say this identity holds (unproven). */
  hintedRoles: () => readonly string[];
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  /** Is this transaction still waiting for a block? */
  waiting(txId: string): boolean;
  note(level: 'info' | 'warn', message: string): void;
}

export class LightReaderKey {
  /** The key is proven on chain: nothing more to do. */
  private onChain = false;
  /** The verified height last checked (one check per new height). */
  private checkedAt = -1;
  /** The identity.x25519 sent, and the verified height it was sent at. */
  private sent: { txId: string; height: number } | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly d: LightReaderKeyDeps) {}

  /** Is this identity's X25519 key proven on chain (as far as this peer checked)? */
  get published(): boolean {
    return this.onChain;
  }

  /** After a pass of the follower: publish the key when a proven read role asks for it. */
  afterPass(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async check(): Promise<void> {
    if (this.onChain) return;
    const hinted = this.d.hintedRoles();
    if (hinted.length === 0) return;
    const follower = this.d.follower();
    const height = follower.height;
    if (height === this.checkedAt) return;
    if (this.sent && this.d.waiting(this.sent.txId)) return;
    if (this.sent && height < this.sent.height + limits.sealedKeyResendBlocks) return;
    this.checkedAt = height;
    if (await follower.getState(readerKeyPrefix + this.d.did)) {
      this.onChain = true;
      return;
    }
    const role = await this.provenRole(hinted);
    if (!role) return;
    const binding = bindingFromSeed(this.d.seed, this.d.did);
    try {
      const { txId } = await this.d.submit({
        type: 'identity.x25519',
        body: { key: binding.x25519, signature: binding.signature },
      });
      this.sent = { txId, height };
      this.d.note(
        'info',
        `This light peer holds ${role}: it published its X25519 key so that values can be sealed for it.`,
      );
    } catch (error) {
      // not linked, too many waiting: tried again at the next verified height
      if (!(error instanceof BotError)) throw error;
    }
  }

  /** The first hinted role whose proven holders include this identity, or null. */
  private async provenRole(hinted: readonly string[]): Promise<string | null> {
    for (const role of hinted) {
      const read = await this.d.follower().getState(rolePrefix + role);
      if (!read) continue;
      const dids = decode<{ dids: string[] | null }>(read.entry, 1 << 16).dids;
      if (dids?.includes(this.d.did)) return role;
    }
    return null;
  }
}
