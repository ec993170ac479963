// The order book routes of the headless peer (issue 16): on a chain with a token, the owner of a
// device data stream asks over POST /v1/market/asks (with an expiry), reads the stream's book,
// closes its order, and gets typed errors with plain messages for bad input on every route. The
// match between two peers is in worker/host/market-net.test.ts and e2e/market-book.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call, waitCommitted } from './testing';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-book-'));
let peer: RunningPeer;
let base: string;
const stream = 'dev-washer1-gw1';

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
});

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function committed(reply: { status: number; body: { txId: string } }) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  const state = await waitCommitted(base, reply.body.txId);
  return state;
}

describe('order book routes of the HTTP API', () => {
  it('asks, lists the book, closes, and refuses bad input with typed errors', async () => {
    const me = (await call(base, 'GET', '/v1/identity')).body.did as string;
    const created = await call(base, 'POST', '/v1/chains', {
      name: 'book',
      mode: 'private',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1000 }] },
    });
    expect(created.status).toBe(201);
    await committed(await call(base, 'POST', '/v1/datasets', { id: stream, labels: [] }));
    await committed(await call(base, 'POST', `/v1/datasets/${stream}/versions`, { text: 'v1' }));

    const asked = await call(base, 'POST', '/v1/market/asks', {
      dataset: stream,
      price: 12,
      terms: 'statistics only',
      quantity: 2,
      expiresBlocks: 50,
    });
    await committed(asked);
    const book = (await call(base, 'GET', `/v1/market/streams/${stream}/book`)).body;
    expect(book.bids).toEqual([]);
    expect(book.asks).toHaveLength(1);
    const [order] = book.asks;
    expect(order).toMatchObject({
      id: asked.body.txId,
      side: 'ask',
      account: me,
      price: 12,
      quantity: 2,
      filled: 0,
      state: 'open',
    });
    expect(order.expires).toBeGreaterThan(book.height);
    expect(order.expires).toBeLessThanOrEqual(book.height + 50);

    // The owner does not bid for its own stream; a stream must be one (dev-...).
    const own = await call(base, 'POST', '/v1/market/bids', { dataset: stream, price: 20 });
    expect(own.status).toBe(400);
    expect(own.body.error.message).toMatch(/own|owner/i);
    const notStream = await call(base, 'POST', '/v1/market/asks', {
      dataset: 'meter',
      price: 5,
      terms: 'x',
    });
    expect(notStream.status).toBe(400);
    expect(notStream.body.error.message).toMatch(/device data streams/);
    const noPrice = await call(base, 'POST', '/v1/market/bids', { dataset: stream, price: 0 });
    expect(noPrice.body.error.message).toMatch(/bidStream: request.price/);
    const badExpiry = await call(base, 'POST', '/v1/market/asks', {
      dataset: stream,
      price: 5,
      terms: 'x',
      expiresBlocks: 1.5,
    });
    expect(badExpiry.body.error.message).toMatch(/askStream: request.expiresBlocks/);
    const extra = await call(base, 'POST', '/v1/market/bids', { dataset: stream, price: 5, x: 1 });
    expect(extra.status).toBe(400);
    const longId = await call(base, 'GET', `/v1/market/streams/${'d'.repeat(65)}/book`);
    expect(longId.body.error.message).toMatch(/streamBook: dataset/);

    await committed(await call(base, 'POST', `/v1/market/orders/${asked.body.txId}/close`));
    const after = (await call(base, 'GET', `/v1/market/streams/${stream}/book`)).body;
    expect(after.asks).toEqual([]);
    const again = await call(base, 'POST', `/v1/market/orders/${asked.body.txId}/close`);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/cancelled/);
    const unknown = await call(base, 'POST', `/v1/market/orders/${'ab'.repeat(32)}/close`);
    expect(unknown.status).toBe(404);
    expect((await call(base, 'POST', '/v1/market/orders/xyz/close')).status).toBe(400);
  }, 60_000);
});
