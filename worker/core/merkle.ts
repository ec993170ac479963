// Binary Merkle tree over a list (RFC 6962 section 2.1 shape): leaf = H(0x00 || item),
// node = H(0x01 || left || right), split at the largest power of two below n. Used for the
// transaction root of a block.
import { sha256 } from './crypto/hash';
import { concatBytes } from './bytes';

const leafPrefix = new Uint8Array([0]);
const nodePrefix = new Uint8Array([1]);
export const emptyRoot = sha256(new Uint8Array(0));

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rootOfLeaves(leaves: Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start]!;
  const k = largestPowerOfTwoBelow(n);
  return sha256(concatBytes(nodePrefix, rootOfLeaves(leaves, start, start + k), rootOfLeaves(leaves, start + k, end)));
}

export function merkleRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return emptyRoot;
  const leaves = items.map((item) => sha256(concatBytes(leafPrefix, item)));
  return rootOfLeaves(leaves, 0, leaves.length);
}
