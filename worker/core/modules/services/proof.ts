// How a service outside the chain checks an access grant without trusting any single peer
// (Y.4464 10.5, issue 17). The service holds only the chain's genesis (or a checkpoint) as a
// light client (worker/core/lightclient). A device's gateway presents a proof: the header updates
// the service lacks (each with its commit certificate: signatures of more than 2/3 of the voting
// power of the validators in force, the set followed through governance changes), and the grant's
// state entry with its Merkle proof against the newest header's state root. The service then
// checks, in order: the chain, each header, the entry, the grant's service, its revocation, its
// expiry against the service's own clock, and the proof's freshness (it must be at the newest
// height the service has verified, and, when the service sets proofAgeMaxMs, not older than that): so a proof
// replayed after a revocation the service has seen, or after its age, is refused.
// Pure: the caller passes its clock reading.
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import { isPlainObject } from '../../body';
import {
  advance,
  headerAt,
  verifyRead,
  type HeaderUpdate,
  type LightClientState,
} from '../../lightclient';
import { decodeGrantRecord } from './index';
import { grantPrefix, type GrantRecord } from './types';

/** Header updates one proof may carry (a service far behind syncs in several presentations). */
export const grantProofUpdatesMax = 256;
/** Encoded size of one proof. */
export const grantProofBytesMax = 1 << 20;

export interface GrantProof {
  chain: string;
  grant: string;
  /** The height whose state root proves the entry (the newest of `updates`, or one the service holds). */
  height: number;
  updates: HeaderUpdate[];
  entry: Uint8Array;
  siblings: Uint8Array[];
}

export interface GrantCheck {
  /** The id the service is registered under on the chain. */
  service: string;
  /** The service's clock (ms). */
  now: number;
  /** How old the proof's newest block may be by the service's clock (absent: not checked). */
  proofAgeMaxMs?: number;
}

export function encodeGrantProof(proof: GrantProof): Uint8Array {
  return encode(proof);
}

/** Decode a presented proof (bytes from the wire): TOO_LARGE or MALFORMED, never a crash. */
export function decodeGrantProof(bytes: Uint8Array): GrantProof {
  if (!(bytes instanceof Uint8Array) || bytes.length > grantProofBytesMax)
    throw botError('TOO_LARGE', `A grant proof is at most ${grantProofBytesMax} bytes.`);
  let value: unknown;
  try {
    value = decode(bytes, grantProofBytesMax);
  } catch {
    throw botError('MALFORMED', 'The grant proof is not in the chain encoding.');
  }
  if (
    !isPlainObject(value) ||
    typeof value.chain !== 'string' ||
    typeof value.grant !== 'string' ||
    !Number.isSafeInteger(value.height) ||
    !Array.isArray(value.updates) ||
    !(value.entry instanceof Uint8Array) ||
    !Array.isArray(value.siblings)
  )
    throw botError(
      'MALFORMED',
      'A grant proof is { chain, grant, height, updates, entry, siblings }.',
    );
  if (value.updates.length > grantProofUpdatesMax)
    throw botError(
      'TOO_LARGE',
      `A grant proof carries at most ${grantProofUpdatesMax} header updates (grantProofUpdatesMax).`,
    );
  return value as unknown as GrantProof;
}

/**
 * The light client after a proof's header updates (those it already holds are skipped). A service
 * keeps the result even when the grant is then refused: the headers were checked. Throws BotError
 * (WRONG_CHAIN, BAD_BLOCK, BAD_CERTIFICATE, TAMPERED), `lc` unchanged.
 */
export function followProof(lc: LightClientState, proof: GrantProof): LightClientState {
  if (proof.chain !== lc.chainId)
    throw botError('WRONG_CHAIN', `The grant is of chain ${proof.chain}, not ${lc.chainId}.`);
  let next = lc;
  for (const update of proof.updates) {
    const height = (update as { header?: { height?: unknown } })?.header?.height;
    if (typeof height === 'number' && height <= next.height) continue; // already verified
    next = advance(next, update);
  }
  return next;
}

/**
 * Check the grant of a proof against a light client that already followed its headers. Throws
 * BotError: BAD_REQUEST (not at the newest verified height: stale, or replayed), NOT_FOUND,
 * TAMPERED (the entry is not the grant's), UNAUTHORIZED (another service, revoked, expired).
 */
export function verifyGrant(
  lc: LightClientState,
  proof: GrantProof,
  check: GrantCheck,
): GrantRecord {
  if (proof.chain !== lc.chainId)
    throw botError('WRONG_CHAIN', `The grant is of chain ${proof.chain}, not ${lc.chainId}.`);
  if (proof.height !== lc.height)
    throw botError(
      'BAD_REQUEST',
      `The proof is at height ${proof.height}; this service has verified the chain up to ${lc.height}: prove the grant at ${lc.height} or later.`,
    );
  const key = grantPrefix + proof.grant;
  const entry = verifyRead(lc, proof.height, key, proof.entry, proof.siblings);
  let grant: GrantRecord;
  try {
    grant = decodeGrantRecord(entry);
  } catch {
    throw botError('TAMPERED', 'The proven entry is not a grant record.');
  }
  if (grant.id !== proof.grant) throw botError('TAMPERED', 'The proven entry is of another grant.');
  if (grant.service !== check.service)
    throw botError(
      'UNAUTHORIZED',
      `The grant is for service ${grant.service}, not ${check.service}.`,
    );
  if (grant.revoked)
    throw botError('UNAUTHORIZED', `The grant was revoked in block ${grant.revoked.height}.`);
  if (check.now >= grant.expires)
    throw botError(
      'UNAUTHORIZED',
      `The grant expired ${check.now - grant.expires} ms ago (at ${grant.expires} ms).`,
    );
  const header = headerAt(lc, proof.height)!;
  const ageMax = check.proofAgeMaxMs;
  if (ageMax !== undefined && check.now - header.time > ageMax)
    throw botError(
      'BAD_REQUEST',
      `The proof's newest block is ${check.now - header.time} ms old (at most ${ageMax}): prove the grant at a newer block.`,
    );
  return grant;
}

/** followProof then verifyGrant: the light client to keep and the grant (throws as they do). */
export function verifyGrantProof(
  lc: LightClientState,
  proof: GrantProof,
  check: GrantCheck,
): { lc: LightClientState; grant: GrantRecord } {
  const next = followProof(lc, proof);
  return { lc: next, grant: verifyGrant(next, proof, check) };
}
