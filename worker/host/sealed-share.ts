// Sharing sealed values with holders granted a read role later, on a holder's peer (issue 15;
// the transaction and its block validity are in worker/core/modules/data/share.ts). When a read
// role gains a holder with a published X25519 key, a peer whose identity holds the role and a
// wrap of a value under it opens the value's content key and sends data.share with a wrap of it
// for each such holder; the box never changes.
// - Who: every current holder that can open the value may share it. The first of them in did
//   order shares at once; the n-th waits n x sealedShareWaitBlocks blocks from when its peer saw
//   the need, so that a holder whose peer is offline is covered by the next one (a late share
//   for a holder already covered is refused by validity, so at worst it costs one refusal).
// - When: the index of sealed values (chain.data.sealed) is scanned only when the roles or the
//   published keys changed (a new value is sealed for every current holder by its writer); what
//   is found stays pending until the chain shows it shared.
// - Bounded: one data.share of at most sealedSharesPerTxMax values (and txBodyBytesMax) in flight
//   per peer; the next batch goes after it commits (or after sealedShareResendBlocks blocks).
// - On demand (shareSealed: window.bot, POST /v1/data/share, the Peer page's "Share with new
//   holders"): one batch at once, without the wait; the rest follows in the background.
import { encode } from '../core/codec';
import { BotError, botError } from '../core/errors';
import * as limits from '../core/limits';
import type { ChainState } from '../core/ledger';
import { readRoleOf } from '../core/modules/governance';
import {
  dataPrefix,
  decodeDataEntry,
  holdersMissing,
  type SealedShare,
} from '../core/modules/data';
import type { LogEntry } from '../api';
import type { HostState } from './host-state';
import type { SealedValues } from './sealed-values';

/** Room left in txBodyBytesMax for the body's own framing when a batch is packed. */
const bodyFramingBytes = 64;

export interface SealedSharesDeps {
  state: HostState;
  sealed: Pick<SealedValues, 'contentKeyOf' | 'entryAt' | 'wrapFor'>;
  submitBackground(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  record(level: LogEntry['level'], message: string): void;
}

/** A value this peer may share now or later: its key and this peer's rank among its sharers. */
export interface ShareDue {
  key: string;
  tx: string;
  /** 0: this peer shares it at once; n: after n x sealedShareWaitBlocks blocks. */
  rank: number;
  missing: string[];
}

/** The values under read roles that `me` can open and some holder with a key cannot (pure). */
export function sharesDueFor(chain: ChainState, me: string, prefix = ''): ShareDue[] {
  const due: ShareDue[] = [];
  for (const [key, entry] of chain.data?.sealed ?? []) {
    if (!key.startsWith(prefix) || !entry.readers.includes(me)) continue;
    const role = readRoleOf(chain.governance, key);
    if (!role?.dids.includes(me)) continue;
    const missing = holdersMissing(chain.governance, chain.datasets?.keys, key, entry);
    if (missing.length === 0) continue;
    const sharers = [...new Set(role.dids)].filter((did) => entry.readers.includes(did)).sort();
    due.push({ key, tx: entry.tx, rank: sharers.indexOf(me), missing });
  }
  return due.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : 1));
}

export interface ShareOutcome {
  /** The values this call's data.share carries (0: nothing to share now). */
  shared: number;
  /** Values still waiting for a share from this peer after this one. */
  waiting: number;
  txId?: string;
}

export class SealedShares {
  /** Data keys pending a share by this peer, with the height its peer saw the need. */
  private pending = new Map<string, { due: ShareDue; since: number }>();
  private seen: { roles: unknown; keys: unknown; did: string } | null = null;
  private inFlight: { height: number; keys: string[] } | null = null;
  private running: Promise<ShareOutcome> | null = null;

  constructor(private readonly d: SealedSharesDeps) {}

  /** After a block (and at load): share what is due, in the background. */
  afterBlock(chain: ChainState): Promise<ShareOutcome> {
    if (this.running) return this.running;
    this.running = this.step(chain, false, '').finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Share now, without the wait (one batch); `prefix` narrows it to keys that start with it. */
  async shareNow(chain: ChainState, prefix = ''): Promise<ShareOutcome> {
    if (typeof prefix !== 'string')
      throw botError('BAD_REQUEST', 'shareSealed takes an optional key prefix (text).');
    await this.running?.catch(() => undefined);
    this.inFlight = null;
    this.rescan(chain, true);
    return this.step(chain, true, prefix);
  }

  private rescan(chain: ChainState, force: boolean): void {
    const me = this.d.state.identityView?.did;
    if (!me) return;
    const roles = chain.governance?.roles;
    const keys = chain.datasets?.keys;
    const changed =
      !this.seen || this.seen.roles !== roles || this.seen.keys !== keys || this.seen.did !== me;
    this.seen = { roles, keys, did: me };
    if (!changed && !force && this.pending.size === 0) return;
    const next = new Map<string, { due: ShareDue; since: number }>();
    for (const due of sharesDueFor(chain, me))
      next.set(due.key, { due, since: this.pending.get(due.key)?.since ?? chain.height });
    this.pending = next;
  }

  private async step(chain: ChainState, now: boolean, prefix: string): Promise<ShareOutcome> {
    if (!this.d.state.identityView?.did) return { shared: 0, waiting: 0 };
    this.rescan(chain, false);
    if (this.inFlight && !now) {
      const done = this.inFlight.keys.every((key) => !this.pending.has(key));
      if (!done && chain.height < this.inFlight.height + limits.sealedShareResendBlocks)
        return { shared: 0, waiting: this.pending.size };
      this.inFlight = null;
    }
    const ready = [...this.pending.values()]
      .filter(({ due }) => due.key.startsWith(prefix))
      .filter(
        ({ due, since }) => now || chain.height >= since + due.rank * limits.sealedShareWaitBlocks,
      )
      .map(({ due }) => due);
    if (ready.length === 0) return { shared: 0, waiting: this.pending.size };
    const shares = await this.batch(chain, ready);
    if (shares.length === 0) return { shared: 0, waiting: this.pending.size };
    try {
      const { txId } = await this.d.submitBackground({ type: 'data.share', body: { shares } });
      this.inFlight = { height: chain.height, keys: shares.map((s) => s.key) };
      this.d.record(
        'info',
        `Shared ${shares.length} sealed value${shares.length === 1 ? '' : 's'} with holders granted the read role later.`,
      );
      return { shared: shares.length, waiting: this.pending.size - shares.length, txId };
    } catch (error) {
      // refused (a share by another holder came first, a full mempool): tried again later
      if (!(error instanceof BotError) || now) throw error;
      this.inFlight = { height: chain.height, keys: shares.map((s) => s.key) };
      return { shared: 0, waiting: this.pending.size };
    }
  }

  /** Wraps for the first values of `ready` that fit one data.share (count and body size). */
  private async batch(chain: ChainState, ready: ShareDue[]): Promise<SealedShare[]> {
    const shares: SealedShare[] = [];
    let bytes = bodyFramingBytes;
    for (const due of ready) {
      if (shares.length >= limits.sealedSharesPerTxMax) break;
      const share = await this.shareOf(chain, due);
      if (!share) continue;
      const size = encode(share).length;
      if (bytes + size > limits.txBodyBytesMax) break;
      bytes += size;
      shares.push(share);
    }
    return shares;
  }

  /** The wraps of one value for its missing holders, or null when it cannot be opened here. */
  private async shareOf(chain: ChainState, due: ShareDue): Promise<SealedShare | null> {
    const bytes = await this.d.sealed.entryAt(chain, dataPrefix + due.key);
    const entry = bytes ? decodeDataEntry(bytes) : null;
    if (!entry?.sealed || entry.txId !== due.tx) return null;
    const bindings = due.missing.map((did) => chain.datasets!.keys.get(did)!);
    let contentKey: Uint8Array;
    try {
      contentKey = await this.d.sealed.contentKeyOf(chain, due.key, entry.sealed, entry.txId);
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
      // a wrap for this peer that does not open (its writer sealed it wrongly): nothing to share
      this.pending.delete(due.key);
      this.d.record(
        'warn',
        `The sealed value of "${due.key}" does not open here: ${error.message}`,
      );
      return null;
    }
    try {
      const keys = await this.d.sealed.wrapFor(contentKey, entry.sealed, bindings);
      return { key: due.key, tx: due.tx, keys };
    } finally {
      contentKey.fill(0);
    }
  }
}
