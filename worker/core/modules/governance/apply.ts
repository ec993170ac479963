// Crowding decisions: the validators change the chain by votes recorded on chain.
//   member.propose { change, height }   a validator proposes a change effective from `height`
//   chain.upgrade { engine, timeoutMs?, height }   a proposal to switch engine or its parameters
//   member.vote { proposal, approve }   a validator approves (or withdraws approval of) a proposal
//   evidence.submit { first, second }   anyone proves that a validator signed two different votes
// A proposal passes when validators holding more than 2/3 of the current voting power approve
// it; it takes effect for blocks from max(height, passing height + 1) (for member changes the
// height may already be past: they need no lead time). The proposer approves its
// own proposal. Committed evidence marks the offender (gov/offender/<did>) so the validators can
// vote it out. Everything here is deterministic; evidence signatures are verified in pure JS.
import { decode, encode } from '../../codec';
import { equalBytes } from '../../bytes';
import { publicKeyFromDid } from '../../crypto/did';
import { verifyStrict } from '../../crypto/ed25519';
import { botError, BotError } from '../../errors';
import { hasQuorum, type Validator } from '../../validators';
import type { Tx } from '../../tx-shape';
import type { Genesis } from '../../genesis';
import { voteSigningBytes, type Vote } from '../../consensus/vote';
import * as limits from '../../limits';
import { rightsSetter, rolePrefix, type PolicyValue } from './rights';
import type { MultisigPolicy } from '../multisig/types';

export type Change =
  | { kind: 'addValidator'; did: string; power: number }
  | { kind: 'removeValidator'; did: string }
  | { kind: 'setPower'; did: string; power: number }
  | { kind: 'addMember'; did: string }
  | { kind: 'removeMember'; did: string }
  | { kind: 'policy'; name: string; value: string | number | boolean }
  | { kind: 'engine'; engine: 'poa' | 'bft'; timeoutMs?: number }
  | { kind: 'role'; role: string; dids: string[] | null }
  /** Set (or with null, drop) the chain's multi-signature rule (worker/core/modules/multisig). */
  | { kind: 'multisig'; policy: MultisigPolicy | null }
  /** Create `amount` tokens into `to`: carried out by a token.mint { proposal } once applied. */
  | { kind: 'mint'; to: string; amount: number }
  /**
   * Upgrade (to the code whose SHA-256 is `codeHash`) or retire the contract `name`: carried out
   * by a contract.upgrade or contract.retire { proposal } once applied.
   */
  | { kind: 'contract'; name: string; action: 'upgrade' | 'retire'; codeHash?: string };

export interface ProposalRecord {
  change: Change;
  /** First height the change applies to, as proposed. */
  height: number;
  approvals: string[];
  /** Height of the block in which it passed, or -1. */
  passed: number;
  applied: boolean;
  /** A join: the invite token the joiner quoted (single-use: a second proposal quoting it is refused). */
  invite?: InviteToken;
}

/**
 * The token of an invite link: `nonce` signed by `issuer` over inviteSigningBytes. Validators'
 * peers check the signature before they vote for a join automatically; the chain only records
 * that a token was used.
 */
export interface InviteToken {
  issuer: string;
  nonce: string;
  sig: Uint8Array;
}

export function inviteSigningBytes(chain: string, nonce: string): Uint8Array {
  return encode({ t: 'bot-invite', chain, nonce });
}

export interface Governance {
  readonly proposals: ReadonlyMap<string, ProposalRecord>;
  readonly offenders: ReadonlyMap<string, number>;
  readonly members: ReadonlySet<string>;
  readonly consensus: Genesis['consensus'];
  /** Roles set (./rights.ts): role -> the dids holding it. A role not here is open. */
  readonly roles: ReadonlyMap<string, readonly string[]>;
  /** Policies in force (gov/policy/*). */
  readonly policies: ReadonlyMap<string, PolicyValue>;
}

export const governanceTxTypes = [
  'member.propose',
  'member.vote',
  'evidence.submit',
  'chain.upgrade',
  'admin.set',
] as const;
export const proposalPrefix = 'gov/proposal/';
export const offenderPrefix = 'gov/offender/';
export const memberPrefix = 'gov/member/';
export const policyPrefix = 'gov/policy/';

export function emptyGovernance(genesis: Genesis): Governance {
  return {
    proposals: new Map(),
    offenders: new Map(),
    members: new Set(),
    consensus: genesis.consensus,
    roles: new Map(),
    policies: new Map(),
  };
}

/** Working copy for one block: changes are collected and written at the end. */
export interface GovernanceOverlay {
  proposals: Map<string, ProposalRecord>;
  offenders: Map<string, number>;
  members: Set<string>;
  consensus: Genesis['consensus'];
  validators: Validator[];
  chain: string;
  touched: Set<string>;
  roles: Map<string, readonly string[]>;
  /**
   * The roles before the block, kept as the next state's when no role changed in it: a reader
   * can tell a change by identity (worker/host/sealed-share.ts rescans the sealed values only
   * after a block that changed the roles, the published keys or the sealed values).
   */
  rolesBefore: ReadonlyMap<string, readonly string[]>;
  rolesChanged: boolean;
  policies: Map<string, PolicyValue>;
  /** The chain's genesis (who sets roles and policies). */
  genesis: Genesis | null;
  /** Role and policy changes an administrator made in this block (admin.set), in order. */
  adminChanges: Change[];
  /**
   * Whether a did that is no longer a validator still answers for its double votes (public
   * mode: its stake is bonded or unbonding; the staking module sets this). Default: no.
   */
  accountable: (did: string) => boolean;
  /**
   * Private mode: the signers of a multisig rule in force that holds admin.set (k of n
   * administrators); each may send admin.set, which the rule holds until k approve.
   */
  adminSigners: readonly string[];
  /** The multisig rule a change applied at the end of this block sets (undefined: unchanged). */
  multisigPolicy: MultisigPolicy | null | undefined;
}

export function overlayOf(
  gov: Governance,
  validators: Validator[],
  chain: string,
  genesis: Genesis | null = null,
): GovernanceOverlay {
  return {
    proposals: new Map(gov.proposals),
    offenders: new Map(gov.offenders),
    members: new Set(gov.members),
    consensus: gov.consensus,
    validators,
    chain,
    touched: new Set(),
    roles: new Map(gov.roles),
    rolesBefore: gov.roles,
    rolesChanged: false,
    policies: new Map(gov.policies),
    genesis,
    adminChanges: [],
    accountable: () => false,
    adminSigners: [],
    multisigPolicy: undefined,
  };
}

/** Who may make a role or policy change on this chain: null when `from` may propose it. */
function rightsChangeError(
  gov: GovernanceOverlay,
  change: Change,
  byAdmin: boolean,
): BotError | null {
  const setter = gov.genesis ? rightsSetter(gov.genesis) : 'votes';
  if (change.kind === 'multisig' && setter === 'admin' && !byAdmin)
    return botError(
      'UNAUTHORIZED',
      `The multi-signature rule of this private chain is set by its administrator ${gov.genesis?.admin} (admin.set), not by votes.`,
    );
  if (byAdmin && setter !== 'admin')
    return botError(
      'UNAUTHORIZED',
      'This chain has no administrator: its members, roles and policies are set by proposals and votes (member.propose).',
    );
  if (change.kind !== 'role' && change.kind !== 'policy') return null;
  if (change.kind === 'role' && setter === 'none')
    return botError('BAD_REQUEST', 'A public chain is open to all: it has no roles to set.');
  if (setter === 'admin' && !byAdmin)
    return botError(
      'UNAUTHORIZED',
      `Roles and policies of this private chain are set by its administrator ${gov.genesis?.admin} (admin.set), not by votes.`,
    );
  if (setter !== 'admin' && byAdmin)
    return botError(
      'UNAUTHORIZED',
      'This chain has no administrator: its roles and policies are set by proposals and votes (member.propose).',
    );
  return null;
}

/** Apply a passed role or policy change: in memory and as a state write. */
function applyRightsChange(
  gov: GovernanceOverlay,
  change: Change,
  height: number,
  writes: Map<string, Uint8Array>,
): void {
  if (change.kind === 'multisig') {
    gov.multisigPolicy = change.policy; // written by the multisig module (msig/policy)
  } else if (change.kind === 'policy') {
    gov.policies.set(change.name, change.value);
    writes.set(policyPrefix + change.name, encode({ v: change.value, h: height }));
  } else if (change.kind === 'role') {
    gov.rolesChanged = true;
    if (change.dids === null) gov.roles.delete(change.role);
    else gov.roles.set(change.role, [...new Set(change.dids)]);
    writes.set(rolePrefix + change.role, encode({ dids: change.dids, h: height }));
  }
}

function isValidatorIn(validators: Validator[], did: string): boolean {
  return validators.some((v) => v.did === did);
}

function changeOf(tx: Tx): { change: Change; height: number } {
  if (tx.type === 'chain.upgrade') {
    const body = tx.body as { engine: 'poa' | 'bft'; timeoutMs?: number; height: number };
    const change: Change =
      body.timeoutMs === undefined
        ? { kind: 'engine', engine: body.engine }
        : { kind: 'engine', engine: body.engine, timeoutMs: body.timeoutMs };
    return { change, height: body.height };
  }
  return tx.body as { change: Change; height: number };
}

/** Validators after a change, or an error when the result would be unusable. */
function validatorsAfter(validators: Validator[], change: Change): Validator[] | BotError {
  let next = validators;
  if (change.kind === 'addValidator') {
    if (isValidatorIn(validators, change.did))
      return botError('BAD_REQUEST', `${change.did} is already a validator.`);
    next = [...validators, { did: change.did, power: change.power }];
  } else if (change.kind === 'removeValidator') {
    next = validators.filter((v) => v.did !== change.did);
  } else if (change.kind === 'setPower') {
    if (!isValidatorIn(validators, change.did))
      return botError('BAD_REQUEST', `${change.did} is not a validator.`);
    next = validators.map((v) => (v.did === change.did ? { did: v.did, power: change.power } : v));
  }
  if (next.length === 0 || next.length > limits.validatorCountMax)
    return botError('BAD_REQUEST', `A chain needs 1 to ${limits.validatorCountMax} validators.`);
  return next;
}

/** Stateful check and effect of one governance transaction on the block's overlay. */
export function applyGovernanceTx(
  gov: GovernanceOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  switch (tx.type) {
    case 'member.propose':
    case 'chain.upgrade': {
      if (!isValidatorIn(gov.validators, tx.from))
        return botError(
          'UNAUTHORIZED',
          'Only a validator can propose a change; ask one to propose it.',
        );
      const { change, height: effective } = changeOf(tx);
      // Membership and role changes need no lead time (no peer has to prepare for them): a
      // past height means "from the block after it passes". Every other change names a future
      // height.
      const noLeadTime = ['addMember', 'removeMember', 'role', 'multisig'].includes(change.kind);
      if (effective <= height && !noLeadTime)
        return botError(
          'BAD_REQUEST',
          `A change must take effect at a future height (after ${height}).`,
        );
      if (
        [...gov.proposals.values()].filter((p) => p.passed === -1).length >=
        limits.governanceProposalsMax
      )
        return botError('BAD_REQUEST', 'Too many open proposals; vote on the open ones first.');
      const refused = rightsChangeError(gov, change, false);
      if (refused) return refused;
      const checked = validatorsAfter(gov.validators, change);
      if (checked instanceof BotError) return checked;
      const invite =
        tx.type === 'member.propose' ? (tx.body as { invite?: InviteToken }).invite : undefined;
      if (invite && [...gov.proposals.values()].some((p) => p.invite?.nonce === invite.nonce))
        return botError(
          'BAD_REQUEST',
          'This invite was already used; ask a validator for a new one.',
        );
      const record: ProposalRecord = {
        change,
        height: effective,
        approvals: [tx.from],
        passed: -1,
        applied: false,
      };
      gov.proposals.set(txId, invite ? { ...record, invite } : record);
      gov.touched.add(proposalPrefix + txId);
      settle(gov, txId, height);
      return null;
    }
    case 'member.vote': {
      const { proposal, approve } = tx.body as { proposal: string; approve: boolean };
      if (!isValidatorIn(gov.validators, tx.from))
        return botError('UNAUTHORIZED', 'Only a validator can vote on a change.');
      const record = gov.proposals.get(proposal);
      if (!record) return botError('NOT_FOUND', `There is no open proposal ${proposal}.`);
      if (record.passed !== -1) return botError('BAD_REQUEST', 'This proposal has already passed.');
      const approvals = record.approvals.filter((did) => did !== tx.from);
      gov.proposals.set(proposal, {
        ...record,
        approvals: approve ? [...approvals, tx.from] : approvals,
      });
      gov.touched.add(proposalPrefix + proposal);
      settle(gov, proposal, height);
      return null;
    }
    case 'admin.set': {
      const { change } = tx.body as { change: Change };
      if (!gov.genesis?.admin || !isAdmin(gov, tx.from))
        return (
          rightsChangeError(gov, change, false) ??
          botError(
            'UNAUTHORIZED',
            `Only the administrator ${gov.genesis?.admin} sets this chain's members, roles and policies.`,
          )
        );
      const refused = rightsChangeError(gov, change, true);
      if (refused) return refused;
      gov.adminChanges.push(change);
      return null;
    }
    case 'evidence.submit':
      return applyEvidence(gov, tx.body as { first: Vote; second: Vote }, height);
    default:
      return null;
  }
}

/** The genesis administrator, or a signer of a multisig rule in force that holds admin.set. */
function isAdmin(gov: GovernanceOverlay, did: string): boolean {
  return did === gov.genesis?.admin || gov.adminSigners.includes(did);
}

function settle(gov: GovernanceOverlay, id: string, height: number): void {
  const record = gov.proposals.get(id)!;
  if (record.passed !== -1 || !hasQuorum(record.approvals, gov.validators)) return;
  gov.proposals.set(id, { ...record, passed: height });
}

/** Two votes of one validator for different blocks at one height, round and vote type, both validly signed. */
export function checkEvidence(chain: string, first: Vote, second: Vote): BotError | null {
  if (
    first.validator !== second.validator ||
    first.type !== second.type ||
    first.height !== second.height ||
    first.round !== second.round
  ) {
    return botError(
      'BAD_REQUEST',
      'Evidence needs two votes of one validator at one height and round.',
    );
  }
  const same =
    first.block === null
      ? second.block === null
      : second.block !== null && equalBytes(first.block, second.block);
  if (same)
    return botError(
      'BAD_REQUEST',
      'The two votes are for the same block; that is not misbehaviour.',
    );
  const key = publicKeyFromDid(first.validator);
  for (const vote of [first, second]) {
    if (
      !verifyStrict(
        key,
        voteSigningBytes(chain, vote.type, vote.height, vote.round, vote.block),
        vote.sig,
      )
    )
      return botError('BAD_SIGNATURE', 'A vote in the evidence does not carry a valid signature.');
  }
  return null;
}

function applyEvidence(
  gov: GovernanceOverlay,
  body: { first: Vote; second: Vote },
  height: number,
): BotError | null {
  const { first, second } = body;
  if (!isValidatorIn(gov.validators, first.validator) && !gov.accountable(first.validator))
    return botError('BAD_REQUEST', 'The evidence is about someone who is not a validator.');
  if (gov.offenders.has(first.validator))
    return botError('BAD_REQUEST', 'This validator is already marked as an offender.');
  const error = checkEvidence(gov.chain, first, second);
  if (error) return error;
  gov.offenders.set(first.validator, height);
  gov.touched.add(offenderPrefix + first.validator);
  return null;
}

/**
 * After the block's transactions: apply passed changes due at the next height. Returns the
 * state writes and the validators and consensus settings for the next block.
 */
export function finishGovernance(
  gov: GovernanceOverlay,
  height: number,
  writes: Map<string, Uint8Array>,
): Governance & { validators: Validator[] } {
  let validators = gov.validators;
  let consensus = gov.consensus;
  for (const [id, record] of gov.proposals) {
    if (
      record.passed === -1 ||
      record.applied ||
      Math.max(record.height, record.passed + 1) > height + 1
    )
      continue;
    const change = record.change;
    if (change.kind === 'engine')
      consensus =
        change.timeoutMs === undefined
          ? { ...consensus, engine: change.engine }
          : { ...consensus, engine: change.engine, timeoutMs: change.timeoutMs };
    else if (change.kind === 'addMember') gov.members.add(change.did);
    else if (change.kind === 'removeMember') gov.members.delete(change.did);
    else if (change.kind === 'policy' || change.kind === 'role' || change.kind === 'multisig')
      applyRightsChange(gov, change, height, writes);
    else if (change.kind === 'mint' || change.kind === 'contract') {
      // Nothing here: the tokens module mints when a token.mint names this applied proposal, the
      // contracts module upgrades or retires when a contract.upgrade or .retire names it.
    } else {
      const next = validatorsAfter(validators, change);
      if (!(next instanceof BotError)) validators = next;
    }
    if (change.kind === 'addMember' || change.kind === 'removeMember')
      writes.set(
        memberPrefix + change.did,
        encode({ member: change.kind === 'addMember', h: height }),
      );
    gov.proposals.set(id, { ...record, applied: true });
    gov.touched.add(proposalPrefix + id);
  }
  for (const change of gov.adminChanges) {
    if (change.kind === 'addMember' || change.kind === 'removeMember') {
      if (change.kind === 'addMember') gov.members.add(change.did);
      else gov.members.delete(change.did);
      writes.set(
        memberPrefix + change.did,
        encode({ member: change.kind === 'addMember', h: height }),
      );
    } else applyRightsChange(gov, change, height, writes);
  }
  for (const key of gov.touched) {
    if (key.startsWith(proposalPrefix))
      writes.set(key, encode(gov.proposals.get(key.slice(proposalPrefix.length))));
    if (key.startsWith(offenderPrefix))
      writes.set(key, encode({ h: gov.offenders.get(key.slice(offenderPrefix.length)) }));
  }
  if (validators !== gov.validators) writes.set('sys/validators', encode(validators));
  if (consensus !== gov.consensus) writes.set('sys/consensus', encode(consensus));
  return {
    proposals: gov.proposals,
    offenders: gov.offenders,
    members: gov.members,
    consensus,
    roles: gov.rolesChanged ? gov.roles : gov.rolesBefore,
    policies: gov.policies,
    validators,
  };
}

/** Rebuild governance from stored entries (gov/proposal/, gov/offender/, gov/member/, sys/consensus). */
export function governanceFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
  genesis: Genesis,
): Governance {
  let consensus = genesis.consensus;
  const proposals = new Map<string, ProposalRecord>();
  const offenders = new Map<string, number>();
  const members = new Set<string>();
  const roles = new Map<string, readonly string[]>();
  const policies = new Map<string, PolicyValue>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(policyPrefix))
      policies.set(key.slice(policyPrefix.length), decode<{ v: PolicyValue }>(bytes, 4096).v);
    if (key.startsWith(rolePrefix)) {
      const dids = decode<{ dids: string[] | null }>(bytes, 1 << 16).dids;
      if (dids !== null) roles.set(key.slice(rolePrefix.length), dids);
    }
    if (key === 'sys/consensus') consensus = decode<Genesis['consensus']>(bytes, 1024);
    if (key.startsWith(proposalPrefix))
      proposals.set(key.slice(proposalPrefix.length), decode<ProposalRecord>(bytes, 1 << 16));
    if (key.startsWith(offenderPrefix))
      offenders.set(key.slice(offenderPrefix.length), decode<{ h: number }>(bytes, 64).h);
    if (key.startsWith(memberPrefix) && decode<{ member: boolean }>(bytes, 128).member)
      members.add(key.slice(memberPrefix.length));
  }
  return { proposals, offenders, members, consensus, roles, policies };
}
