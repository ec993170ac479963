// The native token (issue 16): balances in the state trie (each with a Merkle proof), transfers
// with an optional fee to the block's proposer, minting by the genesis minter or by a passed
// governance proposal. Records in ./types.ts, body rules in ./rules.ts, state transition in
// ./apply.ts. Contracts move tokens through TokenJournal (worker/core/modules/contracts).
import type { TxModule } from '../module';
import { governanceModule } from '../governance';
import { deviceIn, devicesModule } from '../devices';
import {
  applyTokenTx,
  balanceIn,
  decodeTokenAccount,
  decodeTokenSupply,
  emptyTokens,
  finishTokens,
  tokenOverlayOf,
  tokensFromEntries,
  type TokenOverlay,
} from './apply';
import { tokenBodyRules } from './rules';
import { tokenTxTypes, type TokenState } from './types';

export * from './types';
export {
  balanceIn,
  decodeTokenAccount,
  emptyTokens,
  decodeTokenSupply,
  genesisTokenWrites,
  supplyCheck,
  TokenJournal,
  type TokenOverlay,
} from './apply';
export { checkAmount, checkMemo, checkTokenGenesis, isDidKey } from './rules';

/** The balance of `account` in a chain's token state (absent state: the genesis allocation). */
export function balanceOf(state: TokenState, account: string): number {
  return state.balances.get(account) ?? 0;
}

export const tokensModule: TxModule<TokenState, TokenOverlay, 'tokens'> = {
  name: 'tokens',
  txTypes: tokenTxTypes,
  bodyRules: tokenBodyRules,
  empty: emptyTokens,
  overlay: (state, block) =>
    tokenOverlayOf(
      state,
      block.chain.genesis,
      block.proposer,
      (id) => block.overlayOf(governanceModule).proposals.get(id),
      (did) => deviceIn(block.overlayOf(devicesModule), did),
      block.time,
    ),
  apply: (overlay, tx, txId) => applyTokenTx(overlay, tx, txId),
  finish: (overlay, end) => finishTokens(overlay, end.height, end.writes),
  load: { prefixes: ['tok/'], fromEntries: tokensFromEntries },
  // A transfer that a waiting transfer of the same sender would make short is refused early.
  precheckAfter: (other, tx) => other.type === 'token.transfer' && other.from === tx.from,
  views: { balanceIn, balanceOf, decodeTokenAccount, decodeTokenSupply },
};
