import { describe, expect, it } from 'vitest';
import { reorderStep, ruleFrom } from './reorder';

describe('the gateway reorder rule', () => {
  it('orders once when the level falls under the threshold, again only after a refill', () => {
    let armed = true;
    const orders: number[] = [];
    for (const level of [80, 40, 19, 15, 10, null, 'x', 25, 30, 18, 12]) {
      const step = reorderStep(armed, level, 20);
      armed = step.armed;
      if (step.order) orders.push(level as number);
    }
    expect(orders).toEqual([19, 18]);
    // Exactly at the threshold is not under it.
    expect(reorderStep(true, 20, 20)).toEqual({ armed: true, order: false });
    // A level that was already low when the rule was turned on orders at once.
    expect(reorderStep(true, 5, 20)).toEqual({ armed: false, order: true });
  });

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
