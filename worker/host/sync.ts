// Batch sync: a peer that is behind pulls the blocks it misses in windows of up to
// syncBatchBlocksMax from several neighbours at once, applies them strictly in height order
// (each certificate and state root is checked by the host and the core), and reports progress.
// A neighbour whose blocks do not apply, or that does not answer, loses its window to another;
// one whose blocks are invalid is dropped. Small gaps are left to the consensus engines' own
// catch-up (status/commit messages).
import { decodeBlock, type Block } from '../core/block';
import { BotError } from '../core/errors';
import * as limits from '../core/limits';

export interface SyncIo {
  /** Send a sync request; false when there is no link to `to`. */
  request(to: string, from: number, count: number): boolean;
  /** Verify and apply blocks in order; resolves with how many applied. Rejects with BotError when they are invalid. */
  apply(from: string, blocks: Block[]): Promise<number>;
  drop(did: string, reason: string): void;
  progress(p: { syncing: boolean; height: number; target: number }): void;
  now(): number;
  log(level: 'info' | 'warn', message: string): void;
}

interface Window {
  to: string;
  count: number;
  at: number;
}

export class Syncer {
  private readonly heads = new Map<string, number>();
  private readonly inFlight = new Map<number, Window>();
  private readonly ready = new Map<number, { to: string; blocks: Uint8Array[] }>();
  /** Windows a neighbour failed (did:from), so the next try goes elsewhere. */
  private readonly failed = new Set<string>();
  /** Neighbours that answered with headers only (read rights), and when: not asked again soon. */
  private readonly headersOnly = new Map<string, number>();
  private applying = false;
  private turn = 0;
  /** A lag under syncLagBlocksMin: this peer's height when it was first seen, and when. */
  private smallLag: { height: number; since: number } | null = null;
  syncing = false;
  target = 0;
  startedAt = 0;
  startHeight = 0;

  constructor(
    private readonly io: SyncIo,
    private readonly height: () => number,
  ) {}

  /** A neighbour's committed height (from a head message or a consensus message). */
  onHead(did: string, height: number): void {
    if (height > (this.heads.get(did) ?? -1)) this.heads.set(did, height);
    this.pump();
  }

  onNeighbours(dids: string[]): void {
    const present = new Set(dids);
    for (const did of [...this.heads.keys()]) if (!present.has(did)) this.forget(did);
    this.pump();
  }

  bestHeight(): number {
    return Math.max(this.height(), ...this.heads.values());
  }

  headOf(did: string): number | null {
    return this.heads.get(did) ?? null;
  }

  onBlocks(did: string, from: number, blocks: Uint8Array[]): void {
    const window = this.inFlight.get(from);
    if (!window || window.to !== did) return; // unasked or late: ignore
    this.inFlight.delete(from);
    if (blocks.length === 0) {
      // It claimed a head it cannot serve.
      this.failed.add(`${did}:${from}`);
      this.heads.set(did, Math.min(this.heads.get(did) ?? 0, from - 1));
    } else {
      this.ready.set(from, { to: did, blocks: blocks.slice(0, window.count) });
    }
    this.pump();
  }

  /**
   * A header-only answer to the window at `from`: `did` does not let this peer read the chain's
   * payload (yet). The window is released; `did` is asked again after syncHeadersOnlyRetryMs
   * (it serves blocks once the validators admit this peer).
   */
  onHeaders(did: string, from: number): void {
    const window = this.inFlight.get(from);
    if (!window || window.to !== did) return;
    this.inFlight.delete(from);
    this.headersOnly.set(did, this.io.now());
    if (this.headersOnly.size > limits.syncPeersTrackedMax) this.headersOnly.clear();
    this.pump();
  }

  tick(): void {
    const now = this.io.now();
    for (const [from, w] of this.inFlight) {
      if (now - w.at < limits.syncRequestTimeoutMs) continue;
      this.inFlight.delete(from);
      this.failed.add(`${w.to}:${from}`);
      this.io.log(
        'warn',
        `Sync: ${short(w.to)} did not send blocks ${from}..${from + w.count - 1} in time; asking another peer.`,
      );
    }
    this.pump();
  }

  private forget(did: string): void {
    this.heads.delete(did);
    this.headersOnly.delete(did);
    for (const [from, w] of this.inFlight) if (w.to === did) this.inFlight.delete(from);
    for (const [from, r] of this.ready) if (r.to === did) this.ready.delete(from);
  }

  private pump(): void {
    if (this.applying) return;
    const height = this.height();
    const best = Math.max(height, ...this.heads.values());
    this.target = best;
    if (!this.syncing) {
      if (!this.lagWorthSyncing(height, best)) return;
      this.syncing = true;
      this.startedAt = this.io.now();
      this.startHeight = height;
      this.io.log(
        'info',
        `Sync: this peer is at ${height}, neighbours at ${best}; pulling blocks.`,
      );
      this.io.progress({ syncing: true, height, target: best });
    }
    if (height >= best) {
      this.finish(height);
      return;
    }
    for (const [from, r] of this.ready)
      if (from + r.blocks.length - 1 <= height) this.ready.delete(from);
    const next = [...this.ready].find(
      ([from, r]) => from <= height + 1 && height + 1 < from + r.blocks.length,
    );
    if (next) {
      const [from, r] = next;
      this.ready.delete(from);
      void this.applyBatch(r.to, r.blocks.slice(height + 1 - from));
    }
    this.request(height, best);
    if (this.inFlight.size === 0 && this.ready.size === 0 && !this.applying && !next) {
      // Nobody can serve what is missing right now; wait for heads or the next tick.
      this.failed.clear();
    }
  }

  /**
   * Whether to pull blocks: a lag of syncLagBlocksMin or more, or a smaller one that stood
   * still for syncSmallLagWaitMs. Consensus closes a small lag within a round while blocks
   * flow; on an idle chain (a tab reopened after a few blocks) nothing would close it until the
   * next block.
   */
  private lagWorthSyncing(height: number, best: number): boolean {
    if (best <= height) {
      this.smallLag = null;
      return false;
    }
    if (best - height >= limits.syncLagBlocksMin) return true;
    const now = this.io.now();
    if (this.smallLag?.height !== height) {
      this.smallLag = { height, since: now };
      return false;
    }
    return now - this.smallLag.since >= limits.syncSmallLagWaitMs;
  }

  private request(height: number, best: number): void {
    const covered = (h: number) =>
      [
        ...this.inFlight.entries(),
        ...[...this.ready.entries()].map(([f, r]) => [f, { count: r.blocks.length }] as const),
      ].some(([f, w]) => f <= h && h < f + w.count);
    let from = height + 1;
    while (this.inFlight.size < limits.syncRequestsInFlightMax && from <= best) {
      if (covered(from)) {
        from++;
        continue;
      }
      const count = Math.min(limits.syncBatchBlocksMax, best - from + 1);
      const now = this.io.now();
      const peers = [...this.heads]
        .filter(
          ([did, h]) =>
            h >= from &&
            !this.failed.has(`${did}:${from}`) &&
            now - (this.headersOnly.get(did) ?? -Infinity) >= limits.syncHeadersOnlyRetryMs,
        )
        .map(([did]) => did);
      if (peers.length === 0) return;
      const to = peers[this.turn++ % peers.length]!;
      if (this.io.request(to, from, count))
        this.inFlight.set(from, { to, count, at: this.io.now() });
      else this.forget(to);
      from += count;
    }
  }

  private async applyBatch(did: string, encoded: Uint8Array[]): Promise<void> {
    this.applying = true;
    try {
      let blocks: Block[];
      try {
        blocks = encoded.map((bytes) => decodeBlock(bytes));
      } catch (error) {
        throw error instanceof BotError ? error : new BotError('MALFORMED', String(error));
      }
      const before = this.height();
      const applied = await this.io.apply(did, blocks);
      if (applied < blocks.length) {
        this.failed.add(`${did}:${before + 1 + applied}`);
        this.io.log(
          'warn',
          `Sync: ${short(did)} sent block ${before + 1 + applied}, which did not apply; asking another peer.`,
        );
      }
      this.io.progress({ syncing: true, height: this.height(), target: this.target });
    } catch (error) {
      const reason = `sent invalid blocks during sync (${(error as Error).message})`;
      this.forget(did);
      this.io.drop(did, reason);
    } finally {
      this.applying = false;
    }
    this.pump();
  }

  private finish(height: number): void {
    if (!this.syncing) return;
    this.syncing = false;
    this.failed.clear();
    this.inFlight.clear();
    this.ready.clear();
    const seconds = Math.max(this.io.now() - this.startedAt, 1) / 1000;
    this.io.log(
      'info',
      `Sync: caught up at ${height} (${height - this.startHeight} blocks in ${seconds.toFixed(1)} s).`,
    );
    this.io.progress({ syncing: false, height, target: height });
  }
}

function short(did: string): string {
  return did.length > 20 ? `${did.slice(0, 12)}…${did.slice(-6)}` : did;
}
