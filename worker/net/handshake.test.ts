import { describe, expect, it } from 'vitest';
import { BotError } from '../core/errors';
import { checkHello, makeHello, sdpFingerprint } from './handshake';
import { testIdentity } from './testing';

const fpA =
  'sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
const fpB =
  'sha-256 11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF';
const room = '0123456789abcdef0123456789abcdef';

// An answer as Chromium writes it (abridged): one m-section, fingerprint at media level.
const chromiumSdp = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ${fpA.slice(8).toLowerCase()}\r\na=setup:active\r\na=mid:0\r\na=sctp-port:5000\r\n`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof BotError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('handshake', () => {
  it('reads the DTLS fingerprint of an SDP, normalized', () => {
    expect(sdpFingerprint(chromiumSdp)).toBe(fpA);
    expect(sdpFingerprint(`${chromiumSdp}a=fingerprint:SHA-256 ${fpA.slice(8)}\r\n`)).toBe(fpA);
    expect(codeOf(() => sdpFingerprint('v=0\r\n'))).toBe('MALFORMED');
    expect(codeOf(() => sdpFingerprint(`${chromiumSdp}a=fingerprint:${fpB}\r\n`))).toBe(
      'MALFORMED',
    );
  });

  it('accepts a hello signed by the expected did over both fingerprints', async () => {
    const alice = testIdentity();
    const hello = await makeHello(alice, room, fpA, fpB);
    expect(
      checkHello(hello, { room, did: alice.did, localFingerprint: fpB, remoteFingerprint: fpA }),
    ).toBe(alice.did);
  });

  it('rejects a wrong key, a wrong did, another fingerprint, another room and tampering', async () => {
    const alice = testIdentity();
    const mallory = testIdentity();
    const expect_ = { room, did: alice.did, localFingerprint: fpB, remoteFingerprint: fpA };
    const forged = await makeHello({ did: alice.did, sign: mallory.sign }, room, fpA, fpB);
    expect(codeOf(() => checkHello(forged, expect_))).toBe('BAD_SIGNATURE');
    const other = await makeHello(mallory, room, fpA, fpB);
    expect(codeOf(() => checkHello(other, expect_))).toBe('UNAUTHORIZED');
    const otherFingerprint = await makeHello(alice, room, fpB, fpB);
    expect(codeOf(() => checkHello(otherFingerprint, expect_))).toBe('UNAUTHORIZED');
    const notOurs = await makeHello(alice, room, fpA, fpA);
    expect(codeOf(() => checkHello(notOurs, expect_))).toBe('UNAUTHORIZED');
    const otherRoom = await makeHello(alice, 'ff'.repeat(16), fpA, fpB);
    expect(codeOf(() => checkHello(otherRoom, expect_))).toBe('WRONG_CHAIN');
    const good = await makeHello(alice, room, fpA, fpB);
    const flipped = { ...good, sig: (good.sig[0] === '0' ? '1' : '0') + good.sig.slice(1) };
    expect(codeOf(() => checkHello(flipped, expect_))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => checkHello({ ...good, sig: 'zz' }, expect_))).toBe('MALFORMED');
    expect(codeOf(() => checkHello(null, expect_))).toBe('MALFORMED');
    expect(codeOf(() => checkHello({ v: 1 }, expect_))).toBe('MISSING_FIELD');
  });
});
