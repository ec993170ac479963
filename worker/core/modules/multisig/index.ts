// Multi-signature permission on chosen transaction types (issue 16; Y.4560 8, D-8-data): a
// chain's genesis may name `multisig { signers, k, types }`. A transaction of a listed type (for
// token.transfer optionally only above an amount) is then refused when sent directly (block
// validity, UNAUTHORIZED naming the rule); it is held on chain instead:
//   multisig.propose { type, body }   a signer proposes it (its approval counts)
//   multisig.approve { proposal }     another signer approves; the k-th approval executes the
//                                     held transaction as its proposer sent it, in the same
//                                     transaction (all or nothing: a held transaction that fails
//                                     leaves the approval out and the proposal pending)
// State (prefix "msig/"): msig/prop/<id> { type, body, from, approvals, state, height, ... }.
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import type { Genesis } from '../../genesis';
import type { Tx } from '../../tx-shape';
import type { BodyRules, BlockContext, TxModule } from '../module';
import type { MultisigPolicy, MultisigRule } from './types';
import { governanceModule, type GovernanceOverlay } from '../governance';

export type { MultisigPolicy, MultisigRule } from './types';
export { checkMultisigGenesis, multisigSignersMax } from './policy';

export const multisigTxTypes = ['multisig.propose', 'multisig.approve'] as const;
export const proposalPrefix = 'msig/prop/';
/** The rule in force when governance or the administrator changed it: { p: policy or null, h }. */
export const policyKey = 'msig/policy';
/** Pending proposals on a chain at once. */
export const multisigPendingMax = 10_000;

export interface MultisigProposal {
  id: string;
  type: string;
  body: unknown;
  from: string;
  nonce: number;
  time: number;
  approvals: string[];
  state: 'pending' | 'executed';
  height: number;
  executedHeight: number | null;
  executedTx: string | null;
}

export interface MultisigState {
  readonly policy: MultisigPolicy | null;
  readonly proposals: ReadonlyMap<string, MultisigProposal>;
}

interface Overlay {
  readonly base: MultisigState;
  readonly proposals: Map<string, MultisigProposal>;
  /** Governance's overlay of the block: a passed change of the rule (or the admin's) is there. */
  readonly governance: () => GovernanceOverlay;
}

/** The rule of `policy` that holds `tx` for signatures, or null. */
export function ruleFor(
  policy: MultisigPolicy | null,
  type: string,
  body: unknown,
): MultisigRule | null {
  if (!policy) return null;
  for (const rule of policy.types) {
    if (rule.type !== type) continue;
    if (rule.amountOver === undefined) return rule;
    const amount = isPlainObject(body) && typeof body.amount === 'number' ? body.amount : 0;
    if (amount > rule.amountOver) return rule;
  }
  return null;
}

function ruleText(rule: MultisigRule, policy: MultisigPolicy): string {
  return `"${rule.type}"${rule.amountOver === undefined ? '' : ` above ${rule.amountOver}`} needs ${policy.k} of ${policy.signers.length} signatures on this chain`;
}

const proposeRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A multisig.propose body must be a map { type, body }.');
    onlyFields(body, ['type', 'body'], 'multisig.propose');
    if (typeof body.type !== 'string' || body.type.length === 0 || body.type.length > 64)
      throw botError('BAD_FIELD_TYPE', 'type names the transaction type held for signatures.');
    if (body.body === undefined)
      throw botError('MISSING_FIELD', 'A multisig.propose body needs "body".');
  },
};
const approveRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A multisig.approve body must be a map { proposal }.');
    onlyFields(body, ['proposal'], 'multisig.approve');
    if (typeof body.proposal !== 'string' || !/^[0-9a-f]{64}$/.test(body.proposal))
      throw botError('BAD_FIELD_TYPE', 'proposal is the id (64 hex digits) of a multisig.propose.');
  },
};

function signer(policy: MultisigPolicy | null, did: string): MultisigPolicy {
  if (!policy)
    throw botError('BAD_REQUEST', 'This chain holds no transaction type for signatures.');
  if (!policy.signers.includes(did))
    throw botError(
      'UNAUTHORIZED',
      "Only the signers named in the chain's multisig rule propose and approve.",
    );
  return policy;
}

/** Run the held transaction as its proposer sent it (throws, having changed nothing, when it fails). */
function execute(p: MultisigProposal, chain: string, sig: Uint8Array, block: BlockContext): void {
  if (!block.execute) throw botError('NOT_READY', 'This peer cannot execute held transactions.');
  const inner: Tx = {
    chain,
    type: p.type,
    from: p.from,
    nonce: p.nonce,
    time: p.time,
    body: p.body,
    sig,
  };
  block.execute(inner, p.id);
}

function apply(o: Overlay, tx: Tx, txId: string, block: BlockContext): void {
  const proposalIn = (id: string) => o.proposals.get(id) ?? o.base.proposals.get(id);
  if (tx.type === 'multisig.propose') {
    const policy = signer(o.base.policy, tx.from);
    const { type, body } = tx.body as { type: string; body: unknown };
    block.checkBody?.(type, body);
    if (!ruleFor(policy, type, body))
      throw botError(
        'BAD_REQUEST',
        `"${type}" with this body is not held for signatures: send it directly.`,
      );
    let pending = 0;
    for (const p of o.base.proposals.values()) if (p.state === 'pending') pending++;
    if (pending + o.proposals.size >= multisigPendingMax)
      throw botError(
        'TOO_LARGE',
        `This chain has ${multisigPendingMax} proposals waiting for signatures.`,
      );
    const proposal: MultisigProposal = {
      id: txId,
      type,
      body,
      from: tx.from,
      nonce: tx.nonce,
      time: tx.time,
      approvals: [tx.from],
      state: 'pending',
      height: block.height,
      executedHeight: null,
      executedTx: null,
    };
    if (policy.k <= 1) {
      execute(proposal, tx.chain, tx.sig, block);
      o.proposals.set(txId, {
        ...proposal,
        state: 'executed',
        executedHeight: block.height,
        executedTx: txId,
      });
    } else o.proposals.set(txId, proposal);
    return;
  }
  const policy = signer(o.base.policy, tx.from);
  const { proposal: id } = tx.body as { proposal: string };
  const p = proposalIn(id);
  if (!p) throw botError('NOT_FOUND', 'There is no multisig proposal with this id.');
  if (p.state !== 'pending') throw botError('BAD_REQUEST', 'This proposal was executed already.');
  if (p.approvals.includes(tx.from))
    throw botError('BAD_REQUEST', 'You approved this proposal already.');
  const approvals = [...p.approvals, tx.from];
  if (approvals.length >= policy.k) {
    execute(p, tx.chain, tx.sig, block);
    o.proposals.set(id, {
      ...p,
      approvals,
      state: 'executed',
      executedHeight: block.height,
      executedTx: txId,
    });
  } else o.proposals.set(id, { ...p, approvals });
}

export function emptyMultisig(genesis: Genesis): MultisigState {
  return { policy: genesis.multisig ?? null, proposals: new Map() };
}

export const multisigModule: TxModule<MultisigState, Overlay, 'multisig'> = {
  name: 'multisig',
  txTypes: multisigTxTypes,
  bodyRules: { 'multisig.propose': proposeRules, 'multisig.approve': approveRules },
  empty: emptyMultisig,
  overlay: (state, block) => ({
    base: state,
    proposals: new Map(),
    governance: () => block.overlayOf(governanceModule),
  }),
  apply,
  // Governance finishes first: a rule it changed in this block holds from the next block.
  finish(o, end) {
    const changed = o.governance().multisigPolicy;
    let policy = o.base.policy;
    if (changed !== undefined) {
      policy = changed;
      end.writes.set(policyKey, encode({ p: changed, h: end.height }));
    }
    if (o.proposals.size === 0) return policy === o.base.policy ? o.base : { ...o.base, policy };
    const proposals = new Map(o.base.proposals);
    for (const [id, p] of o.proposals) {
      proposals.set(id, p);
      end.writes.set(proposalPrefix + id, encode(p));
    }
    return { policy, proposals };
  },
  load: {
    prefixes: ['msig/'],
    fromEntries(entries, genesis) {
      const proposals = new Map<string, MultisigProposal>();
      let policy = genesis.multisig ?? null;
      for (const [key, bytes] of entries)
        if (key.startsWith(proposalPrefix))
          proposals.set(key.slice(proposalPrefix.length), decode<MultisigProposal>(bytes, 1 << 20));
        else if (key === policyKey) policy = decode<{ p: MultisigPolicy | null }>(bytes, 1 << 16).p;
      return { policy, proposals };
    },
  },
  // A covered transaction sent directly is not valid in a block: it must be proposed and approved.
  refuses(state, tx) {
    const rule = ruleFor(state.policy, tx.type, tx.body);
    if (!rule || !state.policy) return null;
    return botError(
      'UNAUTHORIZED',
      `${ruleText(rule, state.policy)}: propose it (multisig.propose) and have the signers approve it.`,
    );
  },
  views: { ruleFor },
};
