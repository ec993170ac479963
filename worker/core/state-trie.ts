// World state: a compact sparse Merkle tree (the Diem/Aptos "Jellyfish" shape, binary).
// Keys are SHA-256 of the state key; a subtree holding one leaf collapses to that leaf; an
// empty subtree hashes to 32 zero bytes; leaf = H(0x00 || keyHash || valueHash); inner =
// H(0x01 || left || right). The shape depends only on the set of keys, so every peer computes
// the same root. Nodes are immutable: `set` returns a new trie sharing unchanged nodes, so a
// proposed block's state can be computed and dropped without touching the committed one.
// Hashes are computed lazily and cached per node.
import { sha256 } from './crypto/hash';
import * as limits from './limits';
import { compareBytes, equalBytes, utf8 } from './bytes';
import { assert } from './errors';

export const zeroHash = new Uint8Array(32);
const leafTag = 0;
const innerTag = 1;

interface Leaf {
  readonly leaf: true;
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
  hash?: Uint8Array;
}

interface Inner {
  readonly leaf: false;
  readonly left: TrieNode | null;
  readonly right: TrieNode | null;
  hash?: Uint8Array;
}

type TrieNode = Leaf | Inner;

/** Bit `depth` of a 256-bit key hash, most significant first. */
function bitAt(keyHash: Uint8Array, depth: number): number {
  return (keyHash[depth >> 3]! >> (7 - (depth & 7))) & 1;
}

/** One buffer for every node's hash input (sha256 reads it and keeps nothing): no allocation per node. */
const nodeInput = new Uint8Array(65);

function hashLeaf(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  nodeInput[0] = leafTag;
  nodeInput.set(keyHash, 1);
  nodeInput.set(valueHash, 33);
  return sha256(nodeInput);
}

function hashInner(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput[0] = innerTag;
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return sha256(nodeInput);
}

function nodeHash(node: TrieNode | null): Uint8Array {
  if (node === null) return zeroHash;
  if (node.hash) return node.hash;
  node.hash = node.leaf
    ? hashLeaf(node.keyHash, node.valueHash)
    : hashInner(nodeHash(node.left), nodeHash(node.right));
  return node.hash;
}

function inner(bit: number, child: TrieNode, other: TrieNode | null): Inner {
  return bit === 0
    ? { leaf: false, left: child, right: other }
    : { leaf: false, left: other, right: child };
}

/** Two leaves that share bits [0, depth): inner nodes down to where they differ. */
function split(a: Leaf, b: Leaf, depth: number): TrieNode {
  assert(depth < 256, 'two distinct key hashes must differ in some bit');
  const bitA = bitAt(a.keyHash, depth);
  const bitB = bitAt(b.keyHash, depth);
  if (bitA === bitB) return inner(bitA, split(a, b, depth + 1), null);
  return bitA === 0 ? { leaf: false, left: a, right: b } : { leaf: false, left: b, right: a };
}

function insert(node: TrieNode | null, leaf: Leaf, depth: number): TrieNode {
  if (node === null) return leaf;
  if (node.leaf) {
    if (equalBytes(node.keyHash, leaf.keyHash)) return leaf;
    return split(node, leaf, depth);
  }
  const bit = bitAt(leaf.keyHash, depth);
  return bit === 0
    ? { leaf: false, left: insert(node.left, leaf, depth + 1), right: node.right }
    : { leaf: false, left: node.left, right: insert(node.right, leaf, depth + 1) };
}

/** Leaves with distinct key hashes, sorted by key hash, sharing bits [0, depth): their subtree. */
function build(leaves: Leaf[], lo: number, hi: number, depth: number): TrieNode | null {
  if (lo === hi) return null;
  if (hi - lo === 1) return leaves[lo]!;
  assert(depth < 256, 'two distinct key hashes must differ in some bit');
  const mid = firstWithBit(leaves, lo, hi, depth);
  return {
    leaf: false,
    left: build(leaves, lo, mid, depth + 1),
    right: build(leaves, mid, hi, depth + 1),
  };
}

/** In sorted leaves sharing bits [0, depth), the first index whose bit `depth` is 1 (or hi). */
function firstWithBit(leaves: Leaf[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >> 1;
    if (bitAt(leaves[m]!.keyHash, depth) === 0) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * Insert sorted, distinct leaves [lo, hi) into `node` at `depth`, creating each new node once
 * (the same tree as inserting them one by one). `added` counts keys that were not there before.
 */
function insertMany(
  node: TrieNode | null,
  leaves: Leaf[],
  lo: number,
  hi: number,
  depth: number,
  added: { count: number },
): TrieNode | null {
  if (lo === hi) return node;
  if (node === null) {
    added.count += hi - lo;
    return build(leaves, lo, hi, depth);
  }
  if (node.leaf) {
    const replaced = leaves.slice(lo, hi).some((l) => equalBytes(l.keyHash, node.keyHash));
    added.count += hi - lo - (replaced ? 1 : 0);
    if (replaced) return build(leaves, lo, hi, depth);
    const merged = leaves.slice(lo, hi);
    const at = merged.findIndex((l) => compareBytes(l.keyHash, node.keyHash) > 0);
    merged.splice(at < 0 ? merged.length : at, 0, node);
    return build(merged, 0, merged.length, depth);
  }
  const mid = firstWithBit(leaves, lo, hi, depth);
  const left = insertMany(node.left, leaves, lo, mid, depth + 1, added);
  const right = insertMany(node.right, leaves, mid, hi, depth + 1, added);
  return left === node.left && right === node.right ? node : { leaf: false, left, right };
}

export interface StateProof {
  /** Sibling hashes from the root down to the leaf's position. */
  siblings: Uint8Array[];
}

/**
 * A proof that a key is absent: the sibling hashes from the root down to where the key would
 * be, and what is there instead: an empty subtree (null), or the one leaf of another key whose
 * hash shares the path (a compact tree collapses a subtree of one leaf to that leaf).
 */
export interface AbsenceProof {
  siblings: Uint8Array[];
  other: { keyHash: Uint8Array; valueHash: Uint8Array } | null;
}

// Key hashes are asked for again and again (a sensor's key in every block): a bounded memo,
// cleared when full. Deterministic; the arrays are shared, and nothing here changes one.
const keyHashes = new Map<string, Uint8Array>();

export function stateKeyHash(key: string): Uint8Array {
  let hash = keyHashes.get(key);
  if (hash === undefined) {
    hash = sha256(utf8(key));
    if (keyHashes.size >= limits.stateKeyHashesCachedMax) keyHashes.clear();
    keyHashes.set(key, hash);
  }
  return hash;
}

export class StateTrie {
  private constructor(
    private readonly root: TrieNode | null,
    readonly size: number,
  ) {}

  static empty(): StateTrie {
    return new StateTrie(null, 0);
  }

  rootHash(): Uint8Array {
    return nodeHash(this.root);
  }

  /** A new trie with `key` bound to a value whose SHA-256 is `valueHash`. */
  set(key: string, valueHash: Uint8Array): StateTrie {
    const keyHash = stateKeyHash(key);
    const existed = this.valueHashOf(keyHash) !== null;
    const root = insert(this.root, { leaf: true, keyHash, valueHash }, 0);
    return new StateTrie(root, existed ? this.size : this.size + 1);
  }

  /** Many writes at once (later writes to the same key win); each new node is made once. */
  setMany(entries: Iterable<readonly [string, Uint8Array]>): StateTrie {
    const byKey = new Map<string, Leaf>();
    for (const [key, valueHash] of entries) {
      byKey.delete(key);
      byKey.set(key, { leaf: true, keyHash: stateKeyHash(key), valueHash });
    }
    if (byKey.size === 0) return this;
    const leaves = [...byKey.values()].sort((a, b) => compareBytes(a.keyHash, b.keyHash));
    const added = { count: 0 };
    const root = insertMany(this.root, leaves, 0, leaves.length, 0, added);
    return new StateTrie(root, this.size + added.count);
  }

  private valueHashOf(keyHash: Uint8Array): Uint8Array | null {
    let node = this.root;
    let depth = 0;
    while (node !== null && !node.leaf) {
      node = bitAt(keyHash, depth) === 0 ? node.left : node.right;
      depth++;
    }
    if (node === null || !equalBytes(node.keyHash, keyHash)) return null;
    return node.valueHash;
  }

  /** The value hash bound to `key`, or null. */
  get(key: string): Uint8Array | null {
    return this.valueHashOf(stateKeyHash(key));
  }

  /** The path to where `key` is or would be: the sibling hashes down it, and the node there. */
  private walk(keyHash: Uint8Array) {
    const siblings: Uint8Array[] = [];
    let node = this.root;
    let depth = 0;
    while (node !== null && !node.leaf) {
      const bit = bitAt(keyHash, depth);
      siblings.push(nodeHash(bit === 0 ? node.right : node.left));
      node = bit === 0 ? node.left : node.right;
      depth++;
    }
    return { siblings, node };
  }

  /** Inclusion proof for `key`, or null when the key is absent. */
  prove(key: string): StateProof | null {
    const keyHash = stateKeyHash(key);
    const { siblings, node } = this.walk(keyHash);
    if (node === null || !equalBytes(node.keyHash, keyHash)) return null;
    return { siblings };
  }

  /** Non-membership proof for `key`, or null when the key is present (prove gives its proof). */
  proveAbsence(key: string): AbsenceProof | null {
    const keyHash = stateKeyHash(key);
    const { siblings, node } = this.walk(keyHash);
    if (node === null) return { siblings, other: null };
    if (equalBytes(node.keyHash, keyHash)) return null;
    return { siblings, other: { keyHash: node.keyHash, valueHash: node.valueHash } };
  }
}

/** Check that `key` is bound to `valueHash` under `root`. Pure; usable by light peers and the UI. */
export function verifyStateProof(
  root: Uint8Array,
  key: string,
  valueHash: Uint8Array,
  proof: StateProof,
): boolean {
  if (!Array.isArray(proof?.siblings) || proof.siblings.length > 256) return false;
  const keyHash = stateKeyHash(key);
  let hash = hashLeaf(keyHash, valueHash);
  for (let depth = proof.siblings.length - 1; depth >= 0; depth--) {
    const sibling = proof.siblings[depth];
    if (!(sibling instanceof Uint8Array) || sibling.length !== 32) return false;
    hash = bitAt(keyHash, depth) === 0 ? hashInner(hash, sibling) : hashInner(sibling, hash);
  }
  return equalBytes(hash, root);
}

/**
 * Check that `key` is bound to nothing under `root`: folding the proof's siblings up from the
 * empty subtree or the other key's leaf gives `root`. Sound because leaf and inner hashes are
 * domain-separated and an empty subtree hashes to zeros: a proof can only show a node the tree
 * has, and a subtree that is empty, or one leaf of another key, holds no leaf of `key`. Pure.
 */
export function verifyAbsenceProof(root: Uint8Array, key: string, proof: AbsenceProof): boolean {
  if (!Array.isArray(proof?.siblings) || proof.siblings.length > 256) return false;
  const keyHash = stateKeyHash(key);
  const depth = proof.siblings.length;
  let hash: Uint8Array;
  const other = proof.other;
  if (other === null) hash = zeroHash;
  else {
    if (typeof other !== 'object') return false;
    const { keyHash: otherKey, valueHash } = other;
    if (!(otherKey instanceof Uint8Array) || otherKey.length !== 32) return false;
    if (!(valueHash instanceof Uint8Array) || valueHash.length !== 32) return false;
    if (equalBytes(otherKey, keyHash)) return false;
    // the other leaf sits on this key's path: it shares the path's bits
    for (let d = 0; d < depth; d++) if (bitAt(otherKey, d) !== bitAt(keyHash, d)) return false;
    hash = hashLeaf(otherKey, valueHash);
  }
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = proof.siblings[d];
    if (!(sibling instanceof Uint8Array) || sibling.length !== 32) return false;
    hash = bitAt(keyHash, d) === 0 ? hashInner(hash, sibling) : hashInner(sibling, hash);
  }
  return equalBytes(hash, root);
}
