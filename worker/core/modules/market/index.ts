// The data market (issue 16; Y.4560 8.3, 9.7): offers, demands, deterministic matching and
// purchases through escrow, built on the confidential datasets (the buyer's access is a dataset
// grant) and the native token (the escrow is a token account). Records in ./types.ts, body
// rules in ./rules.ts, state transition in ./apply.ts.
import type { TxModule } from '../module';
import { tokensModule } from '../tokens';
import { datasetsModule, type DatasetOverlay } from '../datasets';
import {
  applyMarketTx,
  emptyMarket,
  settleChecks,
  escrowCheck,
  finishMarket,
  marketFromEntries,
  marketOverlayOf,
  type MarketOverlay,
} from './apply';
import { marketBodyRules } from './rules';
import { expireOrders } from './book';
import { TokenJournal } from '../tokens';
import { marketTxTypes, type MarketState } from './types';

export * from './types';
export { escrowCheck, emptyMarket, type MarketOverlay } from './apply';
export { checkTerms } from './rules';

export const marketModule: TxModule<MarketState, MarketOverlay, 'market'> = {
  name: 'market',
  txTypes: marketTxTypes,
  bodyRules: marketBodyRules,
  empty: emptyMarket,
  overlay: (state, block) =>
    marketOverlayOf(
      state,
      block.height,
      () => block.overlayOf(tokensModule),
      () => block.overlayOf(datasetsModule as never) as DatasetOverlay,
    ),
  apply: (overlay, tx, txId, block) => applyMarketTx(overlay, tx, txId, block),
  // Orders past their last height leave the book before the block's transactions (./book.ts);
  // purchases past their dispute window or time to answer are settled (./keycheck.ts).
  beginBlock: (overlay, block) => {
    const journal = () => new TokenJournal(overlay.tokens());
    expireOrders(overlay, block.height, journal);
    settleChecks(overlay, block.height, journal);
  },
  finish: (overlay, end) => finishMarket(overlay, end.writes),
  load: { prefixes: ['mkt/'], fromEntries: (entries) => marketFromEntries(entries) },
  views: { escrowCheck },
};
