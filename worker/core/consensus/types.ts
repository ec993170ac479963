// The interface every consensus engine implements (etcd-raft style): a pure step function over
// one closed union of inputs, returning effects as data. The host carries effects out in the
// order given, with this rule: a `persist` effect completes before any effect after it runs
// (persist before send, notify after persist; the host tells a round engine's `committed`
// results once the block's write has started, since its certificate's signers stored it first).
import type { Block } from '../block';
import type { BotError } from '../errors';
import type { ChainState, EngineName, ExecutedBlock, TxOutcome } from '../ledger';
import type { Mempool } from '../mempool';
import type { Tx } from '../tx';
import type { ConsensusMessage, Vote } from './messages';
import type { ConsensusRecord, RoundState } from './round';

export interface PeerIdentity {
  did: string;
  /** Ed25519 seed; signing is deterministic, so the core stays pure. */
  seed: Uint8Array;
  /**
   * Optional faster signer for the same key (e.g. Node's Ed25519 in the simulator). Ed25519
   * signatures are deterministic (RFC 8032), so it must return exactly what signSync returns.
   */
  sign?: (message: Uint8Array) => Uint8Array;
}

export type PeerInput =
  | { kind: 'submit'; tx: Tx; sigOk: boolean }
  | { kind: 'tick'; time: number }
  | { kind: 'persisted'; height: number }
  /** A consensus message from peer `from`; sigOk: every check of `messageChecks` passed. */
  | { kind: 'message'; from: string; message: ConsensusMessage; sigOk: boolean };

/** Two signed votes of one validator for different blocks at one height, round and vote type. */
export interface Evidence {
  first: Vote;
  second: Vote;
}

export type PeerEffect =
  | { kind: 'persist'; executed: ExecutedBlock }
  /** txIds: every transaction in the block; failed: those of them that failed in execution (ledger.executeBlock). */
  | { kind: 'committed'; block: Block; hash: Uint8Array; txIds: string[]; failed: TxOutcome[] }
  | { kind: 'txAccepted'; txId: string }
  | { kind: 'txRejected'; txId: string; error: BotError }
  /** The round engines' voting record: the host stores it before any later effect (no double vote after a restart). */
  | { kind: 'persistConsensus'; record: ConsensusRecord }
  | { kind: 'broadcast'; message: ConsensusMessage }
  | { kind: 'send'; to: string; message: ConsensusMessage }
  /**
   * A peer is behind by blocks this peer no longer holds in memory (e.g. after a restart): the
   * host sends it `commit` messages for the stored blocks fromHeight .. fromHeight + count - 1.
   */
  | { kind: 'serveBlocks'; to: string; fromHeight: number; count: number }
  /** Proof that a validator signed two different votes; any peer may submit it. */
  | { kind: 'evidence'; evidence: Evidence };

export interface PeerState {
  readonly self: PeerIdentity;
  readonly chain: ChainState;
  readonly mempool: Mempool;
  /** A block handed to the host to persist and not yet acknowledged. */
  readonly persistingHeight: number | null;
  readonly engine: EngineName;
  /** State of the round engines (bft, poa) for the height being decided. */
  readonly round?: RoundState;
  /**
   * Set when the peer (re)started from storage: the height after the durable head, at which it
   * may have sent round 0's proposal or prevote before it stopped (they are not recorded first),
   * so the round engines sign nothing in round 0 there.
   */
  readonly resumedAt?: number;
}

export interface StepResult {
  state: PeerState;
  effects: PeerEffect[];
}

export interface Engine {
  readonly name: EngineName;
  /** Called on every tick: may propose, vote, commit. */
  onTick(state: PeerState, time: number): StepResult;
  /** A consensus message whose signatures the host has checked (round engines only). */
  onMessage?(state: PeerState, from: string, message: ConsensusMessage, sigOk: boolean): StepResult;
}
