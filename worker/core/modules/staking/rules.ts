// Stateless rules of the staking transaction bodies and of a genesis's staking settings.
import { botError } from '../../errors';
import * as limits from '../../limits';
import { isPlainObject, onlyFields } from '../../body';
import type { BodyRules } from '../module';
import { checkAmount } from '../tokens/rules';
import type { StakingGenesis } from './types';

function amountRule(type: string): BodyRules {
  return {
    check(body) {
      if (!isPlainObject(body))
        throw botError('MALFORMED', `A ${type} body must be a map { amount }.`);
      onlyFields(body, ['amount'], type);
      checkAmount(body.amount);
    },
  };
}

export const stakingBodyRules: Record<string, BodyRules> = {
  'stake.bond': amountRule('stake.bond'),
  'stake.unbond': amountRule('stake.unbond'),
};

function wholeIn(value: unknown, name: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw botError(
      'BAD_FIELD_TYPE',
      `staking.${name} must be a whole number from ${min} to ${max}.`,
    );
}

/**
 * The staking settings of a genesis, with the rest of the genesis they depend on: a public chain
 * with a token, every genesis validator bonded at least minBond, no more validators than
 * maxValidators. Throws BAD_FIELD_TYPE naming what is wrong.
 */
export function checkStakingGenesis(
  value: unknown,
  genesis: { mode: string; tokens?: unknown; validators: ReadonlyArray<{ power: number }> },
): asserts value is StakingGenesis {
  if (!isPlainObject(value))
    throw botError(
      'BAD_FIELD_TYPE',
      'staking must be a map { minBond, unbondingBlocks, maxValidators, slashPercent, epochBlocks }.',
    );
  for (const name of Object.keys(value))
    if (
      !['minBond', 'unbondingBlocks', 'maxValidators', 'slashPercent', 'epochBlocks'].includes(name)
    )
      throw botError('BAD_FIELD_TYPE', `The staking settings have no field "${name}".`);
  if (genesis.mode !== 'public')
    throw botError('BAD_FIELD_TYPE', 'Only a public chain chooses its validators by stake.');
  if (genesis.tokens === undefined)
    throw botError('BAD_FIELD_TYPE', 'A chain with staking needs a native token (tokens).');
  checkAmount(value.minBond, 'staking.minBond');
  wholeIn(value.unbondingBlocks, 'unbondingBlocks', 0, limits.stakingUnbondingBlocksMax);
  wholeIn(value.maxValidators, 'maxValidators', 1, limits.validatorCountMax);
  wholeIn(value.slashPercent, 'slashPercent', 0, 100);
  wholeIn(value.epochBlocks, 'epochBlocks', 1, limits.stakingEpochBlocksMax);
  if (genesis.validators.length > (value.maxValidators as number))
    throw botError(
      'BAD_FIELD_TYPE',
      'The genesis names more validators than staking.maxValidators.',
    );
  for (const v of genesis.validators)
    if (v.power < (value.minBond as number))
      throw botError(
        'BAD_FIELD_TYPE',
        `Each genesis validator's power is its genesis bond, at least staking.minBond (${value.minBond}).`,
      );
}
