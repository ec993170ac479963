// window.bot: validators by stake on a public chain (issue 16). Types only, as worker/api.ts.

/** A public chain's staking, as one account sees it (staking()). */
export interface StakingView {
  /** False on a chain without staking (its validators change by votes): the rest is then empty. */
  enabled: boolean;
  /** The genesis settings (null without staking). */
  settings: {
    minBond: number;
    unbondingBlocks: number;
    maxValidators: number;
    slashPercent: number;
    epochBlocks: number;
  } | null;
  symbol: string | null;
  /** Height of the state read. */
  height: number;
  /** The next height at whose end the validator set is recomputed (null without staking). */
  nextEpochAt: number | null;
  /** The validators of the next block, each with its voting power (its bond on a staking chain). */
  validators: Array<{ did: string; power: number }>;
  /** The validators the bonds would elect at the next epoch boundary, as things stand. */
  elected: Array<{ did: string; power: number }>;
  /** The account asked about (default: this peer). */
  account: string;
  /** Its bond, its balance (what it can still bond), its unbonding tokens and when they return. */
  bond: number;
  balance: number;
  unbonding: Array<{ amount: number; release: number }>;
  /** It is a validator of the next block. */
  validator: boolean;
  /** The height of the evidence that slashed it (it may not bond again); null: never slashed. */
  slashedAt: number | null;
  /** Tokens slashed from every offender so far (held by stake:slashed, spendable by no one). */
  slashedTotal: number;
}

export interface StakingMethods {
  /** Staking on this chain, for `account` (default: this peer's did). */
  staking(account?: string): Promise<StakingView>;
  /**
   * Bond `amount` of this peer's tokens (stake.bond): the bond counts at the next epoch boundary,
   * where the largest bonds of at least minBond become the validators with power = bond.
   * Prechecked: BAD_REQUEST without staking or below minBond, INSUFFICIENT_FUNDS above the balance.
   */
  bond(amount: number): Promise<{ txId: string }>;
  /** Unbond `amount` (stake.unbond): it returns to the balance unbondingBlocks blocks later. */
  unbond(amount: number): Promise<{ txId: string }>;
}

export const stakingMethodNames = ['staking', 'bond', 'unbond'] as const;
