// The phone's navigation split and the status strip's words (issue 21).
import { describe, expect, it } from 'vitest';
import { chainText, pendingVotes, primaryPagesMax, splitPages, syncText } from './nav';
import type { GovernanceView } from '../../worker/api';

const pages = [
  '',
  'network',
  'ledger',
  'chains',
  'governance',
  'audit',
  'devices',
  'settings',
  'market',
  'drive',
].map((path) => ({ path }));

describe('splitPages', () => {
  it('puts four destinations in the bar and every other page in More, each once', () => {
    const { primary, more } = splitPages(pages);
    expect(primary.map((p) => p.path)).toEqual(['', 'ledger', 'chains', 'devices']);
    expect(primary.length).toBeLessThanOrEqual(primaryPagesMax);
    expect([...primary, ...more].map((p) => p.path).sort()).toEqual(
      pages.map((p) => p.path).sort(),
    );
    expect(more.map((p) => p.path)).toContain('drive'); // a new page lands in More by itself
  });
});

describe('pendingVotes', () => {
  const me = 'did:key:me';
  const gov = (approvals: string[], passed = -1): GovernanceView => ({
    validators: [{ did: me, power: 1 }],
    members: [],
    proposals: [
      {
        id: 'p',
        change: { kind: 'addMember', did: 'did:key:b' },
        height: 3,
        approvals,
        passed,
        applied: false,
      },
    ],
    offenders: [],
    engine: 'poa',
  });
  it('counts open proposals a validator has not voted on', () => {
    expect(pendingVotes(gov([]), me)).toBe(1);
    expect(pendingVotes(gov([me]), me)).toBe(0);
    expect(pendingVotes(gov([], 4), me)).toBe(0);
    expect(pendingVotes(gov([]), 'did:key:member')).toBe(0);
    expect(pendingVotes(null, me)).toBe(0);
  });
});

describe('syncText', () => {
  const status = { syncing: false, peers: 2, height: 5 };
  it('says where the chain stands in a few words', () => {
    expect(syncText(null, null, true)).toBe('starting…');
    expect(syncText(status, null, false)).toBe('offline');
    expect(syncText(status, { syncing: true, height: 10, target: 2000 }, true)).toBe(
      'syncing 10/2000',
    );
    expect(syncText({ ...status, syncing: true }, null, true)).toBe('syncing');
    expect(syncText(status, null, true)).toBe('in sync');
    expect(syncText({ ...status, peers: 0 }, null, true)).toBe('on its own');
  });
});

describe('chainText', () => {
  it('names the chain and height, and says light and verified for a light peer', () => {
    expect(chainText(null)).toBe('starting…');
    expect(chainText({ chainName: 'city', height: 7 })).toBe('city · #7');
    expect(
      chainText({ chainName: 'city', height: 9, light: { verifiedHeight: 9, storedBytes: 900 } }),
    ).toBe('city · light · height 9 · verified');
  });
});
