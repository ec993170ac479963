// The peer pipeline of `npm run bench` in Node with the memory store, for CPU profiles of the
// core and host without IndexedDB: `BENCH_TXS=10000 npx tsx bench/peer-node.ts`. With
// BENCH_PROFILE=path.cpuprofile it writes a V8 CPU profile of the measured part only (submit
// to last commit). Node's WebCrypto runs Ed25519 on the calling thread, so its verify share
// is not comparable with Chromium's; use this run for everything else.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { MemoryStorage } from '../worker/store/memory';
import { bestVerifier } from '../worker/host/crypto';
import { throughput, verifyRates } from './peer-pipeline';

const txCount = Number(process.env.BENCH_TXS ?? 10_000);
const profilePath = process.env.BENCH_PROFILE;
const session = new Session();
const window = profilePath
  ? {
      async start() {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
      },
      async end() {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profilePath, JSON.stringify(profile));
        session.disconnect();
      },
    }
  : undefined;
const verify = await verifyRates();
const { run } = await throughput(
  async () => new MemoryStorage(),
  'memory',
  await bestVerifier(),
  txCount,
  (text) => console.log(text),
  window,
);
console.log(
  JSON.stringify(
    { verify, run, ratioTxToWebCryptoVerify: run.txPerSecond / verify.webcrypto },
    null,
    2,
  ),
);
process.exit(0);
