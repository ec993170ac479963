// The dispatcher's entries of staking (issue 16, public mode): worker/host/dispatch.ts spreads
// them into its table. Amounts are judged again by the core.
import * as limits from '../core/limits';
import type { PeerMethods } from '../api';
import { integer, optional, param, text, type Param } from './params';

interface ApiMethod {
  params: Array<Param<unknown>>;
  run(peer: PeerMethods, args: unknown[]): Promise<unknown>;
}

function method<const A extends unknown[]>(
  params: [...{ [K in keyof A]: Param<A[K]> }],
  run: (peer: PeerMethods, ...args: A) => Promise<unknown>,
): ApiMethod {
  return {
    params: params as Array<Param<unknown>>,
    run: (peer, args) => run(peer, ...(args as A)),
  };
}

const amount = integer(1, limits.tokenAmountMax);

export const stakingApiMethods = {
  staking: method([optional('account', text(128, { min: 1, unit: 'characters' }))], (p, account) =>
    p.staking(account),
  ),
  bond: method([param('amount', amount)], (p, value) => p.bond(value)),
  unbond: method([param('amount', amount)], (p, value) => p.unbond(value)),
};
