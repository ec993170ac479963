// The headless peer's verifier: the browser peer's pool of verifier threads
// (worker/host/verifier-pool.ts) over worker_threads. Node, like Chromium, verifies Ed25519 on
// the calling thread, so an always-on validator would otherwise verify every transaction of the
// chain on its one event-loop thread.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { bestVerifier, type Verifier } from '../../worker/host/crypto';
import {
  verifierPool,
  verifierThreadsFor,
  type VerifyAnswer,
  type VerifyJob,
  type VerifyPort,
} from '../../worker/host/verifier-pool';

/** A worker_threads Worker as a VerifyPort. Jobs sent before the thread has loaded wait in its queue. */
function threadPort(): VerifyPort {
  const worker = new Worker(new URL('./verify-thread.mjs', import.meta.url));
  worker.unref(); // a verifier thread never keeps the process alive
  const port: VerifyPort = {
    onmessage: null,
    onerror: null,
    postMessage(job: VerifyJob, transfer: Transferable[]) {
      worker.postMessage(job, transfer as unknown as ArrayBuffer[]);
    },
    terminate() {
      void worker.terminate();
    },
  };
  worker.on('message', (data: VerifyAnswer | { ready: true }) => {
    if ('ready' in data) return;
    port.onmessage?.({ data });
  });
  worker.on('error', (error) => port.onerror?.({ message: error.message }));
  worker.on('exit', (code) => {
    if (code !== 0) port.onerror?.({ message: `exited with code ${code}` });
  });
  return port;
}

export async function nodeVerifier(
  threads: number = verifierThreadsFor(availableParallelism()),
): Promise<Verifier> {
  const local = await bestVerifier();
  if (threads < 1) return local;
  return verifierPool(threadPort, threads, local);
}
