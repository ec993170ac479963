// Pseudonym certificates of trips (issue 20; R-7.2.3-c privacy of peers). A vehicle makes a
// fresh key pair per trip; its ITS provider signs a certificate binding that trip key to the
// provider, with an expiry, and nothing else: not the vehicle's did, so the chain cannot link
// one vehicle's trips. The provider keeps which vehicle holds which trip key, off chain, and
// revokes a misbehaving vehicle's trips by their keys (its.revoke). The signed bytes name the
// chain, so a certificate of one chain is worthless on another. Pure: ed25519 in JavaScript.
import { encode } from '../../codec';
import { publicKeyFromDid } from '../../crypto/did';
import { signSync, verifyStrict } from '../../crypto/ed25519';
import { isPlainObject, onlyFields } from '../../body';
import { botError } from '../../errors';

export interface TripCertificate {
  /** The provider (a did:key) that signed it. */
  provider: string;
  /** The trip's public key, as a did:key: the account observations come from and rewards go to. */
  trip: string;
  /** Valid until this time (ms, block time). */
  expires: number;
  /** Ed25519 signature of certificateSigningBytes by the provider. */
  sig: Uint8Array;
}

export function certificateSigningBytes(
  chain: string,
  provider: string,
  trip: string,
  expires: number,
): Uint8Array {
  return encode({ t: 'bot-its-trip', chain, provider, trip, expires });
}

/** The provider signs a certificate for a trip key (the provider's host, or a test). */
export function signTripCertificate(
  chain: string,
  provider: string,
  providerSeed: Uint8Array,
  trip: string,
  expires: number,
): TripCertificate {
  const sig = signSync(providerSeed, certificateSigningBytes(chain, provider, trip, expires));
  return { provider, trip, expires, sig };
}

function isDidKey(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > 64)
    return false;
  try {
    publicKeyFromDid(value);
    return true;
  } catch {
    return false;
  }
}

/** The shape of a certificate (stateless): BAD_CERTIFICATE naming what is wrong. */
export function checkCertificateShape(value: unknown): TripCertificate {
  if (!isPlainObject(value))
    throw botError(
      'BAD_CERTIFICATE',
      'cert must be a trip certificate { provider, trip, expires, sig } from your ITS provider.',
    );
  onlyFields(value, ['provider', 'trip', 'expires', 'sig'], 'trip certificate');
  if (!isDidKey(value.provider))
    throw botError('BAD_CERTIFICATE', 'The certificate’s provider must be a did:key.');
  if (!isDidKey(value.trip))
    throw botError('BAD_CERTIFICATE', 'The certificate’s trip must be a did:key.');
  if (!Number.isSafeInteger(value.expires) || (value.expires as number) < 0)
    throw botError('BAD_CERTIFICATE', 'The certificate’s expires must be a time in ms.');
  if (!(value.sig instanceof Uint8Array) || value.sig.length !== 64)
    throw botError('BAD_CERTIFICATE', 'The certificate’s sig must be 64 bytes.');
  return value as unknown as TripCertificate;
}

/** Whether the provider's signature over the certificate holds on `chain`. */
export function certificateSignatureHolds(chain: string, cert: TripCertificate): boolean {
  try {
    return verifyStrict(
      publicKeyFromDid(cert.provider),
      certificateSigningBytes(chain, cert.provider, cert.trip, cert.expires),
      cert.sig,
    );
  } catch {
    return false;
  }
}
