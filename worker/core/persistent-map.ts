// A persistent (immutable) map from strings, for module state kept between blocks (the ITS
// windows and trips): `set` and `delete` return a new map that shares every node but the path to
// the key with the old one, so a block costs what it touched, not what the chain holds, and the
// state before the block stays as it was (a proposal that loses, a replay, a precheck). A hash
// array mapped trie (Bagwell, "Ideal Hash Trees", 2001): 32-way nodes indexed by 5 bits of a
// 32-bit FNV-1a hash of the key's UTF-16 code units, keys of one full hash in a sorted bucket.
//
// Pure and deterministic: no randomness, and the trie's shape is a function of its entries alone
// (a node left with one entry collapses into it; buckets are sorted), so two maps with the same
// entries are deep-equal however they were built, and iterate in the same order (hash order,
// then key order: not insertion order).
// (A library was considered: immutable 5 seeds its collision hash at random, which the
// core may not do, and iterates in an order that depends on history.)

const bitsPerLevel = 5;
const levelMask = 0b11111;
/** Levels of 5 bits a 32-bit hash gives (the seventh has 2). */
const levelsMax = 7;

/** FNV-1a, 32 bits, over UTF-16 code units. */
export function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

interface Leaf<V> {
  readonly kind: 'leaf';
  readonly hash: number;
  /** Entries of one full hash, sorted by key (nearly always one). */
  readonly entries: ReadonlyArray<readonly [string, V]>;
}

interface Branch<V> {
  readonly kind: 'branch';
  /** Which of the 32 slots hold a child; children in slot order. */
  readonly bitmap: number;
  readonly children: ReadonlyArray<Node<V>>;
}

type Node<V> = Leaf<V> | Branch<V>;

const slotOf = (hash: number, level: number) => (hash >>> (level * bitsPerLevel)) & levelMask;
const popcount = (n: number) => {
  n -= (n >>> 1) & 0x55555555;
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};
const indexOf = (bitmap: number, bit: number) => popcount(bitmap & (bit - 1));

/** The branch that holds the two leaves (of different hashes) from `level` down. */
function branchOf<V>(a: Leaf<V>, b: Leaf<V>, level: number): Branch<V> {
  const slotA = slotOf(a.hash, level);
  const slotB = slotOf(b.hash, level);
  if (slotA === slotB)
    return { kind: 'branch', bitmap: 1 << slotA, children: [branchOf(a, b, level + 1)] };
  const bitmap = (1 << slotA) | (1 << slotB);
  return { kind: 'branch', bitmap, children: slotA < slotB ? [a, b] : [b, a] };
}

function findIn<V>(entries: ReadonlyArray<readonly [string, V]>, key: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (entries[middle]![0] < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The node with `key` set; `added` tells whether the key is new. */
function setIn<V>(
  node: Node<V> | null,
  hash: number,
  key: string,
  value: V,
  level: number,
  added: { yes: boolean },
): Node<V> {
  if (node === null) {
    added.yes = true;
    return { kind: 'leaf', hash, entries: [[key, value]] };
  }
  if (node.kind === 'leaf') {
    if (node.hash === hash) {
      const at = findIn(node.entries, key);
      const entries = [...node.entries];
      if (entries[at]?.[0] === key) entries[at] = [key, value];
      else {
        entries.splice(at, 0, [key, value]);
        added.yes = true;
      }
      return { kind: 'leaf', hash, entries };
    }
    added.yes = true;
    return branchOf(node, { kind: 'leaf', hash, entries: [[key, value]] }, level);
  }
  const bit = 1 << slotOf(hash, level);
  const at = indexOf(node.bitmap, bit);
  const children = [...node.children];
  if (node.bitmap & bit) children[at] = setIn(children[at]!, hash, key, value, level + 1, added);
  else {
    children.splice(at, 0, setIn(null, hash, key, value, level + 1, added));
    return { kind: 'branch', bitmap: node.bitmap | bit, children };
  }
  return { kind: 'branch', bitmap: node.bitmap, children };
}

/** The node without `key` (null: empty), or the same node when it has no such key. */
function deleteIn<V>(node: Node<V>, hash: number, key: string, level: number): Node<V> | null {
  if (node.kind === 'leaf') {
    if (node.hash !== hash) return node;
    const at = findIn(node.entries, key);
    if (node.entries[at]?.[0] !== key) return node;
    if (node.entries.length === 1) return null;
    return { kind: 'leaf', hash, entries: node.entries.filter((_, i) => i !== at) };
  }
  const bit = 1 << slotOf(hash, level);
  if (!(node.bitmap & bit)) return node;
  const at = indexOf(node.bitmap, bit);
  const child = node.children[at]!;
  const next = deleteIn(child, hash, key, level + 1);
  if (next === child) return node;
  const children = [...node.children];
  let bitmap = node.bitmap;
  if (next === null) {
    children.splice(at, 1);
    bitmap &= ~bit;
  } else children[at] = next;
  if (children.length === 0) return null;
  // One leaf left: it moves up, so that the shape depends on the entries only.
  if (children.length === 1 && children[0]!.kind === 'leaf') return children[0]!;
  return { kind: 'branch', bitmap, children };
}

function* entriesOf<V>(node: Node<V> | null): Generator<[string, V]> {
  if (node === null) return;
  if (node.kind === 'leaf') {
    for (const [key, value] of node.entries) yield [key, value];
    return;
  }
  for (const child of node.children) yield* entriesOf(child);
}

function nodesOf<V>(node: Node<V> | null, out: Set<Node<V>>): Set<Node<V>> {
  if (node === null) return out;
  out.add(node);
  if (node.kind === 'branch') for (const child of node.children) nodesOf(child, out);
  return out;
}

export class PersistentMap<V> implements ReadonlyMap<string, V> {
  private constructor(
    private readonly root: Node<V> | null,
    readonly size: number,
  ) {}

  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(null, 0);
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  get(key: string): V | undefined {
    const hash = keyHash(key);
    let node = this.root;
    for (let level = 0; node !== null && level <= levelsMax; level++) {
      if (node.kind === 'leaf') {
        if (node.hash !== hash) return undefined;
        const entry = node.entries[findIn(node.entries, key)];
        return entry?.[0] === key ? entry[1] : undefined;
      }
      const bit = 1 << slotOf(hash, level);
      node = node.bitmap & bit ? node.children[indexOf(node.bitmap, bit)]! : null;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with `key` set to `value` (undefined values are not kept: use delete). */
  set(key: string, value: V): PersistentMap<V> {
    const added = { yes: false };
    const root = setIn(this.root, keyHash(key), key, value, 0, added);
    return new PersistentMap(root, this.size + (added.yes ? 1 : 0));
  }

  delete(key: string): PersistentMap<V> {
    if (this.root === null) return this;
    const root = deleteIn(this.root, keyHash(key), key, 0);
    return root === this.root ? this : new PersistentMap(root, this.size - 1);
  }

  /** A map with every entry of `changes` set (the block's overlay onto the state before it). */
  setAll(changes: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map: PersistentMap<V> = this;
    for (const [key, value] of changes) map = map.set(key, value);
    return map;
  }

  entries(): MapIterator<[string, V]> {
    return entriesOf(this.root) as MapIterator<[string, V]>;
  }

  keys(): MapIterator<string> {
    return (function* (entries) {
      for (const [key] of entries) yield key;
    })(this.entries()) as MapIterator<string>;
  }

  values(): MapIterator<V> {
    return (function* (entries) {
      for (const [, value] of entries) yield value;
    })(this.entries()) as MapIterator<V>;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  /**
   * Trie nodes of this map that `other` does not hold (by identity): how much a change copied.
   * Walks both maps whole: for tests and diagnostics, not for a block's path.
   */
  nodesNotSharedWith(other: PersistentMap<V>): number {
    const theirs = nodesOf(other.root, new Set());
    let count = 0;
    for (const node of nodesOf(this.root, new Set())) if (!theirs.has(node)) count++;
    return count;
  }
}
