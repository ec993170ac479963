// Property: over random blocks of offers (some under a key check), buys, demands, cancels,
// deliveries (good and bad keys), refunds (early and late), withdrawals, key disputes (with the
// buyer's bond) and answers that cannot prove the key, settlements at the end of a window, and
// the order book of a device stream (asks, bids, some
// with an expiry, closes), many of them failing, the balances always add up to
// the supply, none is negative, the escrow holds exactly what open purchases and resting demands
// lock, every purchase ends delivered or refunded at most once, and a chain reloaded from its
// entries holds the same market.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testIdentity } from '../../testing';
import type { Tx } from '../../tx';
import { supplyCheck } from '../tokens';
import { escrowCheck } from './apply';
import { deliveryKeys, marketGenesis, MarketChain } from './testing';

const sellers = [0, 1].map((i) => testIdentity(`mkt prop seller ${i}`));
const buyers = [0, 1, 2].map((i) => testIdentity(`mkt prop buyer ${i}`));
const datasets = ['s0', 's1'];
/** seller 0's device stream, traded in the order book. */
const stream = 'dev-w0-g0';
const latestOf: Record<string, number> = { s0: 2, s1: 1, [stream]: 2 };

type Op =
  | { kind: 'offer'; who: number; price: number; penalty: number; deliver: number; dispute: number }
  | { kind: 'buy'; who: number; pick: number; right: boolean }
  | { kind: 'demand'; who: number; ds: number; maxPrice: number }
  | { kind: 'cancel'; who: number; pick: number }
  | { kind: 'deliver'; pick: number; good: boolean }
  | { kind: 'refund'; who: number; pick: number }
  | { kind: 'withdraw'; pick: number }
  | { kind: 'ask'; who: number; price: number; quantity: number; penalty: number; expires: number }
  | { kind: 'bid'; who: number; price: number; expires: number }
  | { kind: 'close'; who: number; pick: number }
  | { kind: 'dispute'; who: number; pick: number }
  | { kind: 'answer'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('offer' as const),
    who: fc.nat(1),
    price: fc.integer({ min: 1, max: 80 }),
    penalty: fc.nat(30),
    deliver: fc.integer({ min: 1, max: 4 }),
    // 0: no key check
    dispute: fc.nat(3),
  }),
  fc.record({
    kind: fc.constant('buy' as const),
    who: fc.nat(2),
    pick: fc.nat(20),
    right: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('demand' as const),
    who: fc.nat(2),
    ds: fc.nat(1),
    maxPrice: fc.integer({ min: 1, max: 120 }),
  }),
  fc.record({ kind: fc.constant('cancel' as const), who: fc.nat(2), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(20), good: fc.boolean() }),
  fc.record({ kind: fc.constant('refund' as const), who: fc.nat(2), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('withdraw' as const), pick: fc.nat(20) }),
  fc.record({
    kind: fc.constant('ask' as const),
    who: fc.nat(1),
    price: fc.integer({ min: 1, max: 80 }),
    quantity: fc.integer({ min: 1, max: 3 }),
    penalty: fc.nat(30),
    // 0: no expiry
    expires: fc.nat(3),
  }),
  fc.record({
    kind: fc.constant('bid' as const),
    who: fc.nat(2),
    price: fc.integer({ min: 1, max: 120 }),
    expires: fc.nat(3),
  }),
  fc.record({ kind: fc.constant('close' as const), who: fc.nat(4), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('dispute' as const), who: fc.nat(2), pick: fc.nat(20) }),
  // More good deliveries and disputes, so that sales under a key check reach every state.
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(20), good: fc.constant(true) }),
  fc.record({ kind: fc.constant('dispute' as const), who: fc.nat(2), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('answer' as const), pick: fc.nat(20) }),
);

const expiry = (n: number) => (n === 0 ? {} : { expiresBlocks: n });

function at<T>(list: readonly T[], pick: number): T | undefined {
  return list.length ? list[pick % list.length] : undefined;
}

describe('market escrow conservation (property)', () => {
  it('keeps supply, escrow and purchases consistent over random trades', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { maxLength: 6 }), { minLength: 1, maxLength: 10 }),
        (blocks) => {
          const c = new MarketChain(
            marketGenesis([
              [sellers[0]!, 60],
              [sellers[1]!, 10],
              [buyers[0]!, 300],
              [buyers[1]!, 100],
              [buyers[2]!, 40],
            ]),
          );
          c.publish(sellers[0]!, 's0', 2, true);
          c.publish(sellers[1]!, 's1', 1);
          c.publish(sellers[0]!, stream, 2);
          c.block(buyers.map((b) => c.keyTx(b)));
          const supply = c.tokens().supply;
          const closedOnce = new Map<string, string>();
          for (const ops of blocks) {
            const market = c.market();
            const offers = [...market.offers.values()];
            const demands = [...market.demands.values()];
            const purchases = [...market.purchases.values()];
            const orders = [...market.orders.values()];
            const everyone = [...sellers, ...buyers];
            const txs: Tx[] = [];
            for (const o of ops) {
              if (o.kind === 'offer')
                txs.push(
                  c.tx(sellers[o.who]!, 'market.offer', {
                    dataset: datasets[o.who],
                    price: o.price,
                    terms: 't',
                    penalty: o.penalty,
                    deliverBlocks: o.deliver,
                    ...(o.dispute ? { disputeBlocks: o.dispute } : {}),
                  }),
                );
              else if (o.kind === 'buy') {
                const f = at(offers, o.pick);
                if (f)
                  txs.push(
                    c.tx(buyers[o.who]!, 'market.buy', {
                      offer: f.id,
                      price: o.right ? f.price : f.price + 1,
                    }),
                  );
              } else if (o.kind === 'demand')
                txs.push(
                  c.tx(buyers[o.who]!, 'market.demand', {
                    dataset: datasets[o.ds],
                    maxPrice: o.maxPrice,
                  }),
                );
              else if (o.kind === 'cancel') {
                const d = at(demands, o.pick);
                if (d) txs.push(c.tx(buyers[o.who]!, 'market.cancel', { demand: d.id }));
              } else if (o.kind === 'deliver') {
                const p = at(purchases, o.pick);
                if (p) {
                  const seller = sellers.find((s) => s.did === p.seller)!;
                  const buyer = buyers.find((b) => b.did === p.buyer)!;
                  const latest = latestOf[p.dataset]!;
                  txs.push(
                    c.tx(seller, 'market.deliver', {
                      purchase: p.id,
                      keys: deliveryKeys(buyer, o.good ? 1 : latest, latest),
                    }),
                  );
                }
              } else if (o.kind === 'refund') {
                const p = at(purchases, o.pick);
                if (p) txs.push(c.tx(buyers[o.who]!, 'market.refund', { purchase: p.id }));
              } else if (o.kind === 'ask')
                txs.push(
                  c.tx(sellers[o.who]!, 'market.ask', {
                    dataset: stream,
                    price: o.price,
                    terms: 't',
                    quantity: o.quantity,
                    penalty: o.penalty,
                    deliverBlocks: 2,
                    ...expiry(o.expires),
                  }),
                );
              else if (o.kind === 'bid')
                txs.push(
                  c.tx(buyers[o.who]!, 'market.bid', {
                    dataset: stream,
                    price: o.price,
                    ...expiry(o.expires),
                  }),
                );
              else if (o.kind === 'dispute') {
                const p = at(purchases, o.pick);
                if (p) txs.push(c.tx(buyers[o.who]!, 'market.dispute', { purchase: p.id }));
              } else if (o.kind === 'answer') {
                const p = at(purchases, o.pick);
                const seller = p && sellers.find((s) => s.did === p.seller);
                // The fake wraps open to no key: every answer is refused.
                if (p && seller)
                  txs.push(
                    c.tx(seller, 'market.answer', {
                      purchase: p.id,
                      secrets: [new Uint8Array(32).fill(o.pick + 1)],
                    }),
                  );
              } else if (o.kind === 'close') {
                const order = at(orders, o.pick);
                if (order) txs.push(c.tx(everyone[o.who]!, 'market.close', { order: order.id }));
              } else {
                const f = at(offers, o.pick);
                if (f)
                  txs.push(
                    c.tx(sellers.find((s) => s.did === f.seller)!, 'market.withdraw', {
                      offer: f.id,
                    }),
                  );
              }
            }
            c.block(txs);
            // Failed transactions used their nonces; keep the counter in step with the chain.
            for (const id of [...sellers, ...buyers])
              c.nonces.set(id.did, c.state.nonces.get(id.did) ?? 0);
            const tokens = c.tokens();
            expect(supplyCheck(tokens)).toBeNull();
            expect(tokens.supply).toBe(supply);
            expect(escrowCheck(c.market(), tokens)).toBeNull();
            for (const p of c.market().purchases.values()) {
              if (p.state === 'escrow' || p.state === 'checking' || p.state === 'disputed')
                continue;
              const was = closedOnce.get(p.id);
              if (was) expect(p.state).toBe(was);
              closedOnce.set(p.id, p.state);
              // A delivered purchase made its buyer a reader; a refunded one did not.
              const readers = c.state.datasets!.datasets.get(p.dataset)!.readers;
              if (p.state === 'delivered') expect(readers).toContain(p.buyer);
            }
          }
          expect(c.reload().market).toEqual(c.state.market);
        },
      ),
      { numRuns: 25 },
    );
  });
});
