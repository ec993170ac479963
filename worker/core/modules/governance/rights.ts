// Roles and policies of a chain (issues 15 and 17; Y.4464 Appendix I consortium: "members decide
// who deploys contracts, transacts and reads"; r-7.2.4-a/b: policies are enforced, not only
// stored). Both live in the governance state and are judged on the state before a block, so
// every peer judges a block's transactions alike: a transaction its sender has no right to, or
// that breaks a policy, is left out by the proposer and makes a block holding it BAD_BLOCK.
//
// Roles, `gov/role/<role>` = { dids, h } (dids null: the role is open again):
//   deploy                 who may send contract.deploy
//   transact               who may send any transaction (governance transactions excepted)
//   transact:<type>        ... of one type (data.put), or transact:<module> (devices)
//   read:<prefix>          who may read data keys starting with <prefix>: a value written under
//                          them is sealed for these holders (../data/sealed.ts, block validity),
//                          and a peer serves plaintext under them to its holders only
//   regulate               who may validate or refuse submitted data (data.validate, ../validation)
// The most specific transact role that is set applies (type, then module, then transact); a
// role that is not set is open: with no role set, a chain behaves as before (members do all).
// Public chains have no roles: they are open to all.
//
// Policies, `gov/policy/<name>` = { v, h }: any name may be stored; these are enforced:
//   data.valueBytesMax        encoded bytes of a data.put value (whole number >= 1)
//   tx.perSenderPerBlockMax   transactions of one sender in one block (whole number >= 1)
//   tx.allowedTypes           comma-separated transaction types or module names allowed
//   devices.blockThreshold    distinct gateways whose reports block a device (default 2)
//   devices.messagesPerMinuteMax  what a gateway takes from one device before it reports a flood
//   data.validationRequired  true: reads report an unvalidated version as pending (../validation)
//   data.validators          "regulators" (default): only the regulate role judges data;
//                            "stakeholders": the parties a submitter names judge too (../validation)
//   data.stakeholderQuorum   stakeholders' like verdicts that decide a version (default 1)
// Governance transactions are never restricted by roles or tx.* policies, so a chain can always
// change them back.
import { encode } from '../../codec';
import { botError, type BotError } from '../../errors';
import type { Genesis } from '../../genesis';
import type { Tx } from '../../tx-shape';
import type { MultisigPolicy } from '../multisig/types';

export type PolicyValue = string | number | boolean;

export const rolePrefix = 'gov/role/';

/** Transaction types that roles and tx.* policies never restrict (the governance module's). */
export const governanceExempt: ReadonlySet<string> = new Set([
  'member.propose',
  'member.vote',
  'evidence.submit',
  'chain.upgrade',
  'admin.set',
]);

/** The policies the chain enforces, and the type of their value. */
export const enforcedPolicies: Readonly<
  Record<string, 'count' | 'list' | 'flag' | 'validators' | 'managers'>
> = {
  'data.valueBytesMax': 'count',
  'tx.perSenderPerBlockMax': 'count',
  'tx.allowedTypes': 'list',
  'devices.blockThreshold': 'count',
  'devices.messagesPerMinuteMax': 'count',
  'data.validationRequired': 'flag',
  'data.validators': 'validators',
  'data.stakeholderQuorum': 'count',
  'contracts.managedBy': 'managers',
};

/** Default threshold of distinct gateways' reports that block a device. */
export const blockThresholdDefault = 2;

/** Roles and policies as the governance state holds them. */
export interface RightsState {
  readonly roles: ReadonlyMap<string, readonly string[]>;
  readonly policies: ReadonlyMap<string, PolicyValue>;
}

const rolePattern = /^(deploy|regulate|transact|transact:[a-z][a-z0-9.]{0,31}|read:[^\s]{1,64})$/;

/** Throws BAD_FIELD_TYPE unless `role` is a role name (see the header). */
export function checkRoleName(role: unknown): asserts role is string {
  if (typeof role !== 'string' || !rolePattern.test(role))
    throw botError(
      'BAD_FIELD_TYPE',
      'A role is "deploy", "regulate", "transact", "transact:<type or module>" or "read:<key prefix>".',
    );
}

/** Throws BAD_FIELD_TYPE when an enforced policy gets a value of the wrong kind. */
export function checkPolicyValue(name: string, value: unknown): void {
  const kind = Object.hasOwn(enforcedPolicies, name) ? enforcedPolicies[name] : undefined;
  if (kind === 'count' && !(Number.isSafeInteger(value) && (value as number) >= 1))
    throw botError('BAD_FIELD_TYPE', `Policy ${name} is a whole number of 1 or more.`);
  if (kind === 'validators' && value !== 'regulators' && value !== 'stakeholders')
    throw botError('BAD_FIELD_TYPE', `Policy ${name} is "regulators" or "stakeholders".`);
  if (kind === 'managers' && value !== 'owner' && value !== 'governance' && value !== 'vote')
    throw botError('BAD_FIELD_TYPE', `Policy ${name} is "owner", "governance" or "vote".`);
  if (kind === 'flag' && typeof value !== 'boolean')
    throw botError('BAD_FIELD_TYPE', `Policy ${name} is true or false.`);
  if (kind === 'list' && !(typeof value === 'string' && value.trim().length > 0))
    throw botError(
      'BAD_FIELD_TYPE',
      `Policy ${name} is a comma-separated list of transaction types or modules.`,
    );
}

/** Who may change roles and policies on this chain, in words, or null when anyone's votes may. */
export function rightsSetter(genesis: Genesis): 'admin' | 'votes' | 'none' {
  if (genesis.mode === 'public') return 'none';
  if (genesis.mode === 'private' && genesis.admin) return 'admin';
  return 'votes';
}

/**
 * A private chain's administrators: the genesis administrator alone, or, while a multisig rule
 * in force holds admin.set, its signers (k of them approve each change). null: no administrator.
 */
export function administratorsOf(
  genesis: Genesis,
  policy: MultisigPolicy | null,
): { dids: string[]; k: number } | null {
  if (rightsSetter(genesis) !== 'admin' || !genesis.admin) return null;
  if (policy?.types.some((rule) => rule.type === 'admin.set'))
    return { dids: [...policy.signers], k: policy.k };
  return { dids: [genesis.admin], k: 1 };
}

function roleError(role: string, tx: Tx): BotError {
  return botError(
    'UNAUTHORIZED',
    `${tx.from} does not hold the role ${role} on this chain, so it may not send ${tx.type}; the chain's governance names who holds it.`,
  );
}

/** The transact role that applies to a type of module `module`: the most specific one set. */
export function transactRoleOf(
  rights: RightsState,
  type: string,
  module: string,
): { role: string; dids: readonly string[] } | null {
  for (const role of [`transact:${type}`, `transact:${module}`, 'transact']) {
    const dids = rights.roles.get(role);
    if (dids) return { role, dids };
  }
  return null;
}

/** A count policy's value, or undefined when not set. */
export function countPolicy(rights: RightsState | undefined, name: string): number | undefined {
  const value = rights?.policies.get(name);
  return typeof value === 'number' ? value : undefined;
}

function policyError(name: string, message: string): BotError {
  return botError('POLICY', `Policy ${name}: ${message}`);
}

/**
 * May `tx` (of module `module`) be in the next block, by the roles and policies in `rights`?
 * `sentInBlock`: the sender's transactions already in this block. null when it may.
 */
export function rightsError(
  genesis: Genesis,
  rights: RightsState | undefined,
  tx: Tx,
  module: string,
  sentInBlock: number,
): BotError | null {
  if (!rights || governanceExempt.has(tx.type)) return null;
  if (genesis.mode !== 'public') {
    if (tx.type === 'contract.deploy') {
      const deployers = rights.roles.get('deploy');
      if (deployers && !deployers.includes(tx.from)) return roleError('deploy', tx);
    }
    const transact = transactRoleOf(rights, tx.type, module);
    if (transact && !transact.dids.includes(tx.from)) return roleError(transact.role, tx);
  }
  const allowed = rights.policies.get('tx.allowedTypes');
  if (typeof allowed === 'string') {
    const list = allowed.split(',').map((s) => s.trim());
    if (!list.includes(tx.type) && !list.includes(module))
      return policyError(
        'tx.allowedTypes',
        `${tx.type} is not among the allowed types (${allowed}).`,
      );
  }
  const perBlock = countPolicy(rights, 'tx.perSenderPerBlockMax');
  if (perBlock !== undefined && sentInBlock >= perBlock)
    return policyError(
      'tx.perSenderPerBlockMax',
      `${tx.from} already has ${sentInBlock} transactions in this block; the limit is ${perBlock}.`,
    );
  const valueMax = countPolicy(rights, 'data.valueBytesMax');
  if (valueMax !== undefined && tx.type === 'data.put') {
    const body = tx.body as { value?: unknown; sealed?: { box: Uint8Array } };
    // a sealed value (../data/sealed.ts): its box is the encoded value and a 16-byte tag
    const bytes = body.sealed ? body.sealed.box.length - 16 : encode(body.value).length;
    if (bytes > valueMax)
      return policyError(
        'data.valueBytesMax',
        `the value is ${bytes} bytes; this chain takes at most ${valueMax}.`,
      );
  }
  return null;
}

/** Is this error the per-block limit (the transaction waits for a later block, it is not refused)? */
export function isPerBlockLimit(error: BotError): boolean {
  return error.code === 'POLICY' && error.message.startsWith('Policy tx.perSenderPerBlockMax');
}

/** The read role that covers a data key: the longest `read:<prefix>` set that the key starts with. */
export function readRoleOf(
  rights: RightsState | undefined,
  key: string,
): { role: string; dids: readonly string[] } | null {
  if (!rights) return null;
  let best: { role: string; dids: readonly string[] } | null = null;
  for (const [role, dids] of rights.roles) {
    if (!role.startsWith('read:')) continue;
    const prefix = role.slice(5);
    if (key.startsWith(prefix) && (!best || role.length > best.role.length)) best = { role, dids };
  }
  return best;
}
