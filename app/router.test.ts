import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('hash router', () => {
  it('parses pages and parameters, and builds links that parse back', () => {
    expect(parseRoute('')).toEqual({ page: '', rest: [] });
    expect(parseRoute('#/')).toEqual({ page: '', rest: [] });
    expect(parseRoute('#/ledger/block/12')).toEqual({ page: 'ledger', rest: ['block', '12'] });
    expect(parseRoute(href('ledger', 'key', 'sensor/kitchen temp'))).toEqual({
      page: 'ledger',
      rest: ['key', 'sensor/kitchen temp'],
    });
    expect(parseRoute('#/x/%E0%A4%A')).toEqual({ page: 'x', rest: ['%E0%A4%A'] });
  });
});
