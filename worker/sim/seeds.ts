// Shared body of the seed tests: run a range of mixed seeds, fail with every failing seed's report.
import { expect } from 'vitest';
import { defaultOptions, runSeed, SimFailure } from './sim';
import { mixedOptions } from './mix';

export function runSeedRange(
  first: number,
  count: number,
): { heights: number; txs: number; evidence: number } {
  const failures: string[] = [];
  const total = { heights: 0, txs: 0, evidence: 0 };
  for (let seed = first; seed < first + count; seed++) {
    try {
      const stats = runSeed(defaultOptions(seed, mixedOptions(seed, true)));
      total.heights += stats.heightsDecided;
      total.txs += stats.txsCommitted;
      total.evidence += stats.evidence;
    } catch (error) {
      if (!(error instanceof SimFailure)) throw error;
      failures.push(`seed ${seed}: ${error.message}`);
    }
  }
  expect(failures).toEqual([]);
  return total;
}
