// The trust contract's call cost with the heap restore zeroing up to the allocator's break
// against zeroing the whole heap above the snapshot (the restore before this change), on two
// engines in one process, alternated: `npx tsx bench/contract-restore.ts [calls]`. Prints the
// median ms per call of each and their ratio; outcomes and steps are checked equal call by call.
import {
  itsContractCaller,
  itsTrustContractSource,
} from '../worker/core/modules/its/trust-contract';
import { createContractRuntime } from '../worker/host/contract-runtime';

const calls = Number(process.argv[2] ?? 400);
const fast = await createContractRuntime();
const whole = await createContractRuntime();
(whole as unknown as { breakAddress: number | null }).breakAddress = null;
if (!fast.zeroesToBreak) throw new Error('the allocator break was not found');
const ctx = {
  contract: 'its-trust',
  caller: itsContractCaller,
  device: null,
  height: 5,
  time: 1_700_000_000_000,
  txId: '',
};
const state = new Map<string, string>();
const host = {
  get: (key: string) => state.get(key) ?? null,
  put: () => undefined,
  emit: () => undefined,
};
const args = (i: number) =>
  JSON.stringify({
    trip: `did:key:trip${i}`,
    provider: 'did:key:provider',
    segment: 'h20',
    limitKmh: 50,
    speedKmh: 30 + (i % 40),
    humidityPct: null,
    temperatureC: null,
    time: ctx.time - 1_000,
    gapM: i % 2 ? 300 : null,
    lastTime: ctx.time - 60_000,
    accepted: i % 5,
    rejected: 0,
  });
const timed = (rt: typeof fast, i: number) => {
  const start = performance.now();
  const result = rt.call(itsTrustContractSource, 'judge', args(i), ctx, host);
  return { ms: performance.now() - start, result, steps: rt.lastRunSteps };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (let i = 0; i < 20; i++) timed(fast, i), timed(whole, i); // warm
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < calls; i++) {
  const x = i % 2 ? timed(fast, i) : timed(whole, i);
  const y = i % 2 ? timed(whole, i) : timed(fast, i);
  const [f, w] = i % 2 ? [x, y] : [y, x];
  if (JSON.stringify(f.result) !== JSON.stringify(w.result) || f.steps !== w.steps)
    throw new Error(`call ${i}: outcomes differ`);
  a.push(f.ms);
  b.push(w.ms);
}
console.log(
  JSON.stringify({
    calls,
    toBreakMsMedian: +median(a).toFixed(3),
    wholeHeapMsMedian: +median(b).toFixed(3),
    ratio: +(median(a) / median(b)).toFixed(3),
    lastZeroedBytes: fast.lastZeroedBytes,
  }),
);
