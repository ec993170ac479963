// The dispatcher test's cases for staking's methods (dispatch.test.ts spreads them in).
export const stakingCases = {
  staking: {
    good: [],
    bad: [[[7], 'staking: account must be'] as [unknown[], string]],
  },
  bond: {
    good: [100],
    bad: [
      [[0], 'bond: amount must be a whole number from 1'],
      [[1.5], 'bond: amount must be a whole number'],
    ] as Array<[unknown[], string]>,
  },
  unbond: {
    good: [100],
    bad: [[['10'], 'unbond: amount must be a whole number']] as Array<[unknown[], string]>,
  },
};
