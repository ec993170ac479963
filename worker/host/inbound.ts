// Inbound lanes: consensus messages from neighbours, verified in batches and fed to the loop in
// two lanes (proposals and votes; gossiped transactions), each in arrival order.
import type { PeerInput } from '../core/consensus/types';
import type { Tx } from '../core/tx';
import type { CachingVerifier } from './crypto';
import { messageChecks, type ConsensusMessage } from '../core/consensus/messages';
import type { LogEntry } from '../api';
import type { HostState } from './host-state';

export interface InboundLanesDeps {
  state: HostState;
  verifier: CachingVerifier;
  record(level: LogEntry['level'], message: string): void;
  /** Run work in the event loop, after everything queued before it. */
  enqueue<T>(work: () => Promise<T> | T): Promise<T>;
  /** Stop the peer (a broken invariant or a failed write). */
  fatal(error: unknown): void;
  scheduleTick(): void;
  dropPeer(did: string, reason: string): void;
  feed(input: PeerInput): Promise<void>;
  /** `tx`: the transaction judged (an ITS trip admits itself by its certificate). */
  mayWrite(did: string, tx?: Tx): boolean;
  noteOnce(key: string, level: LogEntry['level'], message: string): void;
}

export class InboundLanes {
  private readonly s: HostState;
  private readonly inbound: Array<{ from: string; message: ConsensusMessage }> = [];
  private inboundScheduled = false;

  constructor(private readonly d: InboundLanesDeps) {
    this.s = d.state;
  }

  /** A consensus message from a neighbour, verified and fed with the others queued this task. */
  push(from: string, message: ConsensusMessage): void {
    this.s.trace.received(message);
    this.inbound.push({ from, message });
    this.flushInbound();
  }

  /** Verified inbound batches enter the loop in arrival order within each lane (flushInbound). */
  private consensusLane: Promise<void> = Promise.resolve();
  private gossipLane: Promise<void> = Promise.resolve();

  /**
   * Verify the signatures of queued consensus messages and feed them in two lanes, each in
   * arrival order: proposals, votes and the rest, and gossiped transactions. A batch enters the
   * loop only once it is verified, so the loop never waits on signature checks, and a vote that
   * arrives behind thousands of gossiped transactions (a full mempool) is fed as soon as its own
   * signature holds rather than after theirs. The core takes messages in any order (a network
   * reorders them anyway); a proposal carries its transactions whole.
   */
  flushInbound(): void {
    if (this.inboundScheduled) return;
    this.inboundScheduled = true;
    queueMicrotask(() => {
      this.inboundScheduled = false;
      const batch = this.inbound.splice(0, this.inbound.length);
      const consensus = batch.filter((item) => item.message.type !== 'tx');
      const gossip = batch.filter((item) => item.message.type === 'tx');
      if (consensus.length > 0)
        this.consensusLane = this.admitInbound(this.consensusLane, consensus);
      if (gossip.length > 0) this.gossipLane = this.admitInbound(this.gossipLane, gossip);
    });
  }

  /** Start verifying `batch` now; feed it once verified and once the lane's earlier batches are in. */
  admitInbound(
    lane: Promise<void>,
    batch: Array<{ from: string; message: ConsensusMessage }>,
  ): Promise<void> {
    const chain = this.s.peer.chain;
    const spans: Array<{ at: number; count: number } | null> = [];
    const checks = [];
    for (const { from, message } of batch) {
      if (message.type === 'tx' && !this.d.mayWrite(message.tx.from, message.tx)) {
        // Consortium and private chains: transactions of non-members are not taken in.
        spans.push(null);
        this.d.noteOnce(
          `tx:${message.tx.from}`,
          'warn',
          `Ignored transactions from ${message.tx.from}: it is not a member of this ${chain.genesis.mode} chain.`,
        );
        continue;
      }
      try {
        const list = messageChecks(message, chain.chainId, chain.validators);
        spans.push({ at: checks.length, count: list.length });
        checks.push(...list);
      } catch (error) {
        // A signer outside the validator set: stale (a set change) or rogue. Not fed.
        spans.push(null);
        this.d.record(
          'warn',
          `Ignored a ${message.type} from ${from}: ${(error as Error).message}`,
        );
      }
    }
    const pending = this.d.verifier.verifyBatch(checks);
    return lane
      .then(() => pending)
      .then((verdicts) =>
        this.d.enqueue(async () => {
          for (let i = 0; i < batch.length; i++) {
            const span = spans[i];
            if (!span) continue;
            const { from, message } = batch[i]!;
            const sigOk = verdicts.slice(span.at, span.at + span.count).every(Boolean);
            if (!sigOk) {
              this.d.dropPeer(from, `sent a ${message.type} with a signature that does not verify`);
              continue;
            }
            if (!this.s.integrityReport.ok) continue;
            await this.d.feed({ kind: 'message', from, message, sigOk });
          }
        }),
      )
      .then(
        () => this.d.scheduleTick(),
        (error) => this.d.fatal(error),
      );
  }
}
