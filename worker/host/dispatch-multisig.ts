// The dispatcher's entries of multi-signature permission (issue 16): dispatch.ts spreads them in.
import { hex, param, present, record, text } from './params';
import { method } from './dispatch-method';

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
