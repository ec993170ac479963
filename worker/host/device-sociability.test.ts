// Device sociability end to end through two peers (Y.4464 II.4, issue 16, U-II.4): a supplier
// deploys the bundled detergent-shop contract and opens it with a price and its own order-taking
// device; a washer behind another gateway orders detergent as itself (signed with its key),
// paying from its wallet under the spending rule its owner set on chain; the shop records the
// order, pays the supplier, and the supplier's gateway is told through the chain (a `contract`
// device notice for its device). An order above the rule is refused with UNAUTHORIZED and moves
// nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committedHeight as committed, refusal, startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import type { DeviceNotice } from '../api';
import { supplierContractName as shop, supplierContractSource } from '../shared/supplier-contract';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

describe('a washer buys detergent from a supplier’s contract under its owner’s rule (U-II.4)', () => {
  it('the order commits, pays the supplier and tells its device; above the rule it is UNAUTHORIZED', async () => {
    const network = new MemoryNetwork();
    const home = await startNetPeer(network, hosts);
    const supplier = await startNetPeer(network, hosts);
    const { invite } = await home.host.createChain({
      name: 'laundry',
      mode: 'consortium',
      consensus: 'poa',
      validators: [home.did],
      timeoutMs: 200,
      tokens: { symbol: 'BOT', allocations: [{ did: home.did, amount: 1000 }] },
    });
    await supplier.host.join(invite);
    // Admitted, as both peers see it, before the supplier writes.
    await until(async () => (await supplier.host.governance()).members.includes(supplier.did));

    // The supplier: its order-taking device, the shop contract, opened at 10 a box.
    const terminal = await supplier.host.registerDevice({
      id: 'shop-terminal',
      kind: 'sensor',
      name: 'Shop terminal',
      capabilities: ['orders'],
    });
    await committed(supplier.host, Promise.resolve(terminal));
    await committed(
      supplier.host,
      supplier.host.deployContract({ name: shop, code: supplierContractSource }),
    );
    await committed(
      supplier.host,
      supplier.host.callContract(shop, 'open', { device: terminal.did, price: 10 }),
    );

    // The washer's owner and gateway: the washer, its wallet and its spending rule.
    const washer = await home.host.registerDevice({
      id: 'washer',
      kind: 'sensor',
      name: 'Washer',
      capabilities: ['detergentPct'],
    });
    await committed(home.host, Promise.resolve(washer));
    await committed(home.host, home.host.transfer({ to: washer.did, amount: 100 }));
    const order = (quantity: number) =>
      home.host.deviceCallContract(washer.did, shop, 'order', { quantity }, { pay: 10 * quantity });
    // No rule yet: the washer cannot pay at all.
    expect((await refusal(order(1))).code).toBe('UNAUTHORIZED');
    await committed(
      home.host,
      home.host.setSpendingRule(washer.did, { perTxMax: 30, perDayMax: 40 }),
    );

    const height = await committed(home.host, order(2));
    await until(async () => (await supplier.host.status()).height >= height);
    // The supplier's gateway is told of the order for its device, through the chain.
    const isOrder = (n: DeviceNotice) =>
      n.kind === 'contract' && (n.body as { kind?: string }).kind === 'order';
    await until(() => supplier.notices().some(isOrder));
    const told = supplier.notices().find(isOrder)!;
    // Opening the shop told its device too.
    expect(supplier.notices()[0]).toMatchObject({ kind: 'contract', body: { kind: 'shop' } });
    expect(told).toMatchObject({
      device: terminal.did,
      requester: washer.did,
      service: shop,
      height,
      body: { to: terminal.did, kind: 'order', order: { id: 1, device: washer.did, quantity: 2 } },
    });
    expect(told.message).toMatch(/Order 1 from device .*: 2 × detergent, paid 20/);
    // The washer's gateway holds no device of the shop: it is not told.
    expect(home.notices().some((n) => n.kind === 'contract')).toBe(false);
    expect((await home.host.balance(washer.did)).balance).toBe(80);
    expect((await home.host.tokenHistory(washer.did))[0]).toMatchObject({
      dir: 'out',
      with: `contract:${shop}`,
      amount: 20,
      height,
    });
    expect((await home.host.balance(supplier.did)).balance).toBe(20);
    expect((await home.host.balance(`contract:${shop}`)).balance).toBe(0);
    const recorded = await home.host.contract(shop);
    expect(recorded!.state.find((s) => s.key === 'order/1')?.value).toMatchObject({
      device: washer.did,
      owner: home.did,
      paid: 20,
    });

    // Above the rule (40 at once, the rule allows 30): UNAUTHORIZED, nothing moves.
    const tooBig = await refusal(order(4));
    expect(tooBig.code).toBe('UNAUTHORIZED');
    expect(tooBig.message).toMatch(/at most 30 at a time/);
    // Within the payment limit but past the day's (20 paid of 40): UNAUTHORIZED too.
    expect((await refusal(order(3))).message).toMatch(/40 a day and has paid 20/);
    expect((await home.host.balance(washer.did)).balance).toBe(80);
    expect((await home.host.contract(shop))!.state.some((s) => s.key === 'order/2')).toBe(false);

    // A peer is not a device: the shop refuses it (the contract decides who may order).
    const peerOrder = await refusal(
      home.host.callContract(shop, 'order', { quantity: 1 }, { pay: 10 }),
    );
    expect(peerOrder).toMatchObject({
      code: 'CONTRACT_FAILED',
      message: expect.stringMatching(/Only registered devices/),
    });
  });
});
