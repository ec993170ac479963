// The signaling relay: WebSocket rooms per chain id, at /signal. It only passes short JSON
// messages between peers of one room and keeps nothing (no storage; membership lives as long
// as the socket). It is untrusted: peers prove who they are to each other on the data
// channel (worker/net/handshake.ts), so a lying relay can only fail to connect them.
//
//   ws://host/signal?room=<chain id>&did=<did:key>
//   a text message with "to": <did> goes to that did's sockets in the room; without "to",
//   to every other socket of the room.
//
// Started with the app server (server/index.mjs) or alone: `npm run signal` (PORT, default 8090).
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

/** Largest relayed message (a no-trickle SDP is a few KiB). */
export const signalMessageBytesMax = 16 * 1024;
/** Sockets in one room. */
export const roomPeersMax = 256;
/** Rooms at once. */
export const roomsMax = 4096;
/** Messages one socket may send per second; beyond that they are dropped. */
export const messagesPerSecondMax = 50;
/** Sockets that answer no ping for this long are closed. */
export const heartbeatMs = 30_000;

const roomPattern = /^[0-9A-Za-z_-]{1,128}$/;
const didLengthMax = 64;

function reject(socket, status, text) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Serve the relay on `server` at `path`. Returns a handle to stop it (tests simulate outages). */
export function attachSignal(server, { path = '/signal' } = {}) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: signalMessageBytesMax, perMessageDeflate: false });
  /** room -> Set of sockets; each socket carries .room, .did, .alive, .budget. */
  const rooms = new Map();
  let stopped = false;

  const onUpgrade = (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://relay');
    if (url.pathname !== path) {
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    const room = url.searchParams.get('room') ?? '';
    const did = url.searchParams.get('did') ?? '';
    if (stopped) return reject(socket, 503, 'Service Unavailable');
    if (!roomPattern.test(room) || did.length > didLengthMax) return reject(socket, 400, 'Bad Request');
    const members = rooms.get(room);
    if ((!members && rooms.size >= roomsMax) || (members && members.size >= roomPeersMax)) return reject(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => join(ws, room, did));
  };
  server.on('upgrade', onUpgrade);

  function join(ws, room, did) {
    let members = rooms.get(room);
    if (!members) rooms.set(room, (members = new Set()));
    members.add(ws);
    Object.assign(ws, { room, did, alive: true, budget: messagesPerSecondMax, budgetAt: Date.now() });
    ws.on('pong', () => (ws.alive = true));
    ws.on('message', (data, isBinary) => relay(ws, data, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      members.delete(ws);
      if (members.size === 0 && rooms.get(room) === members) rooms.delete(room);
    });
  }

  function relay(from, data, isBinary) {
    if (isBinary) return;
    const now = Date.now();
    if (now - from.budgetAt >= 1000) Object.assign(from, { budget: messagesPerSecondMax, budgetAt: now });
    if (from.budget <= 0) return;
    from.budget -= 1;
    const text = data.toString('utf8');
    let to = null;
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed?.to === 'string') to = parsed.to;
    } catch {
      return; // not ours to carry
    }
    for (const member of rooms.get(from.room) ?? []) {
      if (member === from || member.readyState !== member.OPEN) continue;
      if (to !== null && member.did !== to) continue;
      member.send(text);
    }
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
    /** Stop relaying: close every socket and refuse new ones. */
    close() {
      stopped = true;
      clearInterval(heartbeat);
      for (const members of rooms.values()) for (const ws of members) ws.terminate();
      rooms.clear();
      server.off('upgrade', onUpgrade);
      wss.close();
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8090);
  const server = createServer((request, response) => {
    if (request.url === '/healthz') response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    else response.writeHead(404).end();
  });
  const relay = attachSignal(server);
  server.listen(port, () => console.log(`BoT signaling relay on ws://localhost:${port}/signal`));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      relay.close();
      server.close(() => process.exit(0));
    });
  }
}
