/// <reference lib="webworker" />
// The peer benchmark, inside a Web Worker as the real peer runs, persisting to IndexedDB.
// The measurements live in ./peer-pipeline.ts (shared with the Node profiling run). The JS
// heap is read from outside, over CDP (Runtime.getHeapUsage on this worker), by
// scripts/bench.mjs: `performance.memory` is not exposed in workers. The stopped peer stays
// referenced here so that the heap read after the run is that of a peer holding its chain.
import { IdbStorage } from '../worker/store/idb';
import { throughput, verifyRates } from './peer-pipeline';

declare const self: DedicatedWorkerGlobalScope;
const progress = (text: string) => self.postMessage({ progress: text });
let kept: unknown = null;

self.onmessage = async (e: MessageEvent<{ txCount: number }>) => {
  try {
    const verify = await verifyRates();
    progress(`verify/s webcrypto ${verify.webcrypto.toFixed(0)} noble ${verify.noble.toFixed(0)}`);
    const { run, peer } = await throughput(() => IdbStorage.open(`bench-${Date.now()}`), 'indexeddb', e.data.txCount, progress);
    kept = peer;
    self.postMessage({ result: { verify, run, ratioTxToWebCryptoVerify: run.txPerSecond / verify.webcrypto, peerKept: kept !== null } });
  } catch (error) {
    self.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
