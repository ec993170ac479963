// Roles and policies from the page and the HTTP API (issues 15 and 17): a change goes the way
// the chain sets them (worker/core/modules/governance/rights.ts): admin.set from the
// administrator of a private chain, a proposal for the validators' votes otherwise; a public
// chain has no roles. When the chain's multisig rule holds that transaction (k of n
// administrators), it is proposed for the signers' approvals (multisig.propose) instead. The
// change is checked against the committed state before it is signed.
import { botError } from '../core/errors';
import { precheckTx, type ChainState } from '../core/ledger';
import { checkTx } from '../core/tx';
import { administratorsOf, rightsSetter, type PolicyValue } from '../core/modules/governance';
import { emptyMultisig, ruleFor, type MultisigPolicy } from '../core/modules/multisig';
import type { RightsChangeResult } from '../api';

export interface RightsDeps {
  chain(): ChainState;
  self(): string;
  now(): number;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
}

type RightsChange =
  | { kind: 'role'; role: string; dids: string[] | null }
  | { kind: 'policy'; name: string; value: PolicyValue }
  | { kind: 'addMember' | 'removeMember'; did: string }
  | { kind: 'multisig'; policy: MultisigPolicy | null };

export class RightsService {
  constructor(private readonly d: RightsDeps) {}

  /** Name who holds a role (dids), or open it to all again (null). */
  setRole(role: string, dids: string[] | null): Promise<RightsChangeResult> {
    return this.change({ kind: 'role', role, dids });
  }

  /** Set a policy of the chain (gov/policy/<name>). */
  setPolicy(name: string, value: PolicyValue): Promise<RightsChangeResult> {
    return this.change({ kind: 'policy', name, value });
  }

  /**
   * Admit a member (true) or remove one (false): on a private chain with an administrator,
   * admin.set directly; elsewhere a proposal for the validators' votes.
   */
  setMember(did: string, member: boolean): Promise<RightsChangeResult> {
    return this.change({ kind: member ? 'addMember' : 'removeMember', did });
  }

  /** Set the chain's multi-signature rule (null: drop it), the same way as a role. */
  setMultisigRule(policy: MultisigPolicy | null): Promise<RightsChangeResult> {
    return this.change({ kind: 'multisig', policy });
  }

  private async change(change: RightsChange): Promise<RightsChangeResult> {
    const chain = this.d.chain();
    const setter = rightsSetter(chain.genesis);
    if (setter === 'none' && change.kind === 'role')
      throw botError('BAD_REQUEST', 'A public chain is open to all: it has no roles to set.');
    const policy = (chain.multisig ?? emptyMultisig(chain.genesis)).policy;
    const admins = administratorsOf(chain.genesis, policy);
    if (admins && !admins.dids.includes(this.d.self()))
      throw botError(
        'UNAUTHORIZED',
        admins.dids.length === 1
          ? `Only the administrator ${admins.dids[0]} sets this chain's members, roles and policies; you are not its administrator.`
          : `Only the administrators of this chain (${admins.dids.join(', ')}; ${admins.k} of ${admins.dids.length} approve each change) set its members, roles and policies; you are not one of them.`,
      );
    // A policy needs a future height (peers prepare for it); a role takes effect once passed.
    const direct =
      setter === 'admin'
        ? { type: 'admin.set', body: { change } }
        : {
            type: 'member.propose',
            body: { change, height: chain.height + (change.kind === 'policy' ? 2 : 1) },
          };
    // Held for k of n signatures (e.g. k of n administrators): proposed, this peer's approval counts.
    const held = ruleFor(policy, direct.type, direct.body) !== null;
    const request = held
      ? { type: 'multisig.propose', body: { type: direct.type, body: direct.body } }
      : direct;
    const draft = checkTx({
      chain: chain.chainId,
      from: this.d.self(),
      nonce: 1,
      time: this.d.now(),
      ...request,
      sig: new Uint8Array(64),
    });
    const error = precheckTx(chain, draft);
    if (error) throw error;
    const { txId } = await this.d.submit(request);
    return {
      txId,
      via: held ? 'approvals' : setter === 'admin' ? 'admin' : 'vote',
      ...(held && policy ? { approvalsNeeded: policy.k } : {}),
    };
  }
}
