// The key check of a market sale (D-8.3) on the pure core, with real wraps (X25519 + HKDF +
// WebCrypto AES-256-GCM, as the host makes them): the escrow waits for the dispute window after
// a delivery; a disputed right key is proven by the seller's answer (the seller is paid with the
// buyer's dispute bond, the buyer gets nothing back); a disputed wrong key or a wrap that does
// not open cannot be answered, and at the end of the time to answer the buyer gets the price,
// the penalty and its bond back and the seller's failure is recorded; without a dispute the seller is paid when the window ends.
import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { testIdentity, type TestIdentity } from '../../testing';
import { checkTx } from '../../tx';
import { supplyCheck } from '../tokens';
import { bindingFromSeed, keyCheckOf, wrapAad, wrappingKey } from '../datasets/keys';
import { escrowCheck } from './apply';
import { marketGenesis, MarketChain } from './testing';
import { escrowAccount } from './types';

const seller = testIdentity('kc seller');
const buyer = testIdentity('kc buyer');
const other = testIdentity('kc other');
const fingerprint = new Uint8Array(32).fill(9);
const contentKey = new Uint8Array(32).fill(42);

/** A wrap of `key` for `reader` made with the ephemeral private key `secret` (as the host does). */
async function wrap(key: Uint8Array, reader: TestIdentity, secret: Uint8Array) {
  const readerKey = bindingFromSeed(reader.seed, reader.did).x25519;
  const ephemeral = x25519.getPublicKey(secret);
  const kek = await crypto.subtle.importKey(
    'raw',
    wrappingKey(x25519.getSharedSecret(secret, readerKey), ephemeral, readerKey) as BufferSource,
    'AES-GCM',
    false,
    ['encrypt'],
  );
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: new Uint8Array(12),
        additionalData: wrapAad(fingerprint, reader.did) as BufferSource,
      },
      kek,
      key as BufferSource,
    ),
  );
  return { reader: reader.did, ephemeral, sealed };
}

/** A chain where the seller sold version 1 (key check committed) under a 3-block window. */
async function sold(keyCheck = true) {
  const c = new MarketChain(
    marketGenesis([
      [seller, 100],
      [buyer, 500],
      [other, 30],
    ]),
  );
  c.block([
    c.keyTx(seller),
    c.keyTx(buyer),
    c.tx(seller, 'dataset.publish', {
      id: 'air',
      labels: [],
      schema: 'csv',
      policy: { mode: 'owner' },
    }),
  ]);
  expect(
    c.run(seller, 'dataset.version', {
      dataset: 'air',
      version: 1,
      fingerprint,
      sealedBytes: 100,
      keys: [await wrap(contentKey, seller, x25519.utils.randomSecretKey())],
      ...(keyCheck ? { keyCheck: keyCheckOf(contentKey, fingerprint) } : {}),
    }),
  ).toBeNull();
  expect(
    c.run(seller, 'market.offer', {
      dataset: 'air',
      price: 40,
      terms: 'research only',
      penalty: 10,
      disputeBlocks: 3,
    }),
  ).toBeNull();
  const offer = c.lastTx();
  expect(c.run(buyer, 'market.buy', { offer, price: 40 })).toBeNull();
  return { c, purchase: c.lastTx() };
}

function invariants(c: MarketChain): void {
  expect(supplyCheck(c.tokens())).toBeNull();
  expect(escrowCheck(c.market(), c.tokens())).toBeNull();
}

async function deliver(c: MarketChain, purchase: string, key: Uint8Array) {
  const secret = x25519.utils.randomSecretKey();
  const keys = [{ version: 1, key: await wrap(key, buyer, secret) }];
  expect(c.run(seller, 'market.deliver', { purchase, keys })).toBeNull();
  return secret;
}

describe('market: checking on chain that a delivered key is the version’s key (D-8.3)', () => {
  it('keeps the escrow through the window, then pays the seller when nobody disputed', async () => {
    const { c, purchase } = await sold();
    await deliver(c, purchase, contentKey);
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'checking' });
    expect(c.balance(escrowAccount)).toBe(50);
    expect(c.balance(seller)).toBe(90);
    invariants(c);
    // The buyer can read: its grant came with the delivery.
    expect(c.state.datasets!.datasets.get('air')!.readers).toContain(buyer.did);
    const until = c.market().purchases.get(purchase)!.until!;
    while (c.state.height <= until) c.block([]);
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'delivered' });
    expect(c.balance(seller)).toBe(140);
    expect(c.balance(escrowAccount)).toBe(0);
    expect(c.market().reputation.get(seller.did)).toEqual({ delivered: 1, failed: 0 });
    expect(c.market().checking.size).toBe(0);
    invariants(c);
    // A reloaded chain agrees.
    expect(c.reload().market!.purchases.get(purchase)!.state).toBe('delivered');
  });

  it('a right key cannot be disputed: the seller’s answer proves it and is paid', async () => {
    const { c, purchase } = await sold();
    const secret = await deliver(c, purchase, contentKey);
    expect(c.run(buyer, 'market.dispute', { purchase })).toBeNull();
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'disputed' });
    // A secret that is not the wrap's is refused, and so is an answer by another account.
    expect(
      c.run(seller, 'market.answer', { purchase, secrets: [x25519.utils.randomSecretKey()] }),
    ).toBe('UNAUTHORIZED');
    expect(c.lastError()).toMatch(/not the private key of the wrap's ephemeral key/);
    expect(c.run(other, 'market.answer', { purchase, secrets: [secret] })).toBe('UNAUTHORIZED');
    expect(c.run(seller, 'market.answer', { purchase, secrets: [secret] })).toBeNull();
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'delivered' });
    // The seller gets the price, its penalty and the buyer's bond (the penalty) for the false dispute.
    expect(c.balance(seller)).toBe(150);
    expect(c.balance(buyer)).toBe(450);
    expect(c.market().reputation.get(seller.did)).toEqual({ delivered: 1, failed: 0 });
    invariants(c);
  });

  it('a wrong key is detected: the seller cannot answer, the buyer is refunded with the penalty', async () => {
    const { c, purchase } = await sold();
    const wrongKey = new Uint8Array(32).fill(7);
    const secret = await deliver(c, purchase, wrongKey);
    expect(c.run(buyer, 'market.dispute', { purchase })).toBeNull();
    // The dispute locked the buyer's bond of the penalty in the escrow.
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'disputed', bond: 10 });
    expect(c.balance(buyer)).toBe(450);
    expect(c.balance(escrowAccount)).toBe(60);
    invariants(c);
    expect(c.run(seller, 'market.answer', { purchase, secrets: [secret] })).toBe('UNAUTHORIZED');
    expect(c.lastError()).toMatch(/not the one its owner committed/);
    const until = c.market().purchases.get(purchase)!.until!;
    while (c.state.height <= until) {
      expect(c.market().purchases.get(purchase)!.state).toBe('disputed');
      c.block([]);
    }
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'refunded' });
    expect(c.balance(buyer)).toBe(510); // the price back, the seller's penalty and its bond
    expect(c.balance(seller)).toBe(90);
    expect(c.market().reputation.get(seller.did)).toEqual({ delivered: 0, failed: 1 });
    // Too late now: answering or disputing again.
    expect(c.run(seller, 'market.answer', { purchase, secrets: [secret] })).toBe('BAD_REQUEST');
    expect(c.run(buyer, 'market.dispute', { purchase })).toBe('BAD_REQUEST');
    invariants(c);
  });

  it('a wrap that does not open is detected the same way', async () => {
    const { c, purchase } = await sold();
    const secret = x25519.utils.randomSecretKey();
    const junk = {
      reader: buyer.did,
      ephemeral: x25519.getPublicKey(secret),
      sealed: new Uint8Array(48).fill(5),
    };
    expect(
      c.run(seller, 'market.deliver', { purchase, keys: [{ version: 1, key: junk }] }),
    ).toBeNull();
    expect(c.run(buyer, 'market.dispute', { purchase })).toBeNull();
    expect(c.run(seller, 'market.answer', { purchase, secrets: [secret] })).toBe('UNAUTHORIZED');
    expect(c.lastError()).toMatch(/the wrap does not open/);
  });

  it('refuses bad disputes, answers and deliveries with typed errors', async () => {
    const { c, purchase } = await sold();
    // Nothing delivered yet.
    expect(c.run(buyer, 'market.dispute', { purchase })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/Nothing is delivered yet/);
    const secret = await deliver(c, purchase, contentKey);
    expect(c.run(other, 'market.dispute', { purchase })).toBe('UNAUTHORIZED');
    // A buyer without the bond (the penalty) cannot dispute.
    expect(c.run(buyer, 'token.transfer', { to: other.did, amount: 455 })).toBeNull();
    expect(c.run(buyer, 'market.dispute', { purchase })).toBe('INSUFFICIENT_FUNDS');
    expect(c.lastError()).toMatch(/bond of the seller's penalty \(10\)/);
    expect(c.market().purchases.get(purchase)).toMatchObject({ state: 'checking' });
    expect(c.run(seller, 'market.answer', { purchase, secrets: [secret] })).toBe('BAD_REQUEST');
    expect(c.lastError()).toMatch(/not disputed/);
    expect(c.run(buyer, 'market.dispute', { purchase: 'ab'.repeat(32) })).toBe('NOT_FOUND');
    // Body rules: a secret of the wrong size, none, an unknown field.
    for (const body of [
      { purchase, secrets: [new Uint8Array(31)] },
      { purchase, secrets: [] },
      { purchase, secrets: [secret], extra: 1 },
    ])
      expect(() => checkTx(c.tx(seller, 'market.answer', body))).toThrow();
    expect(() =>
      checkTx(
        c.tx(seller, 'market.offer', {
          dataset: 'air',
          price: 1,
          terms: 't',
          disputeBlocks: 10_001,
        }),
      ),
    ).toThrow(/disputeBlocks/);
    // A sale that promised a key check cannot deliver a version without one.
    const old = await sold(false);
    const keys = [{ version: 1, key: await wrap(contentKey, buyer, secret) }];
    expect(old.c.run(seller, 'market.deliver', { purchase: old.purchase, keys })).toBe(
      'BAD_REQUEST',
    );
    expect(old.c.lastError()).toMatch(/no committed key check/);
    invariants(c);
  });
});
