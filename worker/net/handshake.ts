// Mutual authentication of a link. Signaling is untrusted, so a peer proves its did:key on the
// data channel itself: it signs the DTLS fingerprint of its own SDP, the fingerprint of the
// remote's SDP, the room and its did. The receiver checks the signature against the did, that
// the signed fingerprints are the ones in the SDPs this link actually negotiated (so a relay
// that swapped SDPs to sit in the middle is caught: DTLS binds the channel to those
// certificates), and that the did is the one it expected.
import { fromHex, toHex, utf8 } from '../core/bytes';
import { didLengthMax, publicKeyFromDid } from '../core/crypto/did';
import { verifyStrict } from '../core/crypto/ed25519';
import { botError } from '../core/errors';

export interface Hello {
  v: 1;
  did: string;
  room: string;
  /** The sender's own DTLS fingerprint ("sha-256 AB:CD:..."). */
  local: string;
  /** The fingerprint the sender saw in the receiver's SDP. */
  remote: string;
  /** Ed25519 signature over helloSigningBytes, hex. */
  sig: string;
}

const fingerprintLengthMax = 200;
const fingerprintLine = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/gm;

/**
 * The DTLS certificate fingerprint of an SDP (RFC 8122 `a=fingerprint`), normalized to
 * "algorithm HEX:HEX". Several lines (one per media section) must agree. Throws BotError.
 */
export function sdpFingerprint(sdp: string): string {
  if (typeof sdp !== 'string') throw botError('BAD_FIELD_TYPE', 'The SDP must be a string.');
  const found = new Set<string>();
  for (const match of sdp.matchAll(fingerprintLine))
    found.add(`${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}`);
  if (found.size === 0) throw botError('MALFORMED', 'The SDP carries no DTLS fingerprint.');
  if (found.size > 1) throw botError('MALFORMED', 'The SDP carries different DTLS fingerprints.');
  const fingerprint = [...found][0]!;
  if (fingerprint.length > fingerprintLengthMax)
    throw botError('TOO_LARGE', 'The DTLS fingerprint is too long.');
  return fingerprint;
}

export function helloSigningBytes(
  room: string,
  did: string,
  local: string,
  remote: string,
): Uint8Array {
  return utf8(`bot-net-hello/1\n${room}\n${did}\n${local}\n${remote}`);
}

export async function makeHello(
  identity: { did: string; sign(message: Uint8Array): Promise<Uint8Array> },
  room: string,
  local: string,
  remote: string,
): Promise<Hello> {
  const sig = await identity.sign(helloSigningBytes(room, identity.did, local, remote));
  return { v: 1, did: identity.did, room, local, remote, sig: toHex(sig) };
}

export interface HelloExpectation {
  room: string;
  /** The did this link was dialed for or offered by (signaling's claim, now to be proven). */
  did: string;
  /** Fingerprint in the SDP this side sent. */
  localFingerprint: string;
  /** Fingerprint in the SDP this side received. */
  remoteFingerprint: string;
}

/** The proven did; otherwise throws a BotError whose message is the reason to close the link. */
export function checkHello(value: unknown, expect: HelloExpectation): string {
  const hello = value as Partial<Hello> | null;
  if (typeof hello !== 'object' || hello === null)
    throw botError('MALFORMED', 'The hello is not an object.');
  const { did, room, local, remote, sig } = hello;
  for (const [name, field] of Object.entries({ did, room, local, remote, sig })) {
    if (typeof field !== 'string') throw botError('MISSING_FIELD', `The hello lacks ${name}.`);
  }
  if (hello.v !== 1) throw botError('MALFORMED', 'Unknown hello version.');
  if (did!.length > didLengthMax) throw botError('BAD_FIELD_TYPE', 'The hello did is too long.');
  if (room !== expect.room) throw botError('WRONG_CHAIN', 'The hello is for another room.');
  if (did !== expect.did)
    throw botError('UNAUTHORIZED', `The hello is from ${did}, not the expected ${expect.did}.`);
  if (local !== expect.remoteFingerprint)
    throw botError(
      'UNAUTHORIZED',
      'The hello signs a DTLS fingerprint other than the one in the SDP received.',
    );
  if (remote !== expect.localFingerprint)
    throw botError('UNAUTHORIZED', 'The hello signs a DTLS fingerprint other than ours.');
  let signature: Uint8Array;
  try {
    signature = fromHex(sig!);
  } catch {
    throw botError('MALFORMED', 'The hello signature is not hex.');
  }
  const publicKey = publicKeyFromDid(did!);
  if (!verifyStrict(publicKey, helloSigningBytes(room!, did!, local!, remote!), signature)) {
    throw botError('BAD_SIGNATURE', `The hello is not signed by ${did}.`);
  }
  return did!;
}
