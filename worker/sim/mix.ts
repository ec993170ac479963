// The mixed seed set: sizes, engines, Byzantine counts and faults drawn from the seed, mostly
// small clusters so that hundreds of seeds run in seconds. `quick` (the vitest set) keeps to
// n <= 10 and shorter runs; the soak uses the full mix up to n = 16.
import { Random } from './prng';
import type { SimOptions } from './sim';

export function mixedOptions(seed: number, quick = false): Partial<SimOptions> {
  const random = new Random(seed ^ 0x5eed);
  const peers = random.pick(quick ? [4, 4, 4, 4, 5, 6, 7, 7, 10] : [4, 4, 4, 5, 7, 7, 10, 16]);
  const f = Math.floor((peers - 1) / 3);
  const timing = quick ? { healAtMs: 2000, durationMs: 6500, liveBoundMs: 4500 } : {};
  return {
    peers,
    engine: random.chance(0.7) ? 'bft' : 'poa',
    byzantine: random.chance(0.5) ? random.int(1, f) : 0,
    faults: random.chance(0.8),
    ...timing,
  };
}

/** The stake seed set: the mixed set with 1 to 3 candidates and at least one Byzantine validator where n allows. */
export function stakeOptions(seed: number, quick = false): Partial<SimOptions> {
  const base = mixedOptions(seed, quick);
  const random = new Random(seed ^ 0x57a4e);
  const f = Math.floor(((base.peers ?? 4) - 1) / 3);
  return {
    ...base,
    byzantine: random.int(1, f),
    // Double-voters half the time, so that evidence and slashing are exercised.
    strategies: [
      'doubleVote',
      'doubleVote',
      'doubleVote',
      'silent',
      'equivocate',
      'forge',
      'invalidBlock',
      'unknownVotes',
    ],
    staking: { candidates: random.int(1, 3) },
  };
}
