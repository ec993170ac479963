// The data market on the pure core: an offer, a purchase locked in escrow, delivery (the grant and
// the release in one transaction), refund after the deadline with the seller's penalty, demands
// matched deterministically, typed refusals that change nothing, and a reloaded chain.
import { describe, expect, it } from 'vitest';
import { testIdentity } from '../../testing';
import { checkTx } from '../../tx';
import type { BotError } from '../../errors';
import { supplyCheck } from '../tokens';
import { escrowCheck } from './apply';
import { deliveryKeys, marketGenesis, MarketChain } from './testing';
import { escrowAccount, termsLengthMax } from './types';

const seller = testIdentity('mkt seller');
const buyer = testIdentity('mkt buyer');
const other = testIdentity('mkt other');

function chain(versions = 2): MarketChain {
  const c = new MarketChain(
    marketGenesis([
      [seller, 100],
      [buyer, 500],
      [other, 30],
    ]),
  );
  c.publish(seller, 'air', versions);
  c.block([c.keyTx(buyer), c.keyTx(other)]);
  return c;
}

function offer(c: MarketChain, extra: Record<string, unknown> = {}): string {
  expect(
    c.run(seller, 'market.offer', { dataset: 'air', price: 40, terms: 'research only', ...extra }),
  ).toBeNull();
  return c.lastTx();
}

function invariants(c: MarketChain): void {
  expect(supplyCheck(c.tokens())).toBeNull();
  expect(escrowCheck(c.market(), c.tokens())).toBeNull();
}

describe('market: posted price through escrow', () => {
  it('locks the price and penalty, then the delivery grants the key and pays the seller at once', () => {
    const c = chain();
    const id = offer(c, { penalty: 10, deliverBlocks: 20 });
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBeNull();
    const purchase = c.lastTx();
    expect(c.balance(buyer)).toBe(460);
    expect(c.balance(seller)).toBe(90);
    expect(c.balance(escrowAccount)).toBe(50);
    const p = c.market().purchases.get(purchase)!;
    expect(p).toMatchObject({
      state: 'escrow',
      buyer: buyer.did,
      seller: seller.did,
      price: 40,
      penalty: 10,
    });
    // The buyer's access is an approved request by the market, whose purpose is the terms.
    const request = c.state.datasets!.open.get(purchase)!;
    expect(request).toMatchObject({
      state: 'approved',
      by: 'market',
      purpose: 'research only',
      reader: buyer.did,
    });
    invariants(c);
    // A plain grant or denial of a purchase's request is refused: only market.deliver answers it.
    expect(
      c.run(seller, 'dataset.grant', { request: purchase, keys: deliveryKeys(buyer, 1, 2) }),
    ).toBe('BAD_REQUEST');
    expect(c.run(seller, 'dataset.deny', { request: purchase })).toBe('BAD_REQUEST');
    // Only the seller delivers, with a key for every version of the grant window.
    expect(c.run(other, 'market.deliver', { purchase, keys: deliveryKeys(buyer, 1, 2) })).toBe(
      'UNAUTHORIZED',
    );
    expect(c.run(seller, 'market.deliver', { purchase, keys: deliveryKeys(buyer, 2, 2) })).toBe(
      'BAD_REQUEST',
    );
    expect(c.lastError()).toMatch(/versions 1 to 2/);
    expect(c.run(seller, 'market.deliver', { purchase, keys: deliveryKeys(other, 1, 2) })).toBe(
      'BAD_REQUEST',
    );
    expect(c.balance(escrowAccount)).toBe(50);
    expect(
      c.run(seller, 'market.deliver', { purchase, keys: deliveryKeys(buyer, 1, 2) }),
      c.lastError(),
    ).toBeNull();
    expect(c.balance(seller)).toBe(140);
    expect(c.balance(escrowAccount)).toBe(0);
    expect(c.market().purchases.get(purchase)!.state).toBe('delivered');
    expect(c.market().reputation.get(seller.did)).toEqual({ delivered: 1, failed: 0 });
    const ds = c.state.datasets!;
    expect(ds.datasets.get('air')!.readers).toEqual([buyer.did]);
    expect(ds.versions.get('air/2')!.readers).toContain(buyer.did);
    invariants(c);
    // Delivered once: a second delivery, a refund, or buying again are refused.
    expect(c.run(seller, 'market.deliver', { purchase, keys: deliveryKeys(buyer, 1, 2) })).toBe(
      'BAD_REQUEST',
    );
    expect(c.run(buyer, 'market.refund', { purchase })).toBe('BAD_REQUEST');
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/read "air" already/);
    // A reloaded chain holds the same market and the same state root.
    const loaded = c.reload();
    expect(loaded.market).toEqual(c.state.market);
    expect(loaded.trie.rootHash()).toEqual(c.state.trie.rootHash());
  });

  it('refunds the price and the penalty after the deadline, records the failure, and refuses late delivery', () => {
    const c = chain();
    const id = offer(c, { penalty: 10, deliverBlocks: 2 });
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBeNull();
    const purchase = c.lastTx();
    const deadline = c.market().purchases.get(purchase)!.deadline;
    expect(deadline).toBe(c.state.height + 2 - 0);
    expect(c.run(other, 'market.refund', { purchase })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/until block/);
    c.block([]);
    expect(c.state.height).toBe(deadline);
    c.block([]);
    expect(c.run(seller, 'market.deliver', { purchase, keys: deliveryKeys(buyer, 1, 2) })).toBe(
      'BAD_REQUEST',
    );
    expect(c.lastError()).toMatch(/deadline/);
    // Anyone may claim the refund for the buyer.
    expect(c.run(other, 'market.refund', { purchase })).toBeNull();
    expect(c.balance(buyer)).toBe(510);
    expect(c.balance(seller)).toBe(90);
    expect(c.market().reputation.get(seller.did)).toEqual({ delivered: 0, failed: 1 });
    expect(c.state.datasets!.open.has(purchase)).toBe(false);
    invariants(c);
    // The buyer may buy again (its request is closed).
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBeNull();
    invariants(c);
  });

  it("refuses a double buy, short funds, a wrong price, a withdrawn offer and a stranger's offer, changing nothing", () => {
    const c = chain();
    const id = offer(c);
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBeNull();
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/already have a approved request/);
    expect(c.run(other, 'market.buy', { offer: id, price: 40 })).toBe('INSUFFICIENT_FUNDS');
    expect(c.balance(other)).toBe(30);
    expect(c.run(other, 'market.buy', { offer: id, price: 30 })).toBe('BAD_REQUEST');
    expect(c.run(seller, 'market.buy', { offer: id, price: 40 })).toBe('BAD_REQUEST');
    expect(c.run(other, 'market.buy', { offer: 'ab'.repeat(32), price: 40 })).toBe('NOT_FOUND');
    expect(c.run(buyer, 'market.offer', { dataset: 'air', price: 1, terms: 'x' })).toBe(
      'UNAUTHORIZED',
    );
    expect(c.run(seller, 'market.offer', { dataset: 'nope', price: 1, terms: 'x' })).toBe(
      'NOT_FOUND',
    );
    expect(c.run(buyer, 'market.withdraw', { offer: id })).toBe('UNAUTHORIZED');
    expect(c.market().purchases.size).toBe(1);
    expect(c.run(seller, 'market.withdraw', { offer: id })).toBeNull();
    expect(c.run(seller, 'market.withdraw', { offer: id })).toBe('BAD_REQUEST');
    expect(c.run(other, 'market.buy', { offer: id, price: 40 })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/withdrawn/);
    invariants(c);
  });

  it('refuses a buyer without an X25519 key, an offer of an empty dataset, and a chain without tokens', () => {
    const c = new MarketChain(
      marketGenesis([
        [seller, 10],
        [buyer, 100],
      ]),
    );
    c.publish(seller, 'empty', 0);
    expect(c.run(seller, 'market.offer', { dataset: 'empty', price: 5, terms: 't' })).toBe(
      'BAD_REQUEST',
    );
    c.publish(seller, 'air', 1);
    const id = offer(c);
    expect(c.run(buyer, 'market.buy', { offer: id, price: 40 })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/X25519/);
    expect(c.balance(buyer)).toBe(100);
    const { tokens: _none, ...noTokens } = marketGenesis([]);
    const plain = new MarketChain(noTokens);
    plain.publish(seller, 'air', 1);
    expect(plain.run(seller, 'market.offer', { dataset: 'air', price: 5, terms: 't' })).toBe(
      'BAD_REQUEST',
    );
    expect(plain.lastError()).toMatch(/no token/);
  });

  it('refuses malformed bodies with typed errors naming the limit', () => {
    const c = chain();
    const code = (type: string, body: unknown) => {
      try {
        checkTx({
          chain: c.state.chainId,
          type,
          from: seller.did,
          nonce: 1,
          time: 1,
          body,
          sig: new Uint8Array(64),
        });
        return 'accepted';
      } catch (error) {
        return (error as BotError).code;
      }
    };
    expect(code('market.offer', { dataset: 'air', price: 1, terms: 'ok' })).toBe('accepted');
    expect(code('market.offer', { dataset: 'air', price: 0, terms: 'ok' })).toBe('BAD_FIELD_TYPE');
    expect(code('market.offer', { dataset: 'air', price: 1.5, terms: 'ok' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(code('market.offer', { dataset: 'air', price: '1', terms: 'ok' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(
      code('market.offer', { dataset: 'air', price: 1, terms: 'x'.repeat(termsLengthMax + 1) }),
    ).toBe('BAD_FIELD_TYPE');
    expect(code('market.offer', { dataset: 'air', price: 1, terms: '  ' })).toBe('BAD_FIELD_TYPE');
    expect(code('market.offer', { dataset: '../x', price: 1, terms: 'ok' })).toBe('BAD_FIELD_TYPE');
    expect(code('market.offer', { dataset: 'air', price: 1 })).toBe('MISSING_FIELD');
    expect(code('market.offer', { dataset: 'air', price: 1, terms: 'ok', owner: 'me' })).toBe(
      'MALFORMED',
    );
    expect(code('market.offer', { dataset: 'air', price: 1, terms: 'ok', deliverBlocks: 0 })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(code('market.buy', { offer: 'nothex', price: 1 })).toBe('BAD_FIELD_TYPE');
    expect(code('market.buy', [])).toBe('MALFORMED');
    expect(code('market.demand', { dataset: 'air', maxPrice: -1 })).toBe('BAD_FIELD_TYPE');
    expect(code('market.deliver', { purchase: 'ab'.repeat(32), keys: 'k' })).toBe('TOO_LARGE');
    expect(
      code('market.deliver', {
        purchase: 'ab'.repeat(32),
        keys: [...deliveryKeys(buyer, 2, 2), ...deliveryKeys(buyer, 1, 1)],
      }),
    ).toBe('BAD_FIELD_TYPE');
    expect(code('market.refund', {})).toBe('MISSING_FIELD');
  });
});

describe('market: demands and matching', () => {
  it('matches a demand with the cheapest open offer at its price, and rests one with none', () => {
    const c = chain();
    // Two offers of one dataset: the cheaper is taken, at its price.
    const dear = offer(c, { terms: 'dear' });
    expect(c.run(seller, 'market.offer', { dataset: 'air', price: 25, terms: 'cheap' })).toBeNull();
    const cheap = c.lastTx();
    expect(c.run(buyer, 'market.demand', { dataset: 'air', maxPrice: 50 })).toBeNull();
    const demand = c.lastTx();
    const p = c.market().purchases.get(demand)!;
    expect(p).toMatchObject({ offer: cheap, price: 25, demand, state: 'escrow' });
    expect(c.balance(buyer)).toBe(475);
    expect(c.market().demands.get(demand)!.state).toBe('filled');
    invariants(c);
    // A demand below every price rests with maxPrice locked; a new offer fills it at the offer's price.
    expect(c.run(other, 'market.demand', { dataset: 'air', maxPrice: 20 })).toBeNull();
    const resting = c.lastTx();
    expect(c.market().demands.get(resting)!.state).toBe('open');
    expect(c.balance(other)).toBe(10);
    expect(c.balance(escrowAccount)).toBe(45);
    invariants(c);
    expect(c.run(other, 'market.demand', { dataset: 'air', maxPrice: 5 })).toBe('BAD_REQUEST');
    expect(c.run(seller, 'market.offer', { dataset: 'air', price: 15, terms: 'sale' })).toBeNull();
    const sale = c.lastTx();
    expect(c.market().purchases.get(resting)).toMatchObject({
      offer: sale,
      price: 15,
      buyer: other.did,
    });
    expect(c.balance(other)).toBe(15);
    expect(c.market().offers.get(sale)!.sold).toBe(1);
    expect(c.market().offers.get(dear)!.sold).toBe(0);
    invariants(c);
  });

  it('lets a buyer cancel a resting demand and have its escrow back; only its buyer', () => {
    const c = chain();
    expect(c.run(other, 'market.demand', { dataset: 'air', maxPrice: 20 })).toBeNull();
    const demand = c.lastTx();
    expect(c.run(buyer, 'market.cancel', { demand })).toBe('UNAUTHORIZED');
    // A resting demand blocks a posted-price buy of the same dataset (one open trade per buyer).
    const id = offer(c, { price: 25 });
    expect(c.market().demands.get(demand)!.state).toBe('open');
    expect(c.run(other, 'market.buy', { offer: id, price: 25 })).toBe('BAD_REQUEST');
    expect(c.run(other, 'market.cancel', { demand })).toBeNull();
    expect(c.balance(other)).toBe(30);
    expect(c.run(other, 'market.cancel', { demand })).toBe('BAD_REQUEST');
    invariants(c);
  });
});
