// The records of one IndexedDB checkpoint (see idb.ts), written by the store itself or by its
// checkpoint worker (checkpoint.worker.ts), and the messages between the two.
//
// A checkpoint writes, from the packed commits records of the blocks it covers:
//   - index segments (`indexed` store), one per `segmentBlocksMax` blocks: the distinct keys
//     written in them (multiEntry `byKey`), each key's versions packed, and the transaction ids
//     (multiEntry `byTx`) with their heights and positions packed. One index entry per distinct
//     key per segment instead of one per write: a key rewritten in every block costs one;
//   - the latest entry of each key to the `state` store, in transactions of
//     `statePutsPerTransaction`;
//   - last, the height the checkpoint is complete up to.
// Each part is its own transaction, so block commits are not held behind one long checkpoint
// transaction. Parts written before the height record are harmless: until it lands, readers take
// every covered write from the held blocks (or, after a reopen, from replaying the commits
// records above the old height), and the index readers merge versions by height.
import type { IDBPDatabase } from 'idb';
import { Packer, packVersions, unpackCommit, type CheckpointJob } from './pack';

/** Blocks per index segment record. */
export const segmentBlocksMax = 16;
/** State entries per checkpoint transaction. */
export const statePutsPerTransaction = 2_000;

/** An index segment: history and tx index of blocks `height`..`lastHeight`. */
export interface SegmentRecord {
  chainId: string;
  height: number;
  lastHeight: number;
  /** [chainId, key] of each distinct key written in the segment (multiEntry `byKey`). */
  keys: Array<[string, string]>;
  /** `packVersions` of each key, in the order of `keys`. */
  versions: Uint8Array[];
  /** Every transaction id of the segment (multiEntry `byTx`). */
  txIds: string[];
  /** u32 height and u32 position in its block of each transaction, in the order of `txIds`. */
  txAt: Uint8Array;
}

export function isSegment(record: unknown): record is SegmentRecord {
  return typeof record === 'object' && record !== null && 'versions' in record && 'txAt' in record;
}

/** The location of `txId` in a segment, or null. */
export function segmentTxLocation(
  segment: SegmentRecord,
  txId: string,
): { height: number; index: number } | null {
  const at = segment.txIds.indexOf(txId);
  if (at < 0) return null;
  const view = new DataView(segment.txAt.buffer, segment.txAt.byteOffset, segment.txAt.byteLength);
  return { height: view.getUint32(at * 8), index: view.getUint32(at * 8 + 4) };
}

// Untyped database: the peer's schema type lives in idb.ts, which this module must not import
// (idb.ts starts the checkpoint worker; the worker's bundle would then contain itself).
export async function writeCheckpointRecords(
  db: IDBPDatabase<any>,
  job: CheckpointJob,
): Promise<void> {
  const { chainId } = job;
  const latest = new Map<string, Uint8Array>();
  const blocks = job.blocks.map((b) => ({ height: b.height, ...unpackCommit(b.packed) }));
  for (let at = 0; at < blocks.length; at += segmentBlocksMax) {
    const part = blocks.slice(at, at + segmentBlocksMax);
    const versions = new Map<string, Array<{ height: number; entry: Uint8Array }>>();
    const txIds: string[] = [];
    const txAt = new Packer(8 * part.reduce((n, b) => n + b.txIds.length, 0) + 8);
    for (const block of part) {
      for (const [key, entry] of block.writes) {
        let list = versions.get(key);
        if (!list) versions.set(key, (list = []));
        list.push({ height: block.height, entry });
        latest.set(key, entry);
      }
      block.txIds.forEach((txId, index) => {
        txIds.push(txId);
        txAt.u32(block.height).u32(index);
      });
    }
    const segment: SegmentRecord = {
      chainId,
      height: part[0]!.height,
      lastHeight: part[part.length - 1]!.height,
      keys: [...versions.keys()].map((key) => [chainId, key]),
      versions: [...versions.values()].map(packVersions),
      txIds,
      txAt: txAt.finish(),
    };
    const tx = db.transaction('indexed', 'readwrite');
    void tx.store.put(segment, [chainId, segment.height]);
    commitNow(tx);
    await tx.done;
  }
  const state = [...latest];
  for (let at = 0; at < state.length; at += statePutsPerTransaction) {
    const tx = db.transaction('state', 'readwrite');
    for (const [key, entry] of state.slice(at, at + statePutsPerTransaction))
      void tx.store.put(entry, [chainId, key]);
    commitNow(tx);
    await tx.done;
  }
  const tx = db.transaction('checkpoints', 'readwrite');
  void tx.store.put({ height: job.upTo }, chainId);
  commitNow(tx);
  await tx.done;
}

/** Messages to and from checkpoint.worker.ts. */
export interface CheckpointRequest {
  id: number;
  dbName: string;
  packed: Uint8Array;
}
export type CheckpointReply = { id: number; ok: true } | { id: number; ok: false; error: string };

/**
 * Commit a write transaction as soon as its queued requests have run. Without it the
 * transaction commits only once the last request's success event has come back to this thread
 * and the task after it has ended: one more round trip to the browser's storage service per
 * write (1.7 ms at p50 and 6 ms at p90 in a Chromium trace of four busy peer tabs), on the path
 * of every vote record and block commit.
 */
export function commitNow(tx: { commit?: () => void }): void {
  tx.commit?.();
}
