// The shape of one dispatcher entry, shared by dispatch.ts and the per-capability tables it
// spreads in (dispatch-market.ts, dispatch-multisig.ts, dispatch-validation.ts, ...).
import type { PeerMethods } from '../api';
import type { Param } from './params';

/** One method: its parameters in order, and what runs once they are checked. */
export interface ApiMethod {
  params: Array<Param<unknown>>;
  run(peer: PeerMethods, args: unknown[]): Promise<unknown>;
}

/** A method whose handler gets its parameters typed as their checkers return them. */
export function method<const A extends unknown[]>(
  params: [...{ [K in keyof A]: Param<A[K]> }],
  run: (peer: PeerMethods, ...args: A) => Promise<unknown>,
): ApiMethod {
  return {
    params: params as Array<Param<unknown>>,
    run: (peer, args) => run(peer, ...(args as A)),
  };
}
