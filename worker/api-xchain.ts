// window.bot: cross-chain operations (issue 18; docs/CROSS-CHAIN.md). Types only, as worker/api.ts.

/** A remote chain this chain is linked to. */
export interface XchainLinkView {
  chain: string;
  mode: 'contract' | 'relay' | 'shared';
  /** Contract mode: the height of the remote chain its on-chain light client has verified. */
  verifiedHeight: number | null;
  /** Relay and shared modes: the notaries, and how many must attest. */
  notaries: string[];
  quorum: number | null;
  /** The height of this chain where the link last changed. */
  height: number;
}

/** One cross-chain operation as this chain records it. */
export interface XchainOperationView {
  id: string;
  /** out: this chain is the source; in: the target. */
  side: 'out' | 'in';
  source: string;
  target: string;
  from: string;
  to: string;
  asset:
    | { kind: 'tokens'; amount: number }
    | { kind: 'record'; key: string }
    | { kind: 'grant'; dataset: string; grantee: string };
  /** The source height from which it may be refused and aborted. */
  deadline: number;
  status: 'locked' | 'finalized' | 'aborted' | 'committed' | 'refused';
  /** Height of this chain where its record last changed. */
  height: number;
}

export interface XchainOverview {
  chainId: string;
  height: number;
  /** This chain's genesis: what another chain's validator gives to link it in contract mode. */
  genesis: unknown;
  links: XchainLinkView[];
  /** Newest first, at most xchainListedMax. */
  operations: XchainOperationView[];
}

export interface XchainMethods {
  /** This chain's links and cross-chain operations. */
  xchain(): Promise<XchainOverview>;
  /** Link a remote chain (a validator of this chain): contract mode from its genesis, or notaries. */
  xchainLink(request: {
    chain: string;
    mode: 'contract' | 'relay' | 'shared';
    genesis?: unknown;
    notaries?: string[];
    quorum?: number;
  }): Promise<{ txId: string }>;
  /**
   * Lock tokens or a record on this chain for `target` (the first step of an operation; its id is
   * the returned txId). `to` defaults to this peer's did; `deadline` to 20 blocks from now.
   */
  xchainLock(request: {
    target: string;
    to?: string;
    asset: { kind: 'tokens'; amount: number } | { kind: 'record'; key: string; value: unknown };
    deadline?: number;
  }): Promise<{ txId: string; id: string }>;
  /** Pay tokens into this chain's bridge reserve (it backs tokens arriving from other chains). */
  xchainFund(amount: number): Promise<{ txId: string }>;
}

export const xchainMethodNames = ['xchain', 'xchainLink', 'xchainLock', 'xchainFund'] as const;
