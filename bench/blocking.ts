// Blocking latency of a hijacked device (`npm run bench:blocking`, issue 17, Y.4464 II.2): the
// time from the submission of the report that reaches the threshold (devices.blockThreshold,
// default 2 distinct gateways) to the moment every gateway refuses the device's traffic (its
// committed state holds the device blocked, which is what DevicesHost.guardTraffic reads),
// divided by the commit latency of a data.put on the same chain (from its submission to the
// moment every peer has committed it), in one run. Three gateways (PeerHost, memory store, the
// best verifier) on a memory network, a PoA chain with one validator (A). Rounds alternate a
// put and a block; each block uses a fresh device that gateway A reported first (below the
// threshold), and gateway B submits the threshold report. Target (issue 17): ratio at most 2.
import { PeerHost } from '../worker/host/peer-host';
import { MemoryStorage } from '../worker/store/memory';
import { MemoryNetwork } from '../worker/host/memory-net';
import { bestVerifier } from '../worker/host/crypto';
import type { PeerEvent } from '../worker/api';

const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
// The hosts' timers do not hold the process: this one does, until the end (else Node exits with
// code 13 while a top-level wait is pending).
const keepAlive = setInterval(() => {}, 1_000);
const network = new MemoryNetwork();
const verifier = await bestVerifier();
const listeners = new Set<() => void>();

async function gateway(): Promise<{ host: PeerHost; did: string }> {
  const host = new PeerHost({
    storage: new MemoryStorage(),
    storageKind: 'memory',
    verifier,
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: (event: PeerEvent) => {
      if (event.type === 'block') for (const l of listeners) l();
    },
    tickIntervalMs: 20,
    net: network.connect(),
    inviteBase: 'http://localhost:8080/',
  });
  await host.ready();
  return { host, did: (await host.identity()).did };
}

/**
 * Resolves when `done()` holds: checked at every committed block of any peer and every 2 ms (the
 * same for the baseline and the measure; the timer also keeps the process alive between blocks).
 */
function when(done: () => Promise<boolean>): Promise<void> {
  return new Promise((resolve) => {
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
}

const [a, b, c] = [await gateway(), await gateway(), await gateway()] as const;
console.error('gateways started');
await a.host.createChain({
  name: 'blocking bench',
  mode: 'consortium',
  consensus: 'poa',
  validators: [a.did],
  timeoutMs: 200,
});
await b.host.join(await a.host.invite());
await c.host.join(await a.host.invite());
await when(async () => {
  const { members } = await a.host.governance();
  return members.includes(b.did) && members.includes(c.did);
});
const all = [a, b, c];
console.error('chain joined');

// Gateways: A holds the devices; B registers one so that it is a gateway (only gateways report).
const devices: string[] = [];
for (let i = 0; i < rounds; i++) {
  const { did, txId } = await a.host.registerDevice({
    id: `cam-${i}`,
    kind: 'sensor',
    capabilities: ['t'],
  });
  await a.host.waitFor(txId, { timeoutMs: 30_000 });
  devices.push(did);
}
const meter = await b.host.registerDevice({ id: 'meter-b', kind: 'sensor', capabilities: ['t'] });
await b.host.waitFor(meter.txId, { timeoutMs: 30_000 });

console.error('devices registered');
const heightOf = async (p: (typeof all)[number]) => (await p.host.status()).height;
const committedEverywhere = (txId: string) =>
  when(async () => {
    for (const p of all)
      if (
        (await p.host.waitFor(txId, { timeoutMs: 0 }).catch(() => ({ status: 'pending' })))
          .status !== 'committed'
      )
        return false;
    return true;
  });

const commitMs: number[] = [];
const blockMs: number[] = [];
const blockBlocks: number[] = [];
for (let i = 0; i < rounds; i++) {
  // the baseline: one data.put, from B's submission until every peer committed it
  let t0 = performance.now();
  const put = await b.host.submit({ type: 'data.put', body: { key: `bench/${i}`, value: i } });
  await committedEverywhere(put.txId);
  commitMs.push(performance.now() - t0);

  // the first report (below the threshold), committed everywhere before the measure
  const device = devices[i]!;
  const first = await a.host.reportDevice(device, 'flood');
  await committedEverywhere(first.txId);

  // the threshold report: until every gateway refuses the device
  const before = await heightOf(b);
  t0 = performance.now();
  await b.host.reportDevice(device, 'port scan');
  await when(async () => {
    for (const p of all)
      if (
        !(await p.host.blockedDevices()).some(
          (d) => d.device === device && d.blockedHeight !== null,
        )
      )
        return false;
    return true;
  });
  blockMs.push(performance.now() - t0);
  const [view] = (await b.host.blockedDevices()).filter((d) => d.device === device);
  blockBlocks.push(view!.blockedHeight! - before);
  // every gateway refuses a reading of it now
  for (const p of all) {
    const refused = await p.host
      .deviceReading(device, { values: { t: 1 } })
      .then(() => false)
      .catch(
        (error: { code?: string }) => error.code === 'UNAUTHORIZED' || error.code === 'NOT_FOUND',
      );
    if (!refused) throw new Error(`a gateway took traffic of blocked device ${device}`);
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
// the first round warms up
const ratio = median(blockMs.slice(1)) / median(commitMs.slice(1));
console.log(
  JSON.stringify(
    {
      rounds,
      commitMsMedian: +median(commitMs.slice(1)).toFixed(1),
      blockMsMedian: +median(blockMs.slice(1)).toFixed(1),
      blocksFromReportToBlocked: median(blockBlocks.slice(1)),
      ratio: +ratio.toFixed(2),
      target: 'at most 2',
    },
    null,
    2,
  ),
);
for (const p of all) p.host.stop();
clearInterval(keepAlive);
process.exit(0);
