// The state of one height of the round engines (bft.ts), apart from the engine itself so that
// consensus/types.ts can name it without importing the engine.
import type { Block } from '../block';
import type { ExecutedBlock } from '../ledger';
import type { ConsensusMessage, Proposal, Vote } from './messages';

export type RoundStep = 'propose' | 'prevote' | 'precommit';

/** A proposed block, executed on the committed state; `executed` is null when the block is invalid. */
export interface Candidate {
  block: Block;
  hash: Uint8Array;
  executed: ExecutedBlock | null;
}

export interface Timeout {
  /** When it was armed; it fires at since + timeoutFor(round) + blockAllowanceMs (see dueAt), `stall` at a multiple of that. */
  since: number;
  kind: RoundStep | 'stall';
  round: number;
}

export interface RoundState {
  height: number;
  round: number;
  step: RoundStep;
  /** Round 0 starts when there is something to decide (transactions, a peer's message) or the empty-block interval passed. */
  started: boolean;
  heightSince: number;
  now: number;
  lockedRound: number;
  lockedHex: string | null;
  validRound: number;
  validHex: string | null;
  candidates: Map<string, Candidate>;
  /** First proposal from the right proposer, per round. */
  proposals: Map<number, { proposal: Proposal; hex: string }>;
  /** "type:round" -> "validator/block" -> vote (an equivocator may have two). */
  votes: Map<string, Map<string, Vote>>;
  /** Highest round seen in a signed message of each validator at this height (round skipping, L55). */
  highestRound: Map<string, number>;
  /** Rules that fire once per round: "polka:r", "prevoteWait:r", "precommitWait:r". */
  fired: Set<string>;
  timeouts: Timeout[];
  /** This peer's own signatures at this height, "type:round" -> vote; never signs twice. */
  mine: Map<string, Vote>;
  myProposals: Map<number, Proposal>;
  lastRebroadcastAt: number;
  recentCommits: Block[];
  catchUpAt: Map<string, number>;
  evidenceSeen: Set<string>;
  /** Set after a restart: the next tick schedules the current step's timeout. */
  rearm: boolean;
  /**
   * The lowest round this peer may sign in at this height: 0, or 1 for the height after the
   * durable head when the peer (re)starts. Round 0's proposal and prevote are sent without
   * being recorded first (see `needsRecord`), so after a restart the peer cannot know whether it
   * signed them, and it never signs in round 0 of that height again.
   */
  floorRound: number;
  /** Signed messages for the next height, handled once this one is decided (peers commit at different moments). */
  future: Array<{ from: string; message: ConsensusMessage }>;
}

/** What a validator stores before sending anything, so a restart never signs a conflicting vote. */
export interface ConsensusRecord {
  height: number;
  round: number;
  step: RoundStep;
  lockedRound: number;
  validRound: number;
  /** The locked and valid blocks (at most two). */
  blocks: Block[];
  lockedHex: string | null;
  validHex: string | null;
  votes: Vote[];
  proposals: Proposal[];
  /** The prevote quorum behind the valid block (a restarted proposer needs it to re-propose). */
  pol: Vote[];
}
