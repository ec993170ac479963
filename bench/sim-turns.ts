// Before/after for the simulated clock's event-loop turns (worker/sim/sim-clock.ts): one
// real-host seed run with a turn of the event loop after every timer (the old way) and after
// every thousand (now), alternating, in one process. Prints user+system CPU and wall of each.
// `npx tsx bench/sim-turns.ts --peers 48 --rounds 2`
import { cpuUsage } from 'node:process';
import { hostMixed, runHostSeed } from '../worker/sim/host-sim';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const peers = Number(flag('peers') ?? 48);
const rounds = Number(flag('rounds') ?? 2);
for (let round = 0; round < rounds; round++) {
  for (const timersPerTurn of round % 2 === 0 ? [1, 1000] : [1000, 1]) {
    const cpu = cpuUsage();
    const started = performance.now();
    const stats = await runHostSeed(
      hostMixed(1, {
        peers,
        validators: 16,
        linksMax: 8,
        engine: 'bft',
        faults: false,
        timersPerTurn,
      }),
    );
    const used = cpuUsage(cpu);
    console.log(
      `timersPerTurn ${timersPerTurn}: ${((used.user + used.system) / 1e6).toFixed(1)} s CPU, ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${stats.heights} heights, ${stats.timersFired} timers`,
    );
  }
}
