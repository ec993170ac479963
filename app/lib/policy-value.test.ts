import { describe, expect, it } from 'vitest';
import { parsePolicyValue } from './policy-value';

describe('parsePolicyValue', () => {
  it('sends whole numbers as numbers, so enforced number policies take them', () => {
    expect(parsePolicyValue('65536')).toBe(65536);
    expect(parsePolicyValue(' 3 ')).toBe(3);
  });
  it('sends true and false as booleans', () => {
    expect(parsePolicyValue('true')).toBe(true);
    expect(parsePolicyValue('false')).toBe(false);
  });
  it('keeps lists, decimals, signs and huge numbers as text (the chain names the error)', () => {
    expect(parsePolicyValue('data.put,token.transfer')).toBe('data.put,token.transfer');
    expect(parsePolicyValue('1.5')).toBe('1.5');
    expect(parsePolicyValue('-1')).toBe('-1');
    expect(parsePolicyValue('1234567890123456')).toBe('1234567890123456');
  });
});
