// The shape of a capability module (issue 13): its transaction types, their stateless body
// rules, its in-memory state, the overlay a block in progress works on, the state transition of
// one transaction, the end-of-block work, and its read functions. The ledger knows no
// transaction type by name: it finds the module of a type in a registry (./registry.ts) and
// calls it. A module imports nothing from the ledger or the transaction codec (tx.ts), so that
// the core has no import cycle; it may import another module that it reads (contracts read
// devices).
import type { Genesis } from '../genesis';
import type { Tx } from '../tx-shape';
import type { BotError } from '../errors';
import type { Validator } from '../validators';
import type { ContractRuntime } from './contracts/types';

export interface BodyRules {
  /** Throws BotError when the body is not acceptable. */
  check(body: unknown): void;
}

/** What a module sees of the chain before the block (a part of the ledger's ChainState). */
export interface ChainView {
  readonly genesis: Genesis;
  readonly chainId: string;
  readonly height: number;
  readonly headTime: number;
  readonly validators: Validator[];
  /**
   * The contract sandbox, injected by the host (a synchronous, deterministic function of code and
   * inputs). Absent: contract transactions are refused with NOT_READY.
   */
  readonly contractRuntime?: ContractRuntime;
}

/** One block in progress, as every module's apply sees it. */
export interface BlockContext {
  readonly chain: ChainView;
  /** The height of the block being built (chain.height + 1). */
  readonly height: number;
  /** The block's time (never before the head's). */
  readonly time: number;
  /** The did proposing the block (a host's precheck: the first validator); transfer fees go to it. */
  readonly proposer: string;
  /** The block's state writes, key -> encoded entry, in first-write order. */
  readonly writes: Map<string, Uint8Array>;
  /** The overlay of a module in this block (made on first use): how one module reads another. */
  overlayOf<O>(module: TxModule<unknown, O>): O;
  /**
   * Apply a transaction of any module inside the current one (its body rules, then its apply;
   * throws BotError having changed nothing): multisig runs a held transaction with it.
   */
  execute?(tx: Tx, txId: string): void;
  /** The stateless body rules of any registered type (throws BotError). */
  checkBody?(type: string, body: unknown): void;
}

/** The end of a block, as every module's finish sees it. */
export interface BlockEnd {
  readonly height: number;
  readonly writes: Map<string, Uint8Array>;
  /** The validators of the next block: a module that changes the set replaces it. */
  validators: Validator[];
}

/**
 * One capability. `State` is what the core keeps in memory between blocks (ChainState[name]; absent
 * means `empty`), `Overlay` the working copy of one block. Method syntax keeps a module assignable
 * to `TxModule<unknown, unknown>`, the registry's element type.
 */
export interface TxModule<State = unknown, Overlay = unknown, Name extends string = string> {
  /** The ChainState field that holds its state; unique in a registry. */
  readonly name: Name;
  /** The transaction types it owns; a type belongs to one module. */
  readonly txTypes: readonly string[];
  /** Stateless checks of each type's body (every type in txTypes has one). */
  readonly bodyRules: Readonly<Record<string, BodyRules>>;
  /** The state of a chain where the module has done nothing yet. */
  empty(genesis: Genesis): State;
  /** The working copy of one block, from the state before it. */
  overlay(state: State, block: BlockContext): Overlay;
  /**
   * The stateful checks and effect of one of its transactions on the overlay. Throws BotError
   * (the transaction then fails, and must have changed nothing); returns when applied.
   */
  apply(overlay: Overlay, tx: Tx, txId: string, block: BlockContext): void;
  /**
   * Work at the start of a block, before its transactions, on every peer alike (contract
   * triggers). May throw BotError NOT_READY when this peer cannot judge the block.
   */
  beginBlock?(overlay: Overlay, block: BlockContext): void;
  /**
   * Whether the block's budget of this module's work is spent (a reason, in words), so that no
   * further transaction of the module may run in it: the proposer leaves them (and their
   * senders' later transactions) for the next block, and a block that runs one is BAD_BLOCK
   * (absent: no budget). Contracts: limits.blockContractStepsMax.
   */
  blockBudgetSpent?(overlay: Overlay): string | null;
  /** After the block's transactions: write what changed, return the state for the next block. */
  finish(overlay: Overlay, end: BlockEnd): State;
  /** The state keys it rebuilds its in-memory state from when a chain is loaded (absent: empty). */
  readonly load?: {
    readonly prefixes: readonly string[];
    fromEntries(entries: ReadonlyArray<readonly [string, Uint8Array]>, genesis: Genesis): State;
  };
  /**
   * Whether its state (before the block) forbids `tx` in the block at all, whatever its module:
   * the refusal, or null. Such a transaction is left out by the proposer and makes a block that
   * holds it BAD_BLOCK (the blocklist refuses a blocked device's transactions).
   */
  refuses?(state: State, tx: Tx): BotError | null;
  /**
   * Whether its state lets `did` send transactions on a private or consortium chain; `sending`,
   * when known, is the transaction judged (an ITS trip's first observation admits itself by the
   * provider's certificate it carries).
   */
  admits?(state: State, did: string, sending?: { tx: Tx; chainId: string }): boolean;
  /**
   * Whether a host's precheck of `tx` applies the waiting (mempool) transaction `other` of this
   * module first, so that a transaction one of them would make fail is refused before it is
   * signed (absent: none).
   */
  precheckAfter?(other: Tx, tx: Tx): boolean;
  /** Read functions over its state and stored entries, for the host and the page. */
  readonly views: Readonly<Record<string, (...args: never[]) => unknown>>;
}

export type AnyTxModule = TxModule<unknown, unknown>;

/** The ChainState fields that are not module states: no module may take one of these names. */
export const reservedStateNames: readonly string[] = [
  'genesis',
  'chainId',
  'height',
  'headHash',
  'headTime',
  'trie',
  'validators',
  'nonces',
  'contractRuntime',
];

/** A registry: its modules in order (overlays are made and finished in this order), by type. */
export interface Registry {
  readonly modules: readonly AnyTxModule[];
  readonly byType: ReadonlyMap<string, AnyTxModule>;
  readonly bodyRules: Readonly<Record<string, BodyRules>>;
}

/** Build a registry; throws when two modules share a name or a type, or a type lacks rules. */
export function registryOf(modules: readonly AnyTxModule[]): Registry {
  const names = new Set<string>();
  const byType = new Map<string, AnyTxModule>();
  const bodyRules: Record<string, BodyRules> = {};
  for (const module of modules) {
    if (names.has(module.name) || reservedStateNames.includes(module.name))
      throw new Error(`module name "${module.name}" is taken`);
    names.add(module.name);
    for (const type of module.txTypes) {
      if (byType.has(type)) throw new Error(`transaction type "${type}" has two modules`);
      const rules = Object.hasOwn(module.bodyRules, type) ? module.bodyRules[type] : undefined;
      if (!rules) throw new Error(`transaction type "${type}" has no body rules`);
      byType.set(type, module);
      bodyRules[type] = rules;
    }
  }
  return { modules, byType, bodyRules: Object.freeze(bodyRules) };
}
