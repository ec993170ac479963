// The genesis settings of a chain, apart from ledger.ts so that governance can name them
// without importing the ledger.
import type { Validator } from './validators';
import type { TokenGenesis } from './modules/tokens/types';
import type { ItsGenesis } from './modules/its/types';

import type { MultisigPolicy } from './modules/multisig/types';
import type { StakingGenesis } from './modules/staking/types';

export type ChainMode = 'private' | 'consortium' | 'public';
export type EngineName = 'solo' | 'poa' | 'bft';

export interface Genesis {
  name: string;
  mode: ChainMode;
  /**
   * The engine, and for the round engines (bft, poa) their base timeout and how long a height
   * without transactions waits before deciding an empty block (both optional, in ms).
   */
  consensus: { engine: EngineName; timeoutMs?: number; emptyBlockIntervalMs?: number };
  validators: Validator[];
  time: number;
  /** Makes two chains with the same settings distinct (e.g. the creator's did and a counter). */
  salt: string;
  /** The chain's native token (issue 16): absent, the chain has no tokens (token.* refused). */
  tokens?: TokenGenesis;
  /**
   * A private chain's administrator (a did:key): it sets the chain's roles and policies alone
   * (admin.set), without votes. Absent (and on other modes): the validators' votes set them.
   */
  admin?: string;
  /** Road-condition exchange (issue 20): the consortium's ITS providers and the reward policy. */
  its?: ItsGenesis;

  /**
   * Multi-signature permission (issue 16, D-8-data): k of the signers approve each transaction of
   * the listed types before it executes (worker/core/modules/multisig). Absent: none.
   */
  multisig?: MultisigPolicy;
  /**
   * Validators by stake (issue 16, public mode; worker/core/modules/staking): needs `tokens`; each
   * genesis validator's power is its genesis bond. Absent: the validators change by votes.
   */
  staking?: StakingGenesis;
}
