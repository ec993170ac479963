// One purchase or sale of this peer on the Market page (issue 16): a posted-price trade (My
// purchases, My sales) or an order-book match (./MarketBook.tsx): what, at what price, with whom,
// and where its escrow stands; the row's actions (read, claim a refund) come as children.
import type { ReactNode } from 'react';
import { Pill } from '../components/ui';
import { short } from '../lib/format';
import type { PurchaseView } from '../../worker/api';
import { stateText } from './market-text';

export function TradeRow({
  p,
  buyer,
  what,
  height,
  symbol,
  testId,
  children,
}: {
  p: PurchaseView;
  /** This peer bought it (else sold it). */
  buyer: boolean;
  /** What was traded, e.g. the dataset's name or "1 window". */
  what: ReactNode;
  height: number;
  symbol: string;
  /** The row's test id; its state line's is `<testId>-state`. */
  testId: string;
  children?: ReactNode;
}) {
  const other = buyer ? p.seller : p.buyer;
  return (
    <li data-testid={testId}>
      <p>
        {buyer ? 'Bought' : 'Sold'} {what} at <strong>{p.price}</strong> {symbol}{' '}
        {buyer ? 'from' : 'to'} <code title={other}>{short(other, 10)}</code>{' '}
        <Pill tone={p.state === 'delivered' ? 'ok' : p.state === 'refunded' ? 'warn' : 'muted'}>
          {p.state === 'escrow' ? 'in escrow' : p.state === 'checking' ? 'key delivered' : p.state}
        </Pill>
      </p>
      <p className="small-text" data-testid={`${testId}-state`}>
        {stateText(p, height, buyer)}
      </p>
      {children}
    </li>
  );
}
