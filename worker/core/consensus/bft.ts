// The round engines: `bft` (Tendermint, arXiv:1807.04938, Algorithm 1) and `poa`, which runs the
// same vote machine with strict round-robin proposers. Each height is decided in rounds: the
// round's proposer broadcasts a block, validators prevote for it (or nil), a prevote quorum
// (more than 2/3 of the voting power, a "polka") locks a validator on the block and makes it
// precommit, and a precommit quorum decides the block; those precommit signatures are the
// block's commit certificate. Timeouts are in the host's logical time (tick inputs) and grow
// with the round, so after the network heals the rounds meet and the height decides.
// Safe while the faulty validators hold less than 1/3 of the power (n >= 3f+1).
//
// The line numbers in comments ("L22") refer to Algorithm 1 of the paper.
// RoundState is owned by one PeerState and mutated in place, like the mempool.
import { toHex } from '../bytes';
import { blockHash, checkCertificateFor, type Block, type Validator } from '../block';
import { botError, BotError } from '../errors';
import { executeBlock, replayBlock, type ChainState, type ExecutedBlock } from '../ledger';
import { signSync } from '../crypto/ed25519';
import * as limits from '../limits';
import { triggerDueAfter } from '../modules/contracts';
import { txIdOf } from '../tx';
import {
  proposalSigningBytes,
  voteSigningBytes,
  type ConsensusMessage,
  type Proposal,
  type Vote,
  type VoteType,
} from './messages';
import type { Engine, Evidence, PeerEffect, PeerIdentity, PeerState, StepResult } from './types';
import type { Candidate, ConsensusRecord, RoundState, RoundStep, Timeout } from './round';
import {
  blockAllowanceMs,
  emptyBlockIntervalMs,
  roundStallTimeouts,
  timeoutFor,
  timeoutMsOf,
  weightedProposer,
} from './timing';
import { exceedsOneThird, exceedsTwoThirds } from '../validators';
import { checkRoundTransition, snapshotRound, type RoundSnapshot } from './invariants';

export type { ConsensusRecord, RoundState, RoundStep } from './round';
export {
  roundRobinProposer,
  roundStallTimeouts,
  timeoutMsOf,
  timeoutMsPerWaitingTx,
  timeoutWaitingTxsCountedMax,
  weightedProposer,
} from './timing';

export interface RoundProfile {
  name: 'bft' | 'poa';
  proposerOf(validators: Validator[], height: number, round: number): string;
}

function hexOf(hash: Uint8Array | null): string | null {
  return hash === null ? null : toHex(hash);
}

function newRoundState(
  height: number,
  now: number,
  carried?: RoundState,
  floorRound = 0,
): RoundState {
  return {
    height,
    round: 0,
    step: 'propose',
    started: false,
    heightSince: now,
    now,
    lockedRound: -1,
    lockedHex: null,
    validRound: -1,
    validHex: null,
    candidates: new Map(),
    proposals: new Map(),
    votes: new Map(),
    highestRound: new Map(),
    fired: new Set(),
    timeouts: [],
    mine: new Map(),
    myProposals: new Map(),
    lastRebroadcastAt: now,
    recentCommits: carried?.recentCommits ?? [],
    catchUpAt: carried?.catchUpAt ?? new Map(),
    evidenceSeen: new Set(),
    rearm: false,
    floorRound,
    future: [],
  };
}

/** The working context of one step: the effects are gathered, sends last (persist before send). */
interface Context {
  readonly profile: RoundProfile;
  state: PeerState;
  rs: RoundState;
  effects: PeerEffect[];
  sends: PeerEffect[];
  /** This step signed something that must be in the stored record before it is sent (`needsRecord`). */
  signed: boolean;
}

/**
 * Whether a signature must be stored before it leaves. Every precommit must (it goes with the
 * lock, which safety rests on), and so must every proposal and prevote from round 1 on. Round
 * 0's proposal and prevote need not: a peer that restarts begins the height after its durable
 * head at round 1 (`floorRound`) and never signs in round 0 there again, so a lost record of them
 * can never lead to a second, different signature. The happy path, where a height decides in
 * round 0, thus waits for two durable writes (the precommit record and the block), not four
 * (the proposer's record, each prevote's record, the precommit record and the block).
 */
function needsRecord(type: VoteType | 'proposal', round: number): boolean {
  return type === 'precommit' || round > 0;
}

function powerOf(validators: Validator[], did: string): number {
  return validators.find((v) => v.did === did)?.power ?? 0;
}

function totalPower(validators: Validator[]): number {
  return validators.reduce((sum, v) => sum + v.power, 0);
}

/** More than 2/3 of the voting power. */
function isQuorum(ctx: Context, power: number): boolean {
  return exceedsTwoThirds(power, totalPower(ctx.state.chain.validators));
}

/** More than 1/3: at least one honest validator among them. */
function isHonestShare(ctx: Context, power: number): boolean {
  return exceedsOneThird(power, totalPower(ctx.state.chain.validators));
}

function bucket(rs: RoundState, type: VoteType, round: number): Map<string, Vote> {
  const key = `${type}:${round}`;
  let votes = rs.votes.get(key);
  if (!votes) {
    votes = new Map();
    rs.votes.set(key, votes);
  }
  return votes;
}

/** Power of the votes for `hex` (a block, or null for nil; undefined counts every vote). */
function votePower(
  ctx: Context,
  type: VoteType,
  round: number,
  hex: string | null | undefined,
): number {
  const votes = ctx.rs.votes.get(`${type}:${round}`);
  if (!votes) return 0;
  let power = 0;
  const counted = new Set<string>();
  for (const vote of votes.values()) {
    if (hex !== undefined && hexOf(vote.block) !== hex) continue;
    if (counted.has(vote.validator)) continue;
    counted.add(vote.validator);
    power += powerOf(ctx.state.chain.validators, vote.validator);
  }
  return power;
}

function broadcast(ctx: Context, message: ConsensusMessage): void {
  ctx.sends.push({ kind: 'broadcast', message });
}

function isValidator(chain: ChainState, did: string): boolean {
  return chain.validators.some((v) => v.did === did);
}

// ---- signing ----

function signVote(ctx: Context, type: VoteType, hex: string | null): void {
  const { rs, state } = ctx;
  const key = `${type}:${rs.round}`;
  if (rs.mine.has(key) || rs.round < rs.floorRound || !isValidator(state.chain, state.self.did))
    return;
  const block = hex === null ? null : rs.candidates.get(hex)!.hash;
  const sig = signWith(
    state.self,
    voteSigningBytes(state.chain.chainId, type, rs.height, rs.round, block),
  );
  const vote: Vote = {
    type,
    height: rs.height,
    round: rs.round,
    block,
    validator: state.self.did,
    sig,
  };
  rs.mine.set(key, vote);
  if (needsRecord(type, rs.round)) ctx.signed = true;
  addVote(ctx, vote);
  broadcast(ctx, vote);
}

function prevote(ctx: Context, hex: string | null): void {
  signVote(ctx, 'prevote', hex);
  ctx.rs.step = 'prevote';
}

function precommit(ctx: Context, hex: string | null): void {
  signVote(ctx, 'precommit', hex);
  ctx.rs.step = 'precommit';
}

function signWith(self: PeerIdentity, message: Uint8Array): Uint8Array {
  return self.sign ? self.sign(message) : signSync(self.seed, message);
}

function schedule(ctx: Context, kind: RoundStep | 'stall', round: number): void {
  ctx.rs.timeouts.push({ since: ctx.rs.now, kind, round });
}

/** A timeout's deadline, with the allowance of the transactions waiting now (the block being decided may be that large). */
function dueAt(ctx: Context, t: Timeout): number {
  const one = timeoutFor(ctx.state.chain, t.round) + blockAllowanceMs(ctx.state);
  return t.since + (t.kind === 'stall' ? roundStallTimeouts * one : one);
}

// ---- candidates ----

function addCandidate(ctx: Context, block: Block, executed: ExecutedBlock | null): string | null {
  const hash = blockHash(block.header);
  const hex = toHex(hash);
  if (ctx.rs.candidates.has(hex)) return hex;
  if (ctx.rs.candidates.size >= limits.candidatesPerHeightMax) return null;
  if (executed === null && block.header.height === ctx.rs.height) {
    try {
      executed = replayBlock(ctx.state.chain, { ...block, cert: null });
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
    }
  }
  ctx.rs.candidates.set(hex, { block: { ...block, cert: null }, hash, executed });
  return hex;
}

function isValidCandidate(ctx: Context, hex: string | null): boolean {
  return hex !== null && ctx.rs.candidates.get(hex)?.executed != null;
}

function buildBlock(ctx: Context): string {
  const { state, rs } = ctx;
  const batch = state.mempool.take(limits.blockTxCountMax);
  const executed = executeBlock(
    state.chain,
    batch.map(([, tx]) => tx),
    { time: rs.now, proposer: state.self.did, round: rs.round },
    false,
  );
  state.mempool.remove(executed.rejected.map((r) => r.txId));
  for (const r of executed.rejected)
    ctx.effects.push({ kind: 'txRejected', txId: r.txId, error: r.error! });
  return addCandidate(ctx, executed.block, executed)!;
}

// ---- rounds ----

/** StartRound (L11): the proposer proposes its valid block or a new one; the others wait for it. */
function startRound(ctx: Context, round: number): void {
  const { rs, state } = ctx;
  rs.round = round;
  rs.step = 'propose';
  rs.started = true;
  rs.lastRebroadcastAt = rs.now;
  rs.timeouts = rs.timeouts.filter((t) => t.round >= round);
  pruneRounds(rs);
  if (round > 0) broadcast(ctx, { type: 'status', height: rs.height, round });
  // The proposer waits too: after a restart it may lack the votes that justify its own proposal.
  schedule(ctx, 'propose', round);
  schedule(ctx, 'stall', round);
  if (ctx.profile.proposerOf(state.chain.validators, rs.height, round) !== state.self.did) return;
  const mine = rs.myProposals.get(round);
  if (mine || round < rs.floorRound) return;
  const hex =
    rs.validHex !== null && isValidCandidate(ctx, rs.validHex) ? rs.validHex : buildBlock(ctx);
  const candidate = rs.candidates.get(hex)!;
  const validRound = hex === rs.validHex ? rs.validRound : -1;
  const sig = signWith(
    state.self,
    proposalSigningBytes(state.chain.chainId, rs.height, round, validRound, candidate.hash),
  );
  const pol = validRound === -1 ? [] : polOf(rs, validRound, hex);
  const proposal: Proposal = {
    type: 'proposal',
    height: rs.height,
    round,
    validRound,
    proposer: state.self.did,
    block: candidate.block,
    pol,
    sig,
  };
  rs.myProposals.set(round, proposal);
  rs.proposals.set(round, { proposal, hex });
  if (needsRecord('proposal', round)) ctx.signed = true;
  broadcast(ctx, proposal);
}

/** The prevotes of `round` for block `hex`: the proof that justifies re-proposing it. */
function polOf(rs: RoundState, round: number, hex: string): Vote[] {
  const votes = rs.votes.get(`prevote:${round}`);
  return votes ? [...votes.values()].filter((v) => v.block !== null && toHex(v.block) === hex) : [];
}

/** Forget votes of rounds far from the current one (keeping the locked and valid rounds and proofs of lock). */
function pruneRounds(rs: RoundState): void {
  const kept = new Set([
    rs.lockedRound,
    rs.validRound,
    ...[...rs.proposals.values()].map((p) => p.proposal.validRound),
  ]);
  for (const key of rs.votes.keys()) {
    const round = Number(key.slice(key.indexOf(':') + 1));
    if (round >= rs.round - limits.roundsBehindStoredMax || kept.has(round)) continue;
    rs.votes.delete(key);
  }
  for (const round of rs.proposals.keys()) {
    if (
      round < rs.round - limits.roundsBehindStoredMax &&
      round !== rs.lockedRound &&
      round !== rs.validRound
    )
      rs.proposals.delete(round);
  }
}

// ---- deciding ----

function commit(ctx: Context, candidate: Candidate, cert: Block['cert']): void {
  const { state, rs } = ctx;
  const executed = candidate.executed!;
  const block = { ...executed.block, cert };
  const done = { ...executed, block };
  ctx.effects.push(
    { kind: 'persist', executed: done },
    {
      kind: 'committed',
      block,
      hash: executed.hash,
      txIds: executed.txIds,
      failed: executed.failed,
    },
  );
  state.mempool.remove(executed.txIds);
  const recent = [...rs.recentCommits, block].slice(-limits.recentCommitsMax);
  const next = newRoundState(rs.height + 1, rs.now, { ...rs, recentCommits: recent });
  ctx.state = {
    ...state,
    chain: executed.state,
    persistingHeight: block.header.height,
    round: next,
  };
  ctx.rs = next;
  // No record is stored for the new height until this peer signs something there: once the
  // block is durable the stored record (of the decided height) is stale and ignored at restart,
  // and a write here would hold every later effect (the next height's votes) for nothing.
  for (const { from, message } of rs.future) handleMessage(ctx, from, message);
}

/** L49: a block with a precommit quorum in any round is decided; its precommits are the certificate. */
function tryDecide(ctx: Context): boolean {
  const { rs } = ctx;
  for (const [key, votes] of rs.votes) {
    if (!key.startsWith('precommit:')) continue;
    const round = Number(key.slice('precommit:'.length));
    const byHex = new Map<string, Vote[]>();
    for (const vote of votes.values()) {
      if (vote.block === null) continue;
      const hex = toHex(vote.block);
      byHex.set(hex, [...(byHex.get(hex) ?? []), vote]);
    }
    for (const [hex, list] of byHex) {
      const power = list.reduce(
        (sum, v) => sum + powerOf(ctx.state.chain.validators, v.validator),
        0,
      );
      if (!isQuorum(ctx, power) || !isValidCandidate(ctx, hex)) continue;
      const candidate = rs.candidates.get(hex)!;
      const sigs = list
        .map((v) => ({ validator: v.validator, sig: v.sig }))
        .sort((a, b) => (a.validator < b.validator ? -1 : 1));
      commit(ctx, candidate, { height: rs.height, round, block: candidate.hash, sigs });
      return true;
    }
  }
  return false;
}

/** L55: more than 1/3 of the power is in a higher round: join the highest such round. */
function trySkipRound(ctx: Context): boolean {
  const { rs } = ctx;
  const ahead = [...rs.highestRound]
    .filter(([, round]) => round > rs.round)
    .sort((a, b) => b[1] - a[1]);
  let power = 0;
  for (const [did, round] of ahead) {
    power += powerOf(ctx.state.chain.validators, did);
    if (isHonestShare(ctx, power)) {
      startRound(ctx, round);
      return true;
    }
  }
  return false;
}

/** L22 and L28: prevote for the round's proposal if it is valid and the lock allows it. */
function tryPrevoteProposal(ctx: Context): boolean {
  const { rs } = ctx;
  if (rs.step !== 'propose') return false;
  const entry = rs.proposals.get(rs.round);
  if (!entry) return false;
  const { proposal, hex } = entry;
  const valid = isValidCandidate(ctx, hex);
  if (proposal.validRound === -1) {
    prevote(ctx, valid && (rs.lockedRound === -1 || rs.lockedHex === hex) ? hex : null);
    return true;
  }
  const vr = proposal.validRound;
  if (vr >= rs.round || !isQuorum(ctx, votePower(ctx, 'prevote', vr, hex))) return false;
  prevote(ctx, valid && (rs.lockedRound <= vr || rs.lockedHex === hex) ? hex : null);
  return true;
}

/** L36: a polka for the round's valid proposal: lock and precommit (once per round). */
function tryLock(ctx: Context): boolean {
  const { rs } = ctx;
  if (rs.step === 'propose') return false;
  const entry = rs.proposals.get(rs.round);
  const key = `polka:${rs.round}`;
  if (!entry || rs.fired.has(key) || !isValidCandidate(ctx, entry.hex)) return false;
  if (!isQuorum(ctx, votePower(ctx, 'prevote', rs.round, entry.hex))) return false;
  rs.fired.add(key);
  if (rs.step === 'prevote') {
    rs.lockedHex = entry.hex;
    rs.lockedRound = rs.round;
    precommit(ctx, entry.hex);
  }
  rs.validHex = entry.hex;
  rs.validRound = rs.round;
  return true;
}

/** L34, L44, L47: timeouts after any quorum, precommit nil after a nil polka, next round after a nil precommit quorum. */
function tryQuorumRules(ctx: Context): boolean {
  const { rs } = ctx;
  if (rs.step === 'prevote' && isQuorum(ctx, votePower(ctx, 'prevote', rs.round, null))) {
    precommit(ctx, null);
    return true;
  }
  const prevoteWait = `prevoteWait:${rs.round}`;
  if (
    rs.step === 'prevote' &&
    !rs.fired.has(prevoteWait) &&
    isQuorum(ctx, votePower(ctx, 'prevote', rs.round, undefined))
  ) {
    rs.fired.add(prevoteWait);
    schedule(ctx, 'prevote', rs.round);
    return true;
  }
  // A nil precommit quorum means no block can decide in this round: move on without waiting.
  if (isQuorum(ctx, votePower(ctx, 'precommit', rs.round, null))) {
    startRound(ctx, rs.round + 1);
    return true;
  }
  const precommitWait = `precommitWait:${rs.round}`;
  if (
    !rs.fired.has(precommitWait) &&
    isQuorum(ctx, votePower(ctx, 'precommit', rs.round, undefined))
  ) {
    rs.fired.add(precommitWait);
    schedule(ctx, 'precommit', rs.round);
    return true;
  }
  return false;
}

function tryStartHeight(ctx: Context): boolean {
  const { rs, state } = ctx;
  if (rs.started) return false;
  const heard = rs.votes.size > 0 || rs.proposals.size > 0;
  if (
    !heard &&
    state.mempool.size === 0 &&
    !triggerDueAfter(state.chain.contracts, state.chain.height) &&
    rs.now < rs.heightSince + emptyBlockIntervalMs(state.chain)
  )
    return false;
  startRound(ctx, rs.floorRound);
  return true;
}

/** Apply every rule that holds until none does (each firing changes the step, round or height). */
function progress(ctx: Context): void {
  for (let i = 0; i < 64; i++) {
    const changed =
      tryStartHeight(ctx) ||
      tryDecide(ctx) ||
      trySkipRound(ctx) ||
      tryPrevoteProposal(ctx) ||
      tryLock(ctx) ||
      tryQuorumRules(ctx);
    if (!changed) return;
  }
}

// ---- inputs ----

function fireTimeouts(ctx: Context): void {
  const { rs } = ctx;
  const due = rs.timeouts.filter((t) => dueAt(ctx, t) <= rs.now);
  if (due.length === 0) return;
  rs.timeouts = rs.timeouts.filter((t) => !due.includes(t));
  for (const t of due) {
    if (ctx.rs !== rs || t.round !== rs.round) continue;
    if (t.kind === 'propose' && rs.step === 'propose') prevote(ctx, null);
    else if (t.kind === 'prevote' && rs.step === 'prevote') precommit(ctx, null);
    else if (t.kind === 'precommit') startRound(ctx, rs.round + 1);
    else if (t.kind === 'stall') leaveStalledRound(ctx);
    progress(ctx);
  }
}

/**
 * A round that could not end: sign what its missing timeouts would have signed (prevote nil,
 * precommit nil), then start the next round. The nil votes finish this peer's part in the round,
 * so peers still in it reach a precommit quorum and follow at once instead of a stall later.
 */
function leaveStalledRound(ctx: Context): void {
  const { rs } = ctx;
  if (rs.step === 'propose') prevote(ctx, null);
  if (rs.step === 'prevote') precommit(ctx, null);
  startRound(ctx, rs.round + 1);
}

/** Messages get lost: every two timeouts of a round, send this round's own proposal and votes again. */
function rebroadcast(ctx: Context): void {
  const { rs } = ctx;
  if (
    !rs.started ||
    rs.now <
      rs.lastRebroadcastAt +
        2 * (timeoutFor(ctx.state.chain, rs.round) + blockAllowanceMs(ctx.state))
  )
    return;
  rs.lastRebroadcastAt = rs.now;
  const proposal = rs.myProposals.get(rs.round);
  if (proposal) broadcast(ctx, proposal);
  // Own votes of every round of this height, not only the current one: a peer still in an
  // earlier round (it lost those votes in a partition, or this peer restarted further on) needs
  // them to reach the quorum that arms its timeout; without them honest peers can sit in
  // different rounds forever (found by the 10,000-seed soak: seed 10904).
  for (const vote of rs.mine.values()) broadcast(ctx, vote);
  broadcast(ctx, { type: 'status', height: rs.height, round: rs.round });
}

function recordEvidence(ctx: Context, first: Vote, second: Vote): void {
  const key = `${first.validator}:${first.type}:${first.height}:${first.round}`;
  if (ctx.rs.evidenceSeen.has(key) || ctx.rs.evidenceSeen.size >= limits.evidencePendingMax) return;
  ctx.rs.evidenceSeen.add(key);
  const evidence: Evidence = { first, second };
  ctx.effects.push({ kind: 'evidence', evidence });
}

function voteKey(vote: Vote): string {
  return `${vote.validator}/${hexOf(vote.block) ?? 'nil'}`;
}

/**
 * Store a vote. A validator that signs two different votes is a proven equivocator: both of its
 * votes count (the safety argument already allows it to vote both ways), so a Byzantine peer
 * cannot hide a quorum by showing each half of the network a different vote. Conflicting votes
 * beyond the second are kept only for blocks this peer knows (a bounded set).
 */
function addVote(ctx: Context, vote: Vote): void {
  const { rs } = ctx;
  rs.highestRound.set(
    vote.validator,
    Math.max(rs.highestRound.get(vote.validator) ?? 0, vote.round),
  );
  if (vote.round > rs.round + limits.roundsAheadStoredMax) return;
  if (
    vote.round < rs.round - limits.roundsBehindStoredMax &&
    vote.round !== rs.lockedRound &&
    vote.round !== rs.validRound
  )
    return;
  storeVote(ctx, vote);
}

function storeVote(ctx: Context, vote: Vote): void {
  const votes = bucket(ctx.rs, vote.type, vote.round);
  const key = voteKey(vote);
  if (votes.has(key)) return;
  let earlier: Vote | undefined;
  let count = 0;
  for (const v of votes.values()) {
    if (v.validator !== vote.validator) continue;
    earlier ??= v;
    count++;
  }
  const hex = hexOf(vote.block);
  if (count >= 2 && !(hex !== null && ctx.rs.candidates.has(hex))) return;
  votes.set(key, vote);
  if (earlier) recordEvidence(ctx, earlier, vote);
}

function addProposal(ctx: Context, proposal: Proposal): void {
  const { rs, state } = ctx;
  if (
    ctx.profile.proposerOf(state.chain.validators, rs.height, proposal.round) !== proposal.proposer
  )
    return;
  rs.highestRound.set(
    proposal.proposer,
    Math.max(rs.highestRound.get(proposal.proposer) ?? 0, proposal.round),
  );
  if (rs.proposals.has(proposal.round) || proposal.round > rs.round + limits.roundsAheadStoredMax)
    return;
  if (proposal.block.header.height !== rs.height) return;
  const hex = addCandidate(ctx, proposal.block, null);
  if (hex === null) return;
  rs.proposals.set(proposal.round, { proposal, hex });
  // The proof of lock: stored whatever the round, so the L28 rule can see it.
  for (const vote of proposal.pol) {
    if (
      isValidator(state.chain, vote.validator) &&
      vote.block !== null &&
      toHex(vote.block) === hex
    )
      storeVote(ctx, vote);
  }
}

/** A decided block for this height from a peer that is ahead: check the certificate, replay, commit. */
function addCommit(ctx: Context, block: Block): void {
  const { rs, state } = ctx;
  if (block.header.height !== rs.height) return;
  try {
    checkCertificateFor(block.header, block.cert, state.chain.validators);
  } catch (error) {
    if (error instanceof BotError) return;
    throw error;
  }
  const hex = addCandidate(ctx, block, null);
  const candidate = hex === null ? undefined : rs.candidates.get(hex);
  if (!candidate?.executed) return;
  commit(ctx, candidate, block.cert);
}

/** Help a peer that is behind: send it the decided blocks from its height (rate limited per peer). */
function catchUp(ctx: Context, to: string, fromHeight: number): void {
  const { rs } = ctx;
  const last = rs.catchUpAt.get(to);
  if (last !== undefined && rs.now < last + timeoutMsOf(ctx.state.chain)) return;
  if (rs.catchUpAt.size >= limits.catchUpPeersMax) rs.catchUpAt.clear();
  rs.catchUpAt.set(to, rs.now);
  const count = Math.min(limits.catchUpBlocksMax, rs.height - fromHeight);
  const blocks = rs.recentCommits.filter((b) => b.header.height >= fromHeight).slice(0, count);
  if (blocks.length < count || blocks[0]?.header.height !== fromHeight) {
    ctx.sends.push({ kind: 'serveBlocks', to, fromHeight, count });
    return;
  }
  for (const block of blocks)
    ctx.sends.push({ kind: 'send', to, message: { type: 'commit', block } });
}

/** Ask a peer that is ahead for the blocks this peer misses (rate limited per peer). */
function askForBlocks(ctx: Context, to: string): void {
  const { rs } = ctx;
  const key = `ask:${to}`;
  const last = rs.catchUpAt.get(key);
  if (last !== undefined && rs.now < last + timeoutMsOf(ctx.state.chain)) return;
  if (rs.catchUpAt.size >= limits.catchUpPeersMax) rs.catchUpAt.clear();
  rs.catchUpAt.set(key, rs.now);
  ctx.sends.push({
    kind: 'send',
    to,
    message: { type: 'status', height: rs.height, round: rs.round },
  });
}

function heightOf(message: ConsensusMessage): number | null {
  switch (message.type) {
    case 'proposal':
    case 'prevote':
    case 'precommit':
    case 'status':
      return message.height;
    case 'commit':
      return message.block.header.height;
    case 'tx':
      return null;
  }
}

function handleMessage(ctx: Context, from: string, message: ConsensusMessage): void {
  const { rs, state } = ctx;
  if (message.type === 'tx') {
    state.mempool.admit(state.chain, txIdOfMessage(message), message.tx);
    return;
  }
  const height = heightOf(message)!;
  if (height < rs.height) {
    // Votes one height late are normal (peers decide at different moments; the late peer will
    // decide too). Blocks go to a peer that asks (status) or is further behind.
    if (message.type === 'status' || height < rs.height - 1) catchUp(ctx, from, height);
    return;
  }
  if (height > rs.height) {
    if (
      height === rs.height + 1 &&
      message.type !== 'status' &&
      rs.future.length < limits.futureMessagesMax
    )
      rs.future.push({ from, message });
    else askForBlocks(ctx, from);
    return;
  }
  switch (message.type) {
    case 'proposal':
      addProposal(ctx, message);
      return;
    case 'prevote':
    case 'precommit':
      if (isValidator(state.chain, message.validator)) addVote(ctx, message);
      return;
    case 'commit':
      addCommit(ctx, message.block);
      return;
    case 'status':
      return;
  }
}

function txIdOfMessage(message: Extract<ConsensusMessage, { type: 'tx' }>): string {
  return txIdOf(message.tx);
}

function ensureRound(state: PeerState, time: number): RoundState {
  if (state.round && state.round.height === state.chain.height + 1) return state.round;
  const height = state.chain.height + 1;
  return newRoundState(height, time, undefined, state.resumedAt === height ? 1 : 0);
}

function finish(ctx: Context): StepResult {
  const state = ctx.state.round === ctx.rs ? ctx.state : { ...ctx.state, round: ctx.rs };
  const effects = ctx.signed
    ? [
        ...ctx.effects,
        { kind: 'persistConsensus', record: recordOf(ctx.rs) } as PeerEffect,
        ...ctx.sends,
      ]
    : [...ctx.effects, ...ctx.sends];
  return { state, effects };
}

export function recordOf(rs: RoundState): ConsensusRecord {
  const blocks: Block[] = [];
  for (const hex of new Set([rs.lockedHex, rs.validHex])) {
    const candidate = hex === null ? undefined : rs.candidates.get(hex);
    if (candidate) blocks.push(candidate.block);
  }
  return {
    height: rs.height,
    round: rs.round,
    step: rs.step,
    lockedRound: rs.lockedRound,
    validRound: rs.validRound,
    lockedHex: rs.lockedHex,
    validHex: rs.validHex,
    blocks,
    votes: [...rs.mine.values()],
    proposals: [...rs.myProposals.values()],
    pol: rs.validHex === null ? [] : polOf(rs, rs.validRound, rs.validHex),
  };
}

/** The round state a restarted validator resumes from its stored record (ignored when stale). */
export function restoreRound(
  self: PeerIdentity,
  chain: ChainState,
  record: ConsensusRecord | undefined,
): RoundState | undefined {
  if (!record || record.height !== chain.height + 1) return undefined;
  // Round 0's proposal and prevote may have left unrecorded: nothing more is signed in round 0.
  const rs = newRoundState(record.height, 0, undefined, 1);
  Object.assign(rs, {
    round: record.round,
    step: record.step,
    started: true,
    lockedRound: record.lockedRound,
    validRound: record.validRound,
    lockedHex: record.lockedHex,
    validHex: record.validHex,
  });
  for (const block of record.blocks) {
    try {
      const executed = replayBlock(chain, { ...block, cert: null });
      rs.candidates.set(toHex(executed.hash), {
        block: { ...block, cert: null },
        hash: executed.hash,
        executed,
      });
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
    }
  }
  for (const vote of record.votes) {
    if (vote.validator !== self.did) continue;
    rs.mine.set(`${vote.type}:${vote.round}`, vote);
    bucket(rs, vote.type, vote.round).set(voteKey(vote), vote);
  }
  for (const vote of record.pol) bucket(rs, 'prevote', vote.round).set(voteKey(vote), vote);
  // The round's timeouts were not stored: the first tick arms the current step's timeout again.
  rs.rearm = true;
  for (const proposal of record.proposals) {
    rs.myProposals.set(proposal.round, proposal);
    const hex = toHex(blockHash(proposal.block.header));
    if (!rs.candidates.has(hex))
      rs.candidates.set(hex, {
        block: proposal.block,
        hash: blockHash(proposal.block.header),
        executed: safeReplay(chain, proposal.block),
      });
    rs.proposals.set(proposal.round, { proposal, hex });
  }
  return rs;
}

function safeReplay(chain: ChainState, block: Block): ExecutedBlock | null {
  try {
    return replayBlock(chain, { ...block, cert: null });
  } catch (error) {
    if (error instanceof BotError) return null;
    throw error;
  }
}

export function roundEngine(profile: RoundProfile): Engine {
  return {
    name: profile.name,
    onTick(state: PeerState, time: number): StepResult {
      const before = snapshotRound(state.round);
      const rs = ensureRound(state, time);
      const ctx: Context = { profile, state, rs, effects: [], sends: [], signed: false };
      rs.now = Math.max(rs.now, time);
      if (rs.rearm) {
        rs.rearm = false;
        schedule(ctx, rs.step, rs.round);
        schedule(ctx, 'stall', rs.round);
      }
      progress(ctx);
      fireTimeouts(ctx);
      rebroadcast(ctx);
      return checked(before, finish(ctx));
    },
    onMessage(
      state: PeerState,
      from: string,
      message: ConsensusMessage,
      sigOk: boolean,
    ): StepResult {
      const before = snapshotRound(state.round);
      const rs = ensureRound(state, state.round?.now ?? state.chain.headTime);
      const ctx: Context = { profile, state, rs, effects: [], sends: [], signed: false };
      if (!sigOk) return finish(ctx);
      handleMessage(ctx, from, message);
      progress(ctx);
      return checked(before, finish(ctx));
    },
  };
}

/** A step's result, once its transition is asserted (consensus/invariants.ts; INTERNAL if not). */
function checked(before: RoundSnapshot | null, result: StepResult): StepResult {
  checkRoundTransition(before, result.state.round!, result.effects, result.state.self.did);
  return result;
}

export const bftEngine: Engine = roundEngine({ name: 'bft', proposerOf: weightedProposer });

/** Refuse a validator set the round engines cannot run (kept here so governance shares it). */
export function checkRoundValidators(validators: Validator[]): void {
  if (validators.length === 0)
    throw botError('BAD_FIELD_TYPE', 'A round engine needs at least one validator.');
}
