// The tidy checker (scripts/tidy/tidy.mjs) on the real tree, and a test of the test: one fixture
// tree per rule with one planted violation must make the checker report exactly that rule.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkTree, knownCycles, rules } from './tidy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const fixtures = join(here, 'fixtures');

describe('tidy: the repository', () => {
  it('has no violations', () => {
    expect(checkTree(repo)).toEqual([]);
  });

  it('lists only cycles that still exist (empty the list as they go)', () => {
    const found = checkTree(repo, { knownCycles: [] })
      .filter((v) => v.rule === rules.cycle)
      .map((v) => v.message.replace('import cycle: ', ''));
    expect(found.sort()).toEqual([...knownCycles].sort());
  });
});

describe('tidy: a planted violation of each rule fails', () => {
  it('passes the clean fixture', () => {
    expect(checkTree(join(fixtures, 'clean'))).toEqual([]);
  });

  for (const rule of Object.values(rules)) {
    it(`reports exactly ${rule}`, () => {
      const violations = checkTree(join(fixtures, rule));
      expect(violations.length).toBeGreaterThan(0);
      expect(new Set(violations.map((v) => v.rule))).toEqual(new Set([rule]));
    });
  }
});
