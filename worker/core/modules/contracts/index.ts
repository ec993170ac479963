// Smart contracts (Y.4464 7.2.1, 7.2.2 c, 10.2): JavaScript in a host-injected sandbox,
// deterministic. Records and the sandbox interface in ./types.ts, body rules in ./rules.ts, state
// transition in ./apply.ts, decoding in ./views.ts. A call by a device reads the devices module's
// overlay of the same block.
import type { TxModule } from '../module';
import * as limits from '../../limits';
import { deviceIn, devicesModule } from '../devices';
import { TokenJournal, tokensModule } from '../tokens';
import { applyContractTx, contractOverlayOf, finishContracts, type ContractOverlay } from './apply';
import { contractBodyRules } from './rules';
import { contractTxTypes, emptyContracts, type ContractRegistry } from './types';
import {
  contractsFromEntries,
  decodeContractCalls,
  decodeContractRecord,
  decodeContractState,
} from './views';

export * from './types';
export * from './views';
export { checkContractName } from './rules';
export { checkContractKey, type ContractOverlay, type DeviceLookup } from './apply';
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
    const error = applyContractTx(overlay, tx, txId, block.height, block.time, deviceOf, tokens);
    if (error) throw error;
  },
  blockBudgetSpent: (overlay) =>
    overlay.stepsUsed >= limits.blockContractStepsMax
      ? `its contract work reached ${limits.blockContractStepsMax} steps, the limit of one block`
      : null,
  finish: (overlay, end) => finishContracts(overlay, end.height, end.writes),
  load: { prefixes: ['ct/'], fromEntries: contractsFromEntries },
  views: { decodeContractRecord, decodeContractCalls, decodeContractState },
};
