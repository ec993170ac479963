// Issue 14 §2: no single caller stalls the headless peer's API: slow headers are cut off after
// httpHeadersTimeoutMs (Node's default kept them 60 s), and connections past httpConnectionsMax
// are refused and logged. Raw sockets, a stub peer.
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerMethods } from '../../worker/api';
import { httpConnectionsMax, httpHeadersTimeoutMs } from '../../worker/core/limits';
import { createPeerApi, EventHub, type PeerApi } from './http';

let api: PeerApi;
let port: number;
const warnings: string[] = [];

beforeAll(async () => {
  const peer = new Proxy({} as PeerMethods, { get: () => async () => ({ ok: true }) });
  api = createPeerApi({
    peer,
    events: new EventHub(),
    loopbackHostsOnly: true,
    warn: (m) => warnings.push(m),
  });
  await new Promise<void>((done) => api.server.listen(0, '127.0.0.1', done));
  port = (api.server.address() as AddressInfo).port;
});

afterAll(async () => {
  api.server.closeAllConnections();
  await new Promise((done) => api.server.close(done));
});

function open(): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1', () => done(socket));
    socket.on('error', fail);
  });
}

/** Resolves with what the server sent once it closes the socket. */
function closed(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  return new Promise((done) => socket.on('close', () => done(received)));
}

describe('the headless peer API bounds slow and numerous clients (issue 14 §2)', () => {
  it('answers 408 and closes a connection whose headers trickle in a byte at a time (slowloris)', async () => {
    const socket = await open();
    const ended = closed(socket);
    const started = Date.now();
    socket.write('GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const drip = setInterval(() => socket.writable && socket.write('a'), 500);
    const received = await ended;
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    // Structural bound, not a timing measurement: cut off by httpHeadersTimeoutMs (10 s, checked every
    // second), long before Node's default of 60 s.
    expect(Date.now() - started).toBeLessThan(httpHeadersTimeoutMs * 3);
  }, 60_000);

  it(`refuses connections past ${httpConnectionsMax} and logs the refusal; a freed slot serves again`, async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < httpConnectionsMax; i++) sockets.push(await open());
    // Each accepted connection is counted once the server has seen it.
    await new Promise((done) => setTimeout(done, 200));
    const extra = await open();
    const received = await closed(extra);
    expect(received).toBe('');
    expect(
      warnings.some(
        (w) => w.includes('refused a connection') && w.includes(String(httpConnectionsMax)),
      ),
    ).toBe(true);
    for (const s of sockets) s.destroy();
    await new Promise((done) => setTimeout(done, 200));
    const response = await fetch(`http://127.0.0.1:${port}/v1/status`);
    expect(response.status).toBe(200);
  }, 60_000);
});
