// Body rules of every transaction type (stateless), from the capability modules' registry
// (./modules/registry.ts): tx.ts checks a body with the rules of its type. State effects are each
// module's apply, called by ledger.ts.
import { txRegistry } from './modules/registry';

export type { BodyRules } from './modules/module';

export const txBodyRules = txRegistry.bodyRules;
