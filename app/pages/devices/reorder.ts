// The reorder rule's form (Y.4464 II.4, issue 16): the rule itself runs in the peer
// (worker/host/reorder-host.ts, window.bot.setReorderRule); this turns the form's text fields
// into the rule it takes, or a plain message of what is wrong.
import { reorderQuantityMax, type ReorderRuleRequest } from '../../../worker/api';

/** A rule from the form's text fields, or a plain message of what is wrong. */
export function ruleFrom(form: {
  device: string;
  value: string;
  below: string;
  contract: string;
  quantity: string;
}): ReorderRuleRequest | string {
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
