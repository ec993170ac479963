// Validators by stake on a public chain (issue 16, Y.4464 Appendix I public mode).
//   stake.bond { amount }     the sender moves `amount` of its tokens into its bond
//   stake.unbond { amount }   the sender moves `amount` of its bond to unbonding; the tokens come
//                             back to its balance `unbondingBlocks` blocks later
// Bonded and unbonding tokens sit in the token account "stake:pool" (so the token supply counts
// them and stays constant); slashed ones move to "stake:slashed", which no key can spend.
// At the end of every block whose height is a multiple of `epochBlocks`, the validators of the
// next blocks are recomputed: the `maxValidators` largest bonds of at least `minBond`, each with
// voting power equal to its bond (ties: the smaller did first). Evidence of a double vote
// committed on chain (evidence.submit, worker/core/modules/governance) slashes `slashPercent` %
// of the offender's bond and unbonding tokens at the end of that block, moves the rest of its
// bond to unbonding, removes it from the validators for the next block and bars it from bonding
// again. A genesis validator's power is its genesis bond (created into stake:pool at height 0).
// State (prefix "stk/"): stk/bond/<did> { b, h }; stk/unbonding/<did> { e: [{ a, r }], h }
// (amount, release height); stk/jailed/<did> { h, s } (height, tokens slashed).

/** The staking settings of a public chain's genesis (Genesis.staking). */
export interface StakingGenesis {
  /** Smallest bond that counts for the validator set (and smallest bond left after an unbond). */
  minBond: number;
  /** Blocks between an unbond and the release of its tokens (they can still be slashed until then). */
  unbondingBlocks: number;
  /** Most validators in a set (at most limits.validatorCountMax). */
  maxValidators: number;
  /** Percent (0 to 100, whole) of an offender's bond and unbonding tokens slashed. */
  slashPercent: number;
  /** The validator set is recomputed at the end of every block whose height is a multiple of it. */
  epochBlocks: number;
}

export const stakingTxTypes = ['stake.bond', 'stake.unbond'] as const;
export const stakePoolAccount = 'stake:pool';
export const stakeSlashedAccount = 'stake:slashed';
export const bondPrefix = 'stk/bond/';
export const unbondingPrefix = 'stk/unbonding/';
export const jailedPrefix = 'stk/jailed/';

export interface UnbondingEntry {
  amount: number;
  /** The height at whose end the tokens return to the balance. */
  release: number;
}

export interface StakingState {
  readonly settings: StakingGenesis | undefined;
  readonly bonds: ReadonlyMap<string, number>;
  readonly unbonding: ReadonlyMap<string, readonly UnbondingEntry[]>;
  /** Offenders slashed, with the height of their evidence: they may not bond again. */
  readonly jailed: ReadonlyMap<string, number>;
}

/** The tokens a genesis bonds for its validators (their powers), held by stake:pool. */
export function genesisStakeOf(genesis: {
  staking?: StakingGenesis;
  validators: ReadonlyArray<{ power: number }>;
}): number {
  if (genesis.staking === undefined) return 0;
  return genesis.validators.reduce((sum, v) => sum + v.power, 0);
}
