// Stateless body rules of contract.deploy and contract.call.
import { utf8 } from '../../bytes';
import { botError } from '../../errors';
import * as limits from '../../limits';
import { checkJsonValue, isPlainObject, onlyFields } from '../../body';
import type { contractTxTypes } from './types';
import { checkAmount } from '../tokens/rules';
import { checkScheduleBody, checkUnscheduleBody } from './triggers';
import { checkContractName } from './name';

export { checkContractName };

function checkMethodName(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${limits.contractMethodLengthMax - 1}}$`).test(value)
  ) {
    throw botError(
      'BAD_FIELD_TYPE',
      `A method name has 1 to ${limits.contractMethodLengthMax} letters, digits or "_", starting with a letter (functions starting with "_" are private).`,
    );
  }
  return value;
}

const deploy = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError('MALFORMED', 'A contract.deploy body must be a map { name, code }.');
    onlyFields(raw, ['name', 'code'], 'contract.deploy');
    checkContractName(raw.name);
    if (typeof raw.code !== 'string' || raw.code.length === 0)
      throw botError('BAD_FIELD_TYPE', 'code must be the JavaScript source of the contract.');
    const bytes = utf8(raw.code).length;
    if (bytes > limits.contractCodeBytesMax)
      throw botError(
        'TOO_LARGE',
        `The code is ${bytes} bytes; the limit is ${limits.contractCodeBytesMax}.`,
      );
  },
};

const call = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError(
        'MALFORMED',
        'A contract.call body must be a map { contract, method, args, device?, pay? }.',
      );
    onlyFields(raw, ['contract', 'method', 'args', 'device', 'pay'], 'contract.call');
    if ('pay' in raw) checkAmount(raw.pay, 'pay');
    checkContractName(raw.contract);
    checkMethodName(raw.method);
    if (!('args' in raw))
      throw botError('MISSING_FIELD', 'The body has no "args" (use null for none).');
    checkJsonValue(raw.args, 'args');
    const bytes = utf8(JSON.stringify(raw.args)).length;
    if (bytes > limits.contractArgsBytesMax)
      throw botError(
        'TOO_LARGE',
        `The arguments are ${bytes} bytes of JSON; the limit is ${limits.contractArgsBytesMax}.`,
      );
    if ('device' in raw && raw.device !== true)
      throw botError(
        'BAD_FIELD_TYPE',
        'device is true (the caller is a registered device) or absent.',
      );
  },
};

/** The optional `proposal` of an upgrade or retirement: the id of a passed governance proposal. */
function checkProposalId(value: unknown, type: string): void {
  if (value !== undefined && !(typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)))
    throw botError(
      'BAD_FIELD_TYPE',
      `A ${type} proposal is the id (64 hex digits) of the passed member.propose, or absent.`,
    );
}

const upgrade = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError(
        'MALFORMED',
        'A contract.upgrade body must be a map { name, code, proposal? }.',
      );
    onlyFields(raw, ['name', 'code', 'proposal'], 'contract.upgrade');
    const { proposal, ...rest } = raw;
    deploy.check(rest);
    checkProposalId(proposal, 'contract.upgrade');
  },
};

const retire = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError(
        'MALFORMED',
        'A contract.retire body must be a map { name, note, proposal? }.',
      );
    onlyFields(raw, ['name', 'note', 'proposal'], 'contract.retire');
    checkProposalId(raw.proposal, 'contract.retire');
    checkContractName(raw.name);
    if (
      typeof raw.note !== 'string' ||
      raw.note.length === 0 ||
      raw.note.length > limits.contractRetireNoteLengthMax ||
      /[\u0000-\u001f\u007f]/.test(raw.note)
    )
      throw botError(
        'BAD_FIELD_TYPE',
        `note is text of 1 to ${limits.contractRetireNoteLengthMax} characters, without control characters.`,
      );
  },
};

/** Stateless body rules of the contract transaction types. */
export const contractBodyRules: Record<
  (typeof contractTxTypes)[number],
  { check(body: unknown): void }
> = {
  'contract.deploy': deploy,
  'contract.call': call,
  'contract.upgrade': upgrade,
  'contract.retire': retire,
  'contract.schedule': {
    check: (raw) => checkScheduleBody(raw, checkContractName, checkMethodName),
  },
  'contract.unschedule': { check: checkUnscheduleBody },
};
