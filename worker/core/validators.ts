// Validators and the quorum rule, apart from block.ts so that capability modules can use them
// without importing the transaction codec.

export interface Validator {
  did: string;
  power: number;
}

/** More than 2/3 of the voting power, counting each validator once. */
export function hasQuorum(signers: Iterable<string>, validators: Validator[]): boolean {
  const total = validators.reduce((sum, v) => sum + v.power, 0);
  const seen = new Set<string>();
  let power = 0;
  for (const did of signers) {
    if (seen.has(did)) continue;
    seen.add(did);
    power += validators.find((v) => v.did === did)?.power ?? 0;
  }
  return exceedsTwoThirds(power, total);
}

/**
 * power > 2/3 of total, exactly for any safe-integer powers (stake-weighted powers reach 2^53,
 * where power * 3 would round): doubling and the difference of safe integers are exact.
 */
export function exceedsTwoThirds(power: number, total: number): boolean {
  return power > 2 * (total - power);
}

/** power > 1/3 of total, exactly (see exceedsTwoThirds). */
export function exceedsOneThird(power: number, total: number): boolean {
  return 2 * power > total - power;
}
