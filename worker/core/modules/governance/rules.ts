// Body rules of the governance transaction types (stateless): member.propose, member.vote,
// evidence.submit and chain.upgrade, and the invite token a join quotes.
import { botError } from '../../errors';
import * as limits from '../../limits';
import { isPlainObject, onlyFields } from '../../body';
import type { BodyRules } from '../module';
import { checkPolicyValue, checkRoleName } from './rights';
import { checkContractName } from '../contracts/name';
import { checkMultisigGenesis } from '../multisig/policy';

function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('did:key:z') && value.length <= 64;
}

function isPower(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function isHeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function checkEngineFields(body: Record<string, unknown>, type: string): void {
  if (body.engine !== 'poa' && body.engine !== 'bft')
    throw botError('BAD_FIELD_TYPE', `A ${type} names the engine "poa" or "bft".`);
  if (
    body.timeoutMs !== undefined &&
    !(
      typeof body.timeoutMs === 'number' &&
      Number.isSafeInteger(body.timeoutMs) &&
      body.timeoutMs >= 10 &&
      body.timeoutMs <= 600_000
    )
  ) {
    throw botError(
      'BAD_FIELD_TYPE',
      'timeoutMs must be a whole number of milliseconds from 10 to 600000.',
    );
  }
}

function checkChange(value: unknown): void {
  if (!isPlainObject(value)) throw botError('MALFORMED', 'The change must be a map with a "kind".');
  switch (value.kind) {
    case 'addValidator':
    case 'setPower':
      onlyFields(value, ['kind', 'did', 'power'], value.kind);
      if (!isDid(value.did) || !isPower(value.power))
        throw botError(
          'BAD_FIELD_TYPE',
          'The change needs a did:key and a whole power of 1 or more.',
        );
      return;
    case 'removeValidator':
    case 'addMember':
    case 'removeMember':
      onlyFields(value, ['kind', 'did'], value.kind);
      if (!isDid(value.did)) throw botError('BAD_FIELD_TYPE', 'The change needs a did:key.');
      return;
    case 'policy':
      onlyFields(value, ['kind', 'name', 'value'], 'policy');
      if (
        typeof value.name !== 'string' ||
        value.name.length === 0 ||
        value.name.length > limits.policyNameLengthMax
      )
        throw botError('BAD_FIELD_TYPE', 'A policy needs a short name.');
      if (!['string', 'number', 'boolean'].includes(typeof value.value))
        throw botError('BAD_FIELD_TYPE', 'A policy value is a string, number or boolean.');
      checkPolicyValue(value.name, value.value);
      return;
    case 'role':
      onlyFields(value, ['kind', 'role', 'dids'], 'role change');
      checkRoleName(value.role);
      if (value.dids === null) return;
      if (!Array.isArray(value.dids) || value.dids.length > limits.roleHoldersMax)
        throw botError(
          'BAD_FIELD_TYPE',
          `A role names a list of up to ${limits.roleHoldersMax} did:keys, or null to open it to all.`,
        );
      for (const did of value.dids)
        if (!isDid(did)) throw botError('BAD_FIELD_TYPE', 'A role holder must be a did:key.');
      // every value under a read role is sealed for each holder (../data/sealed.ts)
      if (value.role.startsWith('read:') && value.dids.length > limits.sealedValueHoldersMax)
        throw botError(
          'TOO_LARGE',
          `A read role names at most ${limits.sealedValueHoldersMax} holders (sealedValueHoldersMax): each value under it is sealed for every holder.`,
        );
      return;
    case 'mint':
      onlyFields(value, ['kind', 'to', 'amount'], 'mint');
      if (!isDid(value.to))
        throw botError('BAD_FIELD_TYPE', 'A mint names a did:key to mint into.');
      if (
        typeof value.amount !== 'number' ||
        !Number.isSafeInteger(value.amount) ||
        value.amount < 1 ||
        value.amount > limits.tokenAmountMax
      )
        throw botError(
          'BAD_FIELD_TYPE',
          `A mint amount is a whole number from 1 to ${limits.tokenAmountMax}.`,
        );
      return;
    case 'contract':
      onlyFields(value, ['kind', 'name', 'action', 'codeHash'], 'contract change');
      checkContractName(value.name);
      if (value.action !== 'upgrade' && value.action !== 'retire')
        throw botError('BAD_FIELD_TYPE', 'A contract change\'s action is "upgrade" or "retire".');
      if (value.action === 'retire' && value.codeHash !== undefined)
        throw botError('BAD_FIELD_TYPE', 'A contract retirement names no codeHash.');
      if (
        value.action === 'upgrade' &&
        (typeof value.codeHash !== 'string' || !/^[0-9a-f]{64}$/.test(value.codeHash))
      )
        throw botError(
          'BAD_FIELD_TYPE',
          'A contract upgrade names the codeHash of the new code: its SHA-256, 64 lowercase hex digits.',
        );
      return;
    case 'multisig':
      onlyFields(value, ['kind', 'policy'], 'multisig change');
      if (value.policy === undefined)
        throw botError('MISSING_FIELD', 'A multisig change names the policy (null drops it).');
      if (value.policy !== null) checkMultisigGenesis(value.policy);
      return;
    case 'engine':
      onlyFields(value, ['kind', 'engine', 'timeoutMs'], 'engine change');
      checkEngineFields(value, 'engine change');
      return;
    default:
      throw botError('UNKNOWN_TYPE', 'Unknown kind of change.');
  }
}

/** The token of an invite link: a nonce signed by the issuer (see ./apply.ts). */
export function checkInviteToken(value: unknown): void {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'An invite token is a map { issuer, nonce, sig }.');
  onlyFields(value, ['issuer', 'nonce', 'sig'], 'invite token');
  if (!isDid(value.issuer))
    throw botError('BAD_FIELD_TYPE', 'The invite issuer must be a did:key.');
  if (typeof value.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(value.nonce))
    throw botError('BAD_FIELD_TYPE', 'The invite nonce is 32 hex digits.');
  if (!(value.sig instanceof Uint8Array) || value.sig.length !== 64)
    throw botError('BAD_FIELD_TYPE', 'The invite signature is 64 bytes.');
}

const memberPropose: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A member.propose body must be a map { change, height }.');
    onlyFields(body, ['change', 'height', 'invite'], 'member.propose');
    checkChange(body.change);
    if (!isHeight(body.height))
      throw botError(
        'BAD_FIELD_TYPE',
        'height must be the whole block height the change starts at.',
      );
    if (body.invite !== undefined) {
      if ((body.change as { kind: string }).kind !== 'addMember')
        throw botError('BAD_FIELD_TYPE', 'Only a proposal to add a member quotes an invite.');
      checkInviteToken(body.invite);
    }
  },
};

const chainUpgrade: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError(
        'MALFORMED',
        'A chain.upgrade body must be a map { engine, timeoutMs?, height }.',
      );
    onlyFields(body, ['engine', 'timeoutMs', 'height'], 'chain.upgrade');
    checkEngineFields(body, 'chain.upgrade');
    if (!isHeight(body.height))
      throw botError(
        'BAD_FIELD_TYPE',
        'height must be the whole block height the upgrade starts at.',
      );
  },
};

const memberVote: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A member.vote body must be a map { proposal, approve }.');
    onlyFields(body, ['proposal', 'approve'], 'member.vote');
    if (typeof body.proposal !== 'string' || !/^[0-9a-f]{64}$/.test(body.proposal))
      throw botError(
        'BAD_FIELD_TYPE',
        'proposal must be the id (64 hex digits) of the member.propose transaction.',
      );
    if (typeof body.approve !== 'boolean')
      throw botError('BAD_FIELD_TYPE', 'approve must be true or false.');
  },
};

function checkEvidenceVote(value: unknown): void {
  const v = value as Record<string, unknown> | null;
  if (!isPlainObject(v)) throw botError('MALFORMED', 'Evidence holds two votes.');
  onlyFields(v, ['type', 'height', 'round', 'block', 'validator', 'sig'], 'vote');
  if (v.type !== 'prevote' && v.type !== 'precommit')
    throw botError('BAD_FIELD_TYPE', 'A vote is a prevote or a precommit.');
  if (
    !isHeight(v.height) ||
    typeof v.round !== 'number' ||
    !Number.isSafeInteger(v.round) ||
    v.round < 0
  )
    throw botError('BAD_FIELD_TYPE', 'A vote has a height and a round.');
  if (v.block !== null && !(v.block instanceof Uint8Array && v.block.length === 32))
    throw botError('BAD_FIELD_TYPE', 'A vote names a 32-byte block hash or null.');
  if (!isDid(v.validator) || !(v.sig instanceof Uint8Array) || v.sig.length !== 64)
    throw botError('BAD_FIELD_TYPE', 'A vote has a validator did and a 64-byte signature.');
}

const evidenceSubmit: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'An evidence.submit body must be a map { first, second }.');
    onlyFields(body, ['first', 'second'], 'evidence.submit');
    checkEvidenceVote(body.first);
    checkEvidenceVote(body.second);
  },
};

/** The changes a private chain's administrator makes alone (admin.set). */
export const adminKinds: readonly string[] = [
  'addMember',
  'removeMember',
  'role',
  'policy',
  'multisig',
];

const adminSet: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'An admin.set body must be a map { change }.');
    onlyFields(body, ['change'], 'admin.set');
    checkChange(body.change);
    const kind = (body.change as { kind: string }).kind;
    if (!adminKinds.includes(kind))
      throw botError(
        'BAD_FIELD_TYPE',
        'An administrator adds or removes a member, or sets a role, a policy or the multisig rule.',
      );
  },
};

/** Stateless body rules of the governance transaction types. */
export const governanceBodyRules: Record<string, BodyRules> = {
  'member.propose': memberPropose,
  'member.vote': memberVote,
  'evidence.submit': evidenceSubmit,
  'chain.upgrade': chainUpgrade,
  'admin.set': adminSet,
};
