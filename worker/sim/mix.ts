// The mixed seed set: sizes, engines, Byzantine counts and faults drawn from the seed, mostly
// small clusters so that hundreds of seeds run in seconds.
import { Random } from './prng';
import type { SimOptions } from './sim';

export function mixedOptions(seed: number): Partial<SimOptions> {
  const random = new Random(seed ^ 0x5eed);
  const peers = random.pick([4, 4, 4, 5, 7, 7, 10, 16]);
  const f = Math.floor((peers - 1) / 3);
  return {
    peers,
    engine: random.chance(0.7) ? 'bft' : 'poa',
    byzantine: random.chance(0.5) ? random.int(1, f) : 0,
    faults: random.chance(0.8),
  };
}
