// Simulator entry point. `npm run sim` runs seeds of mixed sizes and faults; environment or
// flags pick one exactly: SEED=123 PEERS=7 ENGINE=bft BYZANTINE=2 FAULTS=1 npm run sim,
// or `npm run sim -- --seeds 10000` for the soak (`--quick 1`: the shorter set vitest runs).
import { defaultOptions, runSeed, SimFailure, type SimOptions } from './sim';
import { mixedOptions } from './mix';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : process.env[name.toUpperCase()];
}

function single(seed: number): SimOptions {
  const base = mixedOptions(seed, flag('quick') === '1');
  const peers = flag('peers') ?? process.env.PEERS;
  const engine = flag('engine') ?? process.env.ENGINE;
  const byzantine = flag('byzantine') ?? process.env.BYZANTINE;
  const faults = flag('faults') ?? process.env.FAULTS;
  return defaultOptions(seed, {
    ...base,
    ...(peers ? { peers: Number(peers) } : {}),
    ...(engine ? { engine: engine as SimOptions['engine'] } : {}),
    ...(byzantine ? { byzantine: Number(byzantine) } : {}),
    ...(faults ? { faults: faults === '1' } : {}),
  });
}

function main(): void {
  const seedText = flag('seed');
  const first = Number(flag('from') ?? 1);
  const count = seedText ? 1 : Number(flag('seeds') ?? 200);
  const started = performance.now();
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const seed = seedText ? Number(seedText) : first + i;
    const options = single(seed);
    try {
      const stats = runSeed(options);
      if (seedText || (i + 1) % 100 === 0) {
        console.log(`seed ${seed} n=${options.peers} ${options.engine} byz=${options.byzantine} faults=${options.faults}: ${stats.heightsDecided} heights, ${stats.txsCommitted}/${stats.txsSubmitted} txs, ${stats.messages} msgs, ${stats.restarts} restarts, ${stats.evidence} evidence (${i + 1}/${count}, ${((performance.now() - started) / 1000).toFixed(1)}s)`);
      }
    } catch (error) {
      if (!(error instanceof SimFailure)) throw error;
      failures++;
      console.error(`FAIL seed ${seed}: ${error.message}`);
      if (seedText) process.exitCode = 1;
    }
  }
  console.log(`${count - failures}/${count} seeds passed in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  if (failures > 0) process.exitCode = 1;
}

main();
