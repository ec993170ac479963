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

export type { MultisigPolicy, MultisigRule } from './types';

export const multisigTxTypes = ['multisig.propose', 'multisig.approve'] as const;
export const proposalPrefix = 'msig/prop/';
/** Signers a multi-signature rule names at most. */
export const multisigSignersMax = 32;
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

/** The genesis's multisig settings: throws BAD_FIELD_TYPE naming what is wrong. */
export function checkMultisigGenesis(value: unknown): asserts value is MultisigPolicy {
  if (!isPlainObject(value))
    throw botError('BAD_FIELD_TYPE', 'multisig must be a map { signers, k, types }.');
  onlyFields(value, ['signers', 'k', 'types'], 'multisig');
  const { signers, k, types } = value;
  if (
    !Array.isArray(signers) ||
    signers.length < 1 ||
    signers.length > multisigSignersMax ||
    !signers.every(
      (s) => typeof s === 'string' && /^did:key:z[1-9A-HJ-NP-Za-km-z]{1,60}$/.test(s),
    ) ||
    new Set(signers).size !== signers.length
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `multisig.signers names 1 to ${multisigSignersMax} different did:keys.`,
    );
  if (!Number.isSafeInteger(k) || (k as number) < 1 || (k as number) > signers.length)
    throw botError(
      'BAD_FIELD_TYPE',
      `multisig.k is a whole number from 1 to ${signers.length} (the signers).`,
    );
  if (!Array.isArray(types) || types.length < 1 || types.length > 32)
    throw botError('BAD_FIELD_TYPE', 'multisig.types lists 1 to 32 rules { type, amountOver? }.');
  for (const rule of types) {
    if (
      !isPlainObject(rule) ||
      typeof rule.type !== 'string' ||
      !/^[a-z]+\.[a-z.]+$/.test(rule.type)
    )
      throw botError(
        'BAD_FIELD_TYPE',
        'Each multisig rule names a transaction type, such as "token.transfer".',
      );
    onlyFields(rule, ['type', 'amountOver'], 'multisig rule');
    if (rule.type.startsWith('multisig.'))
      throw botError(
        'BAD_FIELD_TYPE',
        'The multisig transactions themselves cannot be held for signatures.',
      );
    if (
      rule.amountOver !== undefined &&
      (!Number.isSafeInteger(rule.amountOver) || (rule.amountOver as number) < 0)
    )
      throw botError('BAD_FIELD_TYPE', 'amountOver is a whole amount from 0.');
  }
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
  overlay: (state) => ({ base: state, proposals: new Map() }),
  apply,
  finish(o, end) {
    if (o.proposals.size === 0) return o.base;
    const proposals = new Map(o.base.proposals);
    for (const [id, p] of o.proposals) {
      proposals.set(id, p);
      end.writes.set(proposalPrefix + id, encode(p));
    }
    return { policy: o.base.policy, proposals };
  },
  load: {
    prefixes: ['msig/'],
    fromEntries(entries, genesis) {
      const proposals = new Map<string, MultisigProposal>();
      for (const [key, bytes] of entries)
        if (key.startsWith(proposalPrefix))
          proposals.set(key.slice(proposalPrefix.length), decode<MultisigProposal>(bytes, 1 << 20));
      return { policy: genesis.multisig ?? null, proposals };
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
