// The check of a multi-signature rule (genesis.multisig, or a governance change of it), apart
// from the module so that governance's body rules can use it without an import cycle.
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import type { MultisigPolicy } from './types';

/** Signers a multisig rule names at most. */
export const multisigSignersMax = 32;

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
