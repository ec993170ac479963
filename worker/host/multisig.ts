// Multi-signature permission on this peer (issue 16, D-8-data): the chain's rule and its held
// transactions for the page, proposing and approving as this peer (prechecked against the newest
// state, so a refusal is known before anything is signed).
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import { emptyMultisig } from '../core/modules/multisig';
import type { MultisigView } from '../api';

/** Proposals one answer lists at most. */
export const multisigListedMax = 200;

export interface MultisigHostDeps {
  chain(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  now(): number;
}

export class MultisigHost {
  constructor(private readonly d: MultisigHostDeps) {}

  async multisig(): Promise<MultisigView> {
    const chain = this.d.chain();
    const state = chain.multisig ?? emptyMultisig(chain.genesis);
    const proposals = [...state.proposals.values()]
      .sort(
        (a, b) =>
          (a.state === 'pending' ? 0 : 1) - (b.state === 'pending' ? 0 : 1) ||
          b.height - a.height ||
          (a.id < b.id ? -1 : 1),
      )
      .slice(0, multisigListedMax)
      .map(({ nonce: _n, time: _t, ...p }) => ({ ...p, approvals: [...p.approvals] }));
    return {
      policy: state.policy
        ? {
            signers: [...state.policy.signers],
            k: state.policy.k,
            types: state.policy.types.map((r) => ({ ...r })),
          }
        : null,
      signer: state.policy?.signers.includes(this.d.self()) ?? false,
      proposals,
      height: chain.height,
    };
  }

  private async submitChecked(type: string, body: unknown): Promise<{ txId: string }> {
    const chain = this.d.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type,
      from: this.d.self(),
      nonce: 1,
      time: this.d.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.d.submit({ type, body });
  }

  async proposeMultisig(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    return this.submitChecked('multisig.propose', { type: request.type, body: request.body });
  }

  async approveMultisig(proposal: string): Promise<{ txId: string }> {
    return this.submitChecked('multisig.approve', { proposal });
  }
}
