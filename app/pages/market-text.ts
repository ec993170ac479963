// Words for a purchase's state on the Market page (posted-price sales and order-book matches).
import type { PurchaseView } from '../../worker/api';

export function stateText(p: PurchaseView, height: number, buyer: boolean): string {
  if (p.state === 'delivered')
    return buyer
      ? `Key received in block ${p.closedHeight}; the seller was paid.`
      : `Delivered in block ${p.closedHeight}; you were paid.`;
  if (p.state === 'refunded')
    return buyer
      ? `Not delivered in time: refunded in block ${p.closedHeight}.`
      : `Not delivered in time: refunded to the buyer in block ${p.closedHeight}.`;
  if (height >= p.deadline) return 'The deadline passed without delivery: the refund is due.';
  return buyer
    ? `In escrow: waiting for the seller's peer to deliver the key (until block ${p.deadline}).`
    : `In escrow: your peer delivers the key (until block ${p.deadline}).`;
}
