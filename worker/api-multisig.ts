// window.bot: multi-signature permission (issue 16, D-8-data). Types only, as worker/api.ts.

export interface MultisigRuleView {
  type: string;
  /** Only token.transfer above this amount (absent: every transaction of the type). */
  amountOver?: number;
}

export interface MultisigProposalView {
  id: string;
  /** The held transaction: its type, body and proposer (it executes as the proposer's). */
  type: string;
  body: unknown;
  from: string;
  approvals: string[];
  state: 'pending' | 'executed';
  height: number;
  executedHeight: number | null;
  executedTx: string | null;
}

export interface MultisigView {
  /** The chain's rule (genesis multisig); null: nothing is held for signatures. */
  policy: { signers: string[]; k: number; types: MultisigRuleView[] } | null;
  /** Whether this peer is one of the signers. */
  signer: boolean;
  /** Pending proposals first, then executed ones, newest first (at most 200). */
  proposals: MultisigProposalView[];
  height: number;
}

export interface MultisigMethods {
  multisig(): Promise<MultisigView>;
  /** Propose a transaction the chain holds for signatures (this peer's approval counts). */
  proposeMultisig(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  /** Approve a held transaction; the k-th approval executes it. */
  approveMultisig(proposal: string): Promise<{ txId: string }>;
}

export const multisigMethodNames = ['multisig', 'proposeMultisig', 'approveMultisig'] as const;
