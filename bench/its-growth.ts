// The cost of one ITS block against the chain's length (`npm run bench:its-growth`, under the heavy lock; issue 20,
// the ITS chain slowing down as it grows). The pure core only (executeBlock: every module's apply
// and finish, the state trie), no host, no store, no network: what every peer pays per block.
//
// A busy Demo town chain: BENCH_VEHICLES (default 60) vehicles, each a trip key certified by the
// consortium's one provider, drive from segment to adjacent segment and observe one segment every
// 30 s of chain time (spread so that every block carries about vehicles / 30 observations); a
// vehicle starts a new trip (a new pseudonym with a new certificate) every BENCH_TRIP_MINUTES
// (default 20) of chain time; one block per second of chain time (BENCH_BLOCK_MS); at every minute the provider
// settles the windows that ended with two trips or more (the rewards are token transfers). The
// module's own plausibility rules judge (no trust contract: the contract's cost per observation
// does not depend on the chain's length and would hide what does).
//
// At each checkpoint (BENCH_GROWTH_CHECKPOINTS, default 1000,10000,50000 blocks) it prints the
// mean time of the last BENCH_GROWTH_SAMPLE (default 500) blocks: the whole block, and the ITS
// module's finish alone, with the ITS state's sizes then. The ratio is the checkpoint's time ÷ the
// first checkpoint's in the same run: 1 when a block costs what it touched, growing with the chain
// when it costs what the chain holds. The last column digests every block's state root so far:
// two versions of the core that keep the same consensus state print the same digest.
import { executeBlock, genesisState, type ChainState, type Genesis } from '../worker/core/ledger';
import { bftGenesis, testIdentity, type TestIdentity } from '../worker/core/testing';
import { signTx, type Tx } from '../worker/core/tx';
import { txRegistry } from '../worker/core/modules/registry';
import {
  demoTownNetwork,
  signTripCertificate,
  type ItsState,
  type RoadSegment,
  type TripCertificate,
} from '../worker/core/modules/its';
import { sha256 } from '../worker/core/crypto/hash';
import { concatBytes, toHex } from '../worker/core/bytes';
import { nextSegment, seeded } from './its-roads';

const checkpoints = (process.env.BENCH_GROWTH_CHECKPOINTS ?? '1000,10000,50000')
  .split(',')
  .map(Number);
const sample = Number(process.env.BENCH_GROWTH_SAMPLE ?? 500);
const vehicleCount = Number(process.env.BENCH_VEHICLES ?? 60);
const tripMs = Number(process.env.BENCH_TRIP_MINUTES ?? 20) * 60_000;
const windowMs = 60_000;
/** Chain time per block (ms): longer blocks reach itsWindowKeepMs (24 h), when windows are forgotten, sooner. */
const blockMs = Number(process.env.BENCH_BLOCK_MS ?? 1_000);

const provider = testIdentity('its growth provider');
const genesis: Genesis = {
  ...bftGenesis('its-growth', [provider], 'consortium'),
  tokens: { symbol: 'BOT', allocations: [{ did: provider.did, amount: 1_000_000_000 }] },
  its: { providers: [provider.did], windowMs, reward: 1, corroborationMin: 2 },
};

// The ITS module's finish, timed (the registry holds the module object: wrap its method).
const itsModule = txRegistry.modules.find((m) => m.name === 'its')!;
const finishUntimed = itsModule.finish.bind(itsModule);
let finishMs = 0;
(itsModule as { finish: typeof itsModule.finish }).finish = (overlay, end) => {
  const t = performance.now();
  const state = finishUntimed(overlay, end);
  finishMs += performance.now() - t;
  return state;
};

let state: ChainState = genesisState(genesis).state;
const chainId = state.chainId;
let now = genesis.time;
const random = seeded();
const nonces = new Map<string, number>();
const sign = (from: TestIdentity, type: string, body: unknown): Tx => {
  const nonce = (nonces.get(from.did) ?? 0) + 1;
  nonces.set(from.did, nonce);
  return signTx({ chain: chainId, type, from: from.did, nonce, time: now, body }, from.seed);
};

interface Vehicle {
  trip: TestIdentity;
  cert: TripCertificate | null;
  tripEnds: number;
  segment: RoadSegment;
  due: number;
  trips: number;
}
const segments = demoTownNetwork.segments;
const vehicles: Vehicle[] = Array.from({ length: vehicleCount }, (_, i) => ({
  trip: provider,
  cert: null,
  tripEnds: 0,
  segment: segments[i % segments.length]!,
  due: now + (i % 30) * 1_000,
  trips: 0,
}));
/** Windows not settled yet: "<segment>/<window>" -> trips counted. */
const open = new Map<string, { segment: string; window: number; trips: Set<string> }>();

function blockTxs(): Tx[] {
  const txs: Tx[] = [];
  for (const [index, vehicle] of vehicles.entries()) {
    if (vehicle.due > now) continue;
    vehicle.due += 30_000;
    if (vehicle.tripEnds <= now) {
      vehicle.trips += 1;
      vehicle.trip = testIdentity(`its growth vehicle ${index} trip ${vehicle.trips}`);
      vehicle.cert = signTripCertificate(
        chainId,
        provider.did,
        provider.seed,
        vehicle.trip.did,
        now + 2 * tripMs,
      );
      vehicle.tripEnds = now + tripMs;
    }
    // Close to one another: the vehicles agree, so settlement pays them rather than flagging them.
    const speedKmh = 28 + Math.floor(random() * 8);
    const first = nonces.get(vehicle.trip.did) === undefined;
    txs.push(
      sign(vehicle.trip, 'its.observe', {
        ...(first ? { cert: vehicle.cert } : {}),
        segment: vehicle.segment.id,
        speedKmh,
        congestion: speedKmh / vehicle.segment.limitKmh >= 0.6 ? 0 : 1,
        humidityPct: 40 + Math.floor(random() * 40),
      }),
    );
    const window = Math.floor(now / windowMs);
    const key = `${vehicle.segment.id}/${window}`;
    const win = open.get(key) ?? { segment: vehicle.segment.id, window, trips: new Set() };
    win.trips.add(vehicle.trip.did);
    open.set(key, win);
    vehicle.segment = nextSegment(vehicle.segment, random());
  }
  // At the first block of each minute.
  if (Math.floor(now / 60_000) !== Math.floor((now - blockMs) / 60_000))
    for (const [key, win] of open) {
      if ((win.window + 1) * windowMs > now) continue;
      open.delete(key);
      if (win.trips.size >= 2)
        txs.push(sign(provider, 'its.settle', { segment: win.segment, window: win.window }));
    }
  return txs;
}

console.log(
  `its-growth: ${vehicleCount} vehicles, a new trip every ${tripMs / 60_000} min, ${blockMs} ms of chain time per block, mean of the last ${sample} blocks at each checkpoint`,
);
console.log(
  '| block | ms per block | ITS finish ms per block | block ÷ first | finish ÷ first | windows in memory | trips in memory | failed txs | state roots digest |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
let first: { block: number; finish: number } | null = null;
let failed = 0;
/** A digest of every block's state root so far: equal in two runs when every block's state is. */
let roots: Uint8Array = new Uint8Array(32);
const started = performance.now();
for (const checkpoint of checkpoints) {
  let measuredMs = 0;
  finishMs = 0;
  while (state.height < checkpoint) {
    now += blockMs;
    const txs = blockTxs();
    const measured = state.height >= checkpoint - sample;
    if (measured && measuredMs === 0) finishMs = 0;
    const t = performance.now();
    const done = executeBlock(state, txs, { time: now, proposer: provider.did, round: 0 }, false);
    if (measured) measuredMs += performance.now() - t;
    failed += done.failed.length + done.rejected.length;
    state = done.state;
    roots = sha256(concatBytes(roots, done.block.header.stateRoot));
  }
  const perBlock = measuredMs / sample;
  const finishPerBlock = finishMs / sample;
  first ??= { block: perBlock, finish: finishPerBlock };
  const its = state.its as ItsState;
  console.log(
    `| ${checkpoint} | ${perBlock.toFixed(3)} | ${finishPerBlock.toFixed(3)} | ${(perBlock / first.block).toFixed(2)} | ${(finishPerBlock / first.finish).toFixed(2)} | ${its.windows.size} | ${its.trips.size} | ${failed} | ${toHex(roots).slice(0, 16)} |`,
  );
}
console.log(`wall ${((performance.now() - started) / 1000).toFixed(0)} s`);
