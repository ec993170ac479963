import { describe, expect, it } from 'vitest';
import { describeChange, parseRuleForm, ruleSetText, typesToText } from './change-text';

const a = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const b = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';

describe('the multi-signature rule form', () => {
  it('reads types one a line, amounts after ">", signers and k', () => {
    const rule = parseRuleForm('admin.set\ntoken.transfer > 100', `${a}\n${b}, ${a}`, ' 2 ');
    expect(rule).toEqual({
      signers: [a, b],
      k: 2,
      types: [{ type: 'admin.set' }, { type: 'token.transfer', amountOver: 100 }],
    });
    expect(typesToText(rule.types)).toBe('admin.set\ntoken.transfer > 100');
    expect(ruleSetText(rule)).toBe('admin.set, token.transfer above 100 need 2 of 2 signatures');
  });
  it('names the field that is wrong', () => {
    expect(() => parseRuleForm('transfer everything', a, '1')).toThrow(/not a transaction type/);
    expect(() => parseRuleForm(' ', a, '1')).toThrow(/at least one transaction type/);
    expect(() => parseRuleForm('data.put', 'alice', '1')).toThrow(/"alice" is not a did:key/);
    expect(() => parseRuleForm('data.put', a, '2')).toThrow(/from 1 to 1/);
    expect(() => parseRuleForm('data.put', `${a} ${b}`, '1.5')).toThrow(/from 1 to 2/);
  });
});

describe('changes in words', () => {
  it('says what an administrator change held for approvals does', () => {
    expect(describeChange({ kind: 'addMember', did: a })).toMatch(/^Add member did:key/);
    expect(describeChange({ kind: 'role', role: 'transact:data.put', dids: [b] })).toMatch(
      /^Role transact:data.put: did:key/,
    );
    expect(
      describeChange({
        kind: 'multisig',
        policy: { signers: [a, b], k: 1, types: [{ type: 'admin.set' }] },
      }),
    ).toBe('Multi-signature rule: admin.set need 1 of 2 signatures');
    expect(describeChange({ kind: 'multisig', policy: null })).toBe(
      'Drop the multi-signature rule',
    );
  });
});
