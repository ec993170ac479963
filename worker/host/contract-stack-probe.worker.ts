// Run by contract-limits.browser.test.ts in a Chromium worker (the peer's contracts run in its worker).
import { runStackProbe } from './contract-stack-probe';
import { loadContractRuntime } from './contract-runtime';

runStackProbe().then(
  async (outcomes) =>
    postMessage({ outcomes, zeroesToBreak: (await loadContractRuntime()).zeroesToBreak }),
  (error: unknown) => postMessage({ error: String(error) }),
);
