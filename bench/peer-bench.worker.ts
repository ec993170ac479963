/// <reference lib="webworker" />
// The peer benchmark, inside a Web Worker as the real peer runs, persisting to IndexedDB.
// The measurements live in ./peer-pipeline.ts (shared with the Node profiling run). The JS
// heap is read from outside, over CDP (Runtime.getHeapUsage on this worker), by
// scripts/bench.mjs: `performance.memory` is not exposed in workers. The stopped peer stays
// referenced here so that the heap read after the run is that of a peer holding its chain.
// Signatures are verified as the peer verifies them: by its pool of verifier workers.
import { IdbStorage } from '../worker/store/idb';
import { MemoryStorage } from '../worker/store/memory';
import { browserVerifier } from '../worker/host/browser-verifier';
import { throughput, verifyRates } from './peer-pipeline';

declare const self: DedicatedWorkerGlobalScope;
const progress = (text: string) => self.postMessage({ progress: text });
let kept: unknown = null;

self.onmessage = async (e: MessageEvent<{ txCount: number; verifierThreads: number | null }>) => {
  try {
    const verify = await verifyRates();
    progress(`verify/s webcrypto ${verify.webcrypto.toFixed(0)} noble ${verify.noble.toFixed(0)}`);
    const verifier = await browserVerifier(e.data.verifierThreads ?? undefined);
    progress(`verifier threads: ${verifier.threads ?? 0}`);
    const { run, peer } = await throughput(
      () => IdbStorage.open(`bench-${Date.now()}`, { checkpointWorker: true }),
      'indexeddb',
      verifier,
      e.data.txCount,
      progress,
    );
    kept = peer;
    // The same pipeline with nothing persisted (the memory store), second, so it runs warm:
    // the share of block time that persisting adds is (IndexedDB run - memory run) / IndexedDB
    // run; its peer is dropped before the heap is read.
    progress('the same run on the memory store…');
    const { run: memoryRun } = await throughput(
      async () => new MemoryStorage(),
      'memory',
      verifier,
      e.data.txCount,
      progress,
    );
    const persistAddedShare = Math.max(0, (run.elapsedMs - memoryRun.elapsedMs) / run.elapsedMs);
    // The verify rate again after the runs: on a shared box one reading can catch a quiet or a
    // busy moment; the ratio is to the mean of the two.
    const verifyAfter = await verifyRates();
    const webcryptoMean = (verify.webcrypto + verifyAfter.webcrypto) / 2;
    self.postMessage({
      result: {
        verify,
        verifyAfter,
        verifierThreads: verifier.threads ?? 0,
        run,
        memoryRun,
        persistAddedShare,
        ratioTxToWebCryptoVerify: run.txPerSecond / webcryptoMean,
        peerKept: kept !== null,
      },
    });
  } catch (error) {
    self.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
