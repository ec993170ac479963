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

/** One buffer for the hash input of every 32-byte leaf and every node (sha256 keeps nothing of it). */
const nodeInput = new Uint8Array(65);

function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32)
    return sha256(concatBytes(nodePrefix, left, right));
  nodeInput[0] = 1;
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return sha256(nodeInput);
}

function hashLeaf(item: Uint8Array): Uint8Array {
  if (item.length !== 32) return sha256(concatBytes(leafPrefix, item));
  nodeInput[0] = 0;
  nodeInput.set(item, 1);
  return sha256(nodeInput.subarray(0, 33));
}

function rootOfLeaves(leaves: Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start]!;
  const k = largestPowerOfTwoBelow(n);
  return hashNode(rootOfLeaves(leaves, start, start + k), rootOfLeaves(leaves, start + k, end));
}

export function merkleRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return emptyRoot;
  const leaves = items.map(hashLeaf);
  return rootOfLeaves(leaves, 0, leaves.length);
}
