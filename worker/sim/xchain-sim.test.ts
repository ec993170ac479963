// Seeded two-chain runs of cross-chain operations under relay crashes, withholding, forgeries
// and replays (./xchain-sim.ts): all or nothing and token conservation after every block.
import { describe, expect, it } from 'vitest';
import { runXchainSim, XSimFailure } from './xchain-sim';
import type { XchainMode } from '../core/modules/xchain/types';

function runSeeds(mode: XchainMode, first: number, count: number) {
  const failures: string[] = [];
  const total = { finalized: 0, aborted: 0, failedTxs: 0, forged: 0, crashed: 0 };
  for (let seed = first; seed < first + count; seed++) {
    try {
      const report = runXchainSim({ seed, mode, steps: 100, operations: 6 });
      total.finalized += report.finalized;
      total.aborted += report.aborted;
      total.failedTxs += report.failedTxs;
      total.forged += report.relayMoves.forge!;
      total.crashed += report.relayMoves.crash!;
    } catch (error) {
      if (!(error instanceof XSimFailure)) throw error;
      failures.push(error.message);
    }
  }
  expect(failures).toEqual([]);
  return total;
}

describe('two-chain simulator: cross-chain operations all or nothing', () => {
  it('contract mode (on-chain light clients), 4 seeds', { timeout: 600_000 }, () => {
    const total = runSeeds('contract', 1, 4);
    // The runs met every outcome and every relay fault.
    expect(total.finalized).toBeGreaterThan(0);
    expect(total.aborted).toBeGreaterThan(0);
    expect(total.forged).toBeGreaterThan(0);
    expect(total.crashed).toBeGreaterThan(0);
    expect(total.failedTxs).toBeGreaterThan(0);
  });

  it('relay mode and shared-nodes mode, 2 seeds each', { timeout: 600_000 }, () => {
    for (const mode of ['relay', 'shared'] as const) {
      const total = runSeeds(mode, 101, 2);
      expect(total.finalized + total.aborted).toBeGreaterThan(0);
    }
  });
});
