// Protocol decisions the host used to make itself, as pure functions of the facts it hands in:
// when a validator's peer proposes a joiner as a member (and when it votes for such a join), and
// when a peer submits evidence of a double vote. The host gathers the facts (the chain state, its
// own identity, what it counted and checked) and carries out the answer (sign and submit a
// transaction, check a signature, log a refusal); the rules live here, deterministic and tested
// without a host (decisions.test.ts).
import type { ChainState } from './ledger';
import { mayWrite } from './ledger';
import { hasQuorum } from './validators';
import type { InviteToken, ProposalRecord } from './modules/governance/apply';
import type { Evidence } from './consensus/types';

/**
 * Join requests a validator that did not issue the invite waits for before it proposes the join
 * itself (the issuer may be away).
 */
export const joinAsksBeforeAnyValidatorProposes = 3;

export interface JoinFacts {
  chain: ChainState;
  /** This peer's did. */
  self: string;
  /** The authenticated neighbour asking to join. */
  from: string;
  /** The invite token it quotes (null: the link carried none). */
  invite: InviteToken | null;
  /** Whether the invite's signature holds (a validator of this chain signed it); undefined: not checked yet. */
  inviteHolds?: boolean;
  /** Requests counted from this joiner before this one. */
  asksBefore: number;
  /** A proposal for this joiner is being submitted by this peer right now. */
  proposing: boolean;
}

export type JoinDecision =
  /** Nothing to do: this peer is no validator, the joiner may write already, or a proposal is on its way. */
  | { action: 'ignore' }
  /** A proposal to admit it is open: vote for it again if this peer's vote did not commit. */
  | { action: 'voteAgain' }
  /** Not admitted by invite; the reason completes "… asks to join X, but <reason>". */
  | { action: 'refuse'; reason: string }
  /** The invite's signature must be checked first; ask again with `inviteHolds`. */
  | { action: 'checkInvite' }
  /** Count this request and wait for more (this peer did not issue the invite). */
  | { action: 'wait'; asks: number }
  /** Count this request and submit this proposal. */
  | { action: 'propose'; asks: number; tx: { type: 'member.propose'; body: unknown } };

const isValidator = (chain: ChainState, did: string) => chain.validators.some((v) => v.did === did);

/** An open (not passed) proposal to add `did` as a member. */
export function openJoinOf(chain: ChainState, did: string): boolean {
  for (const p of chain.governance?.proposals.values() ?? [])
    if (p.passed === -1 && p.change.kind === 'addMember' && p.change.did === did) return true;
  return false;
}

/**
 * A validator's peer got a join request from an authenticated neighbour. It proposes the
 * neighbour as a member when the quoted invite was signed by a validator of this chain and the
 * chain has not seen its nonce: the invite's issuer at once, any other validator once the joiner
 * has asked `joinAsksBeforeAnyValidatorProposes` times.
 */
export function decideJoinRequest(facts: JoinFacts): JoinDecision {
  const { chain, self, from, invite } = facts;
  if (!isValidator(chain, self) || mayWrite(chain, from) || facts.proposing)
    return { action: 'ignore' };
  if (openJoinOf(chain, from)) return { action: 'voteAgain' };
  if (!invite) return { action: 'refuse', reason: 'its invite carries no token' };
  const used = [...(chain.governance?.proposals.values() ?? [])].some(
    (p) => p.invite?.nonce === invite.nonce,
  );
  if (used) return { action: 'refuse', reason: 'its invite was already used' };
  if (!isValidator(chain, invite.issuer))
    return { action: 'refuse', reason: 'its invite was not issued by a validator of this chain' };
  if (facts.inviteHolds === undefined) return { action: 'checkInvite' };
  if (!facts.inviteHolds)
    return {
      action: 'refuse',
      reason:
        'its invite was not issued by a validator of this chain (the signature does not hold)',
    };
  const asks = facts.asksBefore + 1;
  if (invite.issuer !== self && asks < joinAsksBeforeAnyValidatorProposes)
    return { action: 'wait', asks };
  return {
    action: 'propose',
    asks,
    tx: {
      type: 'member.propose',
      body: { change: { kind: 'addMember', did: from }, height: chain.height + 1, invite },
    },
  };
}

/**
 * Open join proposals that quote an invite and that this validator has not approved: its peer
 * votes for each once the invite's signature holds. Empty for a peer that is no validator.
 * `first`: this validator is one of those whose votes the proposal needs to pass, in an order
 * every peer computes alike (the validator list, rotated by the proposal id), so they vote at
 * once. The others hold back: every validator voting at once made the votes beyond the quorum
 * fail in their blocks ("already passed", issue 14). They vote only when the proposal is still
 * open after `joinAsksBeforeAnyValidatorProposes` more requests from the joiner (a first voter
 * may be away).
 */
export function joinVotesDue(
  chain: ChainState,
  self: string,
): Array<{ id: string; proposal: ProposalRecord; first: boolean }> {
  if (!isValidator(chain, self)) return [];
  const due: Array<{ id: string; proposal: ProposalRecord; first: boolean }> = [];
  for (const [id, p] of chain.governance?.proposals ?? []) {
    if (p.passed !== -1 || !p.invite || p.change.kind !== 'addMember' || p.approvals.includes(self))
      continue;
    due.push({ id, proposal: p, first: firstVoters(chain, id, p.approvals).has(self) });
  }
  return due;
}

/** The validators whose approvals, added to `approvals` in a per-proposal order, first reach a quorum. */
export function firstVoters(chain: ChainState, id: string, approvals: string[]): Set<string> {
  const validators = chain.validators;
  const start = Number.parseInt(id.slice(0, 8), 16) % validators.length || 0;
  const order = [...validators.slice(start), ...validators.slice(0, start)];
  const signers = [...approvals];
  const first = new Set<string>();
  for (const v of order) {
    if (hasQuorum(signers, validators)) break;
    if (signers.includes(v.did)) continue;
    signers.push(v.did);
    first.add(v.did);
  }
  return first;
}

export type EvidenceDecision =
  | { action: 'submit'; tx: { type: 'evidence.submit'; body: Evidence } }
  | { action: 'skip'; reason: string };

/**
 * The engine found two signed votes of one validator for different blocks at one height, round
 * and type. Submit the evidence, unless the chain would refuse it anyway: the offender is
 * already marked, or is no validator now, or this peer may not write on this chain.
 */
export function decideEvidence(
  chain: ChainState,
  self: string,
  evidence: Evidence,
): EvidenceDecision {
  const offender = evidence.first.validator;
  if (chain.governance?.offenders.has(offender))
    return { action: 'skip', reason: `${offender} is already marked as an offender` };
  if (!isValidator(chain, offender))
    return { action: 'skip', reason: `${offender} is not a validator of this chain now` };
  if (!mayWrite(chain, self))
    return { action: 'skip', reason: 'this peer is not a member and cannot submit it' };
  return { action: 'submit', tx: { type: 'evidence.submit', body: evidence } };
}
