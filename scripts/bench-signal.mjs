// npm run bench:signal: signaling messages per second through one relay (no Redis) and
// through two relay processes sharing rooms on a real redis-server, clients spread over both.
// Each room holds a pair of clients bouncing addressed messages with `window` in flight each;
// the figure is messages delivered per second over `seconds`. The relays run with a raised
// per-socket budget (--messages-per-second) so the relay, not its rate limit, is measured.
//
// The load generator is this one Node process: on a 2-core machine it competes with the
// relays and redis-server for the cores, which caps what two relays can show in messages per
// second. So the bench also reads each relay's (and redis-server's) CPU time over the window
// (/proc/<pid>/stat) and prints messages per CPU-second of the relays: what one core buys.
// "Capacity" is that figure times the number of relays (each given a core of its own); its
// ratio two ÷ one is what the relays would scale to on a machine with a core per relay, and the
// wall-clock ratio is what this machine shows.
//
// Two placements: `same` (both clients of a pair on one relay: addressed messages stay local,
// issue 19's usual case, rooms spread over relays) and `split` (the two clients of every pair on
// different relays: every message crosses redis-server, the worst case).
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startRedis, startRelay } from './relay-cluster.mjs';

const pairs = Number(process.env.PAIRS ?? 32);
const window = Number(process.env.WINDOW ?? 16);
const seconds = Number(process.env.SECONDS ?? 5);
const rate = 1_000_000;
const ticksPerSecond = 100; // Linux USER_HZ (getconf CLK_TCK)

/** CPU seconds (user + system) a process has used so far; 0 where /proc is not readable. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
  } catch {
    return 0;
  }
}

function open(url, room, did) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?room=${room}&did=${did}`, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function run(relays, placement, redisPid) {
  const sockets = [];
  let delivered = 0;
  let counting = false;
  for (let i = 0; i < pairs; i++) {
    const urlA = relays[i % relays.length].url;
    const urlB = relays[(i + (placement === 'split' ? 1 : 0)) % relays.length].url;
    const room = `bench-${i}`;
    const [a, b] = await Promise.all([open(urlA, room, `p${i}a`), open(urlB, room, `p${i}b`)]);
    const toA = JSON.stringify({ to: `p${i}a`, kind: 'signal', pad: 'x'.repeat(200) });
    const toB = JSON.stringify({ to: `p${i}b`, kind: 'signal', pad: 'x'.repeat(200) });
    a.on('message', () => {
      if (counting) delivered++;
      a.send(toB);
    });
    b.on('message', () => {
      if (counting) delivered++;
      b.send(toA);
    });
    sockets.push([a, b, toA, toB]);
  }
  await new Promise((r) => setTimeout(r, 300)); // subscriptions settle
  for (const [a, b, toA, toB] of sockets) {
    for (let k = 0; k < window; k++) {
      a.send(toB);
      b.send(toA);
    }
  }
  await new Promise((r) => setTimeout(r, 1_000)); // warm-up
  const pids = relays.map((relay) => relay.process.pid);
  const cpuBefore = pids.map(cpuSeconds);
  const redisBefore = redisPid ? cpuSeconds(redisPid) : 0;
  counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  counting = false;
  const relayCpu = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]).reduce((a, b) => a + b, 0);
  const redisCpu = redisPid ? cpuSeconds(redisPid) - redisBefore : 0;
  for (const [a, b] of sockets) {
    a.terminate();
    b.terminate();
  }
  const perSecond = delivered / seconds;
  const perRelayCpuSecond = relayCpu > 0 ? delivered / relayCpu : 0;
  return {
    perSecond,
    perRelayCpuSecond,
    capacity: perRelayCpuSecond * relays.length,
    relayCores: relayCpu / seconds,
    redisCores: redisCpu / seconds,
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const redis = await startRedis();
try {
  const single = await startRelay({ messagesPerSecond: rate });
  const one = await run([single], 'same');
  await single.stop();
  const results = {};
  for (const placement of ['same', 'split']) {
    const two = await Promise.all(
      [0, 1].map(() => startRelay({ redisUrl: redis.url, messagesPerSecond: rate })),
    );
    results[placement] = await run(two, placement, redis.process.pid);
    await Promise.all(two.map((relay) => relay.stop()));
  }
  console.log(`signal bench: ${pairs} pairs, ${window} in flight each, ${seconds} s`);
  console.log(
    `  one relay (no Redis):      ${fmt(one.perSecond)} messages/s; ` +
      `${fmt(one.perRelayCpuSecond)} per relay CPU-second (relay used ${one.relayCores.toFixed(2)} cores)`,
  );
  for (const [placement, r] of Object.entries(results)) {
    const label = placement === 'same' ? 'pairs on one relay' : 'pairs split over both';
    console.log(
      `  two relays on Redis, ${label}: ${fmt(r.perSecond)} messages/s ` +
        `(${(r.perSecond / one.perSecond).toFixed(2)}x one on this machine); ` +
        `${fmt(r.perRelayCpuSecond)} per relay CPU-second (relays ${r.relayCores.toFixed(2)} cores, ` +
        `redis ${r.redisCores.toFixed(2)}); capacity with a core per relay ` +
        `${(r.capacity / one.capacity).toFixed(2)}x one`,
    );
  }
} finally {
  await redis.stop();
}
