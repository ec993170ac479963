// Assertions on the round engines' transitions (TigerBeetle style): checked after every step of
// bft.ts / poa, on the state before and after it and the effects it returns. A broken one is a
// bug in the engine, never a peer's doing (peers' messages are refused, not asserted), and throws
// BotError INTERNAL: the host stops the peer before any of the step's effects (a vote, a write)
// leave it. What is checked (Tendermint, arXiv:1807.04938):
// - the height and, within a height, the round never go backwards;
// - a lock only moves to a higher round (lockedRound never decreases, and a new locked block
//   comes with a higher lockedRound);
// - one signed vote per (height, round, type): a vote this peer signed is never replaced, and no
//   step sends two of its own votes for one (height, round, type) with different blocks.
import { toHex } from '../bytes';
import { invariant } from '../errors';
import type { Vote } from './messages';
import type { RoundState } from './round';
import type { PeerEffect } from './types';

/** What a step must not undo: taken before the step (RoundState is mutated in place). */
export interface RoundSnapshot {
  height: number;
  round: number;
  lockedRound: number;
  lockedHex: string | null;
  /** This peer's votes at `height`, "type:round" -> block (hex, or null for nil). */
  mine: Map<string, string | null>;
}

const blockHex = (vote: Vote) => (vote.block === null ? null : toHex(vote.block));

export function snapshotRound(rs: RoundState | undefined): RoundSnapshot | null {
  if (!rs) return null;
  const mine = new Map<string, string | null>();
  for (const [key, vote] of rs.mine) mine.set(key, blockHex(vote));
  return {
    height: rs.height,
    round: rs.round,
    lockedRound: rs.lockedRound,
    lockedHex: rs.lockedHex,
    mine,
  };
}

/** Check one step of a round engine: `before` (snapshotRound) -> `after`, with its effects. */
export function checkRoundTransition(
  before: RoundSnapshot | null,
  after: RoundState,
  effects: PeerEffect[],
  self: string,
): void {
  if (before) checkProgress(before, after);
  checkOwnVotes(before, after, effects, self);
}

function checkProgress(before: RoundSnapshot, after: RoundState): void {
  invariant(
    after.height >= before.height,
    `the round engine went back from height ${before.height} to ${after.height}`,
  );
  if (after.height !== before.height) return;
  invariant(
    after.round >= before.round,
    `the round engine went back from round ${before.round} to ${after.round} at height ${after.height}`,
  );
  invariant(
    after.lockedRound >= before.lockedRound,
    `the lock went back from round ${before.lockedRound} to ${after.lockedRound} at height ${after.height}`,
  );
  if (after.lockedHex !== before.lockedHex)
    invariant(
      after.lockedRound > before.lockedRound,
      `the lock moved to another block without moving to a higher round (${after.lockedRound}) at height ${after.height}`,
    );
  for (const [key, hex] of before.mine) {
    const now = after.mine.get(key);
    invariant(
      now !== undefined && blockHex(now) === hex,
      `this peer's ${key} vote at height ${after.height} was replaced or forgotten`,
    );
  }
}

function checkOwnVotes(
  before: RoundSnapshot | null,
  after: RoundState,
  effects: PeerEffect[],
  self: string,
): void {
  const sent = new Map<string, string | null>();
  for (const effect of effects) {
    if (effect.kind !== 'broadcast' && effect.kind !== 'send') continue;
    const vote = effect.message;
    if ((vote.type !== 'prevote' && vote.type !== 'precommit') || vote.validator !== self) continue;
    const key = `${vote.type}:${vote.round}`;
    const hex = blockHex(vote);
    const where = `${vote.type} of round ${vote.round} at height ${vote.height}`;
    const seen = sent.get(`${vote.height}/${key}`);
    invariant(seen === undefined || seen === hex, `this peer sent two different ${where}`);
    sent.set(`${vote.height}/${key}`, hex);
    if (vote.height === after.height) {
      const own = after.mine.get(key);
      invariant(
        own !== undefined && blockHex(own) === hex,
        `this peer sent a ${where} that it has not recorded as its own`,
      );
    } else if (before && vote.height === before.height && before.mine.has(key)) {
      invariant(
        before.mine.get(key) === hex,
        `this peer sent a ${where} other than the one it signed`,
      );
    }
    if (vote.height !== after.height) continue;
    for (const other of after.votes.get(key)?.values() ?? [])
      invariant(
        other.validator !== self || blockHex(other) === hex,
        `this peer holds two different ${where} of its own`,
      );
  }
}
