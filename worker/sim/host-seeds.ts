// Shared body of the real-host seed tests: run a range of mixed seeds (host-sim.ts hostMixed),
// fail with every failing seed's report (each names its replay command).
import { expect } from 'vitest';
import { hostMixed, runHostSeed, type HostSimOptions } from './host-sim';
import { SimFailure } from './sim';

export async function runHostSeedRange(
  first: number,
  count: number,
  overrides: Partial<HostSimOptions> = {},
): Promise<{ heights: number; writes: number; crashes: number; failedAsExpected: number }> {
  const failures: string[] = [];
  const total = { heights: 0, writes: 0, crashes: 0, failedAsExpected: 0 };
  for (let seed = first; seed < first + count; seed++) {
    try {
      const stats = await runHostSeed(hostMixed(seed, overrides));
      total.heights += stats.heights;
      total.writes += stats.writesCommitted;
      total.crashes += stats.crashes;
      total.failedAsExpected += stats.writesFailedAsExpected;
    } catch (error) {
      if (!(error instanceof SimFailure)) throw error;
      failures.push(`seed ${seed}: ${error.message}`);
    }
  }
  expect(failures).toEqual([]);
  return total;
}
