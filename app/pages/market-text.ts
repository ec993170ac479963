// Words for a purchase's state on the Market page (posted-price sales and order-book matches).
import type { PurchaseView } from '../../worker/api';

export function stateText(p: PurchaseView, height: number, buyer: boolean): string {
  if (p.state === 'delivered')
    return buyer
      ? `Key received in block ${p.closedHeight}; the seller was paid.`
      : `Delivered in block ${p.closedHeight}; you were paid.`;
  if (p.state === 'refunded')
    return p.disputeBlocks > 0 && p.until !== null
      ? buyer
        ? `Refunded with the penalty in block ${p.closedHeight}: the seller did not deliver, or did not prove the key on chain.`
        : `Refunded to the buyer in block ${p.closedHeight}: not delivered, or the key not proven on chain.`
      : buyer
        ? `Not delivered in time: refunded in block ${p.closedHeight}.`
        : `Not delivered in time: refunded to the buyer in block ${p.closedHeight}.`;
  if (p.state === 'checking')
    return buyer
      ? `Key received; the escrow pays the seller after block ${p.until} unless you report a wrong key${p.penalty > 0 ? ` (a report locks a bond of ${p.penalty}, lost if the seller proves the key)` : ''}.`
      : `Delivered; you are paid after block ${p.until} unless the buyer reports a wrong key.`;
  if (p.state === 'disputed')
    return buyer
      ? `You reported a wrong key: the seller must prove it on chain by block ${p.until}, or you are refunded with the penalty${p.bond > 0 ? ' and your bond' : ''}.`
      : `The buyer reported a wrong key: your peer proves it on chain (until block ${p.until}).`;
  if (height >= p.deadline) return 'The deadline passed without delivery: the refund is due.';
  return buyer
    ? `In escrow: waiting for the seller's peer to deliver the key (until block ${p.deadline}).`
    : `In escrow: your peer delivers the key (until block ${p.deadline}).`;
}
