// ITS on phones (`npm run bench:its`, issue 20): two of the three benchmarks, each a ratio
// in one run (the third, long tasks on the map page, is bench/its-map.ts).
//
// 1. Road update latency ÷ commit latency. Three peers (PeerHost, memory store, the best verifier)
//    on a memory network, a PoA consortium with ITS (the provider A is the validator, the trust
//    contract judges observations, 1 s windows): a vehicle V (a member, its trip key certified
//    by A) and a map M (a member that reads the road conditions as the Roads page does,
//    itsConditions). Each round: the baseline, a data.put submitted on V, timed until M has
//    committed it; then V's position crosses from one Main Street segment to the next
//    (itsReport), which seals the observation of the segment it left and hands it to the mesh,
//    timed until M's map shows that segment's condition updated (its height moves). Both waits
//    check at every block M commits and every 2 ms. Ratio: median update ÷ median commit (the
//    first round warms up). Target: at most 1.5. BENCH_ROUNDS (default 15).
//
// 2. Light peer storage after 100,000 blocks of a busy ITS chain ÷
//    the full peer's. One full peer on the real Node store (LevelStorage, LevelDB in a temporary
//    directory, on tmpfs), a solo consortium chain with ITS and the trust contract; BENCH_VEHICLES (default
//    60) certified trip keys drive around Demo town, each sealing one observation per segment
//    (every 30 s of chain time) signed by its trip key with its certificate, as a phone does;
//    the provider settles the ended windows every minute (the rewards are token transfers). The
//    chain's clock runs faster than real time: one block per simulated second, made as soon as
//    its observations are in (the only shortcut: the store, the ledger, the contract and the
//    light client are the real ones). A light peer (worker/host/light.ts LightFollower) follows
//    the chain through the full peer's light-client material and, at each checkpoint, reads one
//    segment's condition with its proof. Light bytes: its whole stored state (encoded). Full
//    bytes: the LevelDB directory on disk (blocks, state, indexes, light material), and, beside
//    it, the block bytes alone. Target: at most 0.05. BENCH_LIGHT_CHECKPOINTS (default 1000,
//    10000 and every 10,000 to 100,000; the last is the total).
//
// BENCH_PART=latency or storage runs one part.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerHost } from '../worker/host/peer-host';
import { MemoryStorage } from '../worker/store/memory';
import { LevelStorage } from '../worker/store/level';
import { MemoryNetwork } from '../worker/host/memory-net';
import { bestVerifier } from '../worker/host/crypto';
import { endpointLightSource, LightFollower, lightPeerStoredBytesMax } from '../worker/host/light';
import { trustGenesis } from '../worker/core/lightclient';
import { encodeTx, signTx } from '../worker/core/tx';
import { testIdentity } from '../worker/core/testing';
import {
  decodeCondition,
  demoTownNetwork,
  fromPlane,
  itsSegmentPrefix,
  itsTrustContractName,
  type TripCertificate,
} from '../worker/core/modules/its';
import type { PeerEvent } from '../worker/api';
import { certificatesOf, nextSegment, seeded, tripKeyRequest } from './its-roads';

const part = process.env.BENCH_PART ?? 'all';
// The hosts' timers do not hold the process: this one does, until the end.
const keepAlive = setInterval(() => {}, 1_000);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

async function latency(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const network = new MemoryNetwork();
  const verifier = await bestVerifier();
  const listeners = new Set<() => void>();
  /** The `its` events (segments a committed block touched) of the map peer M, as its page gets them. */
  const itsListeners = new Set<(segments: string[]) => void>();
  let mapHost: PeerHost | null = null;
  const peer = async () => {
    const host = new PeerHost({
      storage: new MemoryStorage(),
      storageKind: 'memory',
      verifier,
      now: () => Date.now(),
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      emit: (event: PeerEvent) => {
        if (event.type === 'block') for (const l of listeners) l();
        if (event.type === 'its' && host === mapHost)
          for (const l of itsListeners) l(event.segments);
      },
      tickIntervalMs: 20,
      net: network.connect(),
      inviteBase: 'http://localhost:8080/',
    });
    await host.ready();
    return { host, did: (await host.identity()).did };
  };
  /** Resolves when `done()` holds: checked at every committed block and every 2 ms. */
  const when = (done: () => Promise<boolean>) =>
    new Promise<void>((resolve) => {
      let checking = false;
      let finished = false;
      const check = async () => {
        if (checking || finished) return;
        checking = true;
        const ok = await done();
        checking = false;
        if (!ok) return;
        finished = true;
        listeners.delete(check);
        clearInterval(timer);
        resolve();
      };
      const timer = setInterval(() => void check(), 2);
      listeners.add(check);
      void check();
    });

  const [a, v, m] = [await peer(), await peer(), await peer()] as const;
  mapHost = m.host;
  await a.host.createChain({
    name: 'its bench',
    mode: 'consortium',
    consensus: 'poa',
    validators: [a.did],
    timeoutMs: 200,
    tokens: { symbol: 'BOT', allocations: [{ did: a.did, amount: 1_000_000 }] },
    its: {
      providers: [a.did],
      windowMs: 1_000,
      reward: 1,
      corroborationMin: 2,
      contract: itsTrustContractName,
    },
  } as never);
  await v.host.join(await a.host.invite());
  await m.host.join(await a.host.invite());
  await when(async () => {
    const { members } = await a.host.governance();
    return members.includes(v.did) && members.includes(m.did);
  });
  for (const p of [a, v, m])
    await when(async () => (await p.host.contracts()).some((c) => c.name === itsTrustContractName));
  const { request } = await v.host.itsTripKeys(1);
  await v.host.itsAddCertificates((await a.host.itsCertify(request, 'car')).certificates);
  await v.host.itsStartTrip();
  console.error('chain, vehicle and map ready');

  // Main Street: h20 from x 0 to 300 m, h21 from 300 to 600 m, at y 600 m.
  const positions = [
    { segment: 'h20', ...fromPlane(demoTownNetwork, 250, 600) },
    { segment: 'h21', ...fromPlane(demoTownNetwork, 350, 600) },
  ];
  await v.host.itsReport({ lat: positions[0]!.lat, lon: positions[0]!.lon, speedKmh: 36 });
  // What the Roads page reads after an `its` event: the segments it names only.
  const heightOnMap = async (segment: string) =>
    (await m.host.itsConditions(null, [segment])).conditions[0]?.height ?? -1;
  const commitMs: number[] = [];
  const updateMs: number[] = [];
  const updateBlocks: number[] = [];
  const reportMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    const put = await v.host.submit({ type: 'data.put', body: { key: `bench/${i}`, value: i } });
    await when(
      async () =>
        (await m.host.waitFor(put.txId, { timeoutMs: 0 }).catch(() => ({ status: 'pending' })))
          .status === 'committed',
    );
    commitMs.push(performance.now() - t0);

    const left = positions[i % 2]!;
    const next = positions[(i + 1) % 2]!;
    const before = await heightOnMap(left.segment);
    const heightBefore = (await m.host.status()).height;
    t0 = performance.now();
    await v.host.itsReport({ lat: next.lat, lon: next.lon, speedKmh: 36 });
    reportMs.push(performance.now() - t0);
    // The map reads the segment when an `its` event of M names it (as the Roads page does).
    await new Promise<void>((resolve) => {
      let reading = false;
      const check = async (segments: string[]) => {
        if (reading || !segments.includes(left.segment)) return;
        reading = true;
        const updated = (await heightOnMap(left.segment)) > before;
        reading = false;
        if (!updated) return;
        itsListeners.delete(check);
        resolve();
      };
      itsListeners.add(check);
      void check([left.segment]); // already committed before the listener was added?
    });
    updateMs.push(performance.now() - t0);
    updateBlocks.push((await heightOnMap(left.segment)) - heightBefore);
  }
  const drive = await v.host.itsDrive();
  const commit = median(commitMs.slice(1));
  const update = median(updateMs.slice(1));
  console.log(
    JSON.stringify(
      {
        benchmark: 'observation on one phone -> its segment updated on another phone’s map',
        rounds,
        commitMsMedian: +commit.toFixed(1),
        commitMsP90: +quantile(commitMs.slice(1), 0.9).toFixed(1),
        updateMsMedian: +update.toFixed(1),
        reportCallMsMedian: +median(reportMs.slice(1)).toFixed(1),
        updateMsP90: +quantile(updateMs.slice(1), 0.9).toFixed(1),
        blocksToUpdateMedian: median(updateBlocks.slice(1)),
        observationsSent: drive.sent,
        verdicts: drive.recent.map((r) => r.status).join(','),
        ratio: +(update / commit).toFixed(2),
        target: 'at most 1.5',
      },
      null,
      2,
    ),
  );
  for (const p of [a, v, m]) await p.host.stop();
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    total += s.isDirectory() ? directoryBytes(path) : s.size;
  }
  return total;
}

async function storage(): Promise<void> {
  const checkpoints = (
    process.env.BENCH_LIGHT_CHECKPOINTS ??
    '1000,10000,20000,30000,40000,50000,60000,70000,80000,90000,100000'
  )
    .split(',')
    .map(Number);
  const vehicleCount = Number(process.env.BENCH_VEHICLES ?? 60);
  // LevelDB syncs its log at every block: on tmpfs (BENCH_DIR, default /dev/shm where there is
  // one) the sync costs nothing, so the chain runs at the speed of its CPU work.
  const base = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const dir = mkdtempSync(join(base, 'bot-bench-its-'));
  const store = await LevelStorage.open(dir);
  // Chain time: one simulated second per block, from a whole minute.
  let now = Math.floor(Date.now() / 60_000) * 60_000;
  const host = new PeerHost({
    storage: store,
    storageKind: 'disk',
    verifier: await bestVerifier(),
    now: () => now,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: () => {},
    tickIntervalMs: 1,
  });
  await host.ready();
  const self = (await host.identity()).did;
  await host.createChain({
    name: 'its storage bench',
    mode: 'consortium',
    consensus: 'solo',
    tokens: { symbol: 'BOT', allocations: [{ did: self, amount: 1_000_000_000 }] },
    its: {
      providers: [self],
      windowMs: 60_000,
      reward: 1,
      corroborationMin: 2,
      contract: itsTrustContractName,
    },
  } as never);
  const end = await host.xchainEndpoint();
  const chainId = end.durable().chainId;
  while (!(await host.contracts()).some((c) => c.name === itsTrustContractName)) {
    now += 1_000;
    await new Promise((r) => setTimeout(r, 20));
  }
  const light = new LightFollower(trustGenesis(end.durable().genesis), endpointLightSource(end));

  // The vehicles: trip keys certified by the provider (itsCertify, 32 per request).
  const trips = Array.from({ length: vehicleCount }, (_, i) => testIdentity(`its bench trip ${i}`));
  const certs = new Map<string, TripCertificate>();
  for (let i = 0; i < trips.length; i += 32) {
    const request = tripKeyRequest(trips.slice(i, i + 32).map((t) => t.did));
    const { certificates } = await host.itsCertify(request, `fleet ${i / 32}`);
    for (const cert of certificatesOf(certificates)) certs.set(cert.trip, cert);
  }
  // Each vehicle drives from segment to adjacent segment, one segment per 30 s of chain time.
  const segments = demoTownNetwork.segments;
  const vehicles = trips.map((trip, i) => ({
    trip,
    cert: certs.get(trip.did)!,
    nonce: 0,
    segment: segments[i % segments.length]!,
    // spread over the 30 s so that each block carries about vehicleCount / 30 observations
    due: now + (i % 30) * 1_000,
  }));
  const random = seeded();

  console.log(
    `| blocks | observations | light bytes | full store bytes (LevelDB dir) | full block bytes | light ÷ full store | light ÷ full blocks | wall s |`,
  );
  console.log(
    `| ------ | ------------ | ----------- | ------------------------------ | ---------------- | ------------------ | ------------------- | ------ |`,
  );
  const started = performance.now();
  let observations = 0;
  let blockBytes = 0;
  let counted = 0;
  for (const target of checkpoints) {
    while (end.durable().height < target) {
      now += 1_000;
      const raws: Uint8Array[] = [];
      for (const vehicle of vehicles) {
        if (vehicle.due > now) continue;
        vehicle.due += 30_000;
        const speedKmh = 20 + Math.floor(random() * 25);
        const limit = vehicle.segment.limitKmh;
        vehicle.nonce += 1;
        const tx = signTx(
          {
            chain: chainId,
            type: 'its.observe',
            from: vehicle.trip.did,
            nonce: vehicle.nonce,
            time: now,
            body: {
              cert: vehicle.cert,
              segment: vehicle.segment.id,
              speedKmh,
              congestion: speedKmh / limit >= 0.6 ? 0 : 1,
              humidityPct: 40 + Math.floor(random() * 40),
            },
          },
          vehicle.trip.seed,
        );
        raws.push(encodeTx(tx));
        vehicle.segment = nextSegment(vehicle.segment, random());
      }
      const height = end.durable().height;
      let last: string | null = null;
      for (const raw of raws) last = (await host.submitRaw(raw)).txId;
      if (now % 60_000 === 5_000) {
        const { settled } = await host.itsSettle();
        last = settled.at(-1)?.txId ?? last;
      }
      observations += raws.length;
      if (last) await host.waitFor(last, { timeoutMs: 60_000 });
      else await host.submit({ type: 'data.put', body: { key: 'tick', value: now } });
      while (end.durable().height === height) await new Promise((r) => setTimeout(r, 1));
      // the light peer keeps up (the full peer serves recent header updates)
      if (end.durable().height - light.height >= 64) await light.follow();
    }
    while (light.height < end.durable().height) {
      const before = light.height;
      await light.follow();
      if (light.height === before) break;
    }
    for (; counted < end.durable().height; counted++)
      blockBytes += (await store.getBlock(chainId, counted + 1))!.length;
    // One proven read of a segment's condition, as the light phone's map does.
    const read = await light.getState(itsSegmentPrefix + 'h20');
    const condition = read ? decodeCondition(read.entry) : null;
    const lightBytes = light.storedBytes();
    const fullBytes = directoryBytes(dir);
    console.log(
      `| ${light.height} | ${observations} | ${lightBytes} | ${fullBytes} | ${blockBytes} | ${(lightBytes / fullBytes).toFixed(5)} | ${(lightBytes / blockBytes).toFixed(5)} | ${((performance.now() - started) / 1000).toFixed(0)} |`,
    );
    if (!condition) console.log('  (the light peer read no condition of h20)');
  }
  const drive = await host.itsConditions();
  console.log(
    `lightPeerStoredBytesMax = ${lightPeerStoredBytesMax}; segments with a condition: ${drive.conditions.length}; provider's trust record: ${JSON.stringify(drive.providers.map((p) => ({ ok: p.ok, bad: p.bad })))}; target light ÷ full at most 0.05`,
  );
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
}

if (part === 'all' || part === 'latency') await latency();
if (part === 'all' || part === 'storage') await storage();
clearInterval(keepAlive);
process.exit(0);
