// Confidential datasets on chain (issue 15; Y.4560 8.1, 8.2, 8.4, I.2): reader keys, datasets,
// versions with wrapped keys, requests, grants, revocations and the access log. Body rules in
// ./rules.ts, state transition and views in ./state.ts; formats in keys.ts, manifest.ts,
// placement.ts. `datasetsModule` has the TxModule shape of main's worker/core/modules/module.ts
// (name, txTypes, bodyRules, empty, overlay, apply that throws, finish, load, views): on main it
// is one line in registry.ts. On this branch ledger.ts and txtypes.ts call the same functions.
import type { Tx } from '../../tx-shape';
import { applyProxyTx, proxyTxTypes } from './proxy';
import { datasetBodyRules, datasetTxTypes } from './rules';
import {
  applyDatasetTx,
  datasetOverlayOf,
  datasetsFromEntries,
  decodeDatasetEvents,
  decodeDatasetState,
  decodeRequest,
  decodeVersionEntry,
  decodeWrappedKey,
  emptyDatasets,
  finishDatasets,
  mayReadVersion,
  type DatasetOverlay,
  type DatasetRegistry,
} from './state';

export * from './proxy';
export * from './rules';
export * from './state';

export const datasetsModule = {
  name: 'datasets' as const,
  txTypes: datasetTxTypes,
  bodyRules: datasetBodyRules,
  empty: (_genesis?: unknown): DatasetRegistry => emptyDatasets(),
  overlay: (state: DatasetRegistry, _block?: unknown): DatasetOverlay => datasetOverlayOf(state),
  apply(overlay: DatasetOverlay, tx: Tx, txId: string, block: { height: number }): void {
    const proxy = (proxyTxTypes as readonly string[]).includes(tx.type);
    const error = (proxy ? applyProxyTx : applyDatasetTx)(overlay, tx, txId, block.height);
    if (error) throw error;
  },
  finish: (overlay: DatasetOverlay, end: { height: number; writes: Map<string, Uint8Array> }) =>
    finishDatasets(overlay, end.height, end.writes),
  load: {
    prefixes: ['ds/'],
    fromEntries: (entries: ReadonlyArray<readonly [string, Uint8Array]>) =>
      datasetsFromEntries(entries),
  },
  views: {
    mayReadVersion,
    decodeDatasetState,
    decodeVersionEntry,
    decodeWrappedKey,
    decodeRequest,
    decodeDatasetEvents,
  },
};
