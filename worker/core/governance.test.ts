import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  replayBlock,
  stateFromEntries,
  consensusOf,
  type ChainState,
  type Genesis,
} from './ledger';
import { bftGenesis, testIdentity, type TestIdentity } from './testing';
import { signTx, txIdOf, decodeTx, encodeTx, checkTx, type Tx } from './tx';
import { signSync } from './crypto/ed25519';
import { voteSigningBytes, type Vote } from './consensus/messages';
import { createPeer, step } from './peer';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`gov validator ${i}`)) as [
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
];
const newcomer = testIdentity('gov newcomer');
const outsider = testIdentity('gov outsider');
const genesis: Genesis = bftGenesis('gov', ids);
const start = genesisState(genesis);
const nonces = new Map<string, number>();

function tx(from: TestIdentity, type: string, body: unknown): Tx {
  const nonce = (nonces.get(from.did) ?? 0) + 1;
  nonces.set(from.did, nonce);
  return signTx(
    { chain: start.state.chainId, type, from: from.did, nonce, time: genesis.time, body },
    from.seed,
  );
}

function block(state: ChainState, txs: Tx[]) {
  return executeBlock(
    state,
    txs,
    { time: genesis.time + state.height + 1, proposer: ids[0].did, round: 0 },
    false,
  );
}

function vote(from: TestIdentity, block: Uint8Array): Vote {
  return {
    type: 'prevote',
    height: 5,
    round: 0,
    block,
    validator: from.did,
    sig: signSync(from.seed, voteSigningBytes(start.state.chainId, 'prevote', 5, 0, block)),
  };
}

describe('crowding decisions on chain', () => {
  it('adds a validator from the stated height once more than 2/3 of the power approved', () => {
    nonces.clear();
    const propose = tx(ids[0], 'member.propose', {
      change: { kind: 'addValidator', did: newcomer.did, power: 1 },
      height: 3,
    });
    const proposal = txIdOf(propose);
    const one = block(start.state, [
      propose,
      tx(ids[1], 'member.vote', { proposal, approve: true }),
    ]);
    expect(one.failed).toEqual([]);
    expect(one.state.validators).toHaveLength(4);
    // The third approval passes it in block 2; blocks from height 3 use the new set.
    const two = block(one.state, [tx(ids[2], 'member.vote', { proposal, approve: true })]);
    expect(two.state.validators.map((v) => v.did)).toContain(newcomer.did);
    expect(replayBlock(one.state, two.block).state.validators).toHaveLength(5);
    // A peer that loads the stored entries rebuilds the same validators and proposals.
    const entries = new Map([...start.writes, ...one.writes, ...two.writes]);
    const loaded = stateFromEntries(genesis, two.block.header, two.hash, entries);
    expect(loaded.validators).toEqual(two.state.validators);
    expect(loaded.trie.rootHash()).toEqual(two.state.trie.rootHash());
  });

  it('waits for the stated height even when the votes come early, and refuses outsiders and past heights', () => {
    nonces.clear();
    const propose = tx(ids[0], 'member.propose', {
      change: { kind: 'removeValidator', did: ids[3].did },
      height: 4,
    });
    const proposal = txIdOf(propose);
    const votes = [
      tx(ids[1], 'member.vote', { proposal, approve: true }),
      tx(ids[2], 'member.vote', { proposal, approve: true }),
    ];
    const outsiderVote = tx(outsider, 'member.vote', { proposal, approve: true });
    const late = tx(ids[1], 'member.propose', {
      change: { kind: 'policy', name: 'retentionDays', value: 30 },
      height: 1,
    });
    const one = block(start.state, [propose, ...votes, outsiderVote, late]);
    expect(one.failed.map((r) => r.error?.code)).toEqual(['UNAUTHORIZED', 'BAD_REQUEST']);
    expect(one.state.validators).toHaveLength(4);
    const two = block(one.state, []);
    expect(two.state.validators).toHaveLength(4);
    const three = block(two.state, []);
    expect(three.state.validators.map((v) => v.did)).not.toContain(ids[3].did);
  });

  it('switches the engine from a stated height (adaptive consensus) and the peer follows', () => {
    nonces.clear();
    const upgrade = tx(ids[0], 'chain.upgrade', { engine: 'poa', timeoutMs: 200, height: 2 });
    const proposal = txIdOf(upgrade);
    const one = block(start.state, [
      upgrade,
      ...[1, 2].map((i) => tx(ids[i]!, 'member.vote', { proposal, approve: true })),
    ]);
    expect(consensusOf(one.state)).toEqual({ engine: 'poa', timeoutMs: 200 });
    const peer = createPeer({ did: ids[0].did, seed: ids[0].seed }, one.state);
    const out = step(peer, { kind: 'tick', time: genesis.time + 10 });
    expect(out.state.engine).toBe('poa');
  });

  it('a join quotes an invite once: a second proposal with the same invite is refused; member changes need no lead time', () => {
    nonces.clear();
    const invite = { issuer: ids[0].did, nonce: 'cd'.repeat(16), sig: new Uint8Array(64).fill(3) };
    const join = tx(ids[0], 'member.propose', {
      change: { kind: 'addMember', did: newcomer.did },
      height: 0,
      invite,
    });
    const proposal = txIdOf(join);
    const one = block(start.state, [
      join,
      tx(ids[1], 'member.vote', { proposal, approve: true }),
      tx(ids[2], 'member.vote', { proposal, approve: true }),
    ]);
    expect(one.failed).toEqual([]);
    expect([...one.state.governance!.members]).toEqual([newcomer.did]);
    expect(one.state.governance!.proposals.get(proposal)!.invite).toEqual(invite);
    const again = tx(ids[1], 'member.propose', {
      change: { kind: 'addMember', did: outsider.did },
      height: 5,
      invite,
    });
    const two = block(one.state, [again]);
    expect(two.failed.map((r) => r.error?.message)).toEqual([
      'This invite was already used; ask a validator for a new one.',
    ]);
    // The record survives a reload from stored entries, so a restarted peer refuses the reuse too.
    const loaded = stateFromEntries(
      genesis,
      one.block.header,
      one.hash,
      new Map([...start.writes, ...one.writes]),
    );
    expect(block(loaded, [again]).failed.map((r) => r.error?.code)).toEqual(['BAD_REQUEST']);
    // Only a join quotes an invite.
    expect(() =>
      checkTx(
        tx(ids[1], 'member.propose', {
          change: { kind: 'removeMember', did: newcomer.did },
          height: 5,
          invite,
        }),
      ),
    ).toThrow(/Only a proposal to add a member/);
  });

  it('marks a validator that signed two different votes, once, after checking both signatures', () => {
    nonces.clear();
    const first = vote(ids[2], new Uint8Array(32).fill(1));
    const second = vote(ids[2], new Uint8Array(32).fill(2));
    const forged = { ...second, sig: new Uint8Array(64).fill(7) };
    const one = block(start.state, [
      tx(outsider, 'evidence.submit', { first, second: forged }),
      tx(newcomer, 'evidence.submit', { first, second: first }),
    ]);
    expect(one.failed.map((r) => r.error?.code)).toEqual(['BAD_SIGNATURE', 'BAD_REQUEST']);
    nonces.clear();
    const evidence = tx(outsider, 'evidence.submit', { first, second });
    expect(decodeTx(encodeTx(evidence))).toEqual(evidence);
    const two = block(start.state, [
      evidence,
      tx(newcomer, 'evidence.submit', { first: second, second: first }),
    ]);
    expect(two.txIds).toHaveLength(2);
    expect(two.failed.map((r) => r.error?.code)).toEqual(['BAD_REQUEST']);
    expect(two.state.governance?.offenders.get(ids[2].did)).toBe(1);
  });
});
