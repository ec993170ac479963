// Consensus cost in the deterministic simulator (`npm run bench:sim`): per engine and cluster
// size, with no faults and with f of n = 3f+1 validators silent (crashed or Byzantine-silent):
// messages and bytes per committed block, decision latency from the first proposal of a height
// to its first commit (ms, and in mean one-way message delays), and blocks per second of
// simulated time. The network delays each message uniformly in [delayMinMs, delayMaxMs], with
// no loss, so the numbers compare engines rather than networks. Options: --sizes 4,7 --ms 3000;
// --fixed 20 delays every message by exactly 20 ms instead, so "p50 delays" counts message delays
// in the textbook sense (communication steps under synchrony), without the quorum-order effect
// that a spread of delays adds at large n. First it prints the overlay at 1,000 peers (issue 19,
// bench/overlay.ts); --overlay prints only that. --host runs the real host instead (bench/sim-host.ts:
// `npm run bench:sim -- --host --peers 200 --validators 50`).
import { defaultOptions, Simulation, type SimOptions } from '../worker/sim/sim';
import { printOverlay } from './overlay';
import { runHostBench } from './sim-host';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const sizes = (flag('sizes') ?? '4,7,16,64,100').split(',').map(Number);
const engines: Array<SimOptions['engine']> = ['poa', 'bft'];
const simulatedMs = Number(flag('ms') ?? 3000);
const fixedDelayMs = flag('fixed') === undefined ? undefined : Number(flag('fixed'));
const delayMinMs = fixedDelayMs ?? 5;
const delayMaxMs = fixedDelayMs ?? 35;

interface Row {
  engine: string;
  n: number;
  faulty: number;
  blocks: number;
  'msgs/block': number;
  'KiB/block': number;
  'vote KiB/block': number;
  'x cert bound': number;
  'votes x bound': number;
  'p50 ms': number;
  'p95 ms': number;
  'p50 delays': number;
  'blocks/s': number;
  'wall s': number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The least a decision can cost on the wire: each of the other n-1 peers learns it from a
 * certificate of a quorum (more than 2/3 of n) of signatures, each a 64-byte signature plus the
 * signer's did (56 characters) and about 4 bytes of CBOR framing.
 */
function certificateBoundBytes(n: number): number {
  const quorum = Math.floor((2 * n) / 3) + 1;
  return (n - 1) * quorum * (64 + 56 + 4);
}

function measure(engine: SimOptions['engine'], n: number, faulty: number): Row {
  const options = defaultOptions(1, {
    peers: n,
    engine,
    byzantine: faulty,
    strategies: ['silent'],
    faults: false,
    dropRate: 0,
    duplicateRate: 0,
    lossAfterHeal: 0,
    durationMs: simulatedMs,
    liveBoundMs: simulatedMs * 10,
    clients: 8,
    txGapMs: 20,
    delayMinMs,
    delayMaxMs,
    timeoutMs: 200,
  });
  const started = performance.now();
  const sim = new Simulation(options);
  const stats = sim.run();
  const blocks = Math.max(1, stats.heightsDecided);
  const meanDelayMs = (options.delayMinMs + options.delayMaxMs) / 2;
  const p50 = percentile(stats.decideLatencyMs, 50);
  const voteBytes = (stats.bytesByType.prevote ?? 0) + (stats.bytesByType.precommit ?? 0);
  const bound = certificateBoundBytes(n);
  const kib = (bytes: number) => Math.round((bytes / blocks / 1024) * 10) / 10;
  return {
    engine,
    n,
    faulty,
    blocks: stats.heightsDecided,
    'msgs/block': Math.round(stats.messages / blocks),
    'KiB/block': kib(stats.bytes),
    'vote KiB/block': kib(voteBytes),
    'x cert bound': Math.round((stats.bytes / blocks / bound) * 10) / 10,
    'votes x bound': Math.round((voteBytes / blocks / bound) * 10) / 10,
    'p50 ms': p50,
    'p95 ms': percentile(stats.decideLatencyMs, 95),
    'p50 delays': Math.round((p50 / meanDelayMs) * 10) / 10,
    'blocks/s': Math.round((stats.heightsDecided / (simulatedMs / 1000)) * 10) / 10,
    'wall s': Math.round((performance.now() - started) / 100) / 10,
  };
}

if (process.argv.includes('--host')) {
  await runHostBench(flag);
  process.exit();
}
printOverlay();
const rows: Row[] = [];
for (const engine of process.argv.includes('--overlay') ? [] : engines) {
  for (const n of sizes) {
    for (const faulty of [0, Math.floor((n - 1) / 3)]) {
      const row = measure(engine, n, faulty);
      rows.push(row);
      console.error(`${engine} n=${n} f=${faulty}: ${row.blocks} blocks in ${row['wall s']}s`);
    }
  }
}
if (rows.length > 0) console.table(rows);
