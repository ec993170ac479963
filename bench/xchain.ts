// Cross-chain latency (`npm run bench:xchain`, issue 18): two peers (PeerHost, memory store, the
// best verifier), each on its own solo chain with a token, linked in contract mode (on-chain light
// clients). One round: the commit latency of a data.put on A and on B (submit to committed), then
// one cross-chain token operation from A to B, from its lock to its finalize on A with a relay
// (worker/host/xchain.ts; header updates carried inside the steps). Ratios: median latency from
// the lock to the commit on B (the receiver holds the tokens), and to the finalize on A, each ÷
// (median commit latency of A + of B), in the same run. Target (issue 18): at most 2.
// BENCH_ROUNDS rounds (default 7; the first warms up and is left out).
import { PeerHost } from '../worker/host/peer-host';
import { MemoryStorage } from '../worker/store/memory';
import { bestVerifier } from '../worker/host/crypto';
import { XchainRelay, type XchainEndpoint } from '../worker/host/xchain';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
// The peers' timers do not keep Node alive (Clock); this does until the end.
const keepAlive = setInterval(() => {}, 1000);

async function peer(): Promise<PeerHost> {
  const host = new PeerHost({
    storage: new MemoryStorage(),
    storageKind: 'memory',
    verifier: await bestVerifier(),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: () => {},
    tickIntervalMs: 20,
  });
  await host.ready();
  return host;
}

async function settle(end: XchainEndpoint, pending: Promise<{ txId: string }>): Promise<void> {
  const result = await end.waitFor((await pending).txId, { timeoutMs: 60_000 });
  if (result.error) throw new Error(result.error.message);
}

const [a, b] = [await peer(), await peer()];
const [didA, didB] = [(await a.identity()).did, (await b.identity()).did];
const tokens = (symbol: string) => ({
  symbol,
  allocations: [
    { did: didA, amount: 1_000_000 },
    { did: didB, amount: 1_000_000 },
  ],
});
await a.createChain({ name: 'bench-a', mode: 'public', consensus: 'solo', tokens: tokens('AAA') });
await b.createChain({ name: 'bench-b', mode: 'public', consensus: 'solo', tokens: tokens('BBB') });
const [endA, endB] = [await a.xchainEndpoint(), await b.xchainEndpoint()];
const [ga, gb] = [await a.xchain(), await b.xchain()];
await settle(endA, a.xchainLink({ chain: gb.chainId, mode: 'contract', genesis: gb.genesis }));
await settle(endB, b.xchainLink({ chain: ga.chainId, mode: 'contract', genesis: ga.genesis }));
await settle(endA, a.xchainFund(100_000));
await settle(endB, b.xchainFund(100_000));
const relay = new XchainRelay(endA, endB);

async function commitLatency(host: PeerHost, end: XchainEndpoint, i: number): Promise<number> {
  const start = performance.now();
  await settle(end, host.submit({ type: 'data.put', body: { key: `bench/${i}`, value: i } }));
  return performance.now() - start;
}

const samples: Array<{ a: number; b: number; arrived: number; op: number; passes: number }> = [];
for (let round = 0; round < rounds; round++) {
  const ca = await commitLatency(a, endA, round);
  const cb = await commitLatency(b, endB, round);
  const start = performance.now();
  const { id, txId } = await a.xchainLock({
    target: gb.chainId,
    asset: { kind: 'tokens', amount: 10 },
  });
  await endA.waitFor(txId, { timeoutMs: 60_000 });
  let passes = 0;
  let arrived = 0;
  while (endA.durable().xchain!.outs.get(id)!.s === 'locked') {
    if (++passes > 10) throw new Error('the operation did not finish in 10 relay passes');
    await relay.step();
    if (!arrived && endB.durable().xchain?.ins.get(id)?.s === 'committed')
      arrived = performance.now() - start;
  }
  const op = performance.now() - start;
  if (round > 0) samples.push({ a: ca, b: cb, arrived, op, passes });
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const ma = median(samples.map((s) => s.a));
const mb = median(samples.map((s) => s.b));
const mr = median(samples.map((s) => s.arrived));
const mo = median(samples.map((s) => s.op));
const ms = (x: number) => x.toFixed(1);
console.table(
  samples.map((s) => ({
    a: ms(s.a),
    b: ms(s.b),
    arrived: ms(s.arrived),
    op: ms(s.op),
    passes: s.passes,
  })),
);
console.log(
  `commit latency A ${ms(ma)} ms, B ${ms(mb)} ms; lock to committed on B ${ms(mr)} ms ` +
    `(ratio ${(mr / (ma + mb)).toFixed(2)}); lock to finalized on A ${ms(mo)} ms ` +
    `(ratio ${(mo / (ma + mb)).toFixed(2)}); target <= 2`,
);
await a.stop();
await b.stop();
clearInterval(keepAlive);
