import { describe, expect, it } from 'vitest';
import { runSeedRange } from './seeds';

// Seeds 1-100 of the mixed set (n = 4 to 10, bft and poa, faults, Byzantine validators).
// Replay one failure exactly with SEED=<seed> npm run sim.
describe('simulator seeds 1-100', () => {
  it('keeps agreement, validity, durability and liveness after heal', () => {
    const total = runSeedRange(1, 100);
    expect(total.heights).toBeGreaterThan(1000);
  }, 170_000);
});
