// Deterministic randomness for the device simulators: everything derives from a seed and, where
// values change over time, from a time the caller passes in. No Math.random, no clock. The noise
// is a pure function of (seed, channel, position), so any instant can be asked for in any order
// and gives the same answer, which is what replayable tests need.

/** Checks a seed: an integer 0..2^32-1. */
export function checkSeed(caller: string, seed: number): number {
  if (typeof seed !== 'number') throw new TypeError(`${caller}: seed must be a number`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${caller}: seed must be an integer 0..4294967295, got ${seed}`);
  }
  return seed;
}

/** Checks a time parameter: finite milliseconds (Unix epoch or since start, as the caller says). */
export function checkTimeMs(caller: string, timeMs: number): number {
  if (typeof timeMs !== 'number') throw new TypeError(`${caller}: timeMs must be a number`);
  if (!Number.isFinite(timeMs))
    throw new RangeError(`${caller}: timeMs must be finite, got ${timeMs}`);
  return timeMs;
}

/** MurmurHash3's 32-bit finaliser: a cheap, well-mixed integer hash. */
function finalise(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hashes integers (any size a double holds exactly) to a uint32. */
export function hash32(...values: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const value of values) {
    const high = Math.floor(value / 0x100000000);
    h = finalise((h ^ (value >>> 0)) + 0x9e3779b9);
    h = finalise((h ^ (high >>> 0)) + 0x7f4a7c15);
  }
  return h;
}

/** Uniform in [0, 1) for the integer `index` of a channel. */
export function unitNoise(seed: number, channel: number, index: number): number {
  return hash32(seed, channel, index) / 0x100000000;
}

/**
 * Smooth noise in [0, 1): random values at integer positions, cosine-interpolated between them.
 * `position` is time divided by the period the caller wants the value to wander over.
 */
export function smoothNoise(seed: number, channel: number, position: number): number {
  const left = Math.floor(position);
  const fraction = position - left;
  const weight = (1 - Math.cos(Math.PI * fraction)) / 2;
  const a = unitNoise(seed, channel, left);
  const b = unitNoise(seed, channel, left + 1);
  return a + (b - a) * weight;
}

/** A sequential generator (mulberry32) for things drawn once from a seed, like a route. */
export function createRandom(seed: number): () => number {
  let state = hash32(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}
