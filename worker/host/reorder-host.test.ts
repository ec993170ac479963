// The gateway's reorder rule in the host (Y.4464 II.4, issue 16, U-II.4), with no page: a real
// peer on a solo chain with a token is the washer's gateway and owner and also runs the bundled
// detergent shop. Readings are fed the way the gateway gets them (deviceReading, as the Devices
// page and POST /v1/rpc/deviceReading do): under the threshold the washer orders once, signed
// with its key and paid from its wallet; it orders again only after a refill. The rule survives
// a restart on the same storage. Above the spending rule the order is refused (UNAUTHORIZED) and
// recorded as refused; bad rules are refused with typed errors before anything is kept.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committedAt, refusal, startTestHost, until } from './testing';
import { MemoryStorage } from '../store/memory';
import { dispatch } from './dispatch';
import type { DeviceNotice, ReorderOrderView, TxResult } from '../api';
import { supplierContractName as shop, supplierContractSource } from '../shared/supplier-contract';
import { ReorderHost, type ReorderHostDeps } from './reorder-host';
import { botError } from '../core/errors';
import type { ChainState } from '../core/ledger';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

async function start(storage: MemoryStorage) {
  const started = await startTestHost(storage);
  hosts.push(started.host);
  const notices = () =>
    started.events.flatMap((e): DeviceNotice[] => (e.type === 'device' ? [e.notice] : []));
  return { ...started, notices };
}

async function ok(host: PeerHost, p: Promise<{ txId: string }>): Promise<number> {
  const { txId, height } = await committedAt(host, p);
  const result: TxResult = await host.waitFor(txId);
  expect(result.error ?? null).toBeNull();
  return height;
}

async function orders(host: PeerHost, n: number, settled = true): Promise<ReorderOrderView[]> {
  await until(async () => {
    const list = await host.reorderOrders();
    return list.length >= n && (!settled || list.every((o) => o.state !== 'pending'));
  });
  return host.reorderOrders();
}

/**
 * A peer on a token chain that is the gateway and owner of a washer with 100 BOT and a spending
 * rule (10 a payment, 100 a day), and runs the detergent shop at 1 a box (the washer its terminal).
 */
async function washerWithShop() {
  const { host } = await start(new MemoryStorage());
  const me = (await host.identity()).did;
  await host.createChain({
    name: 'laundry',
    mode: 'private',
    consensus: 'solo',
    tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1000 }] },
  });
  const washer = await host.registerDevice({
    id: 'washer',
    kind: 'sensor',
    capabilities: ['detergentPct'],
  });
  await ok(host, Promise.resolve(washer));
  await ok(host, host.deployContract({ name: shop, code: supplierContractSource }));
  await ok(host, host.callContract(shop, 'open', { device: washer.did, price: 1 }));
  await ok(host, host.transfer({ to: washer.did, amount: 100 }));
  await ok(host, host.setSpendingRule(washer.did, { perTxMax: 10, perDayMax: 100 }));
  return { host, washer };
}

describe('the reorder rule runs in the host (U-II.4)', () => {
  it('orders as the device under its owner’s rule, once per fall, across a restart; above the rule UNAUTHORIZED', async () => {
    const storage = new MemoryStorage();
    let { host, notices } = await start(storage);
    const me = (await host.identity()).did;
    await host.createChain({
      name: 'laundry',
      mode: 'private',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1000 }] },
    });
    // The shop, on this peer too (its own order terminal), at 10 a box.
    const terminal = await host.registerDevice({
      id: 'terminal',
      kind: 'sensor',
      name: 'Terminal',
      capabilities: ['orders'],
    });
    await ok(host, Promise.resolve(terminal));
    await ok(host, host.deployContract({ name: shop, code: supplierContractSource }));
    await ok(host, host.callContract(shop, 'open', { device: terminal.did, price: 10 }));
    const washer = await host.registerDevice({
      id: 'washer',
      kind: 'sensor',
      name: 'Washer',
      capabilities: ['detergentPct'],
    });
    await ok(host, Promise.resolve(washer));
    await ok(host, host.transfer({ to: washer.did, amount: 100 }));
    const rule = {
      device: washer.did,
      value: 'detergentPct',
      below: 20,
      contract: shop,
      quantity: 2,
    };

    // Bad rules: typed errors, nothing kept.
    expect((await refusal(host.setReorderRule(rule))).code).toBe('UNAUTHORIZED'); // no spending rule
    await ok(host, host.setSpendingRule(washer.did, { perTxMax: 30, perDayMax: 100 }));
    const over = await refusal(host.setReorderRule({ ...rule, quantity: 4 }));
    expect(over).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/costs 40/),
    });
    const unknown = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    expect((await refusal(host.setReorderRule({ ...rule, device: unknown }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await refusal(host.setReorderRule({ ...rule, contract: 'no-shop' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await refusal(host.setReorderRule({ ...rule, value: 'speed' }))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await refusal(host.setReorderRule({ ...rule, item: 'soap' }))).message).toMatch(
      /sells detergent, not soap/,
    );
    // A device this peer is the gateway of but another owns: not this peer's to rule.
    const lent = await host.registerDevice({
      id: 'lent',
      kind: 'sensor',
      capabilities: ['detergentPct'],
      owner: unknown,
    });
    await ok(host, Promise.resolve(lent));
    const notOwner = await refusal(host.setReorderRule({ ...rule, device: lent.did }));
    expect(notOwner).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/owner/),
    });
    // A threshold that is not a number: refused by the dispatcher, naming it.
    const badThreshold = await refusal(
      dispatch(host, 'setReorderRule', [{ ...rule, below: 'low' }]),
    );
    expect(badThreshold).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('rule.below'),
    });
    expect(await host.reorderRules()).toEqual([]);

    const set = await host.setReorderRule(rule);
    expect(set).toMatchObject({ ...rule, every: 0, armed: true, lastOrderAt: null });
    const read = (level: number) =>
      ok(host, host.deviceReading(washer.did, { values: { detergentPct: level } }));

    await read(80);
    await until(async () => (await host.reorderRules())[0]!.level === 80);
    const low = await read(15);
    const [first] = await orders(host, 1);
    expect(first).toMatchObject({
      id: 1,
      device: washer.did,
      contract: shop,
      item: 'detergent',
      quantity: 2,
      pay: 20,
      level: 15,
      readingHeight: low,
      state: 'committed',
      code: null,
    });
    expect(first!.height).toBeGreaterThan(low);
    // Signed by the washer, paid from its wallet; the shop recorded it.
    expect((await host.balance(washer.did)).balance).toBe(80);
    expect((await host.tokenHistory(washer.did))[0]).toMatchObject({
      dir: 'out',
      with: `contract:${shop}`,
      amount: 20,
      height: first!.height,
    });
    const recorded = (await host.contract(shop))!.state.find((s) => s.key === 'order/1');
    expect(recorded?.value).toMatchObject({ device: washer.did, quantity: 2, paid: 20 });
    // The page was told (a device notice), and the shop's terminal too.
    await until(() => notices().some((n) => n.kind === 'reorder' && /committed/.test(n.message)));

    // Still low: no second order until a reading at or above the threshold.
    await read(12);
    await until(async () => (await host.reorderRules())[0]!.level === 12);
    expect(await host.reorderOrders()).toHaveLength(1);

    // Restart on the same storage: the rule is kept and goes on.
    host.stop();
    hosts.splice(hosts.indexOf(host), 1);
    ({ host, notices } = await start(storage));
    expect(await host.reorderRules()).toEqual([
      expect.objectContaining({ device: washer.did, armed: false, level: 12 }),
    ]);
    await read(90);
    await until(async () => (await host.reorderRules())[0]!.armed);
    await read(10);
    const [second] = await orders(host, 2);
    expect(second).toMatchObject({ id: 2, state: 'committed', pay: 20, level: 10 });
    expect((await host.balance(washer.did)).balance).toBe(60);

    // The shop raises its price to 20: 2 boxes take 40, above 30 a payment. Refused, recorded.
    await ok(host, host.callContract(shop, 'open', { device: terminal.did, price: 20 }));
    await read(95);
    await read(5);
    const [third] = await orders(host, 3);
    expect(third).toMatchObject({
      id: 3,
      state: 'refused',
      code: 'UNAUTHORIZED',
      txId: null,
      pay: 40,
      message: expect.stringMatching(/at most 30 at a time; this payment takes 40/),
    });
    await until(() =>
      notices().some((n) => n.kind === 'reorder' && /UNAUTHORIZED/.test(n.message)),
    );
    expect((await host.balance(washer.did)).balance).toBe(60);
    expect((await host.contract(shop))!.state.some((s) => s.key === 'order/3')).toBe(false);
    expect(await host.reorderOrders({ device: washer.did, limit: 1 })).toEqual([third]);

    // Cleared: readings order nothing.
    expect(await host.clearReorderRule(washer.did)).toEqual({ removed: true });
    await read(50);
    await read(1);
    // Queued after that reading's step: the step ran, and ordered nothing.
    expect(await host.clearReorderRule(washer.did)).toEqual({ removed: false });
    expect(await host.reorderOrders()).toHaveLength(3);
  });

  it('with `every`, orders again while the level stays low, at most once per n blocks', async () => {
    const { host, washer } = await washerWithShop();
    await host.setReorderRule({
      device: washer.did,
      value: 'detergentPct',
      below: 20,
      contract: shop,
      quantity: 1,
      every: 4,
    });
    const heights: number[] = [];
    for (const level of [10, 10, 10, 10, 10, 10])
      heights.push(
        await ok(host, host.deviceReading(washer.did, { values: { detergentPct: level } })),
      );
    const made = await orders(host, 1);
    // One order per 4 blocks of readings: at the first and then at the first >= 4 blocks later.
    const expected = [heights[0]!];
    for (const h of heights) if (h - expected.at(-1)! >= 4) expected.push(h);
    expect(expected.length).toBeGreaterThan(1);
    await until(async () => (await host.reorderOrders()).length === expected.length);
    expect(made.length).toBeGreaterThan(0);
    const all = await orders(host, expected.length);
    expect(all.map((o) => o.readingHeight).reverse()).toEqual(expected);
    expect(all.every((o) => o.state === 'committed')).toBe(true);
  });

  it('set while the level is already low, orders at once from the latest committed reading', async () => {
    const { host, washer } = await washerWithShop();
    const low = await ok(host, host.deviceReading(washer.did, { values: { detergentPct: 7 } }));
    const set = await host.setReorderRule({
      device: washer.did,
      value: 'detergentPct',
      below: 20,
      contract: shop,
      quantity: 1,
    });
    expect(set).toMatchObject({ level: 7, levelHeight: low, armed: false, lastOrderAt: low });
    const [made] = await orders(host, 1);
    expect(made).toMatchObject({ level: 7, readingHeight: low, state: 'committed', pay: 1 });
    expect((await host.balance(washer.did)).balance).toBe(99);
  });
});

/** A ReorderHost on chain c1 of `storage`, with no devices: only its orders' waits are exercised. */
function reorderHostOn(
  storage: MemoryStorage,
  deps: Pick<ReorderHostDeps, 'waitFor'> & Partial<ReorderHostDeps>,
): ReorderHost {
  return new ReorderHost({
    storage,
    chain: () => ({ chainId: 'c1' }) as never,
    self: () => 'did:key:owner',
    devices: async () => {
      throw new Error('not needed');
    },
    now: () => 0,
    emit: () => undefined,
    record: () => undefined,
    ...deps,
  });
}

describe('a rule for a device whose registered gateway is not this peer', () => {
  it('is refused UNAUTHORIZED even when this peer holds the key and is named the owner', async () => {
    const { host, washer } = await washerWithShop();
    const gateway = (await host.identity()).did;
    const chain = (host as unknown as { s: { peer: { chain: ChainState } } }).s.peer.chain;
    const record = chain.devices!.devices.get(washer.did)!;
    // The chain as it would be with the washer owned by another account (its gateway unchanged).
    const elsewhere = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const ownedElsewhere: ChainState = {
      ...chain,
      devices: {
        ...chain.devices!,
        devices: new Map(chain.devices!.devices).set(washer.did, { ...record, owner: elsewhere }),
      },
    };
    // A ReorderHost that holds the washer's key (a copy) and is `self`.
    const reorder = (self: string, on: ChainState) =>
      reorderHostOn(new MemoryStorage(), {
        waitFor: async () => {
          throw new Error('no order is made');
        },
        chain: () => on,
        self: () => self,
        devices: async () => ({
          holds: async () => true,
          deviceCallContract: async () => {
            throw new Error('no order is made');
          },
        }),
      });
    const rule = {
      device: washer.did,
      value: 'detergentPct',
      below: 20,
      contract: shop,
      quantity: 1,
    };
    // Named the owner and holding the key, but not the gateway the chain records.
    expect(await refusal(reorder(elsewhere, ownedElsewhere).setReorderRule(rule))).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/registered behind the gateway .*, not this peer/),
    });
    // The gateway, but the device is owned by another: refused too, naming why.
    expect(await refusal(reorder(gateway, ownedElsewhere).setReorderRule(rule))).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/not by its gateway/),
    });
    // Its gateway and owner: the same rule is kept.
    expect((await reorder(gateway, chain).setReorderRule(rule)).device).toBe(washer.did);
  });
});

describe('an order the chain has not decided yet', () => {
  it('is waited for again after its wait runs out, and after a restart, until its block says what happened', async () => {
    const storage = new MemoryStorage();
    const pending: ReorderOrderView = {
      id: 1,
      device: 'did:key:washer',
      value: 'detergentPct',
      contract: shop,
      item: 'detergent',
      quantity: 1,
      pay: 1,
      level: 10,
      readingHeight: 4,
      readingTx: 'aa'.repeat(32),
      state: 'pending',
      txId: 'bb'.repeat(32),
      height: null,
      code: null,
      message: null,
      at: 0,
    };
    // what a peer that stopped while the order was in the mempool left in storage
    await storage.putMeta('reorder.orders.c1', { next: 2, list: [pending] });
    const logs: string[] = [];
    const events: unknown[] = [];
    let waits = 0;
    const reorder = reorderHostOn(storage, {
      // the first wait runs out (the block is slow to come); the second sees it committed
      waitFor: async (txId) => {
        waits++;
        if (waits === 1) throw botError('TIMEOUT', `Still waiting for ${txId}.`);
        return { txId, status: 'committed', height: 9 } as TxResult;
      },
      emit: (e) => events.push(e),
      record: (_level, message) => logs.push(message),
    });
    expect((await reorder.reorderOrders())[0]!.state).toBe('pending'); // loading it starts the wait
    await until(async () => (await reorder.reorderOrders())[0]!.state === 'committed');
    expect((await reorder.reorderOrders())[0]).toMatchObject({ state: 'committed', height: 9 });
    expect(waits).toBe(2);
    expect(logs.some((m) => m.includes('still waiting for it'))).toBe(true);
    expect(events).toHaveLength(1); // the page is told once it settled
    // kept: a restart finds it settled and waits for nothing
    const again = reorderHostOn(storage, {
      waitFor: async () => {
        throw new Error('an order already settled is not waited for');
      },
    });
    expect((await again.reorderOrders())[0]).toMatchObject({ state: 'committed', height: 9 });
  });
});
