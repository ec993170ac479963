/// <reference lib="webworker" />
// A signature verifier thread of the peer (see verifier-pool.ts): answers packed jobs.
import { answerVerifyJob, type VerifyJob } from './verifier-pool';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = async (event: MessageEvent<VerifyJob>) => {
  const { answer, transfer } = await answerVerifyJob(event.data);
  self.postMessage(answer, transfer);
};
