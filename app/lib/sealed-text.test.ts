import { describe, expect, it } from 'vitest';
import { isSealedShut, sealedText } from './sealed-text';

describe('sealed value wording', () => {
  it('says for whom a value is sealed and why it stays shut here', () => {
    const shut = { role: 'read:lab/', readers: ['did:key:zB'], opened: false, reason: 'no key' };
    expect(sealedText(shut)).toBe(
      'encrypted for 1 holder of read:lab/; it cannot be read here (no key).',
    );
    expect(sealedText({ role: null, readers: ['a', 'b'], opened: false })).toContain(
      '2 holders of a read role',
    );
    expect(isSealedShut({ sealed: shut })).toBe(true);
    expect(isSealedShut({ sealed: { ...shut, opened: true } })).toBe(false);
    expect(isSealedShut({})).toBe(false);
  });
});
