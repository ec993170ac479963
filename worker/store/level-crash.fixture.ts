// The blocks the crash test's child writes (level-crash.child.ts), made from their height only.
import { createHash } from 'node:crypto';
import type { BlockCommit } from './storage';

/** Deterministic bytes: SHA-256 in counter mode of (label, height). */
export function crashBytes(label: string, height: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0, n = 0; at < length; at += 32, n++)
    out.set(
      createHash('sha256')
        .update(`${label}/${height}/${n}`)
        .digest()
        .subarray(0, length - at),
      at,
    );
  return out;
}

/** Block `height` of chain 'crash': 200 state writes (one key rewritten each block) and 50 txs, ~60 KB. */
export function crashCommit(height: number): BlockCommit {
  const writes = new Map<string, Uint8Array>();
  for (let i = 0; i < 200; i++)
    writes.set(`data/h${height}/k${i}`, crashBytes('w', height * 1000 + i, 64));
  writes.set('data/counter', crashBytes('c', height, 8));
  const txIds = Array.from({ length: 50 }, (_, i) => `crash-${height}-${i}`);
  return { chainId: 'crash', height, block: crashBytes('b', height, 40_000), writes, txIds };
}
