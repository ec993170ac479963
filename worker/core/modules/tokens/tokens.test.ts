// The native token on the pure core: genesis allocation with proofs, transfers with a fee to the
// proposer, typed refusals that change nothing, minting by the genesis rule or by governance,
// and a chain reloaded from its entries holding the same balances.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  replayBlock,
  stateFromEntries,
  type ChainState,
  type ExecutedBlock,
  type Genesis,
} from '../../ledger';
import { bftGenesis, devGenesis, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, txIdOf, type Tx } from '../../tx';
import { sha256 } from '../../crypto/hash';
import { verifyStateProof } from '../../state-trie';
import { BotError } from '../../errors';
import * as limits from '../../limits';
import {
  balanceOf,
  decodeTokenAccount,
  emptyTokens as emptyTokensFor,
  supplyCheck,
  tokenAccountPrefix,
  type TokenState,
} from '.';

const alice = testIdentity('tok alice');
const bob = testIdentity('tok bob');
const carol = testIdentity('tok carol');
const validator = testIdentity('tok validator');

function tokenGenesis(extra: Partial<NonNullable<Genesis['tokens']>> = {}): Genesis {
  return {
    ...devGenesis(validator, 'tokens'),
    tokens: {
      symbol: 'BOT',
      allocations: [
        { did: alice.did, amount: 1000 },
        { did: bob.did, amount: 50 },
      ],
      ...extra,
    },
  };
}

class Chain {
  state: ChainState;
  readonly blocks: ExecutedBlock[] = [];
  readonly nonces = new Map<string, number>();
  constructor(readonly genesis: Genesis) {
    this.state = genesisState(genesis).state;
  }
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time: this.genesis.time, body },
      from.seed,
    );
  }
  block(txs: Tx[], proposer = validator.did): ExecutedBlock {
    const executed = executeBlock(
      this.state,
      txs,
      { time: this.genesis.time + this.state.height + 1, proposer, round: 0 },
      false,
    );
    this.state = executed.state;
    this.blocks.push(executed);
    return executed;
  }
  tokens(): TokenState {
    return this.state.tokens ?? emptyTokensFor(this.genesis);
  }
  balance(id: TestIdentity | string): number {
    return balanceOf(this.tokens(), typeof id === 'string' ? id : id.did);
  }
}

function failedCodes(executed: ExecutedBlock): string[] {
  return executed.failed.map((f) => f.error!.code);
}

describe('native token', () => {
  it('allocates the genesis balances, each with a Merkle proof against the state root', () => {
    const { state, writes } = genesisState(tokenGenesis());
    const tokens = state.tokens ?? emptyTokensFor(state.genesis);
    expect(balanceOf(tokens, alice.did)).toBe(1000);
    expect(tokens.supply).toBe(1050);
    const key = tokenAccountPrefix + alice.did;
    const entry = writes.get(key)!;
    const proof = state.trie.prove(key)!;
    expect(verifyStateProof(state.trie.rootHash(), key, sha256(entry), proof)).toBe(true);
    expect(decodeTokenAccount(entry).balance).toBe(1000);
    // A forged entry (a larger balance) does not verify against the same root.
    const forged = genesisState(
      tokenGenesis({ allocations: [{ did: alice.did, amount: 9999 }] }),
    ).writes.get(key)!;
    expect(verifyStateProof(state.trie.rootHash(), key, sha256(forged), proof)).toBe(false);
  });

  it('keeps a genesis without tokens as it was: same writes, and token transactions fail', () => {
    const plain = devGenesis(validator, 'tokens');
    const { writes } = genesisState(plain);
    expect([...writes.keys()]).toEqual(['sys/genesis', 'sys/validators']);
    const chain = new Chain(plain);
    const executed = chain.block([chain.tx(alice, 'token.transfer', { to: bob.did, amount: 1 })]);
    expect(failedCodes(executed)).toEqual(['BAD_REQUEST']);
    expect(executed.failed[0]!.error!.message).toMatch(/no token/);
  });

  it('moves the amount, pays the fee to the proposer, and records both sides in the history', () => {
    const chain = new Chain(tokenGenesis({ fee: 2 }));
    const send = chain.tx(alice, 'token.transfer', { to: carol.did, amount: 100, memo: 'lunch' });
    const executed = chain.block([send]);
    expect(executed.failed).toEqual([]);
    expect(chain.balance(alice)).toBe(898);
    expect(chain.balance(carol)).toBe(100);
    expect(chain.balance(validator)).toBe(2);
    expect(chain.tokens().supply).toBe(1050);
    expect(supplyCheck(chain.tokens())).toBeNull();
    const id = txIdOf(send);
    const aliceEntry = decodeTokenAccount(executed.writes.get(tokenAccountPrefix + alice.did)!);
    expect(aliceEntry).toEqual({
      balance: 898,
      height: 1,
      moves: [{ tx: id, dir: 'out', with: carol.did, amount: 100, fee: 2, memo: 'lunch' }],
    });
    const carolEntry = decodeTokenAccount(executed.writes.get(tokenAccountPrefix + carol.did)!);
    expect(carolEntry.moves).toEqual([
      { tx: id, dir: 'in', with: alice.did, amount: 100, memo: 'lunch' },
    ]);
    const feeEntry = decodeTokenAccount(executed.writes.get(tokenAccountPrefix + validator.did)!);
    expect(feeEntry.moves).toEqual([{ tx: id, dir: 'fee', with: alice.did, amount: 2 }]);
  });

  it('refuses a transfer above the balance with INSUFFICIENT_FUNDS and changes nothing but the nonce', () => {
    const chain = new Chain(tokenGenesis({ fee: 1 }));
    const rootBefore = chain.state.trie.rootHash();
    // 50 held: 50 + fee 1 is one too many.
    const executed = chain.block([chain.tx(bob, 'token.transfer', { to: alice.did, amount: 50 })]);
    expect(failedCodes(executed)).toEqual(['INSUFFICIENT_FUNDS']);
    expect(executed.failed[0]!.error!.message).toMatch(
      /You hold 50; paying 50 and a fee of 1 needs more/,
    );
    expect(chain.balance(bob)).toBe(50);
    expect(chain.balance(alice)).toBe(1000);
    expect(chain.balance(validator)).toBe(0);
    expect([...executed.writes.keys()].filter((k) => k.startsWith('tok/'))).toEqual([]);
    expect(chain.state.trie.rootHash()).not.toEqual(rootBefore); // the nonce and failure record only
    // 49 + 1 fits exactly; bob ends at 0 and is no longer listed.
    const ok = chain.block([chain.tx(bob, 'token.transfer', { to: alice.did, amount: 49 })]);
    expect(ok.failed).toEqual([]);
    expect(chain.balance(bob)).toBe(0);
    expect(chain.tokens().balances.has(bob.did)).toBe(false);
    expect(supplyCheck(chain.tokens())).toBeNull();
  });

  it('refuses a transfer to yourself, and bad amounts and recipients before signing (typed)', () => {
    const chain = new Chain(tokenGenesis());
    const executed = chain.block([chain.tx(alice, 'token.transfer', { to: alice.did, amount: 1 })]);
    expect(failedCodes(executed)).toEqual(['BAD_REQUEST']);
    const bad: Array<[unknown, string]> = [
      [{ to: bob.did, amount: 0 }, 'BAD_FIELD_TYPE'],
      [{ to: bob.did, amount: -5 }, 'BAD_FIELD_TYPE'],
      [{ to: bob.did, amount: 1.5 }, 'BAD_FIELD_TYPE'],
      [{ to: bob.did, amount: '5' }, 'BAD_FIELD_TYPE'],
      [{ to: bob.did, amount: limits.tokenAmountMax + 1 }, 'BAD_FIELD_TYPE'],
      [{ to: bob.did }, 'MISSING_FIELD'],
      [{ amount: 1 }, 'MISSING_FIELD'],
      [{ to: 'bob', amount: 1 }, 'BAD_FIELD_TYPE'],
      [{ to: bob.did, amount: 1, memo: 'x'.repeat(limits.tokenMemoBytesMax + 1) }, 'TOO_LARGE'],
      [{ to: bob.did, amount: 1, extra: true }, 'MALFORMED'],
      [[bob.did, 1], 'MALFORMED'],
    ];
    for (const [body, code] of bad) {
      let caught: unknown;
      try {
        checkTx(
          signTx(
            {
              chain: chain.state.chainId,
              type: 'token.transfer',
              from: alice.did,
              nonce: 9,
              time: 0,
              body,
            },
            alice.seed,
          ),
        );
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(body)).toBeInstanceOf(BotError);
      expect((caught as BotError).code, JSON.stringify(body)).toBe(code);
    }
  });

  it('mints only by the genesis minter, and never past the supply cap', () => {
    const chain = new Chain(tokenGenesis({ minter: carol.did, supplyMax: 2000 }));
    const executed = chain.block([
      chain.tx(alice, 'token.mint', { to: alice.did, amount: 10 }),
      chain.tx(carol, 'token.mint', { to: bob.did, amount: 900 }),
      chain.tx(carol, 'token.mint', { to: bob.did, amount: 51 }),
    ]);
    expect(failedCodes(executed)).toEqual(['UNAUTHORIZED', 'BAD_REQUEST']);
    expect(chain.balance(bob)).toBe(950);
    expect(chain.tokens().supply).toBe(1950);
    expect(supplyCheck(chain.tokens())).toBeNull();
  });

  it('mints by a passed governance proposal, once, carried out by anyone', () => {
    const v = [0, 1, 2, 3].map((i) => testIdentity(`tok gov ${i}`));
    const genesis: Genesis = {
      ...bftGenesis('tok gov', v),
      tokens: { symbol: 'BOT', allocations: [{ did: alice.did, amount: 5 }] },
    };
    const chain = new Chain(genesis);
    const propose = chain.tx(v[0]!, 'member.propose', {
      change: { kind: 'mint', to: bob.did, amount: 700 },
      height: 3,
    });
    const proposal = txIdOf(propose);
    chain.block([propose], v[0]!.did);
    // Not passed yet: refused.
    const early = chain.block([chain.tx(alice, 'token.mint', { proposal })], v[0]!.did);
    expect(failedCodes(early)).toEqual(['BAD_REQUEST']);
    chain.block(
      [1, 2].map((i) => chain.tx(v[i]!, 'member.vote', { proposal, approve: true })),
      v[0]!.did,
    );
    const done = chain.block([chain.tx(alice, 'token.mint', { proposal })], v[0]!.did);
    expect(done.failed).toEqual([]);
    expect(chain.balance(bob)).toBe(700);
    expect(chain.tokens().supply).toBe(705);
    const again = chain.block([chain.tx(bob, 'token.mint', { proposal })], v[0]!.did);
    expect(failedCodes(again)).toEqual(['BAD_REQUEST']);
    expect(chain.tokens().supply).toBe(705);
    // A mint change with a bad amount is refused before signing.
    expect(() =>
      checkTx(
        chain.tx(v[0]!, 'member.propose', {
          change: { kind: 'mint', to: bob.did, amount: 0 },
          height: 9,
        }),
      ),
    ).toThrow(/mint amount/);
  });

  it('replays and reloads to the same balances, supply and minted proposals', () => {
    const chain = new Chain(tokenGenesis({ fee: 3, minter: alice.did }));
    chain.block([
      chain.tx(alice, 'token.transfer', { to: bob.did, amount: 10 }),
      chain.tx(bob, 'token.transfer', { to: carol.did, amount: 60 }),
      chain.tx(alice, 'token.mint', { to: carol.did, amount: 5 }),
    ]);
    chain.block([chain.tx(carol, 'token.transfer', { to: alice.did, amount: 1 })]);
    let replayed = genesisState(chain.genesis).state;
    for (const b of chain.blocks) replayed = replayBlock(replayed, b.block).state;
    expect(replayed.tokens).toEqual(chain.state.tokens);
    const entries = new Map(genesisState(chain.genesis).writes);
    for (const b of chain.blocks) for (const [k, v] of b.writes) entries.set(k, v);
    const head = chain.blocks.at(-1)!;
    const loaded = stateFromEntries(chain.genesis, head.block.header, head.hash, entries);
    expect(loaded.tokens).toEqual(chain.state.tokens);
    expect(loaded.trie.rootHash()).toEqual(chain.state.trie.rootHash());
  });

  it('refuses bad token settings in a genesis', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ symbol: '', allocations: [] }, /symbol/],
      [{ symbol: 'BOT', allocations: [{ did: 'x', amount: 1 }] }, /did:key/],
      [
        {
          symbol: 'BOT',
          allocations: [
            { did: alice.did, amount: 1 },
            { did: alice.did, amount: 2 },
          ],
        },
        /twice/,
      ],
      [
        {
          symbol: 'BOT',
          allocations: [
            { did: alice.did, amount: limits.tokenSupplyMax },
            { did: bob.did, amount: 1 },
          ],
        },
        /largest supply/,
      ],
      [{ symbol: 'BOT', allocations: [], fee: -1 }, /fee/i],
      [{ symbol: 'BOT', allocations: [{ did: alice.did, amount: 5 }], supplyMax: 4 }, /supplyMax/],
      [{ symbol: 'BOT', allocations: [], burn: true }, /no field "burn"/],
    ];
    for (const [tokens, message] of cases)
      expect(() => genesisState({ ...devGenesis(validator), tokens } as Genesis)).toThrow(message);
  });
});
