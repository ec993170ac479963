// The dispatcher's entries of multi-signature permission (issue 16): dispatch.ts spreads them in.
import type { PeerMethods } from '../api';
import { hex, param, present, record, text, type Param } from './params';

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

export const multisigApiMethods = {
  multisig: method([], (p) => p.multisig()),
  proposeMultisig: method(
    [
      param(
        'request',
        record<{ type: string; body: unknown }>({
          type: param('type', text(64, { min: 1, unit: 'characters' })),
          body: param('body', present),
        }),
      ),
    ],
    (p, request) => p.proposeMultisig(request),
  ),
  approveMultisig: method([param('proposal', hex(64))], (p, proposal) =>
    p.approveMultisig(proposal),
  ),
};
