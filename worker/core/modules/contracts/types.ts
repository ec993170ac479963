// Smart contracts (Y.4464 7.2.1, 7.2.2 c, 10.2): JavaScript run in a sandbox, deterministic.
//   contract.deploy { name, code }                       anyone; the name is unique on the chain
//   contract.call   { contract, method, args, device? }  anyone; `device: true` says the caller is
//       a registered device (its gateway signs with the device key): the chain refuses the call
//       unless `from` is a registered device that is not retired.
//   contract.upgrade { name, code, proposal? }   new code under the same name, state kept, version + 1
//   contract.retire  { name, note, proposal? }   no more calls; code, state and calls stay readable
//       with `proposal`: by anyone, carrying out a passed governance change of kind "contract"
//       (same name and action, for an upgrade the code's SHA-256); once per proposal
//       both by the deployer, or, when the policy contracts.managedBy is "governance", by the
//       holders of the role `deploy` that governance names (R-7.2.1-a, R-7.2.4-f; issue 17)
//   contract.schedule { contract, method, args, at?, every?, count? }   a trigger: the contract
//       runs `method` without a caller at height `at` and/or every `every` blocks (r-7.2-b)
//   contract.unschedule { trigger }   cancels a trigger; both by the contract's managers
//       (./triggers.ts: due order, the per-block limits, outcomes recorded in state)
// The contract decides who may call what: its code sees `ctx.caller` and `ctx.device`.
// State (prefix "ct/"): ct/contract/<name> the deployment; ct/state/<name>/<key> one value of the
// contract's own state; ct/calls/<name> the calls of one block (caller, method, result, events).
// The VM is injected: the core receives a synchronous ContractRuntime (worker/host/contract-runtime.ts
// wraps QuickJS compiled to WebAssembly). A call runs against the block's overlay; its writes are
// kept only when it returns normally, so a call that throws or hits a limit writes nothing.
// This file: the records and the sandbox's interface (./rules.ts checks bodies, ./apply.ts
// applies them, ./views.ts decodes stored entries).
import type { BotError } from '../../errors';
import type { JsonValue } from '../../body';

export const contractTxTypes = [
  'contract.deploy',
  'contract.call',
  'contract.upgrade',
  'contract.retire',
  'contract.schedule',
  'contract.unschedule',
] as const;

export const contractPrefix = 'ct/contract/';
export const contractStatePrefix = 'ct/state/';
export const contractCallsPrefix = 'ct/calls/';
/** ct/trigger/<id> one trigger (its id: the contract.schedule transaction's). */
export const contractTriggerPrefix = 'ct/trigger/';
/** ct/trigger-failed/<height>: the trigger runs that failed in that block (written only then). */
export const contractTriggerFailedPrefix = 'ct/trigger-failed/';

export interface ContractRecord {
  name: string;
  code: string;
  /** Its public methods, as the deploy check found them. */
  methods: string[];
  /** The did that deployed it. */
  owner: string;
  height: number;
  tx: string;
  time: number;
  /** Its version: 1 at deploy (absent: 1), + 1 at each upgrade. */
  version?: number;
  /** Every version: when, by which transaction and whom, the SHA-256 of its code (absent: only the first). */
  versions?: ContractVersion[];
  /** Retired: no more calls (absent or null: live). */
  retired?: { height: number; by: string; note: string; tx: string; proposal?: string } | null;
}

export interface ContractVersion {
  version: number;
  height: number;
  tx: string;
  by: string;
  /** SHA-256 of the code, lowercase hex. */
  codeHash: string;
  methods: string[];
  /** The passed governance proposal this upgrade carried out (absent: by a manager). */
  proposal?: string;
}

export interface ContractCallRecord {
  tx: string;
  height: number;
  caller: string;
  /** The caller was a registered device (the call was sent with `device: true`). */
  device: boolean;
  method: string;
  /** Tokens the caller paid in with the call (absent: none). */
  paid?: number;
  /** A trigger's run, not a transaction's call: the trigger's id (also in `tx`). */
  trigger?: string;
  result: JsonValue;
  events: JsonValue[];
}

/** What the contract sees as `ctx` besides get/put/del/emit. */
export interface ContractContext {
  contract: string;
  caller: string;
  device: {
    did: string;
    kind: string;
    owner: string;
    gateway: string;
    capabilities: string[];
  } | null;
  height: number;
  /** The block header's time (ms since 1970), the same on every peer. */
  time: number;
  txId: string;
  /** Tokens the caller paid into the contract's account with this call (`pay`; 0 when none). */
  paid?: number;
  /** The contract's own token account ("contract:<name>"). */
  account?: string;
  /** Run by a trigger: its id (ctx.caller is then the did that scheduled it). */
  trigger?: string;
}

/** The state a call may touch, through the core (which checks keys, sizes and counts). */
export interface ContractHostCalls {
  /** JSON text of the value, or null when the key holds nothing. */
  get(key: string): string | null;
  /** JSON text of the value; null deletes. */
  put(key: string, json: string | null): void;
  emit(json: string): void;
  /**
   * Tokens (issue 16): the balance of `account` (null: the contract's own), counting this call's
   * moves so far. Absent: the chain has no tokens to read.
   */
  balance?(account: string | null): number;
  /** Pay `amount` from the contract's own account to `to`; kept only if the call succeeds. */
  transfer?(to: string, amount: number): void;
}

export type ContractRunResult = { ok: true; resultJson: string } | { ok: false; error: BotError };
/** A deploy check: the public methods the code defines (top-level functions not starting with "_"). */
export type ContractCheckResult = { ok: true; methods: string[] } | { ok: false; error: BotError };

/**
 * A synchronous, deterministic sandbox: the same code, method, arguments, context and state give
 * the same outcome on every peer. Errors are values (BotError with a CONTRACT_* code), never throws.
 */
export interface ContractRuntime {
  /** Which engine and build this is (e.g. "quickjs-emscripten 0.32.0 release-sync"). */
  readonly name: string;
  /**
   * Execution steps the last check or call used (contractStepsMax + 1 when it ran out): counted,
   * not timed, so the same on every peer. A block's calls and deploys share
   * limits.blockContractStepsMax (ledger.executeBlock, through the module's blockBudgetSpent).
   */
  readonly lastRunSteps: number;
  /** Evaluate the code's top level under the limits and list the methods it defines. */
  check(code: string): ContractCheckResult;
  call(
    code: string,
    method: string,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ): ContractRunResult;
}

/** Contracts in memory: every deployment and every state value (bounded by the limits). */
export interface ContractRegistry {
  readonly contracts: ReadonlyMap<string, ContractRecord>;
  /** "<name>/<key>" -> JSON text. */
  readonly state: ReadonlyMap<string, string>;
  /** Triggers by id, live and ended (absent: none). */
  readonly triggers?: ReadonlyMap<string, TriggerRecord>;
}

export function emptyContracts(): ContractRegistry {
  return { contracts: new Map(), state: new Map(), triggers: new Map() };
}

/** What one run of a trigger came to. */
export interface TriggerOutcome {
  height: number;
  ok: boolean;
  /** When ok: the method's result. */
  result?: JsonValue;
  /** When ok: the events it emitted. */
  events?: number;
  /** When not ok: the error's code and message. */
  code?: string;
  message?: string;
}

/** A scheduled trigger (ct/trigger/<id>): the contract acts without a caller. */
export interface TriggerRecord {
  /** The contract.schedule transaction's id. */
  id: string;
  contract: string;
  method: string;
  args: JsonValue;
  /** Who scheduled it: ctx.caller of its runs. */
  by: string;
  /** The height of the block that scheduled it. */
  height: number;
  /** The height it runs next (it runs in the first block at or after it that has room). */
  next: number;
  /** Its period in blocks; 0: it runs once. */
  every: number;
  /** Runs left; null: until cancelled or its contract is retired. */
  left: number | null;
  runs: number;
  last: TriggerOutcome | null;
  /** Ended (no more runs): done (its runs were used), cancelled, or retired with its contract. */
  ended: { height: number; reason: 'done' | 'cancelled' | 'retired'; by?: string } | null;
}

/** One failed run, as ct/trigger-failed/<height> lists them (for the managers' notifications). */
export interface TriggerFailure {
  trigger: string;
  contract: string;
  /** Who scheduled it, and the contract's deployer: the managers told. */
  by: string;
  owner: string;
  method: string;
  code: string;
  message: string;
}
