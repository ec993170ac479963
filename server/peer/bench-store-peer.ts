// Child of bench/store.ts: the Node peer (server/peer/peer.ts of the code tree in argv[2], so an
// older tree can be measured the same way) on the data directory argv[3]. Tells its parent the
// API URL over IPC, and answers { memory: true } with process.memoryUsage() after a full GC, and
// { snapshot: file } by writing a V8 heap snapshot there (bench/heap-diff.ts compares two).
//   node --expose-gc --import tsx server/peer/bench-store-peer.ts <code root> <data dir>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

const [codeRoot, dataDir] = process.argv.slice(2) as [string, string];
const { startPeer, defaultConfig } = (await import(
  pathToFileURL(join(codeRoot, 'server/peer/peer.ts')).href
)) as typeof import('./peer');
const peer = await startPeer({ ...defaultConfig, port: 0, dataDir, quiet: true });
const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', async (message: { memory?: boolean; snapshot?: string; stop?: boolean }) => {
  if (message.snapshot) {
    gc?.();
    process.send!({ snapshot: writeHeapSnapshot(message.snapshot) });
  }
  if (message.memory) {
    gc?.();
    await new Promise((done) => setTimeout(done, 50));
    gc?.();
    process.send!({ memory: process.memoryUsage() });
  }
  if (message.stop) {
    await peer.stop();
    process.exit(0);
  }
});
process.send!({ url: peer.url });
