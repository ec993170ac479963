// Governance: proposals and votes of the validators (members, validators, powers, policies, the
// engine), and evidence of double votes. Rules in ./rules.ts, state transition in ./apply.ts.
import type { Genesis } from '../../genesis';
import type { TxModule } from '../module';
import type { StakingState } from '../staking/types';
import type { MultisigPolicy } from '../multisig/types';
import {
  applyGovernanceTx,
  emptyGovernance,
  finishGovernance,
  governanceFromEntries,
  governanceTxTypes,
  overlayOf,
  type Governance,
  type GovernanceOverlay,
} from './apply';
import { governanceBodyRules } from './rules';

export {
  checkEvidence,
  emptyGovernance,
  governanceTxTypes,
  inviteSigningBytes,
  memberPrefix,
  offenderPrefix,
  policyPrefix,
  proposalPrefix,
  type Change,
  type Governance,
  type GovernanceOverlay,
  type InviteToken,
  type ProposalRecord,
} from './apply';
export { checkInviteToken } from './rules';
export {
  blockThresholdDefault,
  countPolicy,
  enforcedPolicies,
  governanceExempt,
  isPerBlockLimit,
  readRoleOf,
  rightsError,
  administratorsOf,
  rightsSetter,
  rolePrefix,
  transactRoleOf,
  type PolicyValue,
  type RightsState,
} from './rights';

/** The engine and its settings in force for the next block (absent governance: as in genesis). */
export function consensusIn(
  governance: Governance | undefined,
  genesis: Genesis,
): Genesis['consensus'] {
  return governance?.consensus ?? genesis.consensus;
}

export const governanceModule: TxModule<Governance, GovernanceOverlay, 'governance'> = {
  name: 'governance',
  txTypes: governanceTxTypes,
  bodyRules: governanceBodyRules,
  empty: emptyGovernance,
  overlay(state, block) {
    const overlay = overlayOf(
      state,
      block.chain.validators,
      block.chain.chainId,
      block.chain.genesis,
    );
    // Public mode: a validator that left the set still answers for its double votes while stake
    // of it is bonded or unbonding (the staking state before the block; the ledger's chain view).
    // Private mode, k of n administrators: the signers of a rule in force that holds admin.set.
    const held = (block.chain as { multisig?: { policy: MultisigPolicy | null } }).multisig;
    const policy = held ? held.policy : block.chain.genesis.multisig;
    if (policy?.types.some((rule) => rule.type === 'admin.set'))
      overlay.adminSigners = policy.signers;
    const staking = (block.chain as { staking?: StakingState }).staking;
    if (staking?.settings)
      overlay.accountable = (did) =>
        (staking.bonds.get(did) ?? 0) > 0 || (staking.unbonding.get(did)?.length ?? 0) > 0;
    return overlay;
  },
  apply(overlay, tx, txId, block) {
    const error = applyGovernanceTx(overlay, tx, txId, block.height);
    if (error) throw error;
  },
  finish(overlay, end) {
    const { validators, ...governance } = finishGovernance(overlay, end.height, end.writes);
    end.validators = validators;
    return governance;
  },
  load: { prefixes: ['gov/', 'sys/consensus'], fromEntries: governanceFromEntries },
  admits: (state, did) => state.members.has(did),
  // Evidence costs signature checks: waiting evidence matters only to more evidence.
  precheckAfter: (other, tx) => other.type !== 'evidence.submit' || tx.type === 'evidence.submit',
  views: { consensusIn },
};
