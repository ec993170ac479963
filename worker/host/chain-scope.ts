// Which chain a call runs on (several chains per peer, issue 18). Every method of window.bot and
// of the HTTP API takes an optional chain id beside its parameters (RpcRequest.chain, the
// `?chain=` query or /v1/chains/:id/... on HTTP); without one it runs on the active chain. The
// methods of the whole peer (its identity, settings, the chain list, creating, joining and
// switching chains, reset) take none: naming a chain for them is BAD_REQUEST.
import { botError } from '../core/errors';
import type { MethodName, PeerMethods } from '../api';

/** Methods of the whole peer, not of one of its chains. */
export const peerLevelMethods: ReadonlySet<MethodName> = new Set<MethodName>([
  'ready',
  'identity',
  'exportIdentity',
  'importIdentity',
  'settings',
  'setSettings',
  'chains',
  'createChain',
  'join',
  'inviteInfo',
  'useChain',
  'leaveChain',
  'reset',
  'verifyAuditLog',
]);

/** A peer that runs several chains: the host of one of them (multi-host.ts). */
export interface ChainHosts {
  ready(): Promise<unknown>;
  chainHost(chainId?: string): PeerMethods;
}

function hasChainHosts(peer: PeerMethods): peer is PeerMethods & ChainHosts {
  return typeof (peer as Partial<ChainHosts>).chainHost === 'function';
}

/**
 * The peer (or per-chain host) `method` runs on when the call names `chain`. BAD_REQUEST for a
 * chain id that is not 32 lowercase hex digits or a peer-wide method; NOT_FOUND for a chain this
 * peer does not run.
 */
export async function chainTarget(
  peer: PeerMethods,
  method: MethodName,
  chain: unknown,
): Promise<PeerMethods> {
  if (chain === undefined || chain === null) return peer;
  if (typeof chain !== 'string' || !/^[0-9a-f]{32}$/.test(chain))
    throw botError('BAD_REQUEST', `${method}: chain must be a chain id (32 lowercase hex digits).`);
  if (peerLevelMethods.has(method))
    throw botError(
      'BAD_REQUEST',
      `${method} is a method of the whole peer, not of one chain; call it without a chain.`,
    );
  if (hasChainHosts(peer)) {
    await peer.ready();
    return peer.chainHost(chain);
  }
  const status = await peer.status(); // a single-chain peer: only its own chain
  if (status.chainId !== chain)
    throw botError('NOT_FOUND', `This peer runs no chain ${chain} (it runs ${status.chainId}).`);
  return peer;
}
