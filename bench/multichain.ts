// Several chains per peer (`npm run bench:multichain`, issue 18): committed data.put per second
// on chain A while the same peer also runs a second chain B kept busy with writes, divided by the
// same on chain A alone, in one run (one MultiHost, memory stores, the best verifier, solo
// chains). Phases alternate alone, busy, alone, busy (the first pair warms up); the ratio is the
// median of the later pairs'. Each phase: BENCH_TXS writes on A, submitted at once and waited
// for. Target (issue 18): at least 0.45 on 2 cores.
import { MultiHost } from '../worker/host/multi-host';
import { MemoryStorage } from '../worker/store/memory';
import { bestVerifier } from '../worker/host/crypto';
import { nodeSigner, nodeTxSigner } from '../worker/host/node-signer';
import type { PeerHost } from '../worker/host/peer-host';

const txCount = Number(process.env.BENCH_TXS ?? 600);
const pairs = Number(process.env.BENCH_PAIRS ?? 4);

const multi = new MultiHost({
  host: {
    storage: new MemoryStorage(),
    storageKind: 'memory',
    verifier: await bestVerifier(),
    voteSignerFor: nodeSigner, // consensus signatures as the Node peer makes them (server/peer/peer.ts)
    signerFor: nodeTxSigner, // and its transactions' signatures
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: (e) => {
      if (e.type === 'log' && e.entry.level !== 'info')
        console.log(e.chain?.slice(0, 6), e.entry.message);
    },
    tickIntervalMs: 50,
    contractRuntime: null,
  },
  openChain: async () => ({ storage: new MemoryStorage() }),
});
await multi.ready();
const solo = (name: string) => ({ name, mode: 'private' as const, consensus: 'solo' as const });
const a = multi.chainHost((await multi.createChain(solo('bench A'))).chainId);
const b = multi.chainHost((await multi.createChain(solo('bench B'))).chainId);

let seq = 0;
async function writes(host: PeerHost, count: number): Promise<void> {
  const sent = await Promise.all(
    Array.from({ length: count }, () =>
      host.submit({ type: 'data.put', body: { key: `k/${seq % 5000}`, value: { seq: seq++ } } }),
    ),
  );
  const results = await Promise.all(
    sent.map(({ txId }) => host.waitFor(txId, { timeoutMs: 120_000 })),
  );
  const bad = results.filter((r) => r.status !== 'committed').length;
  if (bad > 0) throw new Error(`${bad} writes did not commit`);
}

/** Writes on A per second; with `busy`, B takes writes in waves the whole time. */
async function phase(busy: boolean): Promise<number> {
  let stop = false;
  const background = busy
    ? (async () => {
        while (!stop) await writes(b, 200);
      })()
    : Promise.resolve();
  const start = performance.now();
  await writes(a, txCount);
  const seconds = (performance.now() - start) / 1000;
  stop = true;
  await background;
  return txCount / seconds;
}

// The hosts' timers are unref'd (a peer never keeps Node alive by itself): hold the process open.
const keepAlive = setInterval(() => {}, 1_000);
const ratios: number[] = [];
for (let pair = 0; pair < pairs; pair++) {
  const alone = await phase(false);
  const busy = await phase(true);
  console.log(
    `pair ${pair}: chain A alone ${alone.toFixed(0)} tx/s, beside a busy chain B ${busy.toFixed(0)} tx/s, ratio ${(busy / alone).toFixed(2)}${pair === 0 ? ' (warm-up)' : ''}`,
  );
  if (pair > 0) ratios.push(busy / alone);
}
ratios.sort((x, y) => x - y);
const median = ratios[Math.floor(ratios.length / 2)]!;
console.log(
  `committed tx/s of chain A beside a busy chain B / alone: ${median.toFixed(2)} (median of ${ratios.length}; target >= 0.45)`,
);
clearInterval(keepAlive);
await multi.stop();
