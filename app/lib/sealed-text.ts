// What a reader is told of a value sealed under a read role (issue 15): that it is sealed, for
// whom, and why this peer cannot open it; never ciphertext shown as if it were the value.
import type { SealedView } from '../../worker/api';

/** A value this peer could not open, in words. */
export function sealedText(sealed: SealedView): string {
  const count = sealed.readers.length;
  const role = sealed.role ?? 'a read role';
  const why = sealed.reason ?? 'this peer holds no key for it';
  return `encrypted for ${count} holder${count === 1 ? '' : 's'} of ${role}; it cannot be read here (${why}).`;
}

/** Whether a read answer is a value this peer could not open. */
export const isSealedShut = (v: { sealed?: SealedView }): boolean =>
  v.sealed !== undefined && !v.sealed.opened;
