// Stateless body rules of contract.deploy and contract.call.
import { utf8 } from '../../bytes';
import { botError } from '../../errors';
import * as limits from '../../limits';
import { checkJsonValue, isPlainObject, onlyFields } from '../../body';
import type { contractTxTypes } from './types';
import { checkAmount } from '../tokens/rules';
import { checkScheduleBody, checkUnscheduleBody } from './triggers';

export function checkContractName(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !new RegExp(`^[a-z][a-z0-9-]{0,${limits.contractNameLengthMax - 1}}$`).test(value)
  ) {
    throw botError(
      'BAD_FIELD_TYPE',
      `A contract name has 1 to ${limits.contractNameLengthMax} lowercase letters, digits or "-", starting with a letter.`,
    );
  }
  return value;
}

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

const upgrade = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError('MALFORMED', 'A contract.upgrade body must be a map { name, code }.');
    onlyFields(raw, ['name', 'code'], 'contract.upgrade');
    deploy.check(raw);
  },
};

const retire = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError('MALFORMED', 'A contract.retire body must be a map { name, note }.');
    onlyFields(raw, ['name', 'note'], 'contract.retire');
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
