// The Market page's "Order book" section (issue 16; Y.4560 8.3): the asks and bids of one device
// data stream (a dataset "dev-<device>-<gateway>"), placing an ask (the stream's owner) or a bid
// (anyone else), closing one's own resting order, and the matches of this peer on the stream.
// Matching is on chain: price-time priority at the resting order's price; a match is a purchase
// through escrow like a posted-price one (the seller's peer delivers the stream's grant window).
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { AmountField, Card, ErrorNote, Pill, useAction, useAsync } from '../components/ui';
import { short } from '../lib/format';
import { commitOrThrow } from '../lib/commit';
import { parseAmount } from './WalletPage';
import { TradeRow } from './MarketTrade';
import type { DatasetView, OrderView, PurchaseView, TradesView } from '../../worker/api';

/** An optional whole number typed by a person (empty: none). */
function parseWhole(text: string, what: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^\d+$/.test(t) || Number(t) < 1) throw new Error(`Type ${what} as a whole number from 1.`);
  return Number(t);
}

function OrderLine({
  order,
  symbol,
  mine,
  busy,
  onClose,
}: {
  order: OrderView;
  symbol: string;
  mine: boolean;
  busy: boolean;
  onClose: (order: OrderView) => void;
}) {
  const left = order.quantity - order.filled;
  const side = order.side === 'ask' ? 'ask' : 'bid';
  return (
    <li data-testid={`order-${order.id}`}>
      <p>
        <strong>
          {order.price} {symbol}
        </strong>
        {order.side === 'ask' ? ` · ${left} window${left === 1 ? '' : 's'} left` : ' · 1 window'}
        {mine ? (
          <>
            {' '}
            <Pill tone="ok">mine</Pill>
          </>
        ) : (
          <span className="muted small-text">
            {' '}
            · {order.side === 'ask' ? 'seller' : 'buyer'}{' '}
            <code title={order.account}>{short(order.account, 10)}</code>
          </span>
        )}
      </p>
      {order.side === 'ask' && <p className="small-text">Terms: {order.terms}</p>}
      <p className="muted small-text">
        {order.expires === null
          ? 'Open until filled or closed.'
          : `Open until block ${order.expires}, then dropped${order.side === 'bid' ? ' and its lock returned' : ''}.`}
      </p>
      {mine && (
        <button
          type="button"
          className="secondary small"
          disabled={busy}
          onClick={() => onClose(order)}
          data-testid={`close-${order.id}`}
        >
          Close my {side} at {order.price} {symbol}
        </button>
      )}
    </li>
  );
}

function Side({
  title,
  orders,
  empty,
  testId,
  ...line
}: {
  title: string;
  orders: OrderView[];
  empty: string;
  testId: string;
  symbol: string;
  me: string | undefined;
  busy: boolean;
  onClose: (order: OrderView) => void;
}) {
  return (
    <>
      <h3>{title}</h3>
      {orders.length === 0 ? (
        <p className="muted" data-testid={`${testId}-empty`}>
          {empty}
        </p>
      ) : (
        <ul className="plain-list" aria-label={title} data-testid={testId}>
          {orders.map((o) => (
            <OrderLine
              key={o.id}
              order={o}
              symbol={line.symbol}
              mine={o.account === line.me}
              busy={line.busy}
              onClose={line.onClose}
            />
          ))}
        </ul>
      )}
    </>
  );
}

function Matches({
  trades,
  stream,
  height,
  symbol,
}: {
  trades: TradesView | undefined;
  stream: string;
  height: number;
  symbol: string;
}) {
  const bought = (trades?.purchases ?? []).filter((p) => p.dataset === stream);
  const sold = (trades?.sales ?? []).filter((p) => p.dataset === stream);
  const line = (p: PurchaseView, buyer: boolean) => (
    <TradeRow
      key={p.id}
      p={p}
      buyer={buyer}
      what="1 window"
      height={height}
      symbol={symbol}
      testId={`match-${p.id}`}
    />
  );
  return (
    <>
      <h3>My matches on this stream</h3>
      {bought.length + sold.length === 0 ? (
        <p className="muted">No matches yet.</p>
      ) : (
        <ul
          className="plain-list"
          aria-label="My matches on this stream"
          data-testid="book-matches"
        >
          {bought.map((p) => line(p, true))}
          {sold.map((p) => line(p, false))}
        </ul>
      )}
    </>
  );
}

function PlaceOrder({
  stream,
  owner,
  symbol,
  onPlaced,
}: {
  stream: string;
  owner: boolean;
  symbol: string;
  onPlaced: () => void;
}) {
  const [price, setPrice] = useState('');
  const [terms, setTerms] = useState('');
  const [quantity, setQuantity] = useState('');
  const [expires, setExpires] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const side = owner ? 'ask' : 'bid';
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const amount = parseAmount(price);
      const expiresBlocks = parseWhole(expires, 'the blocks it stays open');
      const more = expiresBlocks ? { expiresBlocks } : {};
      const windows = owner ? (parseWhole(quantity, 'the windows to sell') ?? 1) : 1;
      const submitted = owner
        ? bot().askStream({
            dataset: stream,
            price: amount,
            terms: terms.trim(),
            quantity: windows,
            ...more,
          })
        : bot().bidStream({ dataset: stream, price: amount, ...more });
      const { txId } = await submitted;
      await commitOrThrow(Promise.resolve({ txId }), `The chain refused the ${side}.`);
      const trades = await bot().marketTrades();
      const matched = owner
        ? trades.sales.filter((p) => p.offer === txId).length
        : trades.purchases.filter((p) => p.id === txId).length;
      if (owner)
        setDone(
          matched === 0
            ? `Your ask of ${windows} window${windows === 1 ? '' : 's'} at ${amount} ${symbol} rests in the book.`
            : `Matched at once: sold ${matched} window${matched === 1 ? '' : 's'}${matched < windows ? '; the rest rests in the book' : ''}. Your peer delivers the key.`,
        );
      else
        setDone(
          matched === 0
            ? `Your bid at ${amount} ${symbol} rests in the book; the amount is locked in escrow.`
            : `Matched: bought 1 window; the price waits in escrow until the seller's peer delivers the key.`,
        );
      setPrice('');
      setExpires('');
      onPlaced();
    });
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label={owner ? 'Place an ask' : 'Place a bid'}>
      <h3>{owner ? 'Sell windows of my stream (ask)' : 'Buy a window of this stream (bid)'}</h3>
      <AmountField
        label={owner ? `Price per window (${symbol})` : `The most I pay (${symbol})`}
        value={price}
        onChange={setPrice}
        testId={`book-${side}-price`}
      />
      {owner && (
        <>
          <label>
            Terms of use (what the buyer may do with the data)
            <input
              value={terms}
              onChange={(e) => setTerms(e.target.value)}
              required
              maxLength={500}
              data-testid="book-ask-terms"
            />
          </label>
          <label>
            Windows to sell (one per buyer; default 1)
            <input
              value={quantity}
              onChange={(e) => setQuantity(e.target.value)}
              inputMode="numeric"
              data-testid="book-ask-quantity"
            />
          </label>
        </>
      )}
      <label>
        Stays open for (blocks; optional)
        <input
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
          inputMode="numeric"
          data-testid={`book-${side}-expires`}
        />
      </label>
      <button
        type="submit"
        disabled={busy || !price || (owner && !terms.trim())}
        data-testid={`book-${side}-button`}
      >
        {busy ? 'Placing…' : owner ? 'Place the ask' : 'Place the bid'}
      </button>
      <ErrorNote error={error} what={owner ? 'The ask' : 'The bid'} />
      {done && (
        <p role="status" className="ok" data-testid="book-result">
          {done}
        </p>
      )}
    </form>
  );
}

export function OrderBook({
  datasets,
  symbol,
  me,
  trades,
  height,
  chainId,
  onDone,
}: {
  datasets: DatasetView[];
  symbol: string;
  me: string | undefined;
  trades: TradesView | undefined;
  height: number;
  chainId: string | undefined;
  onDone: () => void;
}) {
  const streams = datasets.filter((d) => d.id.startsWith('dev-'));
  const [picked, setPicked] = useState('');
  const stream = streams.some((d) => d.id === picked) ? picked : (streams[0]?.id ?? '');
  const book = useAsync(
    () => (stream ? bot().streamBook(stream) : Promise.resolve(null)),
    [stream, height, chainId],
  );
  const closing = useAction();
  const owner = streams.find((d) => d.id === stream)?.owner === me;
  const reload = () => {
    book.reload();
    onDone();
  };
  function close(order: OrderView) {
    void closing.run(async () => {
      await commitOrThrow(
        bot().closeOrder(order.id),
        `The chain refused to close the ${order.side}.`,
      );
      reload();
    });
  }
  return (
    <Card title="Order book" id="book-title">
      <p className="muted small-text">
        Device data streams trade here by price: the cheapest ask meets the highest bid, then the
        earlier; a match pays the resting order's price into escrow until the seller's peer delivers
        the key.
      </p>
      {streams.length === 0 ? (
        <p className="muted" data-testid="book-no-streams">
          No device data streams on this chain yet: a gateway publishes one for each device.
        </p>
      ) : (
        <>
          <label className="form">
            Device data stream
            <select
              value={stream}
              onChange={(e) => setPicked(e.target.value)}
              data-testid="book-stream"
            >
              {streams.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.id}
                  {d.mine ? ' (mine)' : ''}
                </option>
              ))}
            </select>
          </label>
          <ErrorNote error={book.error} what="The order book" />
          <Side
            title="Asks (sellers, cheapest first)"
            orders={book.data?.asks ?? []}
            empty="No asks."
            testId="book-asks"
            symbol={symbol}
            me={me}
            busy={closing.busy}
            onClose={close}
          />
          <Side
            title="Bids (buyers, highest first)"
            orders={book.data?.bids ?? []}
            empty="No bids."
            testId="book-bids"
            symbol={symbol}
            me={me}
            busy={closing.busy}
            onClose={close}
          />
          <ErrorNote error={closing.error} what="Closing the order" />
          <PlaceOrder
            key={`${stream}-${owner}`}
            stream={stream}
            owner={owner}
            symbol={symbol}
            onPlaced={reload}
          />
          <Matches trades={trades} stream={stream} height={height} symbol={symbol} />
        </>
      )}
    </Card>
  );
}
