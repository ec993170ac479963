// The gateway's reorder rule (Y.4464 II.4, issue 16): when a device's committed reading of one
// value falls under a threshold, the gateway has the device order from a supplier's contract,
// signed with the device's key and paid from its wallet (the chain holds the payment to the
// spending rule its owner set). Pure: the page (./ReorderCard.tsx) feeds it each new reading.

export interface ReorderRule {
  /** The device (a did this peer is the gateway of). */
  device: string;
  /** The reading's value watched, e.g. detergentPct. */
  value: string;
  /** Order when the value falls under this. */
  below: number;
  /** The supplier's contract and how many to order each time. */
  contract: string;
  quantity: number;
}

export const reorderQuantityMax = 10;

/**
 * One reading's step: the rule orders once when the value falls under the threshold, then waits
 * until the value is back at or above it (refilled) before it may order again, whether the order
 * went through or was refused (no retry loop against a refusal).
 */
export function reorderStep(
  armed: boolean,
  level: unknown,
  below: number,
): { armed: boolean; order: boolean } {
  if (typeof level !== 'number' || !Number.isFinite(level)) return { armed, order: false };
  if (level >= below) return { armed: true, order: false };
  return { armed: false, order: armed };
}

/** A rule from the form's text fields, or a plain message of what is wrong. */
export function ruleFrom(form: {
  device: string;
  value: string;
  below: string;
  contract: string;
  quantity: string;
}): ReorderRule | string {
  if (!form.device) return 'Pick the device that orders.';
  if (!form.value) return 'Pick the value to watch.';
  const below = Number(form.below);
  if (form.below.trim() === '' || !Number.isFinite(below))
    return 'The threshold is a number, e.g. 20.';
  const quantity = Number(form.quantity);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > reorderQuantityMax)
    return `The quantity is a whole number from 1 to ${reorderQuantityMax}.`;
  if (!/^[a-z][a-z0-9-]*$/.test(form.contract)) return 'Name the supplier’s contract.';
  return { device: form.device, value: form.value, below, contract: form.contract, quantity };
}
