// In real Chromium, in a dedicated worker as the peer runs (issue 14 §6): a validator's voting
// record goes to a file of the origin private file system (record-file.ts), and a worker killed
// the moment its record is stored, before anything is closed or flushed, restarts from that
// record: it sends its precommit for A again and signs nothing for another block B in that round.
import { expect, it } from 'vitest';

interface Reply {
  error?: string;
  place?: 'file' | 'meta';
  signed?: string[];
  restored?: boolean;
  resent?: string[];
  signedForB?: string[];
}

function run(
  mode: 'write' | 'read',
  name: string,
  waitMs?: number,
): { worker: Worker; reply: Promise<Reply> } {
  const worker = new Worker(new URL('./record-file.probe.worker.ts', import.meta.url), {
    type: 'module',
  });
  const reply = new Promise<Reply>((done) => (worker.onmessage = (event) => done(event.data)));
  worker.postMessage({ mode, name, waitMs });
  return { worker, reply };
}

it('a precommit record stored in the file survives its worker being killed, and the restarted validator does not sign another block', async () => {
  const name = `record-file-${Date.now()}`;
  const writer = run('write', name);
  const written = await writer.reply;
  writer.worker.terminate(); // the crash: no close, no flush
  expect(written.error).toBeUndefined();
  expect(written.place).toBe('file');
  expect(written.signed).toEqual(['prevote A', 'precommit A']);

  const reader = run('read', name);
  const restarted = await reader.reply;
  reader.worker.terminate();
  expect(restarted.error).toBeUndefined();
  expect(restarted.restored).toBe(true);
  expect(restarted.resent).toEqual(['precommit A', 'prevote A']);
  expect(restarted.signedForB).toEqual([]);
}, 60_000);

it('a validator restarting while its old worker still holds the record files reads the record without a lock', async () => {
  const name = `record-file-held-${Date.now()}`;
  const writer = run('write', name);
  const written = await writer.reply;
  expect(written.place).toBe('file');
  // The old worker is still alive and holds both files: the new one waits 300 ms, then reads them unlocked.
  const reader = run('read', name, 300);
  const restarted = await reader.reply;
  writer.worker.terminate();
  reader.worker.terminate();
  expect(restarted.error).toBeUndefined();
  expect(restarted.place).toBe('meta'); // its own later records go to IndexedDB
  expect(restarted.restored).toBe(true);
  expect(restarted.signedForB).toEqual([]);
}, 60_000);
