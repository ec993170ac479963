// The signaling relay: WebSocket rooms per chain id, at /signal. It only passes short JSON
// messages between peers of one room and keeps nothing (no storage; membership lives as long
// as the socket). It is untrusted: peers prove who they are to each other on the data
// channel (worker/net/handshake.ts), so a lying relay can only fail to connect them.
//
//   ws://host/signal?room=<chain id>&did=<did:key>
//   a text message with "to": <did> goes to that did's sockets in the room; without "to",
//   to every other socket of the room.
//
// Several relays share rooms through Redis pub/sub when given a Redis URL (BOT_REDIS_URL or
// --redis): each relay publishes what its sockets send on the room's channel and delivers what
// the others publish to its own sockets, so peers on different relays find each other. A relay
// that dies loses only its sockets (clients keep or reopen their other relay URLs). When Redis
// is unreachable the relay logs it once and keeps relaying among its own sockets; it rejoins
// by itself when Redis is back. Without a Redis URL it is one relay, as before.
//
// A client that sends garbage (binary, not a JSON object, a bad "to"), floods, or an oversized
// message is dropped with a logged reason; the others are served on.
//
// Started with the app server (server/index.mjs) or alone:
//   npm run signal -- [--port N] [--redis redis://host:port] [--messages-per-second N]
// (PORT and BOT_REDIS_URL work too; port default 8090).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

/** Largest relayed message (a no-trickle SDP is a few KiB); larger drops the client. */
export const signalMessageBytesMax = 16 * 1024;
/** Sockets in one room (on one relay). */
export const roomPeersMax = 256;
/** Rooms at once (on one relay). */
export const roomsMax = 4096;
/** Messages one socket may send per second; beyond that they are not relayed. */
export const messagesPerSecondMax = 50;
/** Messages in one second past which a socket is dropped as a flood (a multiple of the above). */
export const floodFactor = 4;
/** Sockets that answer no ping for this long are closed. */
export const heartbeatMs = 30_000;
/** Wait between Redis reconnect attempts: first and largest. */
export const redisRetryMinMs = 200;
export const redisRetryMaxMs = 2_000;
/**
 * An addressed message whose recipient has a socket here that was heard from (a message or a
 * pong) within this long is delivered here only, not published to the other relays: the
 * recipient is known to be live on this relay, so the Redis round trip would be pure cost.
 */
export const localRecipientHeardMs = 10_000;
/** Longest did carried in a "to" or a socket's did. */
export const didLengthMax = 64;

const roomPattern = /^[0-9A-Za-z_-]{1,128}$/;
const channelPrefix = 'bot-signal:';

function reject(socket, status, text) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

const defaultLog = (line) => console.warn(`[relay] ${line}`);

/** The host part of a Redis URL, for logs (never the password). */
function redisHost(url) {
  try {
    return new URL(url).host || url;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Serve the relay on `server` at `path`. Options: redisUrl (share rooms with other relays),
 * messagesPerSecond (per-socket budget; the bench raises it), log (one line per event).
 * Returns a handle to stop it (tests simulate outages).
 */
export function attachSignal(server, options = {}) {
  const path = options.path ?? '/signal';
  const log = options.log ?? defaultLog;
  const budgetMax = options.messagesPerSecond ?? messagesPerSecondMax;
  const floodMax = budgetMax * floodFactor;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: signalMessageBytesMax,
    perMessageDeflate: false,
  });
  /** room -> Set of sockets; each socket carries .room, .did, .alive, .budget, .count. */
  const rooms = new Map();
  let stopped = false;
  const redis = options.redisUrl ? bridge(options.redisUrl, log, rooms, deliver) : null;

  const onUpgrade = (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://relay');
    if (url.pathname !== path) {
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    const room = url.searchParams.get('room') ?? '';
    const did = url.searchParams.get('did') ?? '';
    if (stopped) return reject(socket, 503, 'Service Unavailable');
    if (!roomPattern.test(room) || did.length > didLengthMax) {
      return reject(socket, 400, 'Bad Request');
    }
    const members = rooms.get(room);
    if ((!members && rooms.size >= roomsMax) || (members && members.size >= roomPeersMax)) {
      return reject(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(request, socket, head, (ws) => join(ws, room, did, request));
  };
  server.on('upgrade', onUpgrade);

  function join(ws, room, did, request) {
    let members = rooms.get(room);
    if (!members) {
      rooms.set(room, (members = new Set()));
      redis?.subscribe(room);
    }
    members.add(ws);
    const address = request.socket.remoteAddress ?? '?';
    const now = Date.now();
    Object.assign(ws, {
      room,
      did,
      address,
      alive: true,
      budget: budgetMax,
      count: 0,
      at: now,
      heard: now,
    });
    ws.on('pong', () => {
      ws.alive = true;
      ws.heard = Date.now();
    });
    ws.on('message', (data, isBinary) => relay(ws, data, isBinary));
    ws.on('error', (error) => {
      // ws closes the socket itself (1009 too big, 1007 invalid UTF-8, 1002 bad frame).
      const reason =
        error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? `a message over ${signalMessageBytesMax} bytes`
          : `a protocol error (${error?.code ?? error?.message ?? 'unknown'})`;
      drop(ws, reason, null);
    });
    ws.on('close', () => {
      members.delete(ws);
      if (members.size === 0 && rooms.get(room) === members) {
        rooms.delete(room);
        redis?.unsubscribe(room);
      }
    });
  }

  /** Close a misbehaving socket, once, with one log line. */
  function drop(ws, reason, closeCode) {
    if (ws.dropped) return;
    ws.dropped = true;
    const who = ws.did ? ws.did.slice(0, 24) : '(no did)';
    log(`dropped ${who} from ${ws.address} in room ${ws.room.slice(0, 16)}: ${reason}`);
    if (closeCode === null) ws.terminate();
    else ws.close(closeCode, reason.slice(0, 120));
  }

  function relay(from, data, isBinary) {
    if (from.dropped) return;
    if (isBinary) return drop(from, 'a binary message (only JSON text is relayed)', 1003);
    const now = Date.now();
    from.heard = now;
    if (now - from.at >= 1000) Object.assign(from, { budget: budgetMax, count: 0, at: now });
    from.count += 1;
    if (from.count > floodMax) {
      return drop(from, `a flood (over ${floodMax} messages in one second)`, 1008);
    }
    if (from.budget <= 0) return;
    from.budget -= 1;
    const text = data.toString('utf8');
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      return drop(from, 'a message that is not JSON', 1003);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return drop(from, 'a message that is not a JSON object', 1003);
    }
    const to = parsed.to ?? null;
    if (to !== null && (typeof to !== 'string' || to.length > didLengthMax)) {
      return drop(from, 'a message with a bad "to"', 1003);
    }
    const liveHere = deliver(from.room, to, text, from, now);
    if (to === null || !liveHere) redis?.publish(from.room, to, text);
  }

  /**
   * Hand a message to this relay's sockets of `room` (all but `from`, or the `to` did's).
   * Returns true when an addressed message reached a recipient heard from lately (see
   * localRecipientHeardMs): then no other relay needs it.
   */
  function deliver(room, to, text, from, now = Date.now()) {
    let liveHere = false;
    for (const member of rooms.get(room) ?? []) {
      if (member === from || member.readyState !== member.OPEN) continue;
      if (to !== null && member.did !== to) continue;
      member.send(text);
      if (to !== null && now - member.heard <= localRecipientHeardMs) liveHere = true;
    }
    return liveHere;
  }

  const heartbeat = setInterval(() => {
    for (const members of rooms.values()) {
      for (const ws of members) {
        if (!ws.alive) ws.terminate();
        else {
          ws.alive = false;
          ws.ping();
        }
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    /** Sockets per room, for tests and logs. */
    rooms: () => new Map([...rooms].map(([room, members]) => [room, members.size])),
    /** True while rooms are shared through Redis (false without a Redis URL or in an outage). */
    shared: () => redis?.shared() ?? false,
    /** Stop relaying: close every socket and refuse new ones. */
    close() {
      stopped = true;
      clearInterval(heartbeat);
      for (const members of rooms.values()) for (const ws of members) ws.terminate();
      rooms.clear();
      server.off('upgrade', onUpgrade);
      wss.close();
      redis?.close();
    },
  };
}

/**
 * The Redis side: one connection publishes, one subscribes to the channel of every room that
 * has a socket here. Messages carry the publishing relay's id (its own are skipped) and the
 * "to" did, so a relay need not parse what it passes on.
 *   payload = <relay id, 16 hex> "\n" <to did or empty> "\n" <message text>
 */
function bridge(url, log, rooms, deliver) {
  const id = randomBytes(8).toString('hex');
  const host = redisHost(url);
  const settings = {
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(redisRetryMinMs * times, redisRetryMaxMs),
  };
  const pub = new Redis(url, settings);
  const sub = new Redis(url, settings);
  let up = false;
  let everUp = false;
  let closing = false;

  const update = (error) => {
    const now = pub.status === 'ready' && sub.status === 'ready';
    if (now === up || closing) return;
    up = now;
    if (up) {
      log(
        everUp
          ? `Redis at ${host} is back: rooms are shared with the other relays again.`
          : `sharing rooms with other relays through Redis at ${host}.`,
      );
      everUp = true;
      const channels = [...rooms.keys()].map((room) => channelPrefix + room);
      if (channels.length > 0) sub.subscribe(...channels).catch(() => {});
    } else {
      const why = error?.message ? ` (${error.message})` : '';
      log(
        `Redis at ${host} is unreachable${why}: relaying among this relay's own sockets ` +
          'only until it is back.',
      );
    }
  };
  let lastError = null;
  for (const client of [pub, sub]) {
    client.on('error', (error) => (lastError = error));
    client.on('ready', () => update(null));
    client.on('close', () => update(lastError));
  }
  // A relay that never reached Redis says so once (update() logs only on a change).
  const first = setTimeout(() => {
    if (!everUp && !closing) {
      const why = lastError?.message ? ` (${lastError.message})` : '';
      log(
        `Redis at ${host} is unreachable${why}: relaying among this relay's own sockets ` +
          'only until it is back.',
      );
    }
  }, redisRetryMaxMs);
  first.unref();
  sub.on('message', (channel, payload) => {
    if (!channel.startsWith(channelPrefix)) return;
    const a = payload.indexOf('\n');
    const b = a < 0 ? -1 : payload.indexOf('\n', a + 1);
    if (b < 0 || payload.slice(0, a) === id) return;
    const to = payload.slice(a + 1, b);
    deliver(channel.slice(channelPrefix.length), to === '' ? null : to, payload.slice(b + 1), null);
  });

  return {
    shared: () => up,
    subscribe(room) {
      if (sub.status === 'ready') sub.subscribe(channelPrefix + room).catch(() => {});
    },
    unsubscribe(room) {
      if (sub.status === 'ready') sub.unsubscribe(channelPrefix + room).catch(() => {});
    },
    publish(room, to, text) {
      if (!up) return;
      pub.publish(channelPrefix + room, `${id}\n${to ?? ''}\n${text}`).catch(() => {});
    },
    close() {
      closing = true;
      clearTimeout(first);
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** --name value from argv, else the environment variable, else the fallback. */
function setting(argv, name, env, fallback) {
  const at = argv.indexOf(`--${name}`);
  if (at >= 0 && at + 1 < argv.length) return argv[at + 1];
  return process.env[env] ?? fallback;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const port = Number(setting(argv, 'port', 'PORT', '8090'));
  const redisUrl = setting(argv, 'redis', 'BOT_REDIS_URL', '') || undefined;
  const rateText = setting(argv, 'messages-per-second', 'BOT_SIGNAL_RATE', '');
  const rate = rateText === '' ? messagesPerSecondMax : Number(rateText);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(rate) || rate < 1) {
    console.error(
      'Usage: signal.mjs [--port N] [--redis redis://host:port] ' + '[--messages-per-second N]',
    );
    process.exit(2);
  }
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else response.writeHead(404).end();
  });
  const relay = attachSignal(server, { redisUrl, messagesPerSecond: rate });
  server.listen(port, () => {
    const where = `ws://localhost:${server.address().port}/signal`;
    const mode = redisUrl ? ' (rooms shared through Redis)' : '';
    console.log(`BoT signaling relay on ${where}${mode}`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      relay.close();
      server.close(() => process.exit(0));
    });
  }
}
