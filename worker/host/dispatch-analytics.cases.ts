// The dispatcher test's cases for distributed analytics (issue 15, Y.4560 8.2; dispatch.test.ts
// spreads them in): good parameters, and bad ones with a piece of the message they must get.
export const analyticsCases = {
  runAnalytics: {
    good: [{ datasets: ['temps', 'temps.b'], field: 'c', fns: ['count', 'mean'], timeoutMs: 500 }],
    bad: [
      [
        [{ datasets: [], field: 'c', fns: ['max'] }],
        'runAnalytics: request.datasets must be a non-empty list of at most 16',
      ],
      [
        [{ datasets: ['a'], field: 'c', fns: ['sum'] }],
        'runAnalytics: request.fns[0] must be one of count, min, max, mean',
      ],
      [
        [{ datasets: ['a'], field: '', fns: ['max'] }],
        'runAnalytics: request.field must be a non-empty string',
      ],
      [
        [{ datasets: ['a'], field: 'c', fns: ['max'], timeoutMs: 10 ** 9 }],
        'runAnalytics: request.timeoutMs',
      ],
      [
        [{ datasets: ['a'], field: 'c', fns: ['max'], versions: 0 }],
        'runAnalytics: request.versions',
      ],
      [
        [{ datasets: ['a'], field: 'c', fns: ['max'], who: 1 }],
        'runAnalytics: request has no field "who"',
      ],
    ] as Array<[unknown[], string]>,
  },
  analyticsResult: {
    good: ['a'.repeat(64), { timeoutMs: 0 }],
    bad: [
      [['nope'], 'analyticsResult: job must be'],
      [['a'.repeat(64), { timeoutMs: -1 }], 'analyticsResult: options.timeoutMs'],
    ] as Array<[unknown[], string]>,
  },
  analyticsJobs: {
    good: [],
    bad: [[[1], 'analyticsJobs takes 0 parameters']] as Array<[unknown[], string]>,
  },
};
