// Run by contract-limits.browser.test.ts in a Chromium worker (the peer's contracts run in its worker).
import { runStackProbe } from './contract-stack-probe';

runStackProbe().then(
  (outcomes) => postMessage({ outcomes }),
  (error: unknown) => postMessage({ error: String(error) }),
);
