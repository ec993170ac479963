// The dispatcher test's cases for the gateway's reorder rules (issue 16, U-II.4; dispatch.test.ts
// spreads them in): good parameters, and bad ones with a piece of the message.
const device = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const rule = { device, value: 'detergentPct', below: 20, contract: 'detergent-shop', quantity: 1 };

export const reorderCases = {
  setReorderRule: {
    good: [{ ...rule, item: 'detergent', every: 5 }],
    bad: [
      [[{ ...rule, below: Number.NaN }], 'setReorderRule: rule.below'],
      [[{ ...rule, below: '20' }], 'setReorderRule: rule.below'],
      [[{ ...rule, below: 1e13 }], 'setReorderRule: rule.below'],
      [[{ ...rule, quantity: 0 }], 'setReorderRule: rule.quantity'],
      [[{ ...rule, quantity: 11 }], 'setReorderRule: rule.quantity'],
      [[{ ...rule, device: 'washer' }], 'setReorderRule: rule.device'],
      [[{ ...rule, value: '' }], 'setReorderRule: rule.value'],
      [[{ ...rule, every: -1 }], 'setReorderRule: rule.every'],
      [[{ ...rule, shop: 'x' }], 'setReorderRule: rule'],
    ] as Array<[unknown[], string]>,
  },
  reorderRules: {
    good: [],
    bad: [[[1], 'reorderRules takes 0 parameters']] as Array<[unknown[], string]>,
  },
  clearReorderRule: {
    good: [device],
    bad: [[['washer'], 'clearReorderRule: device']] as Array<[unknown[], string]>,
  },
  reorderOrders: {
    good: [{ device, limit: 5 }],
    bad: [
      [[{ limit: 0 }], 'reorderOrders: options.limit'],
      [[{ device: 'x' }], 'reorderOrders: options.device'],
    ] as Array<[unknown[], string]>,
  },
};
