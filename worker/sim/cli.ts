// Simulator entry point. `npm run sim` runs seeds of mixed sizes and faults; environment or
// flags pick one exactly: SEED=123 PEERS=7 ENGINE=bft BYZANTINE=2 FAULTS=1 npm run sim,
// or `npm run sim -- --seeds 10000` for the soak (`--quick 1`: the shorter set vitest runs).
// `--staking` runs the stake scenario of worker/sim/stake-plan.ts on each seed.
// `--jobs N` runs the seeds in N child processes (one per core), handed out in small batches
// so that slow seeds do not leave a job idle; the output is the same as with one job.
// `--host` runs the real-host simulator instead (host-sim.ts: PeerHost + Hub on virtual time):
// `npm run sim -- --host --seeds 2000` is its soak, `--host --seed 7 --peers 4 --engine bft
// --faults 1` replays one seed, `--scenario own-nonce-gap` a named scenario (host-scenarios.ts).
// `--validators 4 --links-max 4 --peers 40`: 4 of the peers validate, the others are members of
// the public chain, every peer keeps at most 4 links beside validator links (the overlay).
// `--signaling relay|broadcast`: how peers meet (host-sim.ts; broadcast when absent). One
// seed (`--seed N`) also prints the gossip hops, duplicates and bandwidth (host-net-stats.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { defaultOptions, runSeed, SimFailure, type SimOptions } from './sim';
import { mixedOptions, stakeOptions } from './mix';
import { hostMixed, runHostSeed, type HostSimOptions } from './host-sim';
import { runScenario } from './host-scenarios';
import { formatNetReport } from './host-net-stats';

const host = process.argv.includes('--host') || process.env.HOST === '1';

/** Seeds handed to a job at a time. */
const batchSeeds = 10;

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : process.env[name.toUpperCase()];
}

function single(seed: number): SimOptions {
  // --staking: the stake scenario (candidates bond, a validator unbonds, double-voters are slashed).
  const staking = process.argv.includes('--staking') || process.env.STAKING === '1';
  const base = (staking ? stakeOptions : mixedOptions)(seed, flag('quick') === '1');
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

interface Outcome {
  seed: number;
  /** The summary line of a passed seed, or the failure report. */
  text: string;
  failed: boolean;
}

function hostSingle(seed: number): HostSimOptions {
  const peers = flag('peers');
  const engine = flag('engine');
  const faults = flag('faults');
  const scenario = flag('scenario');
  const validators = flag('validators');
  const linksMax = flag('links-max');
  const signaling = flag('signaling');
  const partitionMs = flag('partition-ms');
  return hostMixed(seed, {
    ...(partitionMs ? { partitionAtMs: Number(partitionMs) } : {}),
    ...(signaling ? { signaling: signaling as HostSimOptions['signaling'] } : {}),
    ...(validators ? { validators: Number(validators) } : {}),
    ...(linksMax ? { linksMax: Number(linksMax) } : {}),
    ...(peers ? { peers: Number(peers) } : {}),
    ...(engine ? { engine: engine as HostSimOptions['engine'] } : {}),
    ...(faults ? { faults: faults === '1' } : {}),
    ...(scenario ? { scenario } : {}),
  });
}

async function runHostOne(seed: number): Promise<Outcome> {
  const options = hostSingle(seed);
  try {
    const s = options.scenario
      ? await runScenario(options.scenario, options)
      : await runHostSeed(options);
    const text = `host seed ${seed} n=${options.peers} ${options.engine} faults=${options.faults}: ${s.heights} heights, ${s.writesCommitted}+${s.writesFailedAsExpected} of ${s.writesAccepted} writes (${s.writesOfCrashedPeers} accepted by a peer that crashed before they were decided), ${s.crashes} crashes, ${s.partitions} partitions, ${s.storeFailures} write failures, ${s.timersFired} timers`;
    const net = flag('seed') !== undefined && s.net ? formatNetReport(s.net) : [];
    return { seed, text: [text, ...net.map((line) => `  ${line}`)].join('\n'), failed: false };
  } catch (error) {
    if (!(error instanceof SimFailure)) throw error;
    return { seed, text: `FAIL host seed ${seed}: ${error.message}`, failed: true };
  }
}

async function runOne(seed: number): Promise<Outcome> {
  if (host) return runHostOne(seed);
  const options = single(seed);
  try {
    const stats = runSeed(options);
    const text = `seed ${seed} n=${options.peers} ${options.engine} byz=${options.byzantine} faults=${options.faults}: ${stats.heightsDecided} heights, ${stats.txsCommitted}/${stats.txsSubmitted} txs, ${stats.messages} msgs, ${stats.restarts} restarts, ${stats.evidence} evidence`;
    return { seed, text, failed: false };
  } catch (error) {
    if (!(error instanceof SimFailure)) throw error;
    return { seed, text: `FAIL seed ${seed}: ${error.message}`, failed: true };
  }
}

/** Prints outcomes as they come, in the format of a single-process run. */
class Report {
  private readonly started = performance.now();
  done = 0;
  failures = 0;

  constructor(
    readonly count: number,
    readonly verbose: boolean,
  ) {}

  add(outcome: Outcome): void {
    this.done++;
    if (outcome.failed) {
      this.failures++;
      console.error(outcome.text);
    } else if (this.verbose || this.done % 100 === 0) {
      console.log(`${outcome.text} (${this.done}/${this.count}, ${this.elapsedS()}s)`);
    }
  }

  elapsedS(): string {
    return ((performance.now() - this.started) / 1000).toFixed(1);
  }

  finish(): void {
    console.log(`${this.count - this.failures}/${this.count} seeds passed in ${this.elapsedS()}s`);
    if (this.failures > 0) process.exitCode = 1;
  }
}

async function runHere(seeds: number[], report: Report): Promise<void> {
  for (const seed of seeds) report.add(await runOne(seed));
  report.finish();
}

/** The parent: forks `jobs` copies of this script and feeds them batches of seeds. */
function runInJobs(seeds: number[], jobs: number, report: Report): void {
  let next = 0;
  const feed = (child: ChildProcess): void => {
    if (next >= seeds.length) {
      child.send({ seeds: [] });
      return;
    }
    child.send({ seeds: seeds.slice(next, next + batchSeeds) });
    next += batchSeeds;
  };
  let running = jobs;
  for (let j = 0; j < jobs; j++) {
    const child = fork(process.argv[1]!, process.argv.slice(2), {
      execArgv: process.execArgv,
      env: { ...process.env, SIM_JOB: '1' },
    });
    child.on('message', (message: { outcomes?: Outcome[] }) => {
      for (const outcome of message.outcomes ?? []) report.add(outcome);
      feed(child);
    });
    child.on('exit', (code) => {
      if (code !== 0) {
        console.error(`a simulator job exited with code ${code}`);
        process.exitCode = 1;
      }
      if (--running === 0) report.finish();
    });
    feed(child);
  }
}

/** A child: runs the batches it is sent and answers with their outcomes; an empty batch ends it. */
function serveJobs(): void {
  process.on('message', async (message: { seeds: number[] }) => {
    if (message.seeds.length === 0) {
      process.disconnect();
      return;
    }
    const outcomes: Outcome[] = [];
    for (const seed of message.seeds) outcomes.push(await runOne(seed));
    process.send!({ outcomes });
  });
}

function main(): void {
  if (process.env.SIM_JOB === '1') return serveJobs();
  const seedText = flag('seed');
  const first = Number(flag('from') ?? 1);
  const count = seedText ? 1 : Number(flag('seeds') ?? 200);
  const seeds = seedText ? [Number(seedText)] : Array.from({ length: count }, (_, i) => first + i);
  const jobs = Math.max(1, Math.min(Number(flag('jobs') ?? 1), Math.ceil(count / batchSeeds)));
  const report = new Report(count, seedText !== undefined);
  if (jobs === 1) void runHere(seeds, report);
  else runInJobs(seeds, jobs, report);
}

main();
