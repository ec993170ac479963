// Checking a block in the page, as a light client would: recompute the header hash from its
// fields, check that it links to the block before it, that the certificate's signers hold more
// than 2/3 of the validators' power and, where the view carries them, that every commit
// signature verifies (strict Ed25519, pure JS). Nothing here trusts the worker's word.
import {
  blockHash,
  commitSigningBytes,
  hasQuorum,
  type Validator,
} from '../../worker/shared/block';
import { fromHex, toHex } from '../../worker/shared/bytes';
import { verifyStrict } from '../../worker/shared/ed25519';
import { publicKeyFromDid } from '../../worker/shared/did';
import type { BlockView } from '../../worker/api';

export interface BlockCheck {
  /** The header's fields hash to the block hash. */
  hashOk: boolean;
  /** header.prev equals the hash of the block before it (null: not checked). */
  linkOk: boolean | null;
  /** Signers hold more than 2/3 of the voting power (null: genesis, which has no certificate). */
  quorumOk: boolean | null;
  /** Every commit signature verifies (null: the view carries signer names only). */
  signaturesOk: boolean | null;
  signers: number;
  ok: boolean;
}

type CertWithSigs = NonNullable<BlockView['cert']> & {
  sigs?: Array<{ validator: string; sig: string }>;
};

export function checkBlockInPage(
  view: BlockView,
  validators: Validator[],
  previousHash?: string,
): BlockCheck {
  const h = view.header;
  let hash: Uint8Array;
  try {
    hash = blockHash({
      chain: h.chain,
      height: h.height,
      prev: fromHex(h.prev),
      txRoot: fromHex(h.txRoot),
      stateRoot: fromHex(h.stateRoot),
      time: h.time,
      proposer: h.proposer,
      round: h.round,
    });
  } catch {
    return {
      hashOk: false,
      linkOk: null,
      quorumOk: null,
      signaturesOk: null,
      signers: 0,
      ok: false,
    };
  }
  const hashOk = toHex(hash) === view.hash;
  const linkOk = previousHash === undefined || h.height === 0 ? null : h.prev === previousHash;
  if (h.height === 0)
    return { hashOk, linkOk, quorumOk: null, signaturesOk: null, signers: 0, ok: hashOk };
  const cert = view.cert as CertWithSigs | null;
  if (!cert) return { hashOk, linkOk, quorumOk: false, signaturesOk: null, signers: 0, ok: false };
  const quorumOk = hasQuorum(cert.signers, validators);
  let signaturesOk: boolean | null = null;
  if (Array.isArray(cert.sigs)) {
    const message = commitSigningBytes(h.chain, h.height, cert.round, hash);
    signaturesOk =
      cert.sigs.length > 0 &&
      cert.sigs.every((s) => {
        try {
          return (
            validators.some((v) => v.did === s.validator) &&
            verifyStrict(publicKeyFromDid(s.validator), message, fromHex(s.sig))
          );
        } catch {
          return false;
        }
      });
  }
  const ok = hashOk && linkOk !== false && quorumOk && signaturesOk !== false;
  return { hashOk, linkOk, quorumOk, signaturesOk, signers: cert.signers.length, ok };
}
