// Stateless rules of the token transaction bodies and of a genesis's token settings.
import { utf8Length } from '../../bytes';
import { botError } from '../../errors';
import * as limits from '../../limits';
import { isPlainObject, onlyFields } from '../../body';
import type { BodyRules } from '../module';
import type { TokenGenesis } from './types';

export function isDidKey(value: unknown): value is string {
  return typeof value === 'string' && /^did:key:z[1-9A-HJ-NP-Za-km-z]{1,60}$/.test(value);
}

/** A whole amount of base units from 1 to limits.tokenAmountMax. */
export function checkAmount(value: unknown, what = 'amount'): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw botError(
      'BAD_FIELD_TYPE',
      `${what} must be a whole number of base units (no fractions, no text).`,
    );
  if (value < 1 || value > limits.tokenAmountMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `${what} must be from 1 to ${limits.tokenAmountMax} base units; ${value} is out of range.`,
    );
  return value;
}

function checkRecipient(value: unknown): string {
  if (value === undefined) throw botError('MISSING_FIELD', 'The body has no "to".');
  if (!isDidKey(value))
    throw botError('BAD_FIELD_TYPE', '"to" must be a did:key (the recipient\'s identity).');
  return value;
}

export function checkMemo(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string')
    throw botError('BAD_FIELD_TYPE', 'memo is a short text, when given.');
  const bytes = utf8Length(value);
  if (bytes > limits.tokenMemoBytesMax)
    throw botError(
      'TOO_LARGE',
      `The memo is ${bytes} bytes; the limit is ${limits.tokenMemoBytesMax}.`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw botError('BAD_FIELD_TYPE', 'The memo must not contain control characters.');
}

const transfer: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A token.transfer body must be a map { to, amount, memo? }.');
    onlyFields(body, ['to', 'amount', 'memo'], 'token.transfer');
    checkRecipient(body.to);
    if (body.amount === undefined) throw botError('MISSING_FIELD', 'The body has no "amount".');
    checkAmount(body.amount);
    checkMemo(body.memo);
  },
};

const mint: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError(
        'MALFORMED',
        'A token.mint body must be a map { to, amount } or { proposal }.',
      );
    if ('proposal' in body) {
      onlyFields(body, ['proposal'], 'token.mint');
      if (typeof body.proposal !== 'string' || !/^[0-9a-f]{64}$/.test(body.proposal))
        throw botError(
          'BAD_FIELD_TYPE',
          'proposal must be the id (64 hex digits) of a passed mint proposal.',
        );
      return;
    }
    onlyFields(body, ['to', 'amount'], 'token.mint');
    checkRecipient(body.to);
    if (body.amount === undefined) throw botError('MISSING_FIELD', 'The body has no "amount".');
    checkAmount(body.amount);
  },
};

const rule: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError(
        'MALFORMED',
        'A token.rule body must be a map { device, perTxMax, perDayMax, payees? }.',
      );
    onlyFields(body, ['device', 'perTxMax', 'perDayMax', 'payees'], 'token.rule');
    if (!isDidKey(body.device))
      throw botError('BAD_FIELD_TYPE', '"device" must be the did:key of a registered device.');
    checkAmount(body.perTxMax, 'perTxMax');
    checkAmount(body.perDayMax, 'perDayMax');
    if (body.payees === undefined) return;
    if (!Array.isArray(body.payees) || body.payees.length > limits.tokenRulePayeesMax)
      throw botError(
        'BAD_FIELD_TYPE',
        `payees is a list of at most ${limits.tokenRulePayeesMax} accounts.`,
      );
    for (const payee of body.payees)
      if (
        !isDidKey(payee) &&
        !(typeof payee === 'string' && /^contract:[a-z][a-z0-9-]{0,63}$/.test(payee))
      )
        throw botError('BAD_FIELD_TYPE', 'Each payee is a did:key or "contract:<name>".');
  },
};

export const tokenBodyRules: Record<string, BodyRules> = {
  'token.transfer': transfer,
  'token.mint': mint,
  'token.rule': rule,
};

/** The token settings of a genesis: throws BAD_FIELD_TYPE naming what is wrong. */
export function checkTokenGenesis(value: unknown): asserts value is TokenGenesis {
  if (!isPlainObject(value))
    throw botError(
      'BAD_FIELD_TYPE',
      'tokens must be a map { symbol, allocations, fee?, minter?, supplyMax? }.',
    );
  for (const name of Object.keys(value))
    if (!['symbol', 'allocations', 'fee', 'minter', 'supplyMax'].includes(name))
      throw botError('BAD_FIELD_TYPE', `The token settings have no field "${name}".`);
  if (
    typeof value.symbol !== 'string' ||
    !new RegExp(`^[A-Za-z0-9]{1,${limits.tokenSymbolLengthMax}}$`).test(value.symbol)
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `The token symbol has 1 to ${limits.tokenSymbolLengthMax} letters or digits.`,
    );
  if (!Array.isArray(value.allocations) || value.allocations.length > limits.tokenAllocationsMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `allocations is a list of at most ${limits.tokenAllocationsMax} { did, amount }.`,
    );
  const seen = new Set<string>();
  let total = 0;
  for (const item of value.allocations as unknown[]) {
    if (!isPlainObject(item) || !isDidKey(item.did))
      throw botError('BAD_FIELD_TYPE', 'Each allocation names a did:key and an amount.');
    if (seen.has(item.did))
      throw botError('BAD_FIELD_TYPE', `${item.did} is allocated twice; allocate it once.`);
    seen.add(item.did);
    total += checkAmount(item.amount, 'An allocation');
    if (total > limits.tokenSupplyMax)
      throw botError(
        'BAD_FIELD_TYPE',
        `The allocations add up to more than ${limits.tokenSupplyMax}, the largest supply.`,
      );
  }
  if (value.fee !== undefined && value.fee !== 0) checkAmount(value.fee, 'The fee');
  if (value.minter !== undefined && !isDidKey(value.minter))
    throw botError('BAD_FIELD_TYPE', 'The minter must be a did:key.');
  if (value.supplyMax !== undefined) {
    checkAmount(value.supplyMax, 'supplyMax');
    if ((value.supplyMax as number) < total)
      throw botError('BAD_FIELD_TYPE', 'supplyMax is below the allocated total.');
  }
}
