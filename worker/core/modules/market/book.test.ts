// The order book for device data streams on the pure core: price-time priority at the resting
// order's price, a match as a purchase delivered through the datasets grant path and escrow,
// closing an order, the named limits and typed refusals, and a reloaded chain.
import { describe, expect, it } from 'vitest';
import { testIdentity } from '../../testing';
import { supplyCheck } from '../tokens';
import { escrowCheck } from './apply';
import { deliveryKeys, marketGenesis, MarketChain } from './testing';
import { marketBodyRules } from './rules';
import { escrowAccount, ordersOpenPerAccountMax } from './types';

const gateway = testIdentity('book gateway');
const b1 = testIdentity('book buyer 1');
const b2 = testIdentity('book buyer 2');
const b3 = testIdentity('book buyer 3');
const stream = 'dev-washer01-gw01';

function chain(): MarketChain {
  const c = new MarketChain(
    marketGenesis([
      [gateway, 100],
      [b1, 500],
      [b2, 500],
      [b3, 500],
    ]),
  );
  c.publish(gateway, stream, 2);
  c.publish(gateway, 'air', 1);
  c.block([c.keyTx(b1), c.keyTx(b2), c.keyTx(b3)]);
  return c;
}

function invariants(c: MarketChain): void {
  expect(supplyCheck(c.tokens())).toBeNull();
  expect(escrowCheck(c.market(), c.tokens())).toBeNull();
}

const ask = (extra: Record<string, unknown> = {}) => ({
  dataset: stream,
  price: 40,
  terms: 'usage statistics only',
  ...extra,
});

describe('market: the order book of a device data stream', () => {
  it('fills the highest bids first, then the earlier, at the resting price; the rest rests', () => {
    const c = chain();
    expect(c.run(b1, 'market.bid', { dataset: stream, price: 30 })).toBeNull();
    const low = c.lastTx();
    // b2 then b3 at the same price, in one block: b2 came first.
    const t2 = c.tx(b2, 'market.bid', { dataset: stream, price: 50 });
    const t3 = c.tx(b3, 'market.bid', { dataset: stream, price: 50 });
    const executed = c.block([t2, t3]);
    const [first, second] = executed.txIds;
    expect(c.balance(escrowAccount)).toBe(130);
    const book = c.market().book.get(stream)!;
    expect(book.bids.map((b) => b.id)).toEqual([first, second, low]);
    invariants(c);
    // An ask at 40 for one window matches the best bid (50, the earlier) at its price.
    expect(c.run(gateway, 'market.ask', ask({ penalty: 5 }))).toBeNull();
    const a1 = c.lastTx();
    const p = c.market().purchases.get(first!)!;
    expect(p).toMatchObject({ offer: a1, buyer: b2.did, seller: gateway.did, price: 50 });
    expect(p.penalty).toBe(5);
    expect(c.market().orders.get(a1)!.state).toBe('filled');
    expect(
      c
        .market()
        .book.get(stream)!
        .bids.map((b) => b.id),
    ).toEqual([second, low]);
    expect(c.balance(gateway)).toBe(95);
    invariants(c);
    // An ask of two windows at 35 fills b3 (50) and rests with one left: b1 bid only 30.
    expect(c.run(gateway, 'market.ask', ask({ price: 35, quantity: 2 }))).toBeNull();
    const a2 = c.lastTx();
    expect(c.market().purchases.get(second!)!.price).toBe(50);
    expect(c.market().orders.get(a2)).toMatchObject({ state: 'open', filled: 1 });
    expect(
      c
        .market()
        .book.get(stream)!
        .asks.map((a) => a.id),
    ).toEqual([a2]);
    invariants(c);
    // The buyer's access is an approved request whose purpose is the ask's terms; the seller
    // delivers the stream's grant window and the escrow pays it, as for a posted-price sale.
    expect(c.state.datasets!.open.get(first!)).toMatchObject({
      state: 'approved',
      by: 'market',
      purpose: 'usage statistics only',
    });
    expect(
      c.run(gateway, 'market.deliver', { purchase: first, keys: deliveryKeys(b2, 1, 2) }),
      c.lastError(),
    ).toBeNull();
    expect(c.balance(gateway)).toBe(95 + 55);
    expect(c.state.datasets!.datasets.get(stream)!.readers).toContain(b2.did);
    invariants(c);
    // A reloaded chain rebuilds the same book and the same root.
    const loaded = c.reload();
    expect(loaded.market).toEqual(c.state.market);
    expect(loaded.trie.rootHash()).toEqual(c.state.trie.rootHash());
  });

  it('matches a new bid with the cheapest ask, then the earlier, and charges the ask price', () => {
    const c = chain();
    expect(c.run(gateway, 'market.ask', ask({ price: 45 }))).toBeNull();
    const t1 = c.tx(gateway, 'market.ask', ask({ price: 40, terms: 'first at 40' }));
    const t2 = c.tx(gateway, 'market.ask', ask({ price: 40, terms: 'second at 40' }));
    const [cheap] = c.block([t1, t2]).txIds;
    // A bid below every ask rests, its price locked.
    expect(c.run(b1, 'market.bid', { dataset: stream, price: 39 })).toBeNull();
    const resting = c.lastTx();
    expect(c.balance(b1)).toBe(461);
    expect(c.run(b2, 'market.bid', { dataset: stream, price: 60 })).toBeNull();
    const bought = c.lastTx();
    const p = c.market().purchases.get(bought)!;
    expect(p).toMatchObject({ offer: cheap, price: 40, terms: 'first at 40' });
    expect(c.balance(b2)).toBe(460);
    expect(c.market().orders.get(bought)!.state).toBe('filled');
    invariants(c);
    // A bid closed by its account returns its lock; by another it is refused.
    expect(c.run(b2, 'market.close', { order: resting })).toBe('UNAUTHORIZED');
    expect(c.run(b1, 'market.close', { order: resting })).toBeNull();
    expect(c.balance(b1)).toBe(500);
    expect(c.run(b1, 'market.close', { order: resting })).toBe('BAD_REQUEST');
    expect(c.market().book.get(stream)!.bids).toEqual([]);
    invariants(c);
  });

  it('refuses what the book does not trade, with typed errors that change nothing', () => {
    const c = chain();
    const before = c.balance(b1);
    expect(c.run(gateway, 'market.ask', { ...ask(), dataset: 'air' })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/device data streams/);
    expect(c.run(b1, 'market.ask', ask())).toBe('UNAUTHORIZED');
    expect(c.run(b1, 'market.bid', { dataset: 'dev-none-none', price: 1 })).toBe('NOT_FOUND');
    expect(c.run(b1, 'market.bid', { dataset: stream, price: 501 })).toBe('INSUFFICIENT_FUNDS');
    expect(c.run(gateway, 'market.bid', { dataset: stream, price: 1 })).toBe('BAD_REQUEST');
    expect(c.run(b1, 'market.close', { order: 'ab'.repeat(32) })).toBe('NOT_FOUND');
    expect(c.balance(b1)).toBe(before);
    expect(c.market().bookOpen).toBe(0);
    // The open orders of one account are limited.
    const txs = [];
    for (let i = 0; i <= ordersOpenPerAccountMax; i++)
      txs.push(c.tx(gateway, 'market.ask', ask({ price: 100 + i })));
    const executed = c.block(txs);
    expect(executed.failed.map((f) => f.error?.code)).toEqual(['TOO_LARGE']);
    expect(c.market().bookOpen).toBe(ordersOpenPerAccountMax);
    expect(c.market().openByAccount.get(gateway.did)).toBe(ordersOpenPerAccountMax);
    invariants(c);
  });

  it('closes a resting bid whose buyer cannot buy any more, returning its lock', () => {
    const c = chain();
    const executed = c.block([
      c.tx(b1, 'market.bid', { dataset: stream, price: 50 }),
      c.tx(b1, 'market.bid', { dataset: stream, price: 45 }),
      c.tx(b2, 'market.bid', { dataset: stream, price: 42 }),
    ]);
    const [high, second, other] = executed.txIds;
    expect(c.balance(b1)).toBe(405);
    // An ask of three windows at 40: b1 buys at 50; its second bid cannot be filled (b1 has a
    // purchase of the stream): it is closed and returned; b2 buys at 42; one window rests.
    expect(c.run(gateway, 'market.ask', ask({ quantity: 3 }))).toBeNull();
    const a = c.market().orders.get(c.lastTx())!;
    expect(a).toMatchObject({ filled: 2, state: 'open' });
    expect(c.market().orders.get(second!)!.state).toBe('cancelled');
    expect(c.market().purchases.get(high!)!.price).toBe(50);
    expect(c.market().purchases.get(other!)!.price).toBe(42);
    expect(c.balance(b1)).toBe(450);
    expect(c.market().book.get(stream)!.bids).toEqual([]);
    expect(c.market().bookOpen).toBe(1);
    invariants(c);
  });

  it('drops an order at the block after its last height: it never matches, a bid is paid back', () => {
    const c = chain();
    // b1 bids 50 for two blocks, b2 bids 30 until closed; b3's bid for one block gets filled.
    const executed = c.block([
      c.tx(b1, 'market.bid', { dataset: stream, price: 50, expiresBlocks: 2 }),
      c.tx(b2, 'market.bid', { dataset: stream, price: 30 }),
    ]);
    const placed = c.state.height;
    const [expiring, lasting] = executed.txIds;
    expect(c.market().orders.get(expiring!)!.expires).toBe(placed + 2);
    expect(c.market().orders.get(lasting!)!.expires).toBeNull();
    expect(c.market().expiring.get(placed + 2)).toEqual([expiring]);
    expect(c.balance(b1)).toBe(450);
    // An ask with an expiry, then the next block: both still in the book and locked.
    expect(c.run(gateway, 'market.ask', ask({ price: 60, expiresBlocks: 1 }))).toBeNull();
    const shortAsk = c.lastTx();
    expect(c.state.height).toBe(placed + 1);
    expect(
      c
        .market()
        .book.get(stream)!
        .bids.map((b) => b.id),
    ).toEqual([expiring, lasting]);
    c.block([]);
    // Height placed + 2 was the bid's last; the ask's was placed + 2 as well.
    expect(c.market().orders.get(expiring!)!.state).toBe('open');
    invariants(c);
    c.block([]);
    expect(c.market().orders.get(expiring!)!.state).toBe('expired');
    expect(c.market().orders.get(shortAsk)!.state).toBe('expired');
    expect(c.balance(b1)).toBe(500);
    expect(
      c
        .market()
        .book.get(stream)!
        .bids.map((b) => b.id),
    ).toEqual([lasting]);
    expect(c.market().book.get(stream)!.asks).toEqual([]);
    expect(c.market().expiring.size).toBe(0);
    expect(c.market().bookOpen).toBe(1);
    expect(c.market().openByAccount.get(b1.did)).toBeUndefined();
    invariants(c);
    // A new ask at 25 fills the bid that is left (30), not the expired one (50).
    expect(c.run(gateway, 'market.ask', ask({ price: 25 }))).toBeNull();
    expect(c.market().purchases.get(lasting!)).toMatchObject({ buyer: b2.did, price: 30 });
    expect(c.market().purchases.has(expiring!)).toBe(false);
    // An order filled before its last height leaves the expiry index.
    expect(c.run(b3, 'market.bid', { dataset: stream, price: 20, expiresBlocks: 5 })).toBeNull();
    const filled = c.lastTx();
    expect(c.market().expiring.size).toBe(1);
    expect(c.run(gateway, 'market.ask', ask({ price: 20 }))).toBeNull();
    expect(c.market().orders.get(filled)!.state).toBe('filled');
    expect(c.market().expiring.size).toBe(0);
    invariants(c);
    const loaded = c.reload();
    expect(loaded.market).toEqual(c.state.market);
    expect(loaded.trie.rootHash()).toEqual(c.state.trie.rootHash());
    // The expiry is a whole number of blocks from 1.
    for (const bad of [0, 1.5, '2'])
      expect(() =>
        marketBodyRules['market.bid'].check({ dataset: stream, price: 1, expiresBlocks: bad }),
      ).toThrow(/expiresBlocks/);
  });
});
