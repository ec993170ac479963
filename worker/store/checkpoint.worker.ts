/// <reference lib="webworker" />
// The checkpoint writer of an IndexedDB peer store (idb.ts): receives a packed checkpoint and
// writes its state, history and tx index records and its height in one transaction, on this
// thread instead of the peer's. It opens the peer's database at its current version and never
// upgrades it; it lets go of it when the peer's store asks for a new version.
import { openDB, type IDBPDatabase } from 'idb';
import { unpackCheckpoint } from './pack';
import {
  writeCheckpointRecords,
  type CheckpointReply,
  type CheckpointRequest,
} from './checkpoint-records';

declare const self: DedicatedWorkerGlobalScope;

const open = new Map<string, Promise<IDBPDatabase<unknown>>>();

function database(name: string): Promise<IDBPDatabase<unknown>> {
  let db = open.get(name);
  if (!db) {
    db = openDB(name, undefined, {
      blocking() {
        void db?.then((d) => d.close());
        open.delete(name);
      },
    });
    open.set(name, db);
    db.catch(() => open.delete(name));
  }
  return db;
}

// One job at a time, in order: a later checkpoint never lands before an earlier one.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<CheckpointRequest>) => {
  const { id, dbName, packed } = event.data;
  queue = queue.then(async () => {
    let reply: CheckpointReply;
    try {
      await writeCheckpointRecords(await database(dbName), unpackCheckpoint(packed));
      reply = { id, ok: true };
    } catch (error) {
      reply = { id, ok: false, error: String((error as Error)?.message ?? error) };
    }
    self.postMessage(reply);
  });
};
