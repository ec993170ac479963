// The dispatcher test's cases for data validation (issue 17, D-9.4; dispatch.test.ts spreads
// them in): good parameters, and bad ones with a piece of the message they must get.
export const validationCases = {
  validation: {
    good: [],
    bad: [[[1], 'validation takes 0 parameters']] as Array<[unknown[], string]>,
  },
  validate: {
    good: [{ key: 'lab/1', height: 3, verdict: 'refused', reason: 'pH out of range' }],
    bad: [
      [[{ key: 'lab/1', verdict: 'maybe' }], 'validate: request.verdict must be'],
      [[{ key: '', verdict: 'valid' }], 'validate: request.key must be a non-empty string'],
      [[{ key: 'k', verdict: 'valid', height: 0 }], 'validate: request.height'],
      [[{ key: 'k', verdict: 'valid', reason: 'x'.repeat(281) }], 'validate: request.reason'],
      [[{ key: 'k', verdict: 'valid', by: 'me' }], 'validate: request has no field "by"'],
    ] as Array<[unknown[], string]>,
  },
};
