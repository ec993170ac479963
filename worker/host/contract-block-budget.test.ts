// The per-block budget of contract work (limits.blockContractStepsMax) with the real, metered
// engine: many calls that each run to their own step limit do not run back to back without
// bound in one block. The proposer takes only as many as the block's budget allows, every peer
// accepts that block, and the rest wait for the next blocks.
import { beforeAll, describe, expect, it } from 'vitest';
import { executeBlock, replayBlock, type ChainState } from '../core/ledger';
import { devChain, testIdentity, type TestIdentity } from '../core/testing';
import { signTx, type Tx } from '../core/tx';
import type { ContractRuntime } from '../core/modules/contracts';
import * as limits from '../core/limits';
import { loadContractRuntime } from './contract-runtime';

const owner = testIdentity('block budget owner');
const caller = testIdentity('block budget caller');

let runtime: ContractRuntime;
beforeAll(async () => {
  runtime = await loadContractRuntime();
});

function tx(from: TestIdentity, chain: string, nonce: number, type: string, body: unknown): Tx {
  return signTx(
    { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
    from.seed,
  );
}

const meta = (state: ChainState) => ({
  time: state.headTime + 1000,
  proposer: owner.did,
  round: 0,
});

describe('contract work per block, metered engine', () => {
  it('calls that each exhaust their steps: the block takes what its budget allows, the rest wait', () => {
    const base: ChainState = { ...devChain(owner).state, contractRuntime: runtime };
    const code = 'function spin() { for (;;) {} }\nfunction cheap() { return 1; }';
    const deployed = executeBlock(
      base,
      [tx(owner, base.chainId, 1, 'contract.deploy', { name: 'hot', code })],
      meta(base),
      true,
    );
    expect(deployed.failed).toEqual([]);
    const chain = deployed.state;
    const spins = Array.from({ length: 8 }, (_, i) =>
      tx(caller, chain.chainId, i + 1, 'contract.call', {
        contract: 'hot',
        method: 'spin',
        args: null,
      }),
    );
    const first = executeBlock(chain, spins, meta(chain), false);
    // Each call is stopped at contractStepsMax + 1 steps; the block stops taking calls once its
    // work reaches blockContractStepsMax.
    const fits = Math.ceil(limits.blockContractStepsMax / (limits.contractStepsMax + 1));
    expect(fits).toBeLessThan(spins.length);
    expect(first.block.txs).toHaveLength(fits);
    expect(first.failed.map((f) => f.error?.code)).toEqual(
      Array.from({ length: fits }, () => 'CONTRACT_STEPS'),
    );
    expect(first.rejected).toEqual([]);
    // Every peer accepts it (the same steps everywhere), and the rest follow in the next blocks.
    expect(replayBlock(chain, first.block).hash).toEqual(first.hash);
    const second = executeBlock(first.state, spins.slice(fits), meta(first.state), false);
    expect(second.block.txs.map((t) => t.nonce)).toEqual(
      spins.slice(fits, 2 * fits).map((t) => t.nonce),
    );
    // A block that ran all eight is refused.
    expect(() =>
      replayBlock(chain, {
        ...first.block,
        txs: spins,
        header: { ...first.block.header },
      }),
    ).toThrow(/contract work reached/);
  });

  it('cheap calls fill a block: the budget counts steps, not calls', () => {
    const base: ChainState = { ...devChain(owner).state, contractRuntime: runtime };
    const deployed = executeBlock(
      base,
      [
        tx(owner, base.chainId, 1, 'contract.deploy', {
          name: 'light',
          code: 'function cheap() { return 1; }',
        }),
      ],
      meta(base),
      true,
    );
    const chain = deployed.state;
    const calls = Array.from({ length: 100 }, (_, i) =>
      tx(caller, chain.chainId, i + 1, 'contract.call', {
        contract: 'light',
        method: 'cheap',
        args: null,
      }),
    );
    const block = executeBlock(chain, calls, meta(chain), false);
    expect(block.block.txs).toHaveLength(100);
    expect(block.failed).toEqual([]);
  });
});
