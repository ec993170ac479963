// Contract cost in Node (`npx tsx bench/contracts.ts`): blocks of 200 transactions executed by the
// pure ledger with the QuickJS runtime: data.put (no contract) against contract.call of a small
// counter method (fresh QuickJS runtime + context per call, code evaluated each time), and the cost
// of a call stopped at the step limit. Ratios are within one run; wall times depend on the machine.
import { executeBlock, type ChainState } from '../worker/core/ledger';
import { devChain, testIdentity } from '../worker/core/testing';
import { signTx, type Tx } from '../worker/core/tx';
import { loadContractRuntime } from '../worker/host/contract-runtime';
import * as limits from '../worker/core/limits';

const owner = testIdentity('bench contracts');
const runtime = await loadContractRuntime();
const n = 200;
let nonce = 0;
const tx = (chain: string, type: string, body: unknown): Tx =>
  signTx(
    { chain, type, from: owner.did, nonce: ++nonce, time: 1_700_000_000_000 + nonce, body },
    owner.seed,
  );

let state: ChainState = { ...devChain(owner).state, contractRuntime: runtime };
const code = `function add(ctx, args) { const n = (ctx.get('count') ?? 0) + args.by; ctx.put('count', n); return n; }\nfunction spin() { for (;;) {} }`;
state = executeBlock(
  state,
  [tx(state.chainId, 'contract.deploy', { name: 'counter', code })],
  { time: state.headTime + 1, proposer: owner.did, round: 0 },
  false,
).state;

function timeBlock(txs: Tx[]): number {
  const start = performance.now();
  const executed = executeBlock(
    state,
    txs,
    { time: state.headTime + 1, proposer: owner.did, round: 0 },
    false,
  );
  const ms = performance.now() - start;
  if (executed.rejected.length) throw new Error(executed.rejected[0]!.error!.message);
  state = executed.state;
  return ms;
}

const rows = [];
for (let round = 0; round < 3; round++) {
  const puts = timeBlock(
    Array.from({ length: n }, (_, i) => tx(state.chainId, 'data.put', { key: `k${i}`, value: i })),
  );
  const calls = timeBlock(
    Array.from({ length: n }, () =>
      tx(state.chainId, 'contract.call', { contract: 'counter', method: 'add', args: { by: 1 } }),
    ),
  );
  const spinStart = performance.now();
  const spun = executeBlock(
    state,
    [tx(state.chainId, 'contract.call', { contract: 'counter', method: 'spin', args: null })],
    { time: state.headTime + 1, proposer: owner.did, round: 0 },
    false,
  );
  nonce--; // rejected: the nonce was not used
  const spinMs = performance.now() - spinStart;
  if (spun.rejected[0]?.error?.code !== 'CONTRACT_STEPS')
    throw new Error('spin was not stopped by the step limit');
  rows.push({
    round,
    'data.put ms/tx': +(puts / n).toFixed(3),
    'contract.call ms/tx': +(calls / n).toFixed(3),
    'call/put': +(calls / puts).toFixed(1),
    [`spin to ${limits.contractStepsMax} steps ms`]: +spinMs.toFixed(1),
  });
}
console.table(rows);
console.log('counter after the runs:', state.contracts!.state.get('counter/count'));
