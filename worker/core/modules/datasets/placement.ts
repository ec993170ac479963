// Which members hold a blob: rendezvous (highest random weight) hashing, Thaler & Ravishankar
// 1998. Each member's weight for a blob is SHA-256("bot/holder/v1" 0 blob-hash did); the k
// highest weights hold it. Every peer computes the same holders from the same member list,
// with no coordination; when a member leaves, only the blobs it held get one new holder each
// (the member with the next weight), and every other blob stays where it is.
import { botError } from '../../errors';
import { taggedHash } from '../../crypto/hash';
import { compareBytes, concatBytes, utf8 } from '../../bytes';
import * as limits from './limits';
import { hashBytes } from './manifest';

function weight(blob: Uint8Array, did: string): Uint8Array {
  return taggedHash('bot/holder/v1', concatBytes(blob, utf8(did)));
}

/**
 * The `k` holders of `blob` among `members` (distinct did strings), highest weight first. Fewer
 * members than k: all of them. Order of `members` does not matter.
 */
export function holdersOf(
  blob: Uint8Array,
  members: readonly string[],
  k: number = limits.holdersDefault,
): string[] {
  if (!(blob instanceof Uint8Array) || blob.length !== hashBytes) {
    throw new RangeError('blob: expected a 32-byte hash');
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > limits.holdersMax) {
    throw botError(
      'BAD_FIELD_TYPE',
      `The number of holders per blob is 1 to ${limits.holdersMax}.`,
    );
  }
  if (members.length > limits.placementMembersMax) {
    throw botError(
      'TOO_LARGE',
      `Placement chooses among at most ${limits.placementMembersMax} members.`,
    );
  }
  const scored = members.map((did) => ({ did, w: weight(blob, did) }));
  scored.sort((a, b) => compareBytes(b.w, a.w) || (a.did < b.did ? -1 : a.did > b.did ? 1 : 0));
  const out: string[] = [];
  for (const { did } of scored) {
    if (out.length === k) break;
    if (out[out.length - 1] !== did && !out.includes(did)) out.push(did);
  }
  return out;
}
