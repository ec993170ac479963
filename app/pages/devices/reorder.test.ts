import { describe, expect, it } from 'vitest';
import { ruleFrom } from './reorder';

// The rule's steps are the peer's: worker/host/reorder-host.test.ts.
describe('the gateway reorder rule form', () => {
  it('refuses a bad form plainly', () => {
    const ok = {
      device: 'did:key:z1',
      value: 'detergentPct',
      below: '20',
      contract: 'detergent-shop',
      quantity: '1',
    };
    expect(ruleFrom(ok)).toEqual({ ...ok, below: 20, quantity: 1 });
    expect(ruleFrom({ ...ok, device: '' })).toMatch(/Pick the device/);
    expect(ruleFrom({ ...ok, below: '' })).toMatch(/threshold/);
    expect(ruleFrom({ ...ok, quantity: '11' })).toMatch(/from 1 to 10/);
    expect(ruleFrom({ ...ok, quantity: '1.5' })).toMatch(/whole number/);
    expect(ruleFrom({ ...ok, contract: 'Shop!' })).toMatch(/contract/);
  });
});
