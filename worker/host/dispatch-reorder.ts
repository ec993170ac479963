// The dispatcher's entries of the gateway's reorder rules (issue 16, U-II.4): dispatch.ts spreads
// them in. Whether the device, its owner, the shop and the spending rule fit is the host's
// (./reorder-host.ts).
import type { ReorderRuleRequest } from '../api-reorder';
import {
  reorderEveryMax,
  reorderItemLengthMax,
  reorderOrdersListedMax,
  reorderQuantityMax,
  reorderThresholdMax,
} from '../api-reorder';
import { contractNameLengthMax, deviceCapabilityLengthMax } from '../core/limits';
import { method } from './dispatch-method';
import { did, finite, integer, optional, param, record, text } from './params';

const rule = record<ReorderRuleRequest & Record<string, unknown>>({
  device: param('device', did),
  value: param('value', text(deviceCapabilityLengthMax, { min: 1, unit: 'characters' })),
  below: param('below', finite(-reorderThresholdMax, reorderThresholdMax)),
  contract: param('contract', text(contractNameLengthMax, { min: 1, unit: 'characters' })),
  item: optional('item', text(reorderItemLengthMax, { min: 1, unit: 'characters' })),
  quantity: param('quantity', integer(1, reorderQuantityMax)),
  every: optional('every', integer(0, reorderEveryMax)),
});

export const reorderApiMethods = {
  setReorderRule: method([param('rule', rule)], (p, r) => p.setReorderRule(r)),
  reorderRules: method([], (p) => p.reorderRules()),
  clearReorderRule: method([param('device', did)], (p, device) => p.clearReorderRule(device)),
  reorderOrders: method(
    [
      optional(
        'options',
        record<{ device?: string; limit?: number }>({
          device: optional('device', did),
          limit: optional('limit', integer(1, reorderOrdersListedMax)),
        }),
      ),
    ],
    (p, options) => p.reorderOrders(options),
  ),
};
