// The data market over a memory mesh of real hosts (issue 16; Y.4560 8.3, 9.7): a buyer pays into
// escrow, the seller's peer delivers by itself (it wraps the dataset key for the buyer and the
// escrow releases in the same transaction), and the buyer reads the content on its own peer; a
// seller that was offline delivers once it is back; a seller that stays away past the deadline
// is refunded to the buyer (by the buyer's peer, by itself) with the penalty, and its failure is
// on chain; double buys, short funds and bad inputs are refused before anything is signed.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committed, refusal, startNetPeer, until } from './testing';
import { MemoryStorage } from '../store/memory';
import { MemoryNetwork } from './memory-net';
import { MemoryBlobStore } from '../data/blob-store';
import { toHex, utf8 } from '../core/bytes';
import { escrowAccount } from '../core/modules/market';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

interface Peer {
  host: PeerHost;
  did: string;
  storage: MemoryStorage;
  blobs: MemoryBlobStore;
}

async function startPeer(
  network: MemoryNetwork,
  storage = new MemoryStorage(),
  blobs = new MemoryBlobStore(),
): Promise<Peer> {
  const { host, did } = await startNetPeer(network, hosts, { storage, blobs });
  return { host, did, storage, blobs };
}

/** A consortium chain with a token: the validator, a seller with 20 and a buyer with 100. */
async function market() {
  const network = new MemoryNetwork();
  const validator = await startPeer(network);
  const seller = await startPeer(network);
  const buyer = await startPeer(network);
  await validator.host.createChain({
    name: 'market',
    mode: 'consortium',
    consensus: 'poa',
    validators: [validator.did],
    timeoutMs: 200,
    tokens: {
      symbol: 'BOT',
      allocations: [
        { did: seller.did, amount: 20 },
        { did: buyer.did, amount: 100 },
      ],
    },
  });
  for (const p of [seller, buyer]) await p.host.join(await validator.host.invite());
  await until(async () => {
    for (const p of [seller, buyer]) {
      const { members } = await p.host.governance();
      if (!members.includes(p.did) || (await p.host.status()).admission !== 'admitted')
        return false;
    }
    return true;
  });
  await committed(seller.host, seller.host.publishDataset({ id: 'pm25', labels: ['air'] }));
  await committed(
    seller.host,
    Promise.resolve(seller.host.putDatasetVersion('pm25', utf8('minute,pm25\n1,12\n'))),
  );
  return { network, validator, seller, buyer };
}

async function offerId(host: PeerHost, txId: string): Promise<string> {
  await until(async () => (await host.marketOffers()).offers.some((o) => o.id === txId));
  return txId;
}

/** Blocks the chain moves on by (the validator writes). */
async function advance(validator: Peer, blocks: number): Promise<void> {
  for (let i = 0; i < blocks; i++)
    await committed(
      validator.host,
      validator.host.submit({ type: 'data.put', body: { key: `tick/${i}`, value: i } }),
    );
}

describe('the data market over the mesh (Y.4560 8.3, 9.7)', () => {
  it('a buy locks the price, the seller peer delivers by itself, the buyer reads; double buys and short funds are refused', async () => {
    const { seller, buyer } = await market();
    const offer = await offerId(
      buyer.host,
      await committed(
        seller.host,
        seller.host.offerDataset({
          dataset: 'pm25',
          price: 40,
          terms: 'asthma research only',
          penalty: 5,
        }),
      ),
    );
    const view = await buyer.host.marketOffers();
    expect(view).toMatchObject({ symbol: 'BOT', escrow: 0 });
    expect(view.offers[0]).toMatchObject({
      id: offer,
      price: 40,
      seller: seller.did,
      sellerReputation: { delivered: 0, failed: 0 },
    });

    // Bad inputs are refused before anything is signed.
    expect((await refusal(buyer.host.buyOffer(offer, 39))).code).toBe('BAD_REQUEST');
    expect((await refusal(buyer.host.buyOffer('ab'.repeat(32), 40))).code).toBe('NOT_FOUND');
    expect((await refusal(seller.host.buyOffer(offer, 40))).message).toMatch(/your own offer/);
    expect(
      (await refusal(buyer.host.offerDataset({ dataset: 'pm25', price: 1, terms: 'mine' }))).code,
    ).toBe('UNAUTHORIZED');

    const purchase = await committed(buyer.host, buyer.host.buyOffer(offer, 40));
    // The seller's peer delivers without being asked: the purchase closes as delivered.
    await until(async () =>
      (await buyer.host.marketTrades()).purchases.some(
        (p) => p.id === purchase && p.state === 'delivered',
      ),
    );
    const read = await buyer.host.readDataset('pm25', { purpose: 'asthma research only' });
    expect(new TextDecoder().decode(read.bytes)).toBe('minute,pm25\n1,12\n');
    await until(async () => (await buyer.host.balance(seller.did)).balance === 60);
    expect((await buyer.host.balance()).balance).toBe(60);
    expect((await buyer.host.balance(escrowAccount)).balance).toBe(0);
    const sales = (await seller.host.marketTrades()).sales;
    expect(sales[0]).toMatchObject({ id: purchase, state: 'delivered', buyer: buyer.did });
    expect((await buyer.host.marketOffers()).offers[0]!.sellerReputation).toEqual({
      delivered: 1,
      failed: 0,
    });

    // Bought once: a second buy is refused (it reads already); a dearer offer is beyond its funds.
    expect((await refusal(buyer.host.buyOffer(offer, 40))).message).toMatch(/already/);
    await committed(seller.host, seller.host.publishDataset({ id: 'no2', labels: ['air'] }));
    await committed(
      seller.host,
      Promise.resolve(seller.host.putDatasetVersion('no2', utf8('no2'))),
    );
    const dear = await offerId(
      buyer.host,
      await committed(
        seller.host,
        seller.host.offerDataset({ dataset: 'no2', price: 61, terms: 'any use' }),
      ),
    );
    const short = await refusal(buyer.host.buyOffer(dear, 61));
    expect(short.code).toBe('INSUFFICIENT_FUNDS');
    expect((await buyer.host.balance()).balance).toBe(60);
  }, 60_000);

  it('a seller offline at the purchase delivers once it is back', async () => {
    const { network, seller, buyer } = await market();
    const offer = await offerId(
      buyer.host,
      await committed(
        seller.host,
        seller.host.offerDataset({
          dataset: 'pm25',
          price: 30,
          terms: 'study',
          deliverBlocks: 200,
        }),
      ),
    );
    await seller.host.stop();
    const purchase = await committed(buyer.host, buyer.host.buyOffer(offer, 30));
    const waiting = (await buyer.host.marketTrades()).purchases[0]!;
    expect(waiting).toMatchObject({ id: purchase, state: 'escrow' });
    expect((await buyer.host.balance(escrowAccount)).balance).toBe(30);
    // The seller comes back on its own storage and blobs: it catches up and delivers.
    await startPeer(network, seller.storage, seller.blobs);
    await until(
      async () =>
        (await buyer.host.marketTrades()).purchases.some(
          (p) => p.id === purchase && p.state === 'delivered',
        ),
      30_000,
    );
    const read = await buyer.host.readDataset('pm25', { purpose: 'study' });
    expect(new TextDecoder().decode(read.bytes)).toBe('minute,pm25\n1,12\n');
  }, 60_000);

  it('a seller away past the deadline: the buyer peer claims the refund with the penalty; the failure is on chain', async () => {
    const { network, validator, seller, buyer } = await market();
    const offer = await offerId(
      buyer.host,
      await committed(
        seller.host,
        seller.host.offerDataset({
          dataset: 'pm25',
          price: 30,
          terms: 'study',
          deliverBlocks: 2,
          penalty: 10,
        }),
      ),
    );
    await seller.host.stop();
    const purchase = await committed(buyer.host, buyer.host.buyOffer(offer, 30));
    expect((await buyer.host.balance()).balance).toBe(70);
    // Early: the refund is refused (the seller still has time).
    expect((await refusal(buyer.host.refundPurchase(purchase))).message).toMatch(/until block/);
    await advance(validator, 3);
    await until(async () =>
      (await buyer.host.marketTrades()).purchases.some(
        (p) => p.id === purchase && p.state === 'refunded',
      ),
    );
    expect((await buyer.host.balance()).balance).toBe(110);
    expect((await buyer.host.balance(escrowAccount)).balance).toBe(0);
    expect((await buyer.host.marketOffers()).offers[0]!.sellerReputation).toEqual({
      delivered: 0,
      failed: 1,
    });
    // The seller comes back: nothing to deliver any more, and it cannot read its penalty back.
    const back = await startPeer(network, seller.storage, seller.blobs);
    await advance(validator, 2);
    await until(
      async () => (await back.host.status()).height >= (await validator.host.status()).height,
    );
    expect((await back.host.marketTrades()).sales[0]).toMatchObject({
      id: purchase,
      state: 'refunded',
    });
    expect((await back.host.balance()).balance).toBe(10);
    await expect(buyer.host.readDataset('pm25')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  }, 60_000);

  it('under a key check: the escrow waits; a dispute of the right key is answered by the seller peer by itself and the seller is paid', async () => {
    const { seller, buyer } = await market();
    const offer = await offerId(
      buyer.host,
      await committed(
        seller.host,
        seller.host.offerDataset({
          dataset: 'pm25',
          price: 40,
          terms: 'study',
          penalty: 5,
          disputeBlocks: 50,
        }),
      ),
    );
    expect((await buyer.host.marketOffers()).offers[0]).toMatchObject({ disputeBlocks: 50 });
    const purchase = await committed(buyer.host, buyer.host.buyOffer(offer, 40));
    // Delivered by the seller peer: the buyer reads, the escrow still holds price and penalty.
    await until(async () =>
      (await buyer.host.marketTrades()).purchases.some(
        (p) => p.id === purchase && p.state === 'checking',
      ),
    );
    const read = await buyer.host.readDataset('pm25', { purpose: 'study' });
    expect(new TextDecoder().decode(read.bytes)).toBe('minute,pm25\n1,12\n');
    expect((await buyer.host.balance(escrowAccount)).balance).toBe(45);
    // A retried delivery that did not commit kept other ephemeral keys beside the committed
    // one's: the answer must use the set that matches the wraps on chain.
    const keptKey = `market.secrets.${(await seller.host.status()).chainId}.${purchase}`;
    const kept = (await seller.storage.getMeta<string[][]>(keptKey))!;
    expect(kept).toHaveLength(1);
    const other = [toHex(new Uint8Array(32).fill(3))];
    await seller.storage.putMeta(keptKey, [other, ...kept, other]);
    // Only the buyer disputes; then the seller peer answers with the keys it kept.
    expect((await refusal(seller.host.disputePurchase(purchase))).code).toBe('UNAUTHORIZED');
    expect((await refusal(buyer.host.answerDispute(purchase))).code).toBe('NOT_FOUND');
    await committed(buyer.host, buyer.host.disputePurchase(purchase));
    await until(async () =>
      (await buyer.host.marketTrades()).purchases.some(
        (p) => p.id === purchase && p.state === 'delivered',
      ),
    );
    // The seller has the price, its penalty back and the buyer's bond (the penalty, 5).
    await until(async () => (await buyer.host.balance(seller.did)).balance === 65);
    expect((await buyer.host.balance()).balance).toBe(55);
    expect((await buyer.host.balance(escrowAccount)).balance).toBe(0);
    expect((await refusal(buyer.host.disputePurchase(purchase))).code).toBe('BAD_REQUEST');
  }, 60_000);

  it('a device stream in the order book: a resting bid is filled by an ask, delivered by the seller peer, read by the buyer', async () => {
    const { seller, buyer } = await market();
    const stream = 'dev-washer01-gw01';
    await committed(seller.host, seller.host.publishDataset({ id: stream, labels: ['washer'] }));
    await committed(
      seller.host,
      Promise.resolve(seller.host.putDatasetVersion(stream, utf8('t,detergent\n1,low\n'))),
    );
    expect(
      (await refusal(buyer.host.askStream({ dataset: stream, price: 5, terms: 'x' }))).code,
    ).toBe('UNAUTHORIZED');
    const bid = await committed(buyer.host, buyer.host.bidStream({ dataset: stream, price: 30 }));
    await until(async () => (await seller.host.streamBook(stream)).bids.some((b) => b.id === bid));
    expect((await buyer.host.balance(escrowAccount)).balance).toBe(30);
    await committed(
      seller.host,
      seller.host.askStream({ dataset: stream, price: 25, terms: 'supply planning only' }),
    );
    // Filled at the resting bid's price; the seller's peer delivers the window by itself.
    await until(async () =>
      (await buyer.host.marketTrades()).purchases.some(
        (p) => p.id === bid && p.state === 'delivered' && p.price === 30,
      ),
    );
    const read = await buyer.host.readDataset(stream, { purpose: 'supply planning only' });
    expect(new TextDecoder().decode(read.bytes)).toBe('t,detergent\n1,low\n');
    expect((await buyer.host.streamBook(stream)).bids).toEqual([]);
    await until(async () => (await buyer.host.balance(seller.did)).balance === 50);
  });
});
