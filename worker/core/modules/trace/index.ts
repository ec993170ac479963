// Supply-chain traceability (Y.4560 I.1, Y.4464 II.1): mapping records, lots, split and merge.
// Body rules in ./rules.ts, state and records in ./state.ts, bounds in ./limits.ts; the backward
// query runs on the host (worker/host/trace.ts), against the stored records and their blocks.
import type { TxModule } from '../module';
import { traceBodyRules, traceTxTypes } from './rules';
import {
  applyTraceTx,
  decodeLot,
  decodeRecord,
  emptyTrace,
  finishTrace,
  traceFromEntries,
  traceLotPrefix,
  traceOverlayOf,
  type TraceOverlay,
  type TraceState,
} from './state';

export * from './limits';
export * from './rules';
export * from './state';

export const traceModule: TxModule<TraceState, TraceOverlay, 'trace'> = {
  name: 'trace',
  txTypes: traceTxTypes,
  bodyRules: traceBodyRules,
  empty: () => emptyTrace(),
  overlay: (state) => traceOverlayOf(state),
  apply(overlay, tx, txId, block) {
    applyTraceTx(overlay, tx, txId, block.height, block.writes);
  },
  finish: (overlay) => finishTrace(overlay),
  load: { prefixes: [traceLotPrefix], fromEntries: (entries) => traceFromEntries(entries) },
  // Waiting trace transactions go first: a transfer right after the record of a new lot, or
  // right after the lot was transferred to the sender, is judged against that lot.
  precheckAfter: (other) => other.type.startsWith('trace.'),
  views: { decodeLot, decodeRecord },
};
