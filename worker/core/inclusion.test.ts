// Which transactions a block holds (issue 14, section 1): one that fails in execution is in the
// block as failed and uses its nonce, so the sender's next transactions commit; one from a sender
// who may not write on a private or consortium chain makes the block invalid.
import { describe, expect, it } from 'vitest';
import { blockHash } from './block';
import { signSync } from './crypto/ed25519';
import {
  accountPrefix,
  decodeTxFailure,
  executeBlock,
  failurePrefix,
  genesisState,
  replayBlock,
  stateFromEntries,
  type ChainState,
} from './ledger';
import { Mempool } from './mempool';
import { createPeer, step } from './peer';
import { proposalSigningBytes, type Proposal } from './consensus/messages';
import { bftGenesis, put, testIdentity, type TestIdentity } from './testing';
import { signTx, txIdOf, type Tx } from './tx';

const validators = [0, 1, 2, 3].map((i) => testIdentity(`inclusion validator ${i}`)) as [
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
];
const alice = testIdentity('inclusion alice');
const outsider = testIdentity('inclusion outsider');

function signed(
  from: TestIdentity,
  chain: ChainState,
  nonce: number,
  type: string,
  body: unknown,
): Tx {
  return signTx(
    { chain: chain.chainId, type, from: from.did, nonce, time: chain.genesis.time + nonce, body },
    from.seed,
  );
}

/** A non-validator's vote: well-formed and signed, but it fails in execution (UNAUTHORIZED). */
function doomedVote(from: TestIdentity, chain: ChainState, nonce: number): Tx {
  return signed(from, chain, nonce, 'member.vote', { proposal: 'ab'.repeat(32), approve: true });
}

function propose(chain: ChainState, txs: Tx[], proposer = validators[1]) {
  return executeBlock(
    chain,
    txs,
    { time: chain.headTime + 1, proposer: proposer.did, round: 0 },
    false,
  );
}

describe('a transaction that fails in execution', () => {
  const { state: start, writes: genesisWrites } = genesisState(
    bftGenesis('inclusion public', validators),
  );

  it('is in the block as failed, uses its nonce, and the sender next nonces commit', () => {
    const txs = [
      put(alice, start.chainId, 1, 'a', 1),
      doomedVote(alice, start, 2),
      put(alice, start.chainId, 3, 'b', 3),
      put(alice, start.chainId, 4, 'c', 4),
    ];
    const executed = propose(start, txs);
    expect(executed.rejected).toEqual([]);
    expect(executed.txIds).toEqual(txs.map(txIdOf));
    expect(executed.block.txs).toHaveLength(4);
    expect(executed.failed.map((f) => [f.txId, f.error?.code])).toEqual([
      [txIdOf(txs[1]!), 'UNAUTHORIZED'],
    ]);
    expect(executed.state.nonces.get(alice.did)).toBe(4);
    expect(decodeTxFailure(executed.writes.get(failurePrefix + txIdOf(txs[1]!))!)).toEqual({
      code: 'UNAUTHORIZED',
      height: 1,
    });
    expect(executed.writes.has('data/b') && executed.writes.has('data/c')).toBe(true);
  });

  it('has no effect but its nonce and its failure record, on every peer alike', () => {
    const before = propose(start, [put(alice, start.chainId, 1, 'a', 1)]);
    const doomed = doomedVote(alice, start, 2);
    const executed = propose(before.state, [doomed]);
    expect([...executed.writes.keys()].sort()).toEqual(
      [accountPrefix + alice.did, failurePrefix + txIdOf(doomed)].sort(),
    );
    expect(executed.state.governance!.proposals).toEqual(before.state.governance!.proposals);
    // Another validator re-executes the block to the same header; a header without the failure record is refused.
    expect(replayBlock(before.state, executed.block).hash).toEqual(executed.hash);
    expect(replayBlock(before.state, executed.block).failed.map((f) => f.error?.code)).toEqual([
      'UNAUTHORIZED',
    ]);
    const withoutRecord = {
      ...executed.block,
      header: { ...executed.block.header, stateRoot: before.state.trie.rootHash() },
    };
    expect(() => replayBlock(before.state, withoutRecord)).toThrow(/state root/);
    // A peer that loads the stored entries rebuilds the same root and nonce.
    const entries = new Map([...genesisWrites, ...before.writes, ...executed.writes]);
    const loaded = stateFromEntries(start.genesis, executed.block.header, executed.hash, entries);
    expect(loaded.trie.rootHash()).toEqual(executed.state.trie.rootHash());
    expect(loaded.nonces.get(alice.did)).toBe(2);
  });

  it('a block from elsewhere with a nonce gap or a replayed nonce is still refused (stateless faults are left out)', () => {
    const executed = propose(start, [
      put(alice, start.chainId, 1, 'a', 1),
      put(alice, start.chainId, 3, 'c', 3),
      put(alice, start.chainId, 1, 'd', 4),
    ]);
    expect(executed.rejected.map((r) => r.error?.code)).toEqual(['NONCE_GAP', 'NONCE_REPLAYED']);
    expect(executed.failed).toEqual([]);
    const forged = executeBlock(
      start,
      [put(alice, start.chainId, 1, 'a', 1), put(alice, start.chainId, 3, 'c', 3)],
      { time: start.headTime + 1, proposer: validators[1].did, round: 0 },
      false,
    );
    const block = {
      ...forged.block,
      txs: [put(alice, start.chainId, 1, 'a', 1), put(alice, start.chainId, 3, 'c', 3)],
    };
    expect(() => replayBlock(start, block)).toThrow(/skips ahead/);
  });

  it('in the mempool, a transaction whose predecessor is waiting is admitted; both are decided by one block', () => {
    const pool = new Mempool();
    const doomed = doomedVote(alice, start, 1);
    const next = put(alice, start.chainId, 2, 'after', true);
    expect(pool.admit(start, txIdOf(doomed), doomed)).toBeNull();
    expect(pool.admit(start, txIdOf(next), next)).toBeNull();
    const executed = propose(
      start,
      pool.take(10).map(([, tx]) => tx),
    );
    expect(executed.txIds).toEqual([txIdOf(doomed), txIdOf(next)]);
    expect(executed.failed.map((f) => f.txId)).toEqual([txIdOf(doomed)]);
    pool.remove(executed.txIds);
    expect(pool.size).toBe(0);
  });
});

describe('a private or consortium chain takes transactions only from its members', () => {
  const genesis = bftGenesis('inclusion consortium', validators, 'consortium');
  const { state: start } = genesisState(genesis);
  // The same chain (same id) judged as if it were public: how a Byzantine proposer builds its block.
  const lax: ChainState = { ...start, genesis: { ...start.genesis, mode: 'public' } };
  const intruding = put(outsider, start.chainId, 1, 'intruder', 'x');
  const byzantine = propose(lax, [put(validators[1], start.chainId, 1, 'ok', 1), intruding]);

  it('refuses a block that holds a non-member transaction', () => {
    expect(byzantine.txIds).toContain(txIdOf(intruding));
    expect(() => replayBlock(start, byzantine.block)).toThrow(/invalid transaction .*not a member/);
  });

  it('an honest proposer leaves it out, and the mempool does not take it', () => {
    const honest = propose(start, [put(validators[1], start.chainId, 1, 'ok', 1), intruding]);
    expect(honest.rejected.map((r) => r.error?.code)).toEqual(['NOT_MEMBER']);
    expect(honest.txIds).toHaveLength(1);
    expect(new Mempool().admit(start, txIdOf(intruding), intruding)?.code).toBe('NOT_MEMBER');
  });

  it('a validator prevotes nil on a Byzantine proposal that holds one', () => {
    // Height 1, round 0: the proposer is validator (1 + 0) mod 4.
    const proposer = validators[1];
    const hash = blockHash(byzantine.block.header);
    const proposal: Proposal = {
      type: 'proposal',
      height: 1,
      round: 0,
      validRound: -1,
      proposer: proposer.did,
      block: byzantine.block,
      pol: [],
      sig: signSync(proposer.seed, proposalSigningBytes(start.chainId, 1, 0, -1, hash)),
    };
    let peer = createPeer(
      { did: validators[0].did, seed: validators[0].seed },
      start,
      undefined,
      'fresh',
    );
    peer = step(peer, { kind: 'tick', time: genesis.time + 1 }).state;
    const out = step(peer, { kind: 'message', from: proposer.did, message: proposal, sigOk: true });
    const prevotes = out.effects.flatMap((e) =>
      e.kind === 'broadcast' && e.message.type === 'prevote' ? [e.message] : [],
    );
    expect(prevotes).toHaveLength(1);
    expect(prevotes[0]!.block).toBeNull();
  });
});
