// The real host at scale (issue 19), `npm run bench:sim -- --host`: one seed of the real-host
// simulator (worker/sim/host-sim.ts: real PeerHost + Hub instances on virtual time over the
// memory network) with churn (crashes and restarts, storage faults) and a partition until the
// heal, then the gossip figures after the heal (worker/sim/host-net-stats.ts): hops to reach
// 99 % of the peers up, duplicates per message, bytes per peer per second; and whether
// agreement, validity, durability and liveness held (the simulator's checkers; a failure prints
// its replay command). Options: --peers 200 --validators 50 --links-max 8 --seed 1 --faults 1
// --heal-ms 3000 --signaling broadcast|relay --partition-ms 1500 (two halves from then to the
// heal, besides the seed's own faults). The run's CPU, peak RSS and wall are printed too.
import { cpuUsage, memoryUsage } from 'node:process';
import { hostMixed, runHostSeed, type HostSimOptions } from '../worker/sim/host-sim';
import { formatNetReport } from '../worker/sim/host-net-stats';
import { SimFailure } from '../worker/sim/sim';

export async function runHostBench(flag: (name: string) => string | undefined): Promise<void> {
  const peers = Number(flag('peers') ?? 200);
  const options = hostMixed(Number(flag('seed') ?? 1), {
    peers,
    validators: Number(flag('validators') ?? Math.min(50, peers)),
    linksMax: Number(flag('links-max') ?? 8),
    engine: 'bft',
    faults: (flag('faults') ?? '1') === '1',
    healAtMs: Number(flag('heal-ms') ?? 3000),
    ...(flag('signaling') ? { signaling: flag('signaling') as HostSimOptions['signaling'] } : {}),
    ...(flag('partition-ms') ? { partitionAtMs: Number(flag('partition-ms')) } : {}),
  });
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, memoryUsage.rss());
  }, 500);
  const started = performance.now();
  const cpu = cpuUsage();
  console.log(
    `real host: ${options.peers} peers, ${options.validators} validators (bft), linksMax ${options.linksMax}, faults ${options.faults ? `until ${options.healAtMs} ms` : 'none'}, seed ${options.seed}`,
  );
  try {
    const s = await runHostSeed(options);
    console.log(
      `agreement, validity, durability, liveness: held. ${s.heights} heights, ${s.writesCommitted}+${s.writesFailedAsExpected} of ${s.writesAccepted} writes decided as they must, ${s.crashes} crashes with restarts, ${s.partitions} partitions, ${s.storeFailures} write failures, ${(s.endMs / 1000).toFixed(1)} s virtual, ${s.timersFired} timers`,
    );
    if (s.net) for (const line of formatNetReport(s.net)) console.log(line);
  } catch (error) {
    if (!(error instanceof SimFailure)) throw error;
    console.log(`FAILED: ${error.message}`);
    process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    rssMax = Math.max(rssMax, memoryUsage.rss());
    const used = cpuUsage(cpu);
    console.log(
      `cost: ${((used.user + used.system) / 1e6).toFixed(1)} s CPU, ${((performance.now() - started) / 1000).toFixed(1)} s wall, peak RSS ${(rssMax / 2 ** 20).toFixed(0)} MB (sampled)`,
    );
  }
}
