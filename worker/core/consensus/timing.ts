// Pure helpers of the round engines (bft.ts): who proposes in a round, and how long a round's
// steps wait. Deterministic functions of the chain and the mempool size; no clocks here (time
// enters the engine as tick inputs).
import type { Validator } from '../block';
import { assert } from '../errors';
import { consensusOf, type ChainState } from '../ledger';
import * as limits from '../limits';
import type { PeerState } from './types';

/**
 * A round that has not ended after this many of its timeouts is given up: the peer signs the
 * nil prevote and nil precommit it has not signed there (what the propose and prevote timeouts,
 * L57 and L61, would sign) and starts the next one (`leaveStalledRound`). Algorithm 1 leaves a
 * round only on a quorum (or f+1 peers seen further on), so honest peers can wait forever when
 * fewer than 2/3 of the power takes part in a round, as when a validator restarted into round 1
 * (`floorRound`) while another is down. The nil votes keep the honest peers together: leaving
 * without them, one peer a round ahead kept the others one stall behind for good (issue 22).
 * Liveness only: nil votes are always allowed, and nothing is signed twice.
 */
export const roundStallTimeouts = 4;

/**
 * Weighted round robin: the height's slot (height mod total power, validators in their set's
 * order) names round 0's proposer, and each later round passes to the next validator in the set.
 * With unit powers this is (height + round) mod n. Rounds step by validator, not by slot: with
 * stake-sized powers (a bond of 1,000 is 1,000 slots) stepping by slot would leave a crashed
 * proposer in charge of a height for up to its power in rounds.
 */
export function weightedProposer(validators: Validator[], height: number, round: number): string {
  const total = validators.reduce((sum, v) => sum + v.power, 0);
  let slot = height % total;
  for (let i = 0; i < validators.length; i++) {
    const v = validators[i]!;
    if (slot < v.power) return validators[(i + round) % validators.length]!.did;
    slot -= v.power;
  }
  assert(false, 'a slot below the total power falls in some validator');
}

export function roundRobinProposer(validators: Validator[], height: number, round: number): string {
  return validators[(height + round) % validators.length]!.did;
}

const defaultTimeoutMs = 1000;

export function timeoutMsOf(chain: ChainState): number {
  return consensusOf(chain).timeoutMs ?? defaultTimeoutMs;
}

/** Propose, prevote and precommit timeouts of a round: base + round * base / 2 (Tendermint's linear growth). */
export function timeoutFor(chain: ChainState, round: number): number {
  const base = timeoutMsOf(chain);
  return base + Math.floor((round * base) / 2);
}

/**
 * Extra time a round's timeouts allow per transaction waiting in the mempool (up to
 * timeoutWaitingTxsCountedMax): a full block must be built, sent in chunks, verified, executed and voted on by every
 * validator before the round gives up on it, and on a loaded box that takes longer than the base
 * timeout (2,000-tx blocks overran a 1 s round and were decided only in rounds 1-2). Local and
 * liveness only: a timeout never makes a validator sign anything a quorum rule would not allow.
 */
export const timeoutMsPerWaitingTx = 2;
/**
 * Waiting transactions counted, at most: two blocks' worth. Beyond one block they stand for the
 * backlog a peer verifies (in arrival order) before it reaches the proposal; a round with a full
 * mempool and a silent proposer then waits at most 8 s more than the base timeout.
 */
export const timeoutWaitingTxsCountedMax = 2 * limits.blockTxCountMax;

export function blockAllowanceMs(state: PeerState): number {
  return timeoutMsPerWaitingTx * Math.min(state.mempool.size, timeoutWaitingTxsCountedMax);
}

/** Without transactions a height waits this long before deciding an empty block. */
export function emptyBlockIntervalMs(chain: ChainState): number {
  return consensusOf(chain).emptyBlockIntervalMs ?? 30 * timeoutMsOf(chain);
}
