// window.bot: the lifecycle of contracts (R-7.2.1-a, R-7.2.4-f; issue 17). Types only, as
// worker/api.ts.

/** One version of a contract (ContractDetailView.versions, oldest first). */
export interface ContractVersionView {
  version: number;
  height: number;
  txId: string;
  /** Who deployed or upgraded it. */
  by: string;
  /** SHA-256 of its code, lowercase hex. */
  codeHash: string;
  methods: string[];
}

export interface LifecycleMethods {
  /**
   * New code under the same name: its state is kept, its version goes up by one. By the
   * deployer, or (policy contracts.managedBy "governance") by a holder of the role deploy.
   * Checked against the committed state first: a wrong manager (UNAUTHORIZED or POLICY), a
   * retired or unknown contract, or code that does not load is refused before it is signed.
   */
  upgradeContract(request: { name: string; code: string }): Promise<{ txId: string }>;
  /** No more calls; its code, state and calls stay readable. The same managers. */
  retireContract(request: { name: string; note: string }): Promise<{ txId: string }>;
}

export const lifecycleMethodNames = ['upgradeContract', 'retireContract'] as const;
