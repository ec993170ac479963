// Protocol decisions as pure functions: when a validator's peer proposes or votes for a joiner,
// and when a peer submits evidence of a double vote.
import { describe, expect, it } from 'vitest';
import { executeBlock, genesisState, type ChainState } from './ledger';
import { bftGenesis, testIdentity, type TestIdentity } from './testing';
import { signTx, txIdOf, type Tx } from './tx';
import { signSync } from './crypto/ed25519';
import { voteSigningBytes, type Vote } from './consensus/messages';
import { hasQuorum } from './validators';
import {
  decideEvidence,
  decideJoinRequest,
  joinAsksBeforeAnyValidatorProposes,
  joinVotesDue,
  firstVoters,
  type JoinFacts,
} from './decisions';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`decision validator ${i}`)) as [
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
];
const [v0, v1, v2] = ids;
const joiner = testIdentity('decision joiner');
const other = testIdentity('decision other joiner');
const start = genesisState(bftGenesis('decisions', ids, 'consortium')).state;
const invite = { issuer: v0.did, nonce: 'ab'.repeat(16), sig: new Uint8Array(64).fill(7) };

/** A transaction with nonce 1: each block here is built on the genesis state. */
function tx(from: TestIdentity, type: string, body: unknown): Tx {
  return signTx(
    { chain: start.chainId, type, from: from.did, nonce: 1, time: start.headTime, body },
    from.seed,
  );
}

/** The chain after v0 proposed `joiner` quoting `invite` (not passed yet: one approval of four). */
const proposeTx = tx(v0, 'member.propose', {
  change: { kind: 'addMember', did: joiner.did },
  height: 0,
  invite,
});
const proposed: ChainState = executeBlock(
  start,
  [proposeTx],
  { time: start.headTime + 1, proposer: v0.did, round: 0 },
  false,
).state;

const facts = (over: Partial<JoinFacts> = {}): JoinFacts => ({
  chain: start,
  self: v0.did,
  from: joiner.did,
  invite,
  asksBefore: 0,
  proposing: false,
  ...over,
});

function doubleVote(validator: TestIdentity): { first: Vote; second: Vote } {
  const vote = (block: Uint8Array): Vote => ({
    type: 'prevote',
    height: 3,
    round: 0,
    block,
    validator: validator.did,
    sig: signSync(validator.seed, voteSigningBytes(start.chainId, 'prevote', 3, 0, block)),
  });
  return { first: vote(new Uint8Array(32).fill(1)), second: vote(new Uint8Array(32).fill(2)) };
}

describe('join requests (a validator peer decides)', () => {
  it('the invite issuer checks the signature first, then proposes the joiner at once', () => {
    expect(decideJoinRequest(facts())).toEqual({ action: 'checkInvite' });
    expect(decideJoinRequest(facts({ inviteHolds: true }))).toEqual({
      action: 'propose',
      asks: 1,
      tx: {
        type: 'member.propose',
        body: { change: { kind: 'addMember', did: joiner.did }, height: 1, invite },
      },
    });
  });

  it('another validator waits for repeated requests (the issuer may be away), then proposes', () => {
    const asking = (asksBefore: number) =>
      decideJoinRequest(facts({ self: v1.did, inviteHolds: true, asksBefore }));
    for (let before = 0; before < joinAsksBeforeAnyValidatorProposes - 1; before++)
      expect(asking(before)).toEqual({ action: 'wait', asks: before + 1 });
    expect(asking(joinAsksBeforeAnyValidatorProposes - 1)).toMatchObject({ action: 'propose' });
  });

  it('refuses an invite without a token, one already used, or one whose signature does not hold', () => {
    expect(decideJoinRequest(facts({ invite: null }))).toEqual({
      action: 'refuse',
      reason: 'its invite carries no token',
    });
    expect(decideJoinRequest(facts({ inviteHolds: false }))).toMatchObject({ action: 'refuse' });
    expect(
      decideJoinRequest(facts({ invite: { ...invite, issuer: joiner.did }, inviteHolds: true })),
    ).toMatchObject({
      action: 'refuse',
      reason: expect.stringMatching(/not issued by a validator/),
    });
    // The chain already holds a proposal quoting this invite: another joiner may not reuse it.
    expect(decideJoinRequest(facts({ chain: proposed, from: other.did }))).toEqual({
      action: 'refuse',
      reason: 'its invite was already used',
    });
  });

  it('does nothing on a peer that is no validator, for a joiner that may write, or while proposing; votes again on an open proposal', () => {
    expect(decideJoinRequest(facts({ self: joiner.did }))).toEqual({ action: 'ignore' });
    expect(decideJoinRequest(facts({ from: v2.did }))).toEqual({ action: 'ignore' });
    expect(decideJoinRequest(facts({ proposing: true }))).toEqual({ action: 'ignore' });
    expect(decideJoinRequest(facts({ chain: proposed }))).toEqual({ action: 'voteAgain' });
  });

  it('lists the open joins quoting an invite that this validator has not approved', () => {
    const id = txIdOf(proposeTx);
    expect(joinVotesDue(proposed, v1.did).map((d) => d.id)).toEqual([id]);
    // Of the validators yet to approve, exactly those the quorum needs vote first, alike on every
    // peer; the rest hold back (votes beyond the quorum would fail: "already passed").
    const waiting = proposed.validators.filter((v) => v.did !== v0.did);
    const firsts = waiting.filter((v) => joinVotesDue(proposed, v.did)[0]!.first);
    const first = firstVoters(proposed, id, [v0.did]);
    expect(firsts.map((v) => v.did).sort()).toEqual([...first].sort());
    expect(hasQuorum([v0.did, ...first], proposed.validators)).toBe(true);
    expect(first.size).toBeGreaterThan(0);
    for (const v of first)
      expect(hasQuorum([v0.did, ...[...first].filter((d) => d !== v)], proposed.validators)).toBe(
        false,
      );
    expect(joinVotesDue(proposed, v0.did)).toEqual([]); // the proposer approved it
    expect(joinVotesDue(proposed, joiner.did)).toEqual([]); // not a validator
    expect(joinVotesDue(start, v1.did)).toEqual([]);
  });
});

describe('evidence of a double vote (any peer decides)', () => {
  it('submits it while the offender is a validator not yet marked, from a peer that may write', () => {
    const evidence = doubleVote(v2);
    expect(decideEvidence(start, v0.did, evidence)).toEqual({
      action: 'submit',
      tx: { type: 'evidence.submit', body: evidence },
    });
  });

  it('skips it when the chain would refuse it: already marked, not a validator, or not a member', () => {
    const evidence = doubleVote(v2);
    const marked = executeBlock(
      start,
      [tx(v0, 'evidence.submit', evidence)],
      { time: start.headTime + 1, proposer: v0.did, round: 0 },
      false,
    ).state;
    expect(marked.governance!.offenders.has(v2.did)).toBe(true);
    expect(decideEvidence(marked, v0.did, evidence)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/already marked/),
    });
    expect(decideEvidence(start, v0.did, doubleVote(joiner))).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/not a validator/),
    });
    expect(decideEvidence(start, joiner.did, evidence)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/not a member/),
    });
  });
});
