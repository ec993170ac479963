// Road conditions shared by vehicles through a consortium of ITS providers (issue 20; Y.4464
// II.3; R-7.2.3-c). Model and records in ./types.ts, body rules in ./rules.ts, pseudonym
// certificates in ./certificate.ts, the road network and map matching in ./network.ts, the
// state transition (plausibility, aggregation, settlement) in ./state.ts, bounds in ./limits.ts.
import type { TxModule } from '../module';
import { governanceModule } from '../governance';
import { TokenJournal, tokensModule } from '../tokens';
import { itsBodyRules } from './rules';
import { contractsModule, type ContractOverlay } from '../contracts';
import * as limits from '../../limits';
import {
  applyItsTx,
  decodeCondition,
  decodeObservation,
  decodeTrip,
  decodeWindow,
  emptyIts,
  finishIts,
  itsAdmits,
  itsFromEntries,
  itsSettingsOf,
  type ItsOverlay,
} from './state';
import { itsTxTypes, type ItsState } from './types';

export * from './certificate';
export * from './limits';
export * from './network';
export * from './rules';
export * from './state';
export * from './types';
export * from './trust-contract';
export { judgeByContract, settleByContract } from './trust';

export const itsModule: TxModule<ItsState, ItsOverlay, 'its'> = {
  name: 'its',
  txTypes: itsTxTypes,
  bodyRules: itsBodyRules,
  empty: emptyIts,
  overlay: (state, block) => ({
    base: state,
    height: block.height,
    time: block.time,
    chainId: block.chain.chainId,
    settings: () =>
      itsSettingsOf(block.chain.genesis, (name) =>
        block.overlayOf(governanceModule).policies.get(name),
      ),
    tokens: () => new TokenJournal(block.overlayOf(tokensModule)),
    contracts: () => block.overlayOf<ContractOverlay>(contractsModule),
    trips: new Map(),
    windows: new Map(),
    latest: new Map(),
    writes: block.writes,
  }),
  apply: (overlay, tx, txId) => applyItsTx(overlay, tx, txId),
  finish: (overlay) => finishIts(overlay),
  // The trust contract's runs share the block's contract budget (./trust.ts).
  blockBudgetSpent: (overlay) =>
    overlay.settings().contract !== null &&
    overlay.contracts().stepsUsed >= limits.blockContractStepsMax
      ? `its contract work reached ${limits.blockContractStepsMax} steps, the limit of one block`
      : null,
  load: { prefixes: ['its/'], fromEntries: itsFromEntries },
  admits: (state, did, sending) => itsAdmits(state, sending?.chainId ?? '', did, sending?.tx),
  // A trip's observations go in order: the jump rule compares each with the one before.
  precheckAfter: (other, tx) => other.type === 'its.observe' && other.from === tx.from,
  views: { decodeCondition, decodeObservation, decodeTrip, decodeWindow },
};
