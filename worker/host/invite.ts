// What an invite link offers, checked before anyone joins: the chain it names (from its
// genesis), who signed it, and whether that signature holds over this very chain. A link
// changed after it was made names another chain id (the genesis is hashed) or carries another
// signature, so the check below refuses it in plain words.
import { botError } from '../core/errors';
import { inviteSigningBytes, type InviteToken } from '../core/modules/governance';
import { publicKeyFromDid } from '../core/crypto/did';
import type { Genesis } from '../core/ledger';
import type { InviteInfo } from '../api';
import type { Verifier } from './crypto';

/** The decoded content of a link (peer-host's decodeInvite). */
export interface InviteParts {
  genesis: Genesis;
  relays: string[];
  token: InviteToken | null;
}

export const tamperedInviteMessage =
  'This invite link was changed after it was made: its signature does not match the chain it ' +
  'names. Ask the person who invited you for a new link.';

/**
 * Check the token's signature over (chain id, nonce) with the issuer's key. A link without a
 * token is genuine as far as it goes (the chain id is the genesis hash); it only cannot be
 * admitted automatically.
 */
export async function checkInviteSignature(
  chainId: string,
  token: InviteToken | null,
  verifier: Verifier,
): Promise<void> {
  if (!token) return;
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyFromDid(token.issuer);
  } catch {
    throw botError('BAD_SIGNATURE', tamperedInviteMessage);
  }
  const message = inviteSigningBytes(chainId, token.nonce);
  const [ok] = await verifier.verifyBatch([{ publicKey, message, signature: token.sig }]);
  if (!ok) throw botError('BAD_SIGNATURE', tamperedInviteMessage);
}

/** What the join page shows; refuses (BAD_SIGNATURE) a link whose signature does not hold. */
export async function inviteInfoOf(
  parts: InviteParts,
  chainId: string,
  here: { verifier: Verifier; held: string[]; active: string; did: string },
): Promise<InviteInfo> {
  await checkInviteSignature(chainId, parts.token, here.verifier);
  const { genesis, token } = parts;
  const validators = genesis.validators.map((v) => v.did);
  return {
    chainId,
    name: genesis.name,
    mode: genesis.mode,
    consensus: genesis.consensus.engine,
    validators,
    createdAt: genesis.time,
    inviter: token?.issuer ?? null,
    inviterIsValidator: token ? validators.includes(token.issuer) : false,
    admission: genesis.mode === 'public' ? 'open' : token ? 'vote' : 'manual',
    relays: parts.relays,
    held: here.held.includes(chainId),
    active: here.active === chainId,
    validatorHere: validators.includes(here.did),
  };
}
