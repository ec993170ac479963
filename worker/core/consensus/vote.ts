// Votes of the round engines and the bytes they sign, apart from messages.ts so that the
// governance module (evidence of double votes) can check them without importing the tx codec.
// The precommit for a block signs `commitSigningBytes`, so a quorum of precommits IS the commit
// certificate stored with the block.
import { encode } from '../codec';
import { concatBytes, utf8 } from '../bytes';

export type VoteType = 'prevote' | 'precommit';

export interface Vote {
  type: VoteType;
  height: number;
  round: number;
  /** Block hash, or null for "no block in this round". */
  block: Uint8Array | null;
  validator: string;
  sig: Uint8Array;
}

const voteTag = utf8('bot/commit/v1\0');

/** Bytes a validator signs to commit a block (also the precommit vote of the BFT engine). */
export function commitSigningBytes(
  chain: string,
  height: number,
  round: number,
  hash: Uint8Array,
): Uint8Array {
  return concatBytes(voteTag, encode({ chain, height, round, block: hash }));
}

const prevoteTag = utf8('bot/prevote/v1\0');
const nilPrecommitTag = utf8('bot/precommit-nil/v1\0');

export function voteSigningBytes(
  chain: string,
  type: VoteType,
  height: number,
  round: number,
  hash: Uint8Array | null,
): Uint8Array {
  if (type === 'precommit' && hash !== null) return commitSigningBytes(chain, height, round, hash);
  const tag = type === 'prevote' ? prevoteTag : nilPrecommitTag;
  return concatBytes(tag, encode({ chain, height, round, block: hash }));
}
