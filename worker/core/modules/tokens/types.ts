// The native token of a chain (issue 16; Y.4464 Appendix I public mode, Y.4560 8.3).
//   token.transfer { to, amount, memo? }   the sender pays `amount` (and the chain's fee) to `to`
//   token.mint { to, amount }              the genesis minter creates tokens (up to supplyMax)
//   token.mint { proposal }                anyone carries out a passed governance proposal of
//                                          kind "mint" (once per proposal)
// Amounts are whole base units held as safe integers (limits.tokenAmountMax): CBOR encodes them
// exactly as unsigned integers, JSON and a contract's JavaScript numbers hold them exactly, and
// the total supply is capped at limits.tokenSupplyMax so that every balance and every sum of
// balances is exact too (no bigint: it has no JSON form and would cross every API as text).
//   token.rule { device, perTxMax, perDayMax, payees? }   the owner of a registered device sets
//                                          the spending rule of the device's account
// Accounts: a did:key (a person, a peer or a device), or "contract:<name>" (a deployed contract's
// own account, moved only by its code: worker/core/modules/contracts).
// Fee: genesis `fee` base units per token.transfer, paid by the sender on top of the amount to
// the block's proposer (so the supply stays constant; nothing is burned). A failed transfer pays
// no fee: a failing transaction changes nothing but its nonce.
// State (prefix "tok/"): tok/acct/<account> { b: balance, h: height, l: this block's movements
// of the account } (its proof is a balance proof; its key history is the account's history);
// tok/supply { s, h } once the supply changes from the genesis total; tok/minted/<proposal>
// { h } a governance mint carried out. Genesis writes every allocated account.

export const tokenTxTypes = ['token.transfer', 'token.mint', 'token.rule'] as const;

export const tokenAccountPrefix = 'tok/acct/';
export const tokenSupplyKey = 'tok/supply';
export const tokenMintedPrefix = 'tok/minted/';
export const contractAccountPrefix = 'contract:';
export const tokenRulePrefix = 'tok/rule/';

/**
 * The spending rule of a device's account (token.rule, set by the device's owner): a registered
 * device pays (a token.transfer it signs, a contract call's `pay`) only within it, counting the
 * fee; without a rule it cannot pay at all (UNAUTHORIZED).
 */
export interface SpendingRule {
  /** Most one payment may take (amount + fee). */
  perTxMax: number;
  /** Most the payments of one UTC day (block time) may take together. */
  perDayMax: number;
  /** Accounts it may pay (did or contract:<name>); empty: any. */
  payees: string[];
  /** The UTC day (block time / 86,400,000) `spent` counts, and what was spent in it. */
  day: number;
  spent: number;
}

/** The token settings of a genesis (Genesis.tokens). */
export interface TokenGenesis {
  /** Display symbol, 1 to limits.tokenSymbolLengthMax characters (e.g. "BOT"). */
  symbol: string;
  /** Balances at height 0: each did once, each amount at least 1. */
  allocations: Array<{ did: string; amount: number }>;
  /** Base units the sender of a token.transfer pays to the block's proposer (absent: 0). */
  fee?: number;
  /** A did that may mint with token.mint { to, amount } (absent: only governance mints). */
  minter?: string;
  /** The largest total supply minting may reach (absent: limits.tokenSupplyMax). */
  supplyMax?: number;
}

/** One movement of an account in one block, as its history shows it. */
export interface TokenMovement {
  tx: string;
  /** out: paid; in: received; mint: created into it; fee: a transfer fee it received as proposer. */
  dir: 'out' | 'in' | 'mint' | 'fee';
  /** The other account (null for a mint). */
  with: string | null;
  amount: number;
  /** The fee the sender paid on top (dir "out" of a token.transfer). */
  fee?: number;
  memo?: string;
}

export interface TokenAccountEntry {
  balance: number;
  height: number;
  moves: TokenMovement[];
}

/** Tokens in memory: every non-zero balance, the supply, and the governance mints carried out. */
export interface TokenState {
  readonly balances: ReadonlyMap<string, number>;
  readonly supply: number;
  readonly minted: ReadonlySet<string>;
  /** Spending rules of device accounts (absent on older states: none). */
  readonly rules?: ReadonlyMap<string, SpendingRule>;
}

export function contractAccount(name: string): string {
  return contractAccountPrefix + name;
}
