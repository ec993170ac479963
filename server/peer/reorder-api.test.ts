// A headless peer orders by itself (issue 16, U-II.4): no page, only HTTP. The peer is the
// washer's gateway and owner and runs the bundled detergent shop; the washer's readings come in
// over POST /v1/rpc/deviceReading (the reading source a gateway script feeds), the rule is set
// over POST /v1/reorder/rules, and when the level falls under the threshold the peer has the
// washer order, signed with its key and paid from its wallet, listed at GET /v1/reorder/orders.
// The rule is kept across a restart of the peer on the same data directory. Bad input answers
// typed errors; an order above the spending rule is refused (403 when the rule is set, recorded
// as refused when the price rose later). Answers are checked against the OpenAPI schemas.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call } from './testing';
import { openApiDocument } from './openapi';
import { testIdentity } from '../../worker/core/testing';
import {
  supplierContractName as shop,
  supplierContractSource,
} from '../../worker/shared/supplier-contract';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-reorder-'));
let peer: RunningPeer | null = null;
const start = async () =>
  (peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true }));

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
const schemas = openApiDocument.components.schemas as Record<string, object>;
const isRule = ajv.compile(schemas.ReorderRule!);
const isOrder = ajv.compile(schemas.ReorderOrder!);

async function rpc(base: string, method: string, ...params: unknown[]) {
  const reply = await call(base, 'POST', `/v1/rpc/${method}`, { params });
  if (reply.status !== 200) throw new Error(`${method}: ${JSON.stringify(reply.body)}`);
  return reply.body.result;
}

async function committedOk(base: string, txId: string): Promise<number> {
  const reply = await call(base, 'GET', `/v1/tx/${txId}?timeoutMs=10000`);
  expect(reply.body).toMatchObject({ status: 'committed' });
  expect(reply.body.error ?? null).toBeNull();
  return reply.body.height;
}

async function ordersWhen(base: string, done: (list: any[]) => boolean): Promise<any[]> {
  for (let i = 0; i < 500; i++) {
    const list = (await call(base, 'GET', '/v1/reorder/orders')).body as any[];
    if (done(list)) return list;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the orders did not come');
}

describe('the reorder rule of a headless peer over HTTP', () => {
  it('orders as the device when its readings fall, across a restart, and refuses bad rules', async () => {
    let base = (await start()).url;
    const me = (await call(base, 'GET', '/v1/identity')).body.did as string;
    const created = await call(base, 'POST', '/v1/chains', {
      name: 'laundry',
      mode: 'private',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1000 }] },
    });
    expect(created.status).toBe(201);
    const washer = await rpc(base, 'registerDevice', {
      id: 'washer',
      kind: 'sensor',
      name: 'Washer',
      capabilities: ['detergentPct'],
    });
    await committedOk(base, washer.txId);
    for (const [method, ...params] of [
      ['deployContract', { name: shop, code: supplierContractSource }],
      ['callContract', shop, 'open', { device: washer.did, price: 10 }],
      ['transfer', { to: washer.did, amount: 100 }],
    ] as const)
      await committedOk(base, (await rpc(base, method, ...params)).txId);

    const rule = {
      device: washer.did,
      value: 'detergentPct',
      below: 20,
      contract: shop,
      quantity: 1,
    };
    const setRule = (body: unknown) => call(base, 'POST', '/v1/reorder/rules', body);
    // No spending rule yet: every order would be refused, so the rule is.
    const noSpending = await setRule(rule);
    expect(noSpending.status).toBe(403);
    expect(noSpending.body.error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/no spending rule/),
    });
    await committedOk(
      base,
      (await rpc(base, 'setSpendingRule', washer.did, { perTxMax: 15, perDayMax: 100 })).txId,
    );
    // A device behind this gateway but owned by another account: it may not pay, so no rule.
    const lent = await rpc(base, 'registerDevice', {
      id: 'lent',
      kind: 'sensor',
      name: 'Lent',
      capabilities: ['detergentPct'],
      owner: testIdentity('lent owner').did,
    });
    await committedOk(base, lent.txId);
    const bad: Array<[unknown, number, string, RegExp]> = [
      [{ ...rule, device: lent.did }, 403, 'UNAUTHORIZED', /owned by .*, not by its gateway/],
      [{ ...rule, below: 'low' }, 400, 'BAD_REQUEST', /rule\.below/],
      [{ ...rule, below: null }, 400, 'BAD_REQUEST', /rule\.below/],
      [{ ...rule, quantity: 2 }, 403, 'UNAUTHORIZED', /costs 20.*at most 15 at a time/],
      [{ ...rule, device: testIdentity('no washer').did }, 404, 'NOT_FOUND', /No device/],
      [{ ...rule, value: 'speed' }, 400, 'BAD_REQUEST', /not "speed"/],
      [{ ...rule, contract: 'nobody' }, 404, 'NOT_FOUND', /No contract "nobody"/],
    ];
    for (const [body, status, code, message] of bad) {
      const reply = await setRule(body);
      expect({ status: reply.status, ...reply.body.error }).toMatchObject({
        status,
        code,
        message,
      });
    }
    expect((await call(base, 'GET', '/v1/reorder/rules')).body).toEqual([]);

    const set = await setRule(rule);
    expect(set.status).toBe(200);
    expect(isRule(set.body), JSON.stringify(isRule.errors)).toBe(true);
    const read = async (level: number) =>
      committedOk(
        base,
        (await rpc(base, 'deviceReading', washer.did, { values: { detergentPct: level } })).txId,
      );
    await read(60);
    const low = await read(12);
    const [first] = await ordersWhen(base, (l) => l.length === 1 && l[0].state !== 'pending');
    expect(isOrder(first), JSON.stringify(isOrder.errors)).toBe(true);
    expect(first).toMatchObject({ state: 'committed', pay: 10, level: 12, readingHeight: low });
    expect((await call(base, 'GET', `/v1/balance/${washer.did}`)).body.balance).toBe(90);
    const history = (await call(base, 'GET', `/v1/balance/${washer.did}/history`)).body;
    expect(history[0]).toMatchObject({ dir: 'out', with: `contract:${shop}`, amount: 10 });

    // The peer restarts on its data directory: the rule goes on ordering.
    await peer!.stop();
    base = (await start()).url;
    const [kept] = (await call(base, 'GET', '/v1/reorder/rules')).body;
    expect(kept).toMatchObject({ device: washer.did, armed: false, level: 12 });
    await read(80);
    await read(9);
    const after = await ordersWhen(base, (l) => l.length === 2 && l[0].state !== 'pending');
    expect(after[0]).toMatchObject({ id: 2, state: 'committed', level: 9 });

    // The shop's price rises to 20, above 15 a payment: the next order is refused, as recorded.
    await committedOk(
      base,
      (await rpc(base, 'callContract', shop, 'open', { device: washer.did, price: 20 })).txId,
    );
    await read(70);
    await read(3);
    const refused = await ordersWhen(base, (l) => l.length === 3);
    expect(refused[0]).toMatchObject({
      id: 3,
      state: 'refused',
      code: 'UNAUTHORIZED',
      pay: 20,
      txId: null,
    });
    expect((await call(base, 'GET', `/v1/balance/${washer.did}`)).body.balance).toBe(80);
    const one = await call(base, 'GET', `/v1/reorder/orders?device=${washer.did}&limit=1`);
    expect(one.body).toEqual([refused[0]]);
    expect((await call(base, 'GET', '/v1/reorder/orders?limit=101')).status).toBe(400);

    const clear = `/v1/reorder/rules/${washer.did}/clear`;
    expect((await call(base, 'POST', clear)).body).toEqual({ removed: true });
    expect((await call(base, 'POST', clear)).body).toEqual({ removed: false });
    expect((await call(base, 'POST', '/v1/reorder/rules/washer/clear')).status).toBe(400);
  }, 60_000);
});
