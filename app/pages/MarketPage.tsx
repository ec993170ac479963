// Market (issue 16; Y.4560 8.3, 9.7): offers of datasets at a posted price, buying through
// escrow (the price is locked on chain until the seller's peer delivers the key; then it goes to
// the seller, or after the deadline back to the buyer with the seller's penalty), selling one of
// my datasets, and my purchases and sales followed block by block; the order book of device data
// streams is in ./MarketBook.tsx. Phone first.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { useAppStore } from '../store/peer-store';
import {
  AmountField,
  Card,
  ErrorNote,
  PageTitle,
  Pill,
  useAction,
  useAsync,
} from '../components/ui';
import { short } from '../lib/format';
import { parseAmount } from './WalletPage';
import type { DatasetView, OfferView, PurchaseView } from '../../worker/api';
import { commitOrThrow } from '../lib/commit';
import { TradeRow } from './MarketTrade';
import { OrderBook } from './MarketBook';

function Offers({
  offers,
  symbol,
  me,
  bought,
  onDone,
}: {
  offers: OfferView[];
  symbol: string;
  me: string | undefined;
  bought: Set<string>;
  onDone: () => void;
}) {
  const { busy, error, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  function buy(offer: OfferView) {
    setNote(null);
    void run(async () => {
      await commitOrThrow(bot().buyOffer(offer.id, offer.price), 'The chain refused the purchase.');
      setNote(
        `Paid ${offer.price} ${symbol} into escrow for "${offer.dataset}". The seller's peer delivers the key; follow it under My purchases.`,
      );
      onDone();
    });
  }
  function withdraw(offer: OfferView) {
    void run(async () => {
      await commitOrThrow(bot().withdrawOffer(offer.id), 'The chain refused the withdrawal.');
      onDone();
    });
  }
  return (
    <Card title="Offers" id="offers-title">
      {offers.length === 0 ? (
        <p className="muted">No offers on this chain yet.</p>
      ) : (
        <ul className="plain-list" data-testid="offers">
          {offers.map((o) => (
            <li key={o.id} data-testid={`offer-${o.dataset}`}>
              <p>
                <strong>{o.dataset}</strong> · {o.price} {symbol}
              </p>
              <p className="small-text">Terms: {o.terms}</p>
              <p className="muted small-text">
                Seller <code title={o.seller}>{short(o.seller, 10)}</code> · delivered{' '}
                {o.sellerReputation.delivered}, failed {o.sellerReputation.failed} · delivers within{' '}
                {o.deliverBlocks} blocks
                {o.penalty > 0 ? ` · penalty ${o.penalty} ${symbol} if not` : ''}
                {o.disputeBlocks > 0
                  ? ` · key checked on chain: ${o.disputeBlocks} blocks to report a wrong key`
                  : ''}
              </p>
              {o.seller === me ? (
                <button
                  type="button"
                  className="secondary small"
                  disabled={busy}
                  onClick={() => withdraw(o)}
                >
                  Withdraw my offer of {o.dataset}
                </button>
              ) : bought.has(o.dataset) ? (
                <Pill tone="muted">Bought</Pill>
              ) : (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => buy(o)}
                  data-testid={`buy-${o.dataset}`}
                >
                  Buy {o.dataset} for {o.price} {symbol}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={error} what="The purchase" />
      {note && (
        <p role="status" className="ok" data-testid="buy-result">
          {note}
        </p>
      )}
    </Card>
  );
}

/** A whole number of blocks typed by a person (empty: the default). */
function parseBlocks(text: string, what: string): number | undefined {
  if (!text.trim()) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new Error(`Type ${what} as a whole number of blocks.`);
  return Number(text.trim());
}

function Sell({
  datasets,
  symbol,
  onDone,
}: {
  datasets: DatasetView[];
  symbol: string;
  onDone: () => void;
}) {
  const sellable = datasets.filter((d) => d.mine && d.versions.length > 0);
  const [dataset, setDataset] = useState('');
  const [price, setPrice] = useState('');
  const [terms, setTerms] = useState('');
  const [deliver, setDeliver] = useState('');
  const [penalty, setPenalty] = useState('');
  const [dispute, setDispute] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const chosen = dataset || sellable[0]?.id || '';
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const deliverBlocks = parseBlocks(deliver, 'the delivery time');
      const disputeBlocks = parseBlocks(dispute, 'the window to report a wrong key');
      await commitOrThrow(
        bot().offerDataset({
          dataset: chosen,
          price: parseAmount(price),
          terms: terms.trim(),
          ...(deliverBlocks ? { deliverBlocks } : {}),
          ...(penalty.trim() ? { penalty: parseAmount(penalty) } : {}),
          ...(disputeBlocks ? { disputeBlocks } : {}),
        }),
        'The chain refused the offer.',
      );
      setDone(`"${chosen}" is on offer for ${parseAmount(price)} ${symbol}.`);
      setPrice('');
      setTerms('');
      onDone();
    });
  }
  return (
    <Card title="Sell a dataset" id="sell-title">
      {sellable.length === 0 ? (
        <p className="muted">
          Publish a dataset with at least one version on the Data page to offer it here.
        </p>
      ) : (
        <form className="form" onSubmit={onSubmit}>
          <label>
            Dataset
            <select
              value={chosen}
              onChange={(e) => setDataset(e.target.value)}
              data-testid="sell-dataset"
            >
              {sellable.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.id}
                </option>
              ))}
            </select>
          </label>
          <AmountField
            label={`Price (${symbol})`}
            value={price}
            onChange={setPrice}
            testId="sell-price"
          />
          <label>
            Terms of use (what the buyer may do with the data)
            <input
              value={terms}
              onChange={(e) => setTerms(e.target.value)}
              required
              maxLength={500}
              data-testid="sell-terms"
            />
          </label>
          <label>
            Deliver within (blocks; default 100)
            <input
              value={deliver}
              onChange={(e) => setDeliver(e.target.value)}
              inputMode="numeric"
            />
          </label>
          <label>
            Penalty if I do not deliver ({symbol}; optional)
            <input
              value={penalty}
              onChange={(e) => setPenalty(e.target.value)}
              inputMode="numeric"
            />
          </label>
          <label>
            Buyer may report a wrong key within (blocks; optional: the escrow waits that long and my
            peer proves the key on chain if asked)
            <input
              value={dispute}
              onChange={(e) => setDispute(e.target.value)}
              inputMode="numeric"
              data-testid="sell-dispute"
            />
          </label>
          <button
            type="submit"
            disabled={busy || !price || !terms.trim()}
            data-testid="sell-button"
          >
            {busy ? 'Offering…' : 'Offer it'}
          </button>
        </form>
      )}
      <ErrorNote error={error} what="The offer" />
      {done && (
        <p role="status" className="ok" data-testid="sell-result">
          {done}
        </p>
      )}
    </Card>
  );
}

function Purchase({ p, height, symbol }: { p: PurchaseView; height: number; symbol: string }) {
  const [content, setContent] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function read() {
    void run(async () => {
      const result = await bot().readDataset(p.dataset, { purpose: p.terms });
      setContent(new TextDecoder().decode(result.bytes.slice(0, 4000)));
    });
  }
  function refund() {
    void run(async () => {
      await commitOrThrow(bot().refundPurchase(p.id), 'The chain refused the refund.');
    });
  }
  function reportWrongKey() {
    void run(async () => {
      await commitOrThrow(bot().disputePurchase(p.id), 'The chain refused the report.');
    });
  }
  return (
    <TradeRow
      p={p}
      buyer
      what={<strong>{p.dataset}</strong>}
      height={height}
      symbol={symbol}
      testId={`purchase-${p.dataset}`}
    >
      {(p.state === 'delivered' || p.state === 'checking' || p.state === 'disputed') && (
        <button
          type="button"
          className="small"
          disabled={busy}
          onClick={read}
          data-testid={`read-${p.dataset}`}
        >
          Read {p.dataset}
        </button>
      )}
      {p.state === 'checking' && (
        <button
          type="button"
          className="secondary small"
          disabled={busy}
          onClick={reportWrongKey}
          data-testid={`dispute-${p.dataset}`}
        >
          Report wrong key
        </button>
      )}
      {p.state === 'escrow' && height >= p.deadline && (
        <button type="button" className="small" disabled={busy} onClick={refund}>
          Claim the refund
        </button>
      )}
      <ErrorNote error={error} />
      {content !== null && (
        <div role="status" data-testid={`content-${p.dataset}`}>
          <p className="small-text">Decrypted on this peer (terms: {p.terms}):</p>
          <pre className="preview">{content}</pre>
        </div>
      )}
    </TradeRow>
  );
}

export default function MarketPage() {
  const height = useAppStore((s) => s.status?.height) ?? 0;
  const chainId = useAppStore((s) => s.status?.chainId);
  const me = useAppStore((s) => s.identity?.did);
  const market = useAsync(() => bot().marketOffers(), [height, chainId]);
  const trades = useAsync(() => bot().marketTrades(), [height, chainId]);
  const balance = useAsync(() => bot().balance(), [height, chainId]);
  const datasets = useAsync(() => bot().datasets(), [height, chainId]);
  const symbol = market.data?.symbol ?? null;
  const reload = () => {
    market.reload();
    trades.reload();
    balance.reload();
    datasets.reload();
  };
  const bought = new Set(
    (trades.data?.purchases ?? []).filter((p) => p.state !== 'refunded').map((p) => p.dataset),
  );
  return (
    <>
      <PageTitle intro="Buy and sell access to datasets. Payments wait in escrow on the chain until the key is delivered.">
        Market
      </PageTitle>
      <ErrorNote error={market.error} what="The market" />
      {market.data && symbol === null && (
        <p className="note" data-testid="no-token">
          This chain has no token, so nothing can be bought or sold on it. Create a chain with a
          token on the Chains page.
        </p>
      )}
      {market.data && symbol !== null && (
        <>
          <p className="wallet-balance" data-testid="market-balance">
            You hold <strong>{(balance.data?.balance ?? 0).toLocaleString('en')}</strong> {symbol}
            <span className="muted small-text">
              {' '}
              · in escrow on this chain: {market.data.escrow}
            </span>
          </p>
          <Offers
            offers={market.data.offers}
            symbol={symbol}
            me={me}
            bought={bought}
            onDone={reload}
          />
          <Card title="My purchases" id="purchases-title">
            {(trades.data?.purchases.length ?? 0) === 0 ? (
              <p className="muted">Nothing bought yet.</p>
            ) : (
              <ul className="plain-list" data-testid="my-purchases">
                {trades.data!.purchases.map((p) => (
                  <Purchase key={p.id} p={p} height={height} symbol={symbol} />
                ))}
              </ul>
            )}
          </Card>
          <Card title="My sales" id="sales-title">
            {(trades.data?.sales.length ?? 0) === 0 ? (
              <p className="muted">Nothing sold yet.</p>
            ) : (
              <ul className="plain-list" data-testid="my-sales">
                {trades.data!.sales.map((p) => (
                  <TradeRow
                    key={p.id}
                    p={p}
                    buyer={false}
                    what={<strong>{p.dataset}</strong>}
                    height={height}
                    symbol={symbol}
                    testId={`sale-${p.dataset}`}
                  />
                ))}
              </ul>
            )}
          </Card>
          <Sell datasets={datasets.data ?? []} symbol={symbol} onDone={reload} />
          <OrderBook
            datasets={datasets.data ?? []}
            symbol={symbol}
            me={me}
            trades={trades.data}
            height={height}
            chainId={chainId}
            onDone={reload}
          />
        </>
      )}
    </>
  );
}
