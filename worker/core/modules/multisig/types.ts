// The multisig rule of a genesis (worker/core/genesis.ts names it without importing the module).

/** One covered transaction type; amountOver: only token.transfer above this amount. */
export interface MultisigRule {
  type: string;
  amountOver?: number;
}

export interface MultisigPolicy {
  signers: string[];
  k: number;
  types: MultisigRule[];
}
