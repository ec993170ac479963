// Validators by stake (issue 16, public mode): bond, unbond with a delay, the set elected at
// epoch boundaries with power = bond, slashing on committed double-vote evidence, and the token
// supply (balances, which hold the stake pool) kept constant.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  stateFromEntries,
  type ChainState,
  type Genesis,
} from '../../ledger';
import { signTx, type Tx } from '../../tx';
import { testIdentity } from '../../testing';
import { voteSigningBytes, type Vote } from '../../consensus/vote';
import { signSync } from '../../crypto/ed25519';
import { emptyTokens, supplyCheck } from '../tokens';
import { stakeCheck, stakePoolAccount, stakeSlashedAccount } from '.';

const v0 = testIdentity('stake v0');
const v1 = testIdentity('stake v1');
const alice = testIdentity('stake alice');
const bob = testIdentity('stake bob');
const reporter = testIdentity('stake reporter');

function genesis(overrides: Partial<Genesis['staking']> = {}): Genesis {
  return {
    name: 'stake',
    mode: 'public',
    consensus: { engine: 'bft' },
    validators: [
      { did: v0.did, power: 100 },
      { did: v1.did, power: 100 },
    ],
    time: 1_700_000_000_000,
    salt: 'stake test',
    tokens: {
      symbol: 'STK',
      allocations: [
        { did: alice.did, amount: 1000 },
        { did: bob.did, amount: 1000 },
      ],
    },
    staking: {
      minBond: 10,
      unbondingBlocks: 3,
      maxValidators: 3,
      slashPercent: 10,
      epochBlocks: 2,
      ...overrides,
    },
  };
}

const nonces = new Map<string, number>();
function tx(
  who: ReturnType<typeof testIdentity>,
  state: ChainState,
  type: string,
  body: unknown,
): Tx {
  const nonce = (state.nonces.get(who.did) ?? 0) + 1;
  nonces.set(who.did, nonce);
  return signTx(
    { chain: state.chainId, type, from: who.did, nonce, time: state.headTime + 1, body },
    who.seed,
  );
}

function block(state: ChainState, txs: Tx[] = []) {
  const executed = executeBlock(
    state,
    txs,
    { time: state.headTime + 1000, proposer: v0.did, round: 0 },
    false,
  );
  const tokens = executed.state.tokens ?? emptyTokens(executed.state.genesis);
  expect(supplyCheck(tokens)).toBeNull();
  expect(tokens.supply).toBe(2200);
  expect(
    stakeCheck(executed.state.staking!, tokens.balances.get(stakePoolAccount) ?? 0),
  ).toBeNull();
  return executed;
}

function balance(state: ChainState, did: string): number {
  return (state.tokens ?? emptyTokens(state.genesis)).balances.get(did) ?? 0;
}

function vote(
  who: ReturnType<typeof testIdentity>,
  chain: string,
  height: number,
  fill: number,
): Vote {
  const blockHash = new Uint8Array(32).fill(fill);
  return {
    type: 'precommit',
    height,
    round: 0,
    block: blockHash,
    validator: who.did,
    sig: signSync(who.seed, voteSigningBytes(chain, 'precommit', height, 0, blockHash)),
  };
}

describe('staking', () => {
  it('bonds at genesis: the validators hold their power in the pool, counted in the supply', () => {
    const { state } = genesisState(genesis());
    expect(balance(state, stakePoolAccount)).toBe(200);
    expect(state.tokens?.supply ?? emptyTokens(state.genesis).supply).toBe(2200);
  });

  it('a bond joins the validator set at the next epoch boundary with power = bond', () => {
    let state = genesisState(genesis()).state;
    const first = block(state, [tx(alice, state, 'stake.bond', { amount: 150 })]);
    expect(first.failed).toEqual([]);
    state = first.state; // height 1: not a boundary
    expect(balance(state, alice.did)).toBe(850);
    expect(state.validators.map((v) => v.did)).toEqual([v0.did, v1.did]);
    state = block(state).state; // height 2: boundary
    expect(state.validators).toEqual(
      [
        { did: alice.did, power: 150 },
        { did: v0.did, power: 100 },
        { did: v1.did, power: 100 },
      ].sort((a, b) => b.power - a.power || (a.did < b.did ? -1 : 1)),
    );
  });

  it('keeps the largest bonds when more bond than maxValidators; refuses bonds below minBond', () => {
    let state = genesisState(genesis()).state;
    const small = block(state, [tx(bob, state, 'stake.bond', { amount: 5 })]);
    expect(small.failed[0]?.error?.code).toBe('BAD_REQUEST');
    state = small.state;
    state = block(state, [
      tx(alice, state, 'stake.bond', { amount: 150 }),
      tx(bob, state, 'stake.bond', { amount: 50 }),
    ]).state; // height 2: boundary
    expect(state.validators.map((v) => v.power)).toEqual([150, 100, 100]);
    expect(state.validators.some((v) => v.did === bob.did)).toBe(false);
  });

  it('unbonding leaves the set at the boundary and pays back after unbondingBlocks', () => {
    let state = genesisState(genesis()).state;
    state = block(state, [tx(alice, state, 'stake.bond', { amount: 150 })]).state;
    state = block(state).state; // 2: alice in
    const partial = block(state, [tx(alice, state, 'stake.unbond', { amount: 145 })]);
    expect(partial.failed[0]?.error?.code).toBe('BAD_REQUEST'); // 5 left < minBond
    state = partial.state; // 3
    state = block(state, [tx(alice, state, 'stake.unbond', { amount: 150 })]).state; // 4: boundary
    expect(state.validators.some((v) => v.did === alice.did)).toBe(false);
    expect(balance(state, alice.did)).toBe(850);
    state = block(state).state; // 5
    state = block(state).state; // 6
    expect(balance(state, alice.did)).toBe(850);
    state = block(state).state; // 7 = 4 + 3: released
    expect(balance(state, alice.did)).toBe(1000);
    expect(state.staking?.unbonding.size).toBe(0);
  });

  it('slashes a double-signer on committed evidence, from its bond and its unbonding, and bars it', () => {
    let state = genesisState(genesis()).state;
    state = block(state, [tx(alice, state, 'stake.bond', { amount: 300 })]).state;
    state = block(state).state; // 2: alice (300), v0, v1
    state = block(state, [tx(alice, state, 'stake.unbond', { amount: 100 })]).state; // 3
    const evidence = {
      first: vote(alice, state.chainId, 3, 1),
      second: vote(alice, state.chainId, 3, 2),
    };
    const slashed = block(state, [tx(reporter, state, 'evidence.submit', evidence)]);
    expect(slashed.failed).toEqual([]);
    state = slashed.state; // 4: 10% of 200 bonded + 10% of 100 unbonding
    expect(balance(state, stakeSlashedAccount)).toBe(30);
    expect(state.staking?.bonds.has(alice.did)).toBe(false);
    expect(state.staking?.unbonding.get(alice.did)?.reduce((s, e) => s + e.amount, 0)).toBe(270);
    expect(state.validators.some((v) => v.did === alice.did)).toBe(false);
    const again = block(state, [tx(alice, state, 'stake.bond', { amount: 50 })]);
    expect(again.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    state = again.state;
    for (let i = 0; i < 4; i++) state = block(state).state;
    expect(balance(state, alice.did)).toBe(970);
  });

  it('slashes the unbonding stake of a double-signer whose evidence comes after it left the set', () => {
    let state = genesisState(genesis()).state;
    state = block(state, [tx(alice, state, 'stake.bond', { amount: 200 })]).state;
    state = block(state).state; // 2: alice in the set
    const first = vote(alice, state.chainId, 2, 1);
    const second = vote(alice, state.chainId, 2, 2);
    state = block(state, [tx(alice, state, 'stake.unbond', { amount: 200 })]).state; // 3
    state = block(state).state; // 4: boundary, alice out of the set, 200 unbonding until 6
    expect(state.validators.some((v) => v.did === alice.did)).toBe(false);
    const late = block(state, [tx(reporter, state, 'evidence.submit', { first, second })]);
    expect(late.failed).toEqual([]);
    state = late.state; // 5: 10% of the 200 unbonding
    expect(balance(state, stakeSlashedAccount)).toBe(20);
    for (let i = 0; i < 4; i++) state = block(state).state;
    expect(balance(state, alice.did)).toBe(980);
    // Someone who never bonded is not accountable.
    const gone = block(state, [
      tx(reporter, state, 'evidence.submit', {
        first: vote(bob, state.chainId, 2, 1),
        second: vote(bob, state.chainId, 2, 2),
      }),
    ]);
    expect(gone.failed[0]?.error?.message).toMatch(/not a validator/);
  });

  it('refuses validator changes by vote on a staking chain', () => {
    const state = genesisState(genesis()).state;
    const out = block(state, [
      tx(v0, state, 'member.propose', {
        change: { kind: 'addValidator', did: bob.did, power: 1 },
        height: 5,
      }),
    ]);
    expect(out.rejected[0]?.error?.message).toMatch(/chosen by stake/);
  });

  it('rebuilds the same staking state from stored entries', () => {
    let state = genesisState(genesis()).state;
    const writes = new Map(genesisState(genesis()).writes);
    for (const txs of [[tx(alice, state, 'stake.bond', { amount: 150 })], [] as Tx[]]) {
      const executed = block(
        state,
        txs.length ? [tx(alice, state, 'stake.bond', { amount: 150 })] : [],
      );
      for (const [k, v] of executed.writes) writes.set(k, v);
      state = executed.state;
    }
    const header = {
      ...executeBlock(state, [], { time: 0, proposer: v0.did, round: 0 }, false).block.header,
      height: state.height,
    };
    const loaded = stateFromEntries(state.genesis, header, state.headHash, writes);
    expect(loaded.staking?.bonds).toEqual(state.staking?.bonds);
    expect(loaded.validators).toEqual(state.validators);
    expect(loaded.trie.rootHash()).toEqual(state.trie.rootHash());
  });

  it('checks the genesis: public, with a token, genesis bonds of at least minBond', () => {
    expect(() => genesisState({ ...genesis(), mode: 'consortium' })).toThrow(/public/);
    expect(() => genesisState({ ...genesis(), tokens: undefined })).toThrow(/token/);
    expect(() => genesisState(genesis({ minBond: 101 }))).toThrow(/minBond/);
    expect(() => genesisState(genesis({ maxValidators: 1 }))).toThrow(/maxValidators/);
  });
});
