// npm run bench:signal: signaling messages per second through one relay (no Redis) and
// through two relay processes sharing rooms on a real redis-server, clients spread over both.
// Each room holds a pair of clients bouncing addressed messages with `window` in flight each;
// the figure is messages delivered per second over `seconds`. The relays run with a raised
// per-socket budget (--messages-per-second) so the relay, not its rate limit, is measured.
// The load generator is this one Node process: on a 2-core machine it competes with the
// relays and redis-server for the cores, which caps what two relays can show.
import WebSocket from 'ws';
import { startRedis, startRelay } from './relay-cluster.mjs';

const pairs = Number(process.env.PAIRS ?? 32);
const window = Number(process.env.WINDOW ?? 16);
const seconds = Number(process.env.SECONDS ?? 5);
const rate = 1_000_000;

function open(url, room, did) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?room=${room}&did=${did}`, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function run(relays) {
  const sockets = [];
  let delivered = 0;
  let counting = false;
  for (let i = 0; i < pairs; i++) {
    const url = relays[i % relays.length].url;
    const room = `bench-${i}`;
    const [a, b] = await Promise.all([open(url, room, `p${i}a`), open(url, room, `p${i}b`)]);
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
  counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  counting = false;
  for (const [a, b] of sockets) {
    a.terminate();
    b.terminate();
  }
  return delivered / seconds;
}

const redis = await startRedis();
try {
  const single = await startRelay({ messagesPerSecond: rate });
  const one = await run([single]);
  await single.stop();
  const two = await Promise.all(
    [0, 1].map(() => startRelay({ redisUrl: redis.url, messagesPerSecond: rate })),
  );
  const both = await run(two);
  await Promise.all(two.map((relay) => relay.stop()));
  console.log(`signal bench: ${pairs} pairs, ${window} in flight each, ${seconds} s`);
  console.log(`  one relay (no Redis):    ${Math.round(one)} messages/s`);
  console.log(
    `  two relays on Redis:     ${Math.round(both)} messages/s ` +
      `(${(both / one).toFixed(2)}x one)`,
  );
} finally {
  await redis.stop();
}
