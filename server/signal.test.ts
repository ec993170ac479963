// Signaling relays (server/signal.mjs), issue 19: several relay processes share rooms through
// a real redis-server; a relay that dies loses only its sockets and the clients' other relay
// URLs carry on; a Redis outage degrades to single-relay behaviour with one log line; a client
// that sends garbage, floods or oversized messages is dropped with a logged reason while the
// others are served. The clients are the real ones (worker/net/signaling.ts and
// signal-router.ts) over `ws`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LinkTable } from '../worker/net/link';
import { SignalRouter } from '../worker/net/signal-router';
import {
  openRelay,
  type SignalEnvelope,
  type SignalingChannel,
  type WebSocketFactory,
} from '../worker/net/signaling';
import {
  startRedis,
  startRelay,
  type StartedRedis,
  type StartedRelay,
} from '../scripts/relay-cluster.mjs';
import * as signal from './signal.mjs';

const WS = WebSocket as unknown as WebSocketFactory;
const room = 'chain-relays';
const did = (name: string) => `did:key:z6Mk${name.padEnd(44, 'x')}`;
let nextId = 1;
const hexId = () => (nextId++).toString(16).padStart(16, '0');

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client of one relay URL: the real openRelay, with what it received. */
function client(url: string, name: string) {
  const got: string[] = [];
  const channel = openRelay(
    url,
    room,
    did(name),
    (text) => got.push(text),
    WS,
    () => {},
  );
  return { channel, got, did: did(name) };
}

const message = (from: string, to: string | undefined, tag: string) =>
  JSON.stringify({ from, ...(to ? { to } : {}), tag });

/** Send `tag` until it arrives (relay subscriptions are asynchronous), then return. */
async function sendUntilSeen(
  from: { channel: SignalingChannel; did: string },
  to: { got: string[]; did: string } | null,
  receiver: { got: string[] },
  tag: string,
) {
  const text = message(from.did, to?.did, tag);
  const end = Date.now() + 10_000;
  while (!receiver.got.some((t) => t.includes(`"${tag}"`))) {
    if (Date.now() > end) throw new Error(`${tag} never arrived`);
    from.channel.send(text);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('relays sharing rooms through a real redis-server', () => {
  let redis: StartedRedis;
  let a: StartedRelay;
  let b: StartedRelay;
  const channels: SignalingChannel[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const relay = () => startRelay({ redisUrl: redis.url });
    [a, b] = await Promise.all([relay(), relay()]);
    await a.waitForLog(/sharing rooms with other relays through Redis/);
    await b.waitForLog(/sharing rooms with other relays through Redis/);
  }, 30_000);

  afterEach(() => {
    for (const channel of channels.splice(0)) channel.close();
  });

  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL'), redis?.stop('SIGKILL')]);
  });

  it('peers on relay A and relay B meet: announces, addressed signals cross', async () => {
    const x = client(a.url, 'x');
    const y = client(b.url, 'y');
    const z = client(b.url, 'z');
    channels.push(x.channel, y.channel, z.channel);
    await until(() => [x, y, z].every((c) => c.channel.state() === 'open'), 'the clients to open');
    await sendUntilSeen(x, null, y, 'announce-from-a'); // open announce, A -> B
    await until(() => z.got.some((t) => t.includes('announce-from-a')), 'z to see it too');
    await sendUntilSeen(y, x, x, 'offer-b-to-a'); // addressed, B -> A
    await sendUntilSeen(x, z, z, 'answer-a-to-z');
    // Addressed messages reach their did alone.
    expect(y.got.some((t) => t.includes('answer-a-to-z'))).toBe(false);
    expect(z.got.some((t) => t.includes('offer-b-to-a'))).toBe(false);
    // A relay does not echo its own messages back through Redis.
    expect(x.got.some((t) => t.includes('announce-from-a'))).toBe(false);
  });

  it('an addressed message to a live socket on the same relay is not published to Redis', async () => {
    const { Redis } = await import('ioredis');
    const spy = new Redis(redis.url);
    const seen: string[] = [];
    try {
      await spy.subscribe('bot-signal:' + room);
      spy.on('message', (_channel: string, payload: string) => seen.push(payload));
      const p = client(a.url, 'p');
      const q = client(a.url, 'q');
      const far = client(b.url, 'far');
      channels.push(p.channel, q.channel, far.channel);
      await until(() => [p, q, far].every((c) => c.channel.state() === 'open'), 'the clients');
      // q has said something, so it is known live on A.
      q.channel.send(message(q.did, undefined, 'hello-from-q'));
      await sendUntilSeen(p, q, q, 'local-p-to-q');
      await sendUntilSeen(p, far, far, 'remote-p-to-far');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.some((t) => t.includes('local-p-to-q'))).toBe(false);
      expect(seen.some((t) => t.includes('remote-p-to-far'))).toBe(true);
      expect(seen.some((t) => t.includes('hello-from-q'))).toBe(true); // open announces go out
    } finally {
      spy.disconnect();
    }
  });

  it('relay A dies: a peer listing both relays signals on through B, once each', async () => {
    // The hub's router opens every listed relay at once and drops duplicate envelope ids.
    const delivered: SignalEnvelope[] = [];
    const links = { openLinks: () => [], neighbourLink: () => null } as unknown as LinkTable;
    const router = new SignalRouter(
      { WebSocket: WS, broadcastChannel: false, defaultRelay: null },
      {
        me: () => ({ did: did('r'), room }),
        links,
        send: () => false,
        log: () => {},
        deliver: (envelope) => delivered.push(envelope),
        onRelayOpen: () => {},
      },
    );
    router.open(room, did('r'), [a.url, b.url]);
    const y = client(b.url, 'y2');
    channels.push(y.channel);
    try {
      await until(() => router.relays().every((r) => r.state === 'open'), 'both relays to open');
      await until(() => y.channel.state() === 'open', 'y to open');
      const announce = (id: string) =>
        JSON.stringify({ v: 1, kind: 'announce', room, from: y.did, id, ttl: 0 });
      // Sent on B: reaches the router on B directly and on A through Redis; delivered once.
      const first = hexId();
      const end = Date.now() + 10_000;
      while (!delivered.some((e) => e.id === first) && Date.now() < end) {
        y.channel.send(announce(first));
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(delivered.filter((e) => e.id === first)).toHaveLength(1);

      await a.stop('SIGKILL');
      const stateOf = (url: string) => router.relays().find((r) => r.url === url)?.state;
      await until(() => stateOf(a.url) !== 'open', 'A to close');
      expect(stateOf(b.url)).toBe('open');
      const second = hexId();
      y.channel.send(announce(second));
      await until(() => delivered.some((e) => e.id === second), 'a signal through B after A died');
      // And the other way: the router's own envelope reaches y through B.
      router.emit({ v: 1, kind: 'announce', room, from: did('r'), id: hexId(), ttl: 0 });
      await until(() => y.got.some((t) => t.includes(did('r'))), 'y to hear the router');
    } finally {
      router.close();
    }
  });

  it('a Redis outage: relays serve their own sockets, log once, share again after', async () => {
    if (a.process.exitCode !== null || a.process.signalCode !== null) {
      a = await startRelay({ redisUrl: redis.url });
    }
    const port = redis.port;
    await redis.stop('SIGKILL');
    await a.waitForLog(/Redis at .* is unreachable.*own sockets only/);
    await b.waitForLog(/Redis at .* is unreachable.*own sockets only/);
    const x1 = client(a.url, 'x1');
    const x2 = client(a.url, 'x2');
    const y1 = client(b.url, 'y1');
    channels.push(x1.channel, x2.channel, y1.channel);
    const open = () => [x1, x2, y1].every((c) => c.channel.state() === 'open');
    await until(open, 'clients in the outage');
    await sendUntilSeen(x1, x2, x2, 'same-relay-in-outage');
    await new Promise((r) => setTimeout(r, 1_000)); // Redis retries meanwhile: one line only
    expect(a.log.filter((l) => /unreachable/.test(l))).toHaveLength(1);
    expect(a.process.exitCode).toBeNull();

    redis = await startRedis(port);
    await a.waitForLog(/Redis at .* is back/, 15_000);
    await b.waitForLog(/Redis at .* is back/, 15_000);
    await sendUntilSeen(y1, x1, x1, 'across-after-outage');
  }, 60_000);
});

describe('a relay fed bad input drops that client, logs why, serves the others', () => {
  let server: Server;
  let relay: signal.SignalRelay;
  let url = '';
  const log: string[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    server = createServer();
    relay = signal.attachSignal(server, { log: (line) => log.push(line) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/signal`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    relay.close();
    await new Promise((r) => server.close(r));
  });

  async function raw(name: string) {
    const socket = new WebSocket(`${url}?room=${room}&did=${encodeURIComponent(did(name))}`);
    sockets.push(socket);
    const closed = new Promise<number>((r) => socket.once('close', (code) => r(code)));
    await new Promise((r, j) => socket.once('open', r).once('error', j));
    return { socket, closed };
  }

  /** An honest pair in the same room still exchanges after each bad client is dropped. */
  async function honestPairWorks(tag: string) {
    const x = client(url, `hx${tag}`);
    const y = client(url, `hy${tag}`);
    try {
      const open = () => x.channel.state() === 'open' && y.channel.state() === 'open';
      await until(open, 'the honest pair');
      await sendUntilSeen(x, y, y, `honest-${tag}`);
    } finally {
      x.channel.close();
      y.channel.close();
    }
  }

  const cases: Array<[string, (socket: WebSocket) => void, RegExp]> = [
    ['garbage that is not JSON', (s) => s.send('{{{ not json'), /not JSON/],
    ['JSON that is not an object', (s) => s.send('[1,2,3]'), /not a JSON object/],
    ['a bad "to"', (s) => s.send(JSON.stringify({ to: 42 })), /bad "to"/],
    ['a binary message', (s) => s.send(Buffer.from([1, 2, 3])), /binary/],
    [
      'an oversized message',
      (s) => s.send(JSON.stringify({ pad: 'x'.repeat(signal.signalMessageBytesMax) })),
      new RegExp(`over ${signal.signalMessageBytesMax} bytes`),
    ],
    [
      'a flood',
      (s) => {
        const count = signal.messagesPerSecondMax * signal.floodFactor + 50;
        for (let i = 0; i < count; i++) s.send(JSON.stringify({ n: i }));
      },
      /flood/,
    ],
  ];

  for (const [index, [what, send, reason]] of cases.entries()) {
    it(`${what}`, async () => {
      const before = log.length;
      const bad = await raw(`bad-${index}`);
      const bystander = await raw(`by-${index}`);
      send(bad.socket);
      const code = await bad.closed;
      expect(code).not.toBe(1000);
      await until(() => log.length > before, 'the log line');
      const line = log.slice(before).join('\n');
      expect(line).toMatch(reason);
      expect(line).toContain('dropped did:key:z6Mkbad');
      expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
      await honestPairWorks(String(index));
      bystander.socket.close();
    });
  }
});
