// The datasets module (issue 15) as one record, for the TxModule registry: its transaction types,
// their body rules, and the pure state machine (overlay per block, apply, finish, rebuild).
// Today ledger.ts and txtypes.ts call these functions directly (a few lines each).
import { datasetBodyRules, datasetTxTypes } from './rules';
import {
  applyDatasetTx,
  datasetOverlayOf,
  datasetsFromEntries,
  emptyDatasets,
  finishDatasets,
  isDatasetKey,
} from './state';

export const datasetsModule = {
  name: 'datasets',
  types: datasetTxTypes,
  bodyRules: datasetBodyRules,
  empty: emptyDatasets,
  overlayOf: datasetOverlayOf,
  apply: applyDatasetTx,
  finish: finishDatasets,
  ownsKey: isDatasetKey,
  fromEntries: datasetsFromEntries,
} as const;

export * from './rules';
export * from './state';
