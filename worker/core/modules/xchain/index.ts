// Atomic cross-chain operations between BoT chains (issue 18; Y.4560 7.2.3 to 7.2.5 and the three
// modes of 10.2): the format and transactions in ./types.ts, body rules in ./rules.ts, the state
// transition in ./apply.ts, the protocol and its proof of all-or-nothing in docs/CROSS-CHAIN.md.
// Tokens move through the tokens module's journal (escrow and reserve accounts), records arrive
// as BoT data entries, dataset grants as sealed keys under xc/grant/.
import type { TxModule } from '../module';
import { tokensModule } from '../tokens';
import { dataModule } from '../data';
import {
  applyXchainTx,
  decodeInRecord,
  decodeOutRecord,
  emptyXchain,
  finishXchain,
  xchainFromEntries,
  type XchainOverlay,
} from './apply';
import { xchainBodyRules } from './rules';
import { xchainTxTypes, type XchainState } from './types';

export * from './types';
export { attestationBytes, decodeInRecord, decodeOutRecord, verifyRemote } from './apply';
export { checkAsset, checkOperation, checkProof, isChainId } from './rules';

export const xchainModule: TxModule<XchainState, XchainOverlay, 'xchain'> = {
  name: 'xchain',
  txTypes: xchainTxTypes,
  bodyRules: xchainBodyRules,
  empty: emptyXchain,
  overlay: (state, block) => ({
    base: state,
    chainId: block.chain.chainId,
    height: block.height,
    validators: block.chain.validators,
    admin: block.chain.genesis.admin,
    links: new Map(),
    outs: new Map(),
    ins: new Map(),
    grants: new Map(),
    open: state.open,
    tokens: () => block.overlayOf(tokensModule),
    writes: block.overlayOf(dataModule).writes,
  }),
  apply: (overlay, tx, txId) => applyXchainTx(overlay, tx, txId),
  finish: (overlay, end) => finishXchain(overlay, end.writes),
  load: { prefixes: ['xc/'], fromEntries: xchainFromEntries },
  views: { decodeInRecord, decodeOutRecord },
};
