/// <reference lib="webworker" />
// The peer benchmark, inside a Web Worker as the real peer runs, persisting to IndexedDB.
// The measurements live in ./peer-pipeline.ts (shared with the Node profiling run). The JS
// heap is read from outside, over CDP, by scripts/bench.mjs: `performance.memory` is not
// exposed in workers. The worker waits for a `gc` message so the heap is read after the run,
// with the peer and its storage still open (as a live peer holds them).
import { IdbStorage } from '../worker/store/idb';
import { throughput, verifyRates } from './peer-pipeline';

declare const self: DedicatedWorkerGlobalScope;
const progress = (text: string) => self.postMessage({ progress: text });

self.onmessage = async (e: MessageEvent<{ txCount: number }>) => {
  try {
    const verify = await verifyRates();
    progress(`verify/s webcrypto ${verify.webcrypto.toFixed(0)} noble ${verify.noble.toFixed(0)}`);
    const run = await throughput(() => IdbStorage.open(`bench-${Date.now()}`), 'indexeddb', e.data.txCount, progress);
    self.postMessage({ result: { verify, run, ratioTxToWebCryptoVerify: run.txPerSecond / verify.webcrypto } });
  } catch (error) {
    self.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
