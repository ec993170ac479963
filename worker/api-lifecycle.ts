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
  /** The passed governance proposal this upgrade carried out (absent: by a manager). */
  proposal?: string;
}

export interface LifecycleMethods extends TriggerMethods {
  /**
   * New code under the same name: its state is kept, its version goes up by one. By the
   * deployer, or (policy contracts.managedBy "governance") by a holder of the role deploy.
   * Checked against the committed state first: a wrong manager (UNAUTHORIZED or POLICY), a
   * retired or unknown contract, or code that does not load is refused before it is signed.
   * With `proposal` (the id of a passed governance change of kind "contract" naming this
   * contract, "upgrade" and the SHA-256 of `code`), anyone carries out the vote, once; under the
   * policy contracts.managedBy "vote" that is the only way.
   */
  upgradeContract(request: {
    name: string;
    code: string;
    proposal?: string;
  }): Promise<{ txId: string }>;
  /** No more calls; its code, state and calls stay readable. The same managers, or `proposal`. */
  retireContract(request: {
    name: string;
    note: string;
    proposal?: string;
  }): Promise<{ txId: string }>;
}

/** A scheduled trigger (r-7.2-b): the contract runs `method` without a caller. */
export interface TriggerView {
  /** Its id: the contract.schedule transaction's. */
  id: string;
  contract: string;
  method: string;
  args: unknown;
  /** Who scheduled it (ctx.caller of its runs). */
  by: string;
  /** The block that scheduled it. */
  height: number;
  /** The height it runs next (it runs in the first block at or after it with room); null once ended. */
  next: number | null;
  /** Its period in blocks; 0: once. */
  every: number;
  /** Runs left; null: until cancelled or the contract is retired. */
  left: number | null;
  runs: number;
  /** Its last run: ok with the result and the number of events, or the error's code and message. */
  last: {
    height: number;
    ok: boolean;
    result?: unknown;
    events?: number;
    code?: string;
    message?: string;
  } | null;
  ended: { height: number; reason: 'done' | 'cancelled' | 'retired'; by?: string } | null;
}

/** contract.schedule: at a height (`at`), every n blocks (`every`), or both; `count` with `every`. */
export interface ScheduleTriggerRequest {
  contract: string;
  method: string;
  args?: unknown;
  at?: number;
  every?: number;
  count?: number;
}

export interface TriggerMethods {
  /**
   * Schedule a trigger (r-7.2-b): the contract runs `method(args)` at the start of the block at
   * `at` and/or every `every` blocks, on every peer, with no caller. By the contract's managers
   * (as upgrade). Checked against the committed state first: an unknown contract or method, a
   * past height, a stranger or too many triggers are refused before anything is signed.
   * `trigger` is the new trigger's id.
   */
  scheduleTrigger(request: ScheduleTriggerRequest): Promise<{ txId: string; trigger: string }>;
  /** Cancel a live trigger; by the contract's managers. */
  cancelTrigger(request: { trigger: string }): Promise<{ txId: string }>;
  /** The triggers of one contract (or of every contract), oldest first: live and ended. */
  triggers(contract?: string): Promise<TriggerView[]>;
}

export const lifecycleMethodNames = [
  'upgradeContract',
  'retireContract',
  'scheduleTrigger',
  'cancelTrigger',
  'triggers',
] as const;
