// Finding the invite code in what a person pastes or a QR code holds, and plain words for
// everything that is not an invite (issue 21).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  admissionText,
  InviteLinkError,
  inviteCodeFrom,
  inviteTextLengthMax,
  joinRoute,
} from './join';

const code = 'o2Zn' + 'ZW5lc2lz'.repeat(20) + '-_Ab9';

function refusal(text: unknown): string {
  try {
    inviteCodeFrom(text);
    return 'accepted';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('inviteCodeFrom', () => {
  it('finds the code in every shape a link takes', () => {
    for (const text of [
      `https://peer.example/#/join/${code}`,
      `http://localhost:8080/#/join/${code}`,
      `  https://peer.example/#/join/${code}/ \n`,
      `#/join/${code}`,
      `#/chains/join/${code}`,
      `https://peer.example/?invite=${code}`,
      `https://peer.example/?x=1&invite=${code}&y=2`,
      code,
    ]) {
      expect(inviteCodeFrom(text)).toBe(code);
    }
    expect(joinRoute(code)).toBe(`#/join/${code}`);
    expect(inviteCodeFrom(`https://peer.example/${joinRoute(code)}`)).toBe(code);
  });

  it('says in plain words what is wrong with text that is not an invite', () => {
    expect(refusal('')).toMatch(/^InviteLinkError: The invite link is empty/);
    expect(refusal('   ')).toMatch(/^InviteLinkError: The invite link is empty/);
    expect(refusal('https://peer.example/#/ledger')).toMatch(/not a BoT invite link/);
    expect(refusal('hello there')).toMatch(/not a BoT invite link/);
    expect(refusal('https://peer.example/#/join/')).toMatch(/cut off/);
    expect(refusal(`https://peer.example/#/join/${code.slice(0, 20)}`)).toMatch(/too short/);
    expect(refusal(`https://peer.example/#/join/${code.slice(0, 80)}%20${code}`)).toMatch(
      /characters an invite never contains/,
    );
    expect(refusal(`#/join/${code}!`)).toMatch(/characters an invite never contains/);
    expect(refusal('x'.repeat(inviteTextLengthMax + 1))).toMatch(/far longer than an invite link/);
    expect(refusal(42)).toBe('TypeError: text must be a string');
    expect(refusal(null)).toBe('TypeError: text must be a string');
  });

  it('never throws anything but its own plain errors, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const outcome = refusal(text);
        expect(outcome === 'accepted' || outcome.startsWith('InviteLinkError: ')).toBe(true);
        if (outcome === 'accepted') expect(inviteCodeFrom(text)).toMatch(/^[A-Za-z0-9_-]{64,}$/);
      }),
    );
    expect(new InviteLinkError('x')).toBeInstanceOf(Error);
  });
});

describe('admissionText', () => {
  const base = {
    joined: true,
    admission: 'waiting' as const,
    online: true,
    peers: 1,
    chainName: 'greenhouse',
  };
  it('names each state of a join in plain words', () => {
    expect(admissionText({ ...base, joined: false })).toBe('');
    expect(admissionText(base)).toBe('Waiting for the validators to admit this peer…');
    expect(admissionText({ ...base, peers: 0 })).toBe('Looking for the peers of greenhouse…');
    expect(admissionText({ ...base, online: false })).toMatch(
      /offline: the validators are asked .* when the network returns/,
    );
    expect(admissionText({ ...base, admission: 'admitted' })).toBe(
      'Admitted: this peer is a member of greenhouse.',
    );
  });
});
