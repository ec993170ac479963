// window.bot: leaving a chain (several chains per peer, issue 18; docs/API.md). Types only, as
// worker/api.ts. The other chain methods (createChain, join, chains, useChain) are in api.ts.

export interface LeaveChainOptions {
  /**
   * Keep the chain's blocks and state on this device (default true): the chain stops and shows
   * as left on the Chains page; switching to it (useChain) runs it again and it catches up from
   * its peers. false: its store is wiped and its dataset blobs deleted.
   */
  keepData?: boolean;
}

export interface LeftChain {
  chainId: string;
  keptData: boolean;
}

export interface ChainsMethods {
  /**
   * Stop running a chain this peer runs beside its first one: its consensus, sync, network room
   * and cross-chain relays stop, and its place among the chains it runs at once
   * (chainsActiveMax) is free again. BAD_REQUEST for the peer's first chain, NOT_FOUND for a
   * chain it does not hold. Calls naming the chain are NOT_FOUND afterwards.
   */
  leaveChain(chainId: string, options?: LeaveChainOptions): Promise<LeftChain>;
}

export const chainsMethodNames = ['leaveChain'] as const;
