// The rule of a contract's name (a leaf, so the governance body rules can use it without a cycle).
import { botError } from '../../errors';
import * as limits from '../../limits';

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
