// In real Chromium, in a worker: the same deep calls as the Node child processes of
// contract-limits.test.ts give the same outcomes and step counts (issue 14 §2: recursion is bounded
// inside the engine, not by the host's stack, so browsers and Node cannot split a chain).
import { expect, it } from 'vitest';
import type { ProbeOutcome } from './contract-stack-probe';

/** What Node prints with any --stack-size from 250 kB to 4 MB (contract-limits.test.ts checks that side). */
const node: ProbeOutcome[] = [
  { method: 'depth', n: 100, outcome: '100', steps: 15831 },
  { method: 'depth', n: 300, outcome: '300', steps: 20631 },
  { method: 'depth', n: 1000, outcome: 'CONTRACT_MEMORY', steps: 18493 },
  { method: 'depth', n: 3000, outcome: 'CONTRACT_MEMORY', steps: 18493 },
  { method: 'catchOwn', n: 0, outcome: 'CONTRACT_MEMORY', steps: 18493 },
  { method: 'nested', n: 1000, outcome: 'CONTRACT_MEMORY', steps: 32195 },
  { method: 'nested', n: 20000, outcome: 'CONTRACT_MEMORY', steps: 146768 },
  { method: 'regex', n: 1000, outcome: 'CONTRACT_MEMORY', steps: 24615 },
  { method: 'regex', n: 30000, outcome: 'CONTRACT_MEMORY', steps: 316385 },
];

it('a Chromium worker gets the same outcomes and steps for deep calls as Node', async () => {
  const worker = new Worker(new URL('./contract-stack-probe.worker.ts', import.meta.url), {
    type: 'module',
  });
  const reply = await new Promise<{
    outcomes?: ProbeOutcome[];
    zeroesToBreak?: boolean;
    error?: string;
  }>((done) => (worker.onmessage = (event) => done(event.data)));
  worker.terminate();
  expect(reply.error).toBeUndefined();
  expect(reply.outcomes).toEqual(node);
  // The engine found its allocator's break in Chromium too: restores zero only up to it.
  expect(reply.zeroesToBreak).toBe(true);
}, 120_000);
