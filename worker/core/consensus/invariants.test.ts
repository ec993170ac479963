// The round engines' transition assertions: each invariant broken deliberately, on the checker
// and through the engine (a peer whose memory of its own vote was lost), gives INTERNAL.
import { describe, expect, it } from 'vitest';
import { blockHash, type Block } from '../block';
import { toHex } from '../bytes';
import { BotError } from '../errors';
import { signSync } from '../crypto/ed25519';
import { executeBlock, genesisState } from '../ledger';
import { createPeer, step } from '../peer';
import { bftGenesis, put, testIdentity, type TestIdentity } from '../testing';
import { proposalSigningBytes, voteSigningBytes, type Proposal, type Vote } from './messages';
import { checkRoundTransition, snapshotRound, type RoundSnapshot } from './invariants';
import type { PeerEffect, PeerState } from './types';
import type { RoundState } from './round';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`invariant validator ${i}`)) as [
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
];
const genesis = bftGenesis('invariants', ids);
const { state: chain } = genesisState(genesis);
const client = testIdentity('invariant client');

function blockWith(proposer: TestIdentity, value: number): Block {
  return executeBlock(
    chain,
    [put(client, chain.chainId, 1, 'k', value)],
    { time: genesis.time + 1, proposer: proposer.did, round: 0 },
    false,
  ).block;
}

function proposal(from: TestIdentity, block: Block): Proposal {
  const sig = signSync(
    from.seed,
    proposalSigningBytes(chain.chainId, 1, 0, -1, blockHash(block.header)),
  );
  return {
    type: 'proposal',
    height: 1,
    round: 0,
    validRound: -1,
    proposer: from.did,
    block,
    pol: [],
    sig,
  };
}

function ownVote(self: TestIdentity, type: Vote['type'], round: number, block: Block | null): Vote {
  const hash = block ? blockHash(block.header) : null;
  return {
    type,
    height: 1,
    round,
    block: hash,
    validator: self.did,
    sig: signSync(self.seed, voteSigningBytes(chain.chainId, type, 1, round, hash)),
  };
}

function internal(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BotError);
    expect((error as BotError).code).toBe('INTERNAL');
    return (error as BotError).message;
  }
  throw new Error('the broken invariant was not caught');
}

const [v0, v1] = ids;
const a = blockWith(v1, 1);
const b = blockWith(v1, 2);

/** A validator (v0) that prevoted block A in round 0 of height 1; v1 proposes there. */
function prevotedA(): PeerState {
  let peer = createPeer({ did: v0.did, seed: v0.seed }, chain, undefined, 'fresh');
  peer = step(peer, { kind: 'tick', time: genesis.time + 1 }).state;
  const out = step(peer, { kind: 'message', from: v1.did, message: proposal(v1, a), sigOk: true });
  const prevote = out.effects.find((e) => e.kind === 'broadcast' && e.message.type === 'prevote') as
    | Extract<PeerEffect, { kind: 'broadcast' }>
    | undefined;
  expect(prevote && (prevote.message as Vote).block).toEqual(blockHash(a.header));
  return out.state;
}

describe('round engine transition assertions', () => {
  it('pass on a step that moves forward', () => {
    const peer = prevotedA();
    const before = snapshotRound(peer.round);
    const out = step(peer, { kind: 'tick', time: genesis.time + 50_000 });
    expect(() => checkRoundTransition(before, out.state.round!, out.effects, v0.did)).not.toThrow();
  });

  it('stop on a height or a round that goes backwards', () => {
    const rs = prevotedA().round!;
    const ahead: RoundSnapshot = { ...snapshotRound(rs)!, height: rs.height + 1 };
    expect(internal(() => checkRoundTransition(ahead, rs, [], v0.did))).toMatch(
      /went back from height 2 to 1/,
    );
    const later: RoundSnapshot = { ...snapshotRound(rs)!, round: rs.round + 2 };
    expect(internal(() => checkRoundTransition(later, rs, [], v0.did))).toMatch(
      /went back from round 2 to 0/,
    );
  });

  it('stop on a lock that moves back, or to another block without a higher round', () => {
    const rs = prevotedA().round!;
    const locked = { ...rs, lockedRound: 1, lockedHex: toHex(blockHash(a.header)) } as RoundState;
    const atTwo: RoundSnapshot = { ...snapshotRound(locked)!, lockedRound: 2 };
    expect(internal(() => checkRoundTransition(atTwo, locked, [], v0.did))).toMatch(
      /lock went back from round 2 to 1/,
    );
    const onB: RoundSnapshot = { ...snapshotRound(locked)!, lockedHex: toHex(blockHash(b.header)) };
    expect(internal(() => checkRoundTransition(onB, locked, [], v0.did))).toMatch(
      /lock moved to another block without moving to a higher round/,
    );
    // Moving the lock to a higher round, on another block, is what Tendermint allows.
    const earlier: RoundSnapshot = { ...onB, lockedRound: 0 };
    expect(() => checkRoundTransition(earlier, locked, [], v0.did)).not.toThrow();
  });

  it('stop on a second, different vote of its own for one (height, round, type)', () => {
    const peer = prevotedA();
    const rs = peer.round!;
    const before = snapshotRound(rs);
    // Replaced in memory.
    const replaced = { ...rs, mine: new Map(rs.mine) } as RoundState;
    replaced.mine.set('prevote:0', ownVote(v0, 'prevote', 0, b));
    expect(internal(() => checkRoundTransition(before, replaced, [], v0.did))).toMatch(
      /prevote:0 vote at height 1 was replaced/,
    );
    // Two different ones sent in one step.
    const twice: PeerEffect[] = [
      { kind: 'broadcast', message: ownVote(v0, 'prevote', 0, a) },
      { kind: 'broadcast', message: ownVote(v0, 'prevote', 0, null) },
    ];
    expect(internal(() => checkRoundTransition(before, rs, twice, v0.did))).toMatch(
      /sent two different prevote of round 0/,
    );
    // Sent without being recorded as its own.
    const unrecorded: PeerEffect[] = [
      { kind: 'broadcast', message: ownVote(v0, 'precommit', 0, a) },
    ];
    expect(internal(() => checkRoundTransition(before, rs, unrecorded, v0.did))).toMatch(
      /has not recorded as its own/,
    );
  });

  it('stop the engine itself when it signs a second, different prevote (its record of the first was lost)', () => {
    const peer = prevotedA();
    const rs = peer.round!;
    // Break the engine's memory deliberately: the signed prevote for A is forgotten as "mine"
    // and the round is back at its proposal step, while the vote itself is still held.
    rs.mine.delete('prevote:0');
    rs.proposals.delete(0);
    rs.step = 'propose';
    const again = { kind: 'message', from: v1.did, message: proposal(v1, b), sigOk: true } as const;
    expect(internal(() => step(peer, again))).toMatch(/holds two different prevote of round 0/);
  });
});
