// Property: over random blocks of transfers (many of them failing: too large, to oneself, by
// accounts holding nothing), mints and fees, the balances always add up to the supply, none is
// negative, and each balance equals a plain model of the rules (so a failing transfer moved
// nothing and a fee went to the proposer).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeBlock, genesisState, type ChainState, type Genesis } from '../../ledger';
import { devGenesis, testIdentity } from '../../testing';
import { signTx, type Tx } from '../../tx';
import { balanceOf, emptyTokens, supplyCheck } from '.';

const people = [0, 1, 2, 3, 4].map((i) => testIdentity(`tok prop ${i}`));
const validator = testIdentity('tok prop validator');
const minter = people[4]!;

type Op = { kind: 'transfer' | 'mint'; from: number; to: number; amount: number };

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('transfer', 'transfer', 'transfer', 'mint'),
  from: fc.nat(4),
  to: fc.nat(4),
  amount: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5000 })),
});

describe('token conservation (property)', () => {
  it('keeps supply = sum of balances, no balance below zero, and matches the model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        fc.nat(5),
        (blocks, fee) => {
          const genesis: Genesis = {
            ...devGenesis(validator, 'tok prop'),
            tokens: {
              symbol: 'BOT',
              allocations: people
                .slice(0, 3)
                .map((p, i) => ({ did: p.did, amount: 100 * (i + 1) })),
              fee,
              minter: minter.did,
              supplyMax: 3000,
            },
          };
          let state: ChainState = genesisState(genesis).state;
          const model = new Map<string, number>(
            genesis.tokens!.allocations.map((a) => [a.did, a.amount]),
          );
          let supply = 600;
          const get = (did: string) => model.get(did) ?? 0;
          const nonces = new Map<string, number>();
          for (const ops of blocks) {
            const txs: Tx[] = ops.map((o) => {
              const from = o.kind === 'mint' && o.from % 2 === 0 ? minter : people[o.from]!;
              const nonce = (nonces.get(from.did) ?? 0) + 1;
              nonces.set(from.did, nonce);
              return signTx(
                {
                  chain: state.chainId,
                  type: o.kind === 'mint' ? 'token.mint' : 'token.transfer',
                  from: from.did,
                  nonce,
                  time: genesis.time,
                  body: { to: people[o.to]!.did, amount: o.amount },
                },
                from.seed,
              );
            });
            const executed = executeBlock(
              state,
              txs,
              { time: genesis.time + state.height + 1, proposer: validator.did, round: 0 },
              false,
            );
            state = executed.state;
            // The model, in order.
            const failed = new Map(executed.failed.map((f) => [f.txId, f.error!.code]));
            expect(executed.rejected).toEqual([]);
            executed.txIds.forEach((id, i) => {
              const tx = txs[i]!;
              const { to, amount } = tx.body as { to: string; amount: number };
              let code: string | undefined;
              if (tx.type === 'token.mint') {
                if (tx.from !== minter.did) code = 'UNAUTHORIZED';
                else if (supply + amount > 3000) code = 'BAD_REQUEST';
              } else if (tx.from === to) code = 'BAD_REQUEST';
              else if (get(tx.from) < amount + fee) code = 'INSUFFICIENT_FUNDS';
              expect(failed.get(id), `${tx.type} ${amount}`).toBe(code);
              if (code) return;
              if (tx.type === 'token.mint') {
                supply += amount;
                model.set(to, get(to) + amount);
              } else {
                model.set(tx.from, get(tx.from) - amount - fee);
                model.set(to, get(to) + amount);
                model.set(validator.did, get(validator.did) + fee);
              }
            });
            const tokens = state.tokens ?? emptyTokens(genesis);
            expect(supplyCheck(tokens)).toBeNull();
            expect(tokens.supply).toBe(supply);
            for (const did of [...people.map((p) => p.did), validator.did]) {
              expect(balanceOf(tokens, did)).toBe(get(did));
              expect(balanceOf(tokens, did)).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
