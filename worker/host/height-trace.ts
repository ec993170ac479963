// Where the milliseconds of a height go: the first time each step of a height happens on this
// peer (a proposal received, the own prevote sent, the prevote quorum seen, the precommit record
// written, the block durable...), in epoch milliseconds with sub-millisecond resolution, so
// that the marks of several peers (tabs, workers) on one machine line up. Read by
// `npm run bench:mesh` through CDP (`self.__botHeightTrace()` in the peer's worker). Bounded:
// the newest `limits.heightsTracedMax` heights; a mark costs one clock read and one map write.
import type { PeerEffect } from '../core/consensus/types';
import type { ConsensusMessage } from '../core/consensus/messages';
import { txIdOf } from '../core/tx';
import { heightsTracedMax, txsTracedMax } from '../core/limits';
import { realClock, type Clock } from '../net/clock';

export type HeightMarks = Record<string, number>;

export class HeightTrace {
  /** The host's clock (set by PeerHost; the simulator's virtual time there). */
  clock: Clock = realClock;
  private readonly heights = new Map<number, HeightMarks>();
  private readonly txs = new Map<string, HeightMarks>();

  /** The first time `name` happened at `height` on this peer. */
  mark(height: number, name: string, at = this.clock.now()): void {
    let marks = this.heights.get(height);
    if (!marks) {
      if (this.heights.size >= heightsTracedMax) {
        const oldest = Math.min(...this.heights.keys());
        this.heights.delete(oldest);
      }
      marks = {};
      this.heights.set(height, marks);
    }
    marks[name] ??= at;
  }

  /** A mark of a transaction whose height is not known yet (moved to its height at commit). */
  markTx(txId: string, name: string): void {
    let marks = this.txs.get(txId);
    if (!marks) {
      if (this.txs.size >= txsTracedMax) this.txs.clear();
      marks = {};
      this.txs.set(txId, marks);
    }
    marks[name] ??= this.clock.now();
  }

  /** Distinct validators whose round-0 block votes arrived, per `height:type` (the newest heights). */
  private readonly voters = new Map<string, Set<string>>();

  /**
   * A consensus message from a neighbour, before its signatures are checked. Round 0's votes for
   * a block mark their arrival order (`prevoteIn1`, `prevoteIn2`...): the wire's share of a
   * quorum, apart from the work after it.
   */
  received(message: ConsensusMessage): void {
    if (message.type === 'tx') this.markTx(txIdOf(message.tx), 'txIn');
    else if (message.type === 'proposal') this.mark(message.height, 'proposalIn');
    else if (
      (message.type === 'prevote' || message.type === 'precommit') &&
      message.round === 0 &&
      message.block !== null
    ) {
      const key = `${message.height}:${message.type}`;
      let seen = this.voters.get(key);
      if (!seen) {
        if (this.voters.size >= 2 * heightsTracedMax) this.voters.clear();
        seen = new Set();
        this.voters.set(key, seen);
      }
      if (seen.has(message.validator)) return;
      seen.add(message.validator);
      this.mark(message.height, `${message.type}In${seen.size}`);
    }
  }

  /** The effects one core step produced: what this step decided (before any effect runs). */
  stepped(effects: PeerEffect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'persist') this.mark(effect.executed.block.header.height, 'decided');
      if (effect.kind !== 'broadcast') continue;
      const m = effect.message;
      if (m.type === 'proposal') this.mark(m.height, 'proposed');
      else if (m.type === 'prevote') this.mark(m.height, 'prevoteSigned');
      else if (m.type === 'precommit' && m.block !== null) this.mark(m.height, 'prevoteQuorum');
    }
  }

  /** An effect is being carried out now (after every persist queued before it). */
  effectRun(effect: PeerEffect): void {
    if (effect.kind === 'persistConsensus') this.mark(effect.record.height, 'recordStart');
    if (effect.kind !== 'broadcast') return;
    const m = effect.message;
    if (m.type === 'tx') this.markTx(txIdOf(m.tx), 'txSent');
    else if (m.type === 'proposal') this.mark(m.height, 'proposalSent');
    else if (m.type === 'prevote') this.mark(m.height, 'prevoteSent');
    else if (m.type === 'precommit') this.mark(m.height, 'precommitSent');
  }

  /** A block is committed here: its transactions' marks join the height's. */
  committed(height: number, txIds: string[]): void {
    this.mark(height, 'committedEmitted');
    for (const txId of txIds) {
      const marks = this.txs.get(txId);
      if (!marks) continue;
      this.txs.delete(txId);
      for (const [name, at] of Object.entries(marks)) this.mark(height, name, at);
    }
  }

  /** Every height kept, oldest first. */
  dump(): Array<{ height: number; marks: HeightMarks }> {
    return [...this.heights]
      .sort((a, b) => a[0] - b[0])
      .map(([height, marks]) => ({ height, marks }));
  }
}
