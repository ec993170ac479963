// Sharing sealed values with holders granted a read role later, on a holder's peer (issue 15;
// the transaction and its block validity are in worker/core/modules/data/share.ts). When a read
// role gains a holder with a published X25519 key, a peer whose identity holds the role and a
// wrap of a value under it opens the value's content key and sends data.share with a wrap of it
// for each such holder; the box never changes.
// - What: the current version of each value, and its kept earlier versions (share.ts
//   sealedVersionsKeptMax), so a holder granted later reads the key's history too.
// - Who: every current holder that can open the version may share it. Its writer goes first
//   when it is one of them (it wrote the value, and its peer is the one most likely online with
//   it); then the others in did order. The first shares at once; the n-th waits n x
//   sealedShareWaitBlocks blocks from when its peer saw the need, so that a holder whose peer is
//   offline is covered by the next one (a late share for a holder already covered is refused by
//   validity, so at worst it costs one refusal). The writer is read once per version from the
//   stored block that wrote it (proven like history); not found, the order is did order.
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
  type SealedIndexEntry,
  type SealedShare,
  type SealedValue,
} from '../core/modules/data';
import type { LogEntry } from '../api';
import type { HostState } from './host-state';
import type { SealedValues } from './sealed-values';

/** Room left in txBodyBytesMax for the body's own framing when a batch is packed. */
const bodyFramingBytes = 64;

export interface SealedSharesDeps {
  state: HostState;
  sealed: Pick<SealedValues, 'contentKeyOf' | 'entryAt' | 'wrapFor' | 'storedVersion'>;
  submitBackground(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  record(level: LogEntry['level'], message: string): void;
}

/** A version this peer may share now or later: its key, tx and this peer's rank among its sharers. */
export interface ShareDue {
  key: string;
  tx: string;
  /** The value now under `key` (false: one of its kept earlier versions). */
  current: boolean;
  /** 0: this peer shares it at once; n: after n x sealedShareWaitBlocks blocks. */
  rank: number;
  /** The holders that can open it, in did order (sharerRank puts its writer first). */
  sharers: string[];
  missing: string[];
}

/** `me`'s place among `sharers`: the version's writer first when it is one, then did order. */
export function sharerRank(sharers: readonly string[], me: string, writer: string | null): number {
  if (!writer || !sharers.includes(writer)) return sharers.indexOf(me);
  if (me === writer) return 0;
  return 1 + sharers.filter((did) => did !== writer).indexOf(me);
}

function dueOf(
  chain: ChainState,
  me: string,
  key: string,
  entry: SealedIndexEntry,
  current: boolean,
): ShareDue | null {
  if (!entry.readers.includes(me)) return null;
  const role = readRoleOf(chain.governance, key);
  if (!role?.dids.includes(me)) return null;
  const missing = holdersMissing(chain.governance, chain.datasets?.keys, key, entry);
  if (missing.length === 0) return null;
  const sharers = [...new Set(role.dids)].filter((did) => entry.readers.includes(did)).sort();
  return { key, tx: entry.tx, current, rank: sharers.indexOf(me), sharers, missing };
}

/**
 * The sealed versions under read roles (current and kept earlier ones) that `me` can open and
 * some holder with a key cannot (pure; ranks in did order, the writer is not known here).
 */
export function sharesDueFor(chain: ChainState, me: string, prefix = ''): ShareDue[] {
  const due: ShareDue[] = [];
  for (const [key, entry] of chain.data?.sealed ?? []) {
    if (!key.startsWith(prefix)) continue;
    const one = dueOf(chain, me, key, entry, true);
    if (one) due.push(one);
  }
  for (const [key, versions] of chain.data?.earlier ?? []) {
    if (!key.startsWith(prefix)) continue;
    for (const entry of versions) {
      const one = dueOf(chain, me, key, entry, false);
      if (one) due.push(one);
    }
  }
  return due.sort(
    (a, b) =>
      a.rank - b.rank ||
      Number(b.current) - Number(a.current) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** A version pending a share by this peer: since when, and its writer once looked up. */
interface Pending {
  due: ShareDue;
  since: number;
  /** undefined: not looked up yet; null: not found (did order). */
  writer?: string | null;
}

export interface ShareOutcome {
  /** The values this call's data.share carries (0: nothing to share now). */
  shared: number;
  /** Values still waiting for a share from this peer after this one. */
  waiting: number;
  txId?: string;
}

export class SealedShares {
  /** Versions (by tx) pending a share by this peer, with the height its peer saw the need. */
  private pending = new Map<string, Pending>();
  private seen: { roles: unknown; keys: unknown; sealed: unknown; did: string } | null = null;
  private inFlight: { height: number; txs: string[] } | null = null;
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
    // A new sealed value may lack a holder's wrap (its key or role came after the writer sealed
    // it; block validity takes that): a block that wrote one is a reason to look too.
    const sealed = chain.data?.sealed;
    const changed =
      !this.seen ||
      this.seen.roles !== roles ||
      this.seen.keys !== keys ||
      this.seen.sealed !== sealed ||
      this.seen.did !== me;
    this.seen = { roles, keys, sealed, did: me };
    if (!changed && !force && this.pending.size === 0) return;
    const next = new Map<string, Pending>();
    for (const due of sharesDueFor(chain, me)) {
      const was = this.pending.get(due.tx);
      const writer = was?.writer;
      const rank = writer === undefined ? due.rank : sharerRank(due.sharers, me, writer);
      next.set(due.tx, { due: { ...due, rank }, since: was?.since ?? chain.height, writer });
    }
    this.pending = next;
  }

  /** Look up the writers of pending versions not looked up yet, and rank this peer after them. */
  private async rankByWriter(me: string): Promise<void> {
    for (const [tx, item] of this.pending) {
      if (item.writer !== undefined) continue;
      let writer: string | null = null;
      try {
        writer = (await this.d.sealed.storedVersion(item.due.key, tx))?.writer ?? null;
      } catch (error) {
        if (!(error instanceof BotError)) throw error; // a tampered store: did order
      }
      const now = this.pending.get(tx);
      if (now !== item) continue; // rescanned meanwhile
      item.writer = writer;
      item.due = { ...item.due, rank: sharerRank(item.due.sharers, me, writer) };
    }
  }

  private async step(chain: ChainState, now: boolean, prefix: string): Promise<ShareOutcome> {
    const me = this.d.state.identityView?.did;
    if (!me) return { shared: 0, waiting: 0 };
    this.rescan(chain, false);
    if (!now) await this.rankByWriter(me);
    if (this.inFlight && !now) {
      const done = this.inFlight.txs.every((tx) => !this.pending.has(tx));
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
      this.inFlight = { height: chain.height, txs: shares.map((s) => s.tx) };
      this.d.record(
        'info',
        `Shared ${shares.length} sealed value${shares.length === 1 ? '' : 's'} with holders granted the read role later.`,
      );
      return { shared: shares.length, waiting: this.pending.size - shares.length, txId };
    } catch (error) {
      // refused (a share by another holder came first, a full mempool): tried again later
      if (!(error instanceof BotError) || now) throw error;
      this.inFlight = { height: chain.height, txs: shares.map((s) => s.tx) };
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

  /** The box and wraps of version `due`: the value now under its key, or a stored earlier one. */
  private async sealedOf(chain: ChainState, due: ShareDue): Promise<SealedValue | null> {
    if (!due.current) return (await this.d.sealed.storedVersion(due.key, due.tx))?.sealed ?? null;
    const bytes = await this.d.sealed.entryAt(chain, dataPrefix + due.key);
    const entry = bytes ? decodeDataEntry(bytes) : null;
    return entry?.sealed && entry.txId === due.tx ? entry.sealed : null;
  }

  /** The wraps of one version for its missing holders, or null when it cannot be opened here. */
  private async shareOf(chain: ChainState, due: ShareDue): Promise<SealedShare | null> {
    const sealed = await this.sealedOf(chain, due);
    if (!sealed) {
      // an earlier version this store does not hold (or not provably): another holder shares it
      if (!due.current) this.pending.delete(due.tx);
      return null;
    }
    const bindings = due.missing.map((did) => chain.datasets!.keys.get(did)!);
    let contentKey: Uint8Array;
    try {
      contentKey = await this.d.sealed.contentKeyOf(chain, due.key, sealed, due.tx);
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
      // a wrap for this peer that does not open (its writer sealed it wrongly): nothing to share
      this.pending.delete(due.tx);
      this.d.record(
        'warn',
        `The sealed value of "${due.key}" does not open here: ${error.message}`,
      );
      return null;
    }
    try {
      const keys = await this.d.sealed.wrapFor(contentKey, sealed, bindings);
      return { key: due.key, tx: due.tx, keys };
    } finally {
      contentKey.fill(0);
    }
  }
}
