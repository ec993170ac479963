// Validators by stake on a public chain (issue 16): bond, unbond with a delay, the validator set
// elected from the bonds at epoch boundaries with power = bond, and slashing on evidence of a
// double vote. Records in ./types.ts, body rules in ./rules.ts, state transition in ./apply.ts.
// Registered before the token module: its end of block moves tokens (releases, slashes) through
// the token overlay, which the token module then writes.
import { botError } from '../../errors';
import type { TxModule } from '../module';
import { governanceModule, type Change } from '../governance';
import { tokensModule } from '../tokens';
import {
  applyStakingTx,
  bondIn,
  decodeBond,
  decodeUnbonding,
  electValidators,
  emptyStaking,
  finishStaking,
  stakingFromEntries,
  stakingOverlayOf,
  unbondingIn,
  type StakingOverlay,
} from './apply';
import { stakingBodyRules } from './rules';
import { stakingTxTypes, type StakingState } from './types';

export * from './types';
export {
  decodeBond,
  decodeUnbonding,
  electValidators,
  emptyStaking,
  stakeCheck,
  type StakingOverlay,
} from './apply';
export { checkStakingGenesis } from './rules';

const setChanges: ReadonlyArray<Change['kind']> = ['addValidator', 'removeValidator', 'setPower'];

export const stakingModule: TxModule<StakingState, StakingOverlay, 'staking'> = {
  name: 'staking',
  txTypes: stakingTxTypes,
  bodyRules: stakingBodyRules,
  empty: emptyStaking,
  overlay: (state, block) =>
    stakingOverlayOf(
      state,
      () => block.overlayOf(tokensModule),
      () => {
        const offenders = block.overlayOf(governanceModule).offenders;
        return [...offenders].filter(([, at]) => at === block.height).map(([did]) => did);
      },
    ),
  apply: (overlay, tx, txId, block) => applyStakingTx(overlay, tx, txId, block.height),
  finish: (overlay, end) => finishStaking(overlay, end),
  load: { prefixes: ['stk/'], fromEntries: stakingFromEntries },
  // On a chain with staking the bonds choose the validators: no vote changes the set.
  refuses(state, tx) {
    if (!state.settings || tx.type !== 'member.propose') return null;
    const kind = (tx.body as { change?: { kind?: string } }).change?.kind;
    if (!setChanges.includes(kind as Change['kind'])) return null;
    return botError(
      'BAD_REQUEST',
      'On this public chain the validators are chosen by stake at epoch boundaries: bond tokens (stake.bond) instead of proposing a validator change.',
    );
  },
  views: { bondIn, unbondingIn, decodeBond, decodeUnbonding, electValidators },
};
