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

/**
 * The audit path of item `index` among `items` (RFC 6962 section 2.1.1): the sibling subtree
 * roots from the leaf up. With verifyMerklePath a light peer checks that a transaction is in a
 * block whose header (and so txRoot) it verified.
 */
export function merklePath(items: Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= items.length)
    throw new RangeError(`No item ${index} among ${items.length}.`);
  const leaves = items.map(hashLeaf);
  const path: Uint8Array[] = [];
  const walk = (start: number, end: number, at: number): void => {
    if (end - start === 1) return;
    const k = largestPowerOfTwoBelow(end - start);
    if (at < start + k) {
      walk(start, start + k, at);
      path.push(rootOfLeaves(leaves, start + k, end));
    } else {
      walk(start + k, end, at);
      path.push(rootOfLeaves(leaves, start, start + k));
    }
  };
  walk(0, leaves.length, index);
  return path;
}

/** Is `item` the item `index` of `size` under `root`, by its audit path (merklePath)? */
export function verifyMerklePath(
  item: Uint8Array,
  index: number,
  size: number,
  path: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(index) || index < 0 || index >= size)
    return false;
  // the sides from the root down, then fold from the leaf up
  const sides: boolean[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    const left = index < start + k;
    sides.push(left);
    if (left) end = start + k;
    else start += k;
  }
  if (sides.length !== path.length) return false;
  let hash = hashLeaf(item);
  for (let i = 0; i < path.length; i++) {
    const sibling = path[i]!;
    hash = sides[sides.length - 1 - i] ? hashNode(hash, sibling) : hashNode(sibling, hash);
  }
  return hash.length === root.length && hash.every((b, i) => b === root[i]);
}
