// The records of one IndexedDB checkpoint (see idb.ts), written by the store itself or by its
// checkpoint worker (checkpoint.worker.ts), and the messages between the two.
import type { IDBPDatabase } from 'idb';
import type { CheckpointJob } from './pack';

/** The records of one checkpoint, in one readwrite transaction (here or in the checkpoint worker). */
// Untyped database: the peer's schema type lives in idb.ts, which this module must not import
// (idb.ts starts the checkpoint worker; the worker's bundle would then contain itself).
export async function writeCheckpointRecords(db: IDBPDatabase<any>, job: CheckpointJob): Promise<void> {
  const { chainId } = job;
  const tx = db.transaction(['state', 'indexed', 'checkpoints'], 'readwrite');
  const state = tx.objectStore('state');
  const indexed = tx.objectStore('indexed');
  for (const [key, entry] of job.state) void state.put(entry, [chainId, key]);
  for (const block of job.blocks) {
    const keys: Array<[string, string]> = [];
    for (const key of block.writes.keys()) keys.push([chainId, key]);
    void indexed.put({ chainId, height: block.height, keys, entries: [...block.writes.values()], txIds: block.txIds }, [chainId, block.height]);
  }
  void tx.objectStore('checkpoints').put({ height: job.upTo }, chainId);
  await tx.done;
}

/** Messages to and from checkpoint.worker.ts. */
export interface CheckpointRequest {
  id: number;
  dbName: string;
  packed: Uint8Array;
}
export type CheckpointReply = { id: number; ok: true } | { id: number; ok: false; error: string };

