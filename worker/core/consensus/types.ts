// The interface every consensus engine implements (etcd-raft style): a pure step function over
// one closed union of inputs, returning effects as data. The host carries effects out in the
// order given, with this rule: a `persist` effect completes before any effect after it runs
// (persist before send, notify after persist).
import type { Block } from '../block';
import type { BotError } from '../errors';
import type { ChainState, EngineName, ExecutedBlock } from '../ledger';
import type { Mempool } from '../mempool';
import type { Tx } from '../tx';

export interface PeerIdentity {
  did: string;
  /** Ed25519 seed; signing is deterministic, so the core stays pure. */
  seed: Uint8Array;
}

export type PeerInput =
  | { kind: 'submit'; tx: Tx; sigOk: boolean }
  | { kind: 'tick'; time: number }
  | { kind: 'persisted'; height: number };

export type PeerEffect =
  | { kind: 'persist'; executed: ExecutedBlock }
  | { kind: 'committed'; block: Block; hash: Uint8Array; txIds: string[] }
  | { kind: 'txAccepted'; txId: string }
  | { kind: 'txRejected'; txId: string; error: BotError };

export interface PeerState {
  readonly self: PeerIdentity;
  readonly chain: ChainState;
  readonly mempool: Mempool;
  /** A block handed to the host to persist and not yet acknowledged. */
  readonly persistingHeight: number | null;
  readonly engine: EngineName;
}

export interface StepResult {
  state: PeerState;
  effects: PeerEffect[];
}

export interface Engine {
  readonly name: EngineName;
  /** Called on every tick: may propose, vote, commit. */
  onTick(state: PeerState, time: number): StepResult;
}
