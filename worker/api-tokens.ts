// window.bot: tokens and wallets (issue 16). Types only, as worker/api.ts.
import type { StateProofView } from './api-common';

/** An account's tokens (issue 16): its balance with the Merkle proof of its tok/acct entry. */
export interface BalanceView {
  /** A did:key, or "contract:<name>". */
  account: string;
  /** Whole base units. */
  balance: number;
  /** The chain's token symbol; null when the chain has no token. */
  symbol: string | null;
  /** Base units a transfer pays the block's proposer on top of the amount. */
  fee: number;
  supply: number;
  /** Height of the state the balance was read from. */
  height: number;
  /** Null when the account was never credited (its balance is 0). */
  proof: StateProofView | null;
  /**
   * A device account's spending rule (token.rule, set by its owner); null: none (a registered
   * device without one cannot pay). `spentToday`: paid in the UTC day of the head block.
   */
  rule: { perTxMax: number; perDayMax: number; payees: string[]; spentToday: number } | null;
}

/** One movement of an account's tokens (tokenHistory, newest first). */
export interface TokenMovementView {
  txId: string;
  height: number;
  /** out: paid; in: received; mint: created into it; fee: a fee received as proposer. */
  dir: 'out' | 'in' | 'mint' | 'fee';
  /** The other account (null for a mint). */
  with: string | null;
  amount: number;
  fee?: number;
  memo?: string;
  /** The account's balance after the block, on the block's last movement (null on the others). */
  balanceAfter: number | null;
}

export interface TokenMethods {
  /** The balance of an account (default: this peer's did), with its Merkle proof. */
  balance(account?: string): Promise<BalanceView>;
  /**
   * Send tokens as this peer. Checked against the committed state first: a transfer above the
   * balance (with the fee) is refused with INSUFFICIENT_FUNDS and never signed.
   */
  transfer(request: { to: string; amount: number; memo?: string }): Promise<{ txId: string }>;
  /** An account's token movements, newest first (default: this peer's; at most `limit`). */
  tokenHistory(account?: string, options?: { limit?: number }): Promise<TokenMovementView[]>;
  /**
   * The owner of a registered device sets the spending rule of the device's account: most per
   * payment and per UTC day (amount + fee), and the payees allowed (empty or absent: any).
   */
  setSpendingRule(
    device: string,
    rule: { perTxMax: number; perDayMax: number; payees?: string[] },
  ): Promise<{ txId: string }>;
  /** Pay from a device's account (this peer is its gateway), within its spending rule. */
  deviceTransfer(
    device: string,
    request: { to: string; amount: number; memo?: string },
  ): Promise<{ txId: string }>;
}

export const tokenMethodNames = [
  'balance',
  'transfer',
  'tokenHistory',
  'setSpendingRule',
  'deviceTransfer',
] as const;
