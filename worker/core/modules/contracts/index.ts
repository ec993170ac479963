// Smart contracts (Y.4464 7.2.1, 7.2.2 c, 10.2): JavaScript in a host-injected sandbox,
// deterministic. Records and the sandbox interface in ./types.ts, body rules in ./rules.ts, state
// transition in ./apply.ts, decoding in ./views.ts. A call by a device reads the devices module's
// overlay of the same block.
import type { TxModule } from '../module';
import * as limits from '../../limits';
import { deviceIn, devicesModule } from '../devices';
import { TokenJournal, tokensModule } from '../tokens';
import { governanceModule } from '../governance';
import { botError } from '../../errors';
import {
  applyContractTx,
  contractOverlayOf,
  finishContracts,
  type ContractOverlay,
  type ManagerCheck,
} from './apply';
import { contractBodyRules } from './rules';
import { applySchedule, applyUnschedule, endTriggersOf, runDueTriggers } from './triggers';
import { contractTxTypes, emptyContracts, type ContractRegistry } from './types';
import {
  contractsFromEntries,
  decodeContractCalls,
  decodeContractRecord,
  decodeContractState,
  decodeTrigger,
  decodeTriggerFailures,
} from './views';

export * from './types';
export * from './views';
export { checkContractName } from './rules';
export { dueTriggers, triggerDueAfter } from './triggers';
export {
  checkContractKey,
  versionsOf,
  type ContractOverlay,
  type DeviceLookup,
  type ManagerCheck,
  type ProposalLookup,
} from './apply';
export { checkJsonValue, type JsonValue } from '../../body';

export const contractsModule: TxModule<ContractRegistry, ContractOverlay, 'contracts'> = {
  name: 'contracts',
  txTypes: contractTxTypes,
  bodyRules: contractBodyRules,
  empty: emptyContracts,
  overlay: (state, block) => contractOverlayOf(state, block.chain.contractRuntime),
  apply(overlay, tx, txId, block) {
    const devices = block.overlayOf(devicesModule);
    const deviceOf = (did: string) => deviceIn(devices, did);
    const tokens = () => new TokenJournal(block.overlayOf(tokensModule));
    const governance = block.overlayOf(governanceModule);
    // contracts.managedBy: "owner" (default) the deployer; "governance" the holders of the role
    // `deploy` that governance names; "vote" a passed proposal alone upgrades or retires (the
    // deployer still schedules). A passed proposal named in the body skips this check.
    const managedBy = governance.policies.get('contracts.managedBy');
    const manager: ManagerCheck = (record, from, action) => {
      if (managedBy === 'vote' && (action === 'upgrade' || action === 'retire'))
        return botError(
          'POLICY',
          `Policy contracts.managedBy is "vote": a contract is ${action === 'upgrade' ? 'upgraded' : 'retired'} only by carrying out a passed governance proposal (name it as proposal).`,
        );
      if (managedBy === 'governance') {
        const holders = governance.roles.get('deploy');
        return holders?.includes(from)
          ? null
          : botError(
              'POLICY',
              `Policy contracts.managedBy: contracts are upgraded, retired and scheduled by the holders of the role deploy${holders ? '' : ', and no one holds it yet'}.`,
            );
      }
      return record.owner === from
        ? null
        : botError(
            'UNAUTHORIZED',
            `Only the deployer of "${record.name}" may ${action} ${action.endsWith('schedule') ? 'its triggers' : 'it'} (policy contracts.managedBy is "owner").`,
          );
    };
    if (tx.type === 'contract.schedule' || tx.type === 'contract.unschedule') {
      const refused =
        tx.type === 'contract.schedule'
          ? applySchedule(overlay, tx, txId, block.height, manager)
          : applyUnschedule(overlay, tx, block.height, manager);
      if (refused) throw refused;
      return;
    }
    const error = applyContractTx(
      overlay,
      tx,
      txId,
      block.height,
      block.time,
      deviceOf,
      tokens,
      manager,
      (id) => governance.proposals.get(id),
    );
    if (error) throw error;
    if (tx.type === 'contract.retire')
      endTriggersOf(overlay, (tx.body as { name: string }).name, block.height);
  },
  // triggers run first in a block, before its transactions (./triggers.ts)
  beginBlock(overlay, block) {
    runDueTriggers(
      overlay,
      block.height,
      block.time,
      () => new TokenJournal(block.overlayOf(tokensModule)),
    );
  },
  blockBudgetSpent: (overlay) =>
    overlay.stepsUsed >= limits.blockContractStepsMax
      ? `its contract work reached ${limits.blockContractStepsMax} steps, the limit of one block`
      : null,
  finish: (overlay, end) => finishContracts(overlay, end.height, end.writes),
  load: { prefixes: ['ct/'], fromEntries: contractsFromEntries },
  views: {
    decodeContractRecord,
    decodeContractCalls,
    decodeContractState,
    decodeTrigger,
    decodeTriggerFailures,
  },
};
