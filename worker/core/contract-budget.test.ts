// The per-block budget of contract work (limits.blockContractStepsMax): the proposer stops
// including contract transactions once the block has used the budget, and a block that runs one
// after that is BAD_BLOCK on every peer. The sandbox here is a stand-in that reports the steps
// each call asks for (the real, metered engine is tested in worker/host/contract-block-budget.test.ts):
// steps are counted, never timed, so the rule is the same on every peer.
import { describe, expect, it } from 'vitest';
import { BotError } from './errors';
import { executeBlock, replayBlock, type ChainState } from './ledger';
import { devChain, put, testIdentity, type TestIdentity } from './testing';
import { signTx, type Tx } from './tx';
import type { ContractRuntime } from './modules/contracts';
import * as limits from './limits';

const owner = testIdentity('budget owner');
const alice = testIdentity('budget alice');
const bob = testIdentity('budget bob');

/** A sandbox whose calls cost exactly `args.steps` steps (scaled by `factor`); each call writes one key. */
class StepsRuntime implements ContractRuntime {
  readonly name = 'steps stand-in';
  lastRunSteps = 0;
  constructor(private readonly factor = 1) {}
  check() {
    this.lastRunSteps = 100 * this.factor;
    return { ok: true as const, methods: ['work'] };
  }
  call(
    _code: string,
    _method: string,
    argsJson: string,
    _ctx: unknown,
    host: { put(key: string, json: string | null): void },
  ) {
    const { steps, key } = JSON.parse(argsJson) as { steps: number; key: string };
    this.lastRunSteps = steps * this.factor;
    host.put(key, '1');
    return { ok: true as const, resultJson: 'null' };
  }
}

function tx(from: TestIdentity, chain: string, nonce: number, type: string, body: unknown): Tx {
  return signTx(
    { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
    from.seed,
  );
}

/** A chain with the contract "job" deployed by `owner`, run by `runtime`. */
function chainWith(runtime: ContractRuntime): ChainState {
  const base: ChainState = { ...devChain(owner).state, contractRuntime: runtime };
  const deployed = executeBlock(
    base,
    [tx(owner, base.chainId, 1, 'contract.deploy', { name: 'job', code: 'function work() {}' })],
    { time: base.headTime + 1, proposer: owner.did, round: 0 },
    true,
  );
  expect(deployed.failed).toEqual([]);
  return deployed.state;
}

function call(from: TestIdentity, chain: string, nonce: number, steps: number): Tx {
  return tx(from, chain, nonce, 'contract.call', {
    contract: 'job',
    method: 'work',
    args: { steps, key: `${from.did.slice(-6)}-${nonce}` },
  });
}

const meta = (state: ChainState) => ({
  time: state.headTime + 1000,
  proposer: owner.did,
  round: 0,
});

describe('contract work per block (limits.blockContractStepsMax)', () => {
  it('is counted in steps: the budget allows a few of the largest calls, not an unbounded run of them', () => {
    expect(limits.blockContractStepsMax).toBeGreaterThanOrEqual(limits.contractStepsMax);
    expect(limits.blockContractStepsMax / limits.contractStepsMax).toBeLessThanOrEqual(8);
  });

  it('the proposer stops including calls once the block has used the budget; the rest wait for the next block, in nonce order', () => {
    const chain = chainWith(new StepsRuntime());
    const per = limits.contractStepsMax; // the most one call can use before it is stopped
    const fits = Math.ceil(limits.blockContractStepsMax / per);
    const calls = Array.from({ length: fits + 3 }, (_, i) =>
      call(alice, chain.chainId, i + 1, per),
    );
    // Alice's data.put after her calls needs their nonces: it waits too. Bob's does not.
    const txs = [
      ...calls,
      put(alice, chain.chainId, fits + 4, 'after', 1),
      put(bob, chain.chainId, 1, 'other', 2),
    ];
    const first = executeBlock(chain, txs, meta(chain), false);
    expect(first.block.txs.filter((t) => t.type === 'contract.call')).toHaveLength(fits);
    expect(first.rejected).toEqual([]);
    expect(first.failed).toEqual([]);
    expect(first.block.txs.map((t) => `${t.type} ${t.from === bob.did ? 'bob' : 'alice'}`)).toEqual(
      [...Array.from({ length: fits }, () => 'contract.call alice'), 'data.put bob'],
    );
    expect(first.state.nonces.get(alice.did)).toBe(fits);
    // Every peer accepts that block, and the next one takes the rest.
    expect(replayBlock(chain, first.block).hash).toEqual(first.hash);
    const rest = txs.filter((t) => !first.block.txs.includes(t));
    const second = executeBlock(first.state, rest, meta(first.state), false);
    expect(second.block.txs.map((t) => t.nonce)).toEqual([fits + 1, fits + 2, fits + 3, fits + 4]);
    expect(second.state.nonces.get(alice.did)).toBe(fits + 4);
  });

  it('cheap calls are not limited by count: many fit in one block', () => {
    const chain = chainWith(new StepsRuntime());
    const calls = Array.from({ length: 200 }, (_, i) => call(alice, chain.chainId, i + 1, 1000));
    const block = executeBlock(chain, calls, meta(chain), false);
    expect(block.block.txs).toHaveLength(200);
  });

  it('a block that runs a contract transaction after its budget is spent is BAD_BLOCK on every peer', () => {
    // A proposer whose engine counts a tenth of the steps builds a block with every call in it…
    const lenient = chainWith(new StepsRuntime(0.1));
    const per = limits.contractStepsMax;
    const fits = Math.ceil(limits.blockContractStepsMax / per);
    const calls = Array.from({ length: fits + 2 }, (_, i) =>
      call(alice, lenient.chainId, i + 1, per),
    );
    const tooMuch = executeBlock(lenient, calls, meta(lenient), false);
    expect(tooMuch.block.txs).toHaveLength(fits + 2);
    // …which a peer counting the steps refuses.
    const honest = chainWith(new StepsRuntime());
    let refused: unknown = null;
    try {
      replayBlock(honest, tooMuch.block);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(BotError);
    expect((refused as BotError).code).toBe('BAD_BLOCK');
    expect((refused as BotError).message).toMatch(/contract work reached/);
    // The same calls within the budget are accepted.
    const within = executeBlock(lenient, calls.slice(0, fits), meta(lenient), false);
    expect(() => replayBlock(honest, within.block)).not.toThrow();
  });
});
