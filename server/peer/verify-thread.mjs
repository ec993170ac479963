// A signature verifier thread of the headless peer (worker_threads): loads the TypeScript
// answerer through tsx (the peer itself runs under tsx) and answers packed jobs as
// worker/host/verify.worker.ts does in the browser.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { answerVerifyJob } = await import('../../worker/host/verifier-pool.ts');
parentPort.on('message', async (job) => {
  const { answer, transfer } = await answerVerifyJob(job);
  parentPort.postMessage(answer, transfer);
});
parentPort.postMessage({ ready: true });
