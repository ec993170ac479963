// Cross-chain latency (`npm run bench:xchain`, issue 18): one peer (MultiHost, memory stores, the
// best verifier) runs two solo chains A and B with a token each, linked both ways in contract
// mode (on-chain light clients), and relays between them itself (worker/host/xchain-local.ts).
// One round: the commit latency of a data.put on A and on B (submit to committed), then one
// token operation A -> B, timed from the lock's submission to the commit on B (the receiver holds
// the tokens) and to the finalize on A, both seen on the chains' block events. Ratios: median
// latency ÷ (median commit latency of A + of B), in the same run. Target (issue 18): at most 2.
// Each round's own ratio (its operation ÷ its two commits) is printed too, as p50 and the
// spread (p10 to p90), so one slow block does not hide behind a median. The relay "on commit"
// (a pass as soon as either chain commits a block: what a peer runs); BENCH_POLLING=1 adds,
// after it in the same run, the relay "polling" (a pass every 500 ms only: before). BENCH_ROUNDS
// rounds each (default 40; the first warms up and is left out).
import { MultiHost } from '../worker/host/multi-host';
import { MemoryStorage } from '../worker/store/memory';
import { bestVerifier } from '../worker/host/crypto';
import { nodeSigner, nodeTxSigner } from '../worker/host/node-signer';
import type { PeerHost } from '../worker/host/peer-host';
import type { PeerEvent } from '../worker/api';

const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
// The peers' timers do not keep Node alive (Clock); this does until the end.
const keepAlive = setInterval(() => {}, 1000);

async function settle(host: PeerHost, pending: Promise<{ txId: string }>): Promise<void> {
  const result = await host.waitFor((await pending).txId, { timeoutMs: 60_000 });
  if (result.error) throw new Error(result.error.message);
}

interface Sample {
  a: number;
  b: number;
  arrived: number;
  op: number;
}

async function run(relay: 'on commit' | 'polling'): Promise<Sample[]> {
  const blockWaiters: Array<(event: PeerEvent) => void> = [];
  const multi = new MultiHost({
    host: {
      storage: new MemoryStorage(),
      storageKind: 'memory',
      verifier: await bestVerifier(),
      voteSignerFor: nodeSigner, // consensus signatures as the Node peer makes them (server/peer/peer.ts)
      signerFor: nodeTxSigner, // and its transactions' signatures
      now: () => Date.now(),
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      emit: (event) => {
        if (event.type === 'block') for (const w of [...blockWaiters]) w(event);
      },
      tickIntervalMs: 20,
      contractRuntime: null,
    },
    openChain: async () => ({ storage: new MemoryStorage() }),
    relayIntervalMs: relay === 'polling' ? 500 : 60_000,
    relayOnCommit: relay === 'on commit',
  });
  await multi.ready();
  const did = (await multi.identity()).did;
  const chain = async (name: string, symbol: string) =>
    multi.chainHost(
      (
        await multi.createChain({
          name,
          mode: 'public',
          consensus: 'solo',
          tokens: { symbol, allocations: [{ did, amount: 1_000_000 }] },
        })
      ).chainId,
    );
  const a = await chain('bench-a', 'AAA');
  const b = await chain('bench-b', 'BBB');
  const [ga, gb] = [await a.xchain(), await b.xchain()];
  await settle(a, a.xchainLink({ chain: gb.chainId, mode: 'contract', genesis: gb.genesis }));
  await settle(b, b.xchainLink({ chain: ga.chainId, mode: 'contract', genesis: ga.genesis }));
  await settle(a, a.xchainFund(100_000));
  await settle(b, b.xchainFund(100_000));
  const [endA, endB] = [await a.xchainEndpoint(), await b.xchainEndpoint()];

  /** Resolves at the first block event after which `done` holds (checked on every block). */
  const when = (done: () => boolean) =>
    new Promise<number>((resolve) => {
      if (done()) return resolve(performance.now());
      const waiter = () => {
        if (!done()) return;
        blockWaiters.splice(blockWaiters.indexOf(waiter), 1);
        resolve(performance.now());
      };
      blockWaiters.push(waiter);
    });

  async function commitLatency(host: PeerHost, i: number): Promise<number> {
    const start = performance.now();
    await settle(host, host.submit({ type: 'data.put', body: { key: `bench/${i}`, value: i } }));
    return performance.now() - start;
  }

  const samples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    const ca = await commitLatency(a, round);
    const cb = await commitLatency(b, round);
    const start = performance.now();
    const { id } = await a.xchainLock({
      target: gb.chainId,
      asset: { kind: 'tokens', amount: 10 },
    });
    const arrivedAt = when(() => endB.durable().xchain?.ins.get(id)?.s === 'committed');
    const finalizedAt = when(() => endA.durable().xchain?.outs.get(id)?.s === 'finalized');
    const [arrived, op] = await Promise.all([arrivedAt, finalizedAt]);
    if (round > 0) samples.push({ a: ca, b: cb, arrived: arrived - start, op: op - start });
  }
  await multi.stop();
  return samples;
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((p, r) => p - r)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (x: number) => x.toFixed(1);
const spread = (xs: number[]) =>
  `p50 ${quantile(xs, 0.5).toFixed(2)}, p10-p90 ${quantile(xs, 0.1).toFixed(2)}-${quantile(xs, 0.9).toFixed(2)}`;
const relays = process.env.BENCH_POLLING
  ? (['on commit', 'polling'] as const)
  : (['on commit'] as const);
for (const relay of relays) {
  const samples = await run(relay);
  const ma = median(samples.map((s) => s.a));
  const mb = median(samples.map((s) => s.b));
  const mr = median(samples.map((s) => s.arrived));
  const mo = median(samples.map((s) => s.op));
  if (process.env.BENCH_TABLE)
    console.table(
      samples.map((s) => ({ a: ms(s.a), b: ms(s.b), arrived: ms(s.arrived), op: ms(s.op) })),
    );
  console.log(
    `relay ${relay}, ${samples.length} rounds: commit latency A ${ms(ma)} ms, B ${ms(mb)} ms; ` +
      `lock to committed on B ${ms(mr)} ms (ratio ${(mr / (ma + mb)).toFixed(2)}); lock to ` +
      `finalized on A ${ms(mo)} ms (ratio ${(mo / (ma + mb)).toFixed(2)}); target <= 2`,
  );
  console.log(
    `  per round, committed on B ÷ (A + B): ${spread(samples.map((s) => s.arrived / (s.a + s.b)))}; ` +
      `finalized on A ÷ (A + B): ${spread(samples.map((s) => s.op / (s.a + s.b)))}`,
  );
}
clearInterval(keepAlive);
