// The chain as a pure state machine: genesis, stateful validation, block execution.
// World state keys: "data/<key>" BoT data (value or tombstone, with the height and tx that
// wrote it), "acct/<did>" account nonces, "sys/..." chain configuration.
import { encode, decode } from './codec';
import { equalBytes, toHex } from './bytes';
import { sha256, taggedHash } from './crypto/hash';
import { botError, BotError, assert } from './errors';
import { StateTrie, zeroHash } from './state-trie';
import { PersistentMap } from './persistent-map';
import { txIdOf, type Tx } from './tx';
import { blockHash, txRootOf, type Block, type BlockHeader, type Validator } from './block';
import * as limits from './limits';
import type { Genesis } from './genesis';
import type { AnyTxModule, BlockContext, BlockEnd, ChainView, Registry } from './modules/module';
import { txRegistry, type ModuleStates } from './modules/registry';
import { consensusIn, isPerBlockLimit, rightsError } from './modules/governance';
import { sealedPutError } from './modules/data/sealed';
import { sealedShareError } from './modules/data/share';
import { checkTokenGenesis, genesisTokenWrites } from './modules/tokens';
import { checkItsGenesis } from './modules/its';

import { checkMultisigGenesis } from './modules/multisig';
import { checkStakingGenesis, genesisStakeOf } from './modules/staking';

export type { ChainMode, EngineName, Genesis } from './genesis';

/**
 * A chain after a block: the core fields, and one field per capability module holding its
 * in-memory state (`governance`, `devices`, `contracts`, ...; absent: the module's empty state).
 */
export interface ChainState extends ChainView, ModuleStates {
  readonly headHash: Uint8Array;
  readonly trie: StateTrie;
  /** Committed nonce of each account that has sent a transaction. */
  readonly nonces: ReadonlyMap<string, number>;
}

/** The engine and its settings in force for the next block. */
export function consensusOf(state: ChainState): Genesis['consensus'] {
  return consensusIn(state.governance, state.genesis);
}

export interface TxOutcome {
  txId: string;
  error: BotError | null;
}

export interface ExecutedBlock {
  block: Block;
  hash: Uint8Array;
  /** State writes: key -> encoded entry, in first-write order. */
  writes: Map<string, Uint8Array>;
  /** Every transaction in the block, in order: those that took effect and those that failed. */
  txIds: string[];
  /**
   * Transactions in the block that failed in execution (a subset of txIds, in order): each used
   * its nonce and left only its failure record (failurePrefix + txId) in the state.
   */
  failed: TxOutcome[];
  /** Transactions left out of the block (a stateless or admission fault), with the reason. */
  rejected: TxOutcome[];
  state: ChainState;
}

export const accountPrefix = 'acct/';
/** "fail/<txId>": a transaction that is in a block but failed in execution, { c: code, h: height }. */
export const failurePrefix = 'fail/';

/** The failure of a transaction that a block holds but that did not take effect. */
export interface TxFailure {
  code: BotError['code'];
  height: number;
}

export function decodeTxFailure(bytes: Uint8Array): TxFailure {
  const raw = decode<{ c: BotError['code']; h: number }>(bytes, 256);
  return { code: raw.c, height: raw.h };
}

export function chainIdOf(genesis: Genesis): string {
  return toHex(taggedHash('bot/genesis/v1', encode(genesis))).slice(0, 32);
}

export function checkGenesis(genesis: Genesis): void {
  if (
    typeof genesis.name !== 'string' ||
    genesis.name.length === 0 ||
    genesis.name.length > limits.chainNameLengthMax
  ) {
    throw botError(
      'BAD_FIELD_TYPE',
      `A chain name must have 1 to ${limits.chainNameLengthMax} characters.`,
    );
  }
  if (!['private', 'consortium', 'public'].includes(genesis.mode))
    throw botError('BAD_FIELD_TYPE', 'mode must be private, consortium or public.');
  if (!['solo', 'poa', 'bft'].includes(genesis.consensus?.engine))
    throw botError('BAD_FIELD_TYPE', 'consensus.engine must be solo, poa or bft.');
  if (
    !Array.isArray(genesis.validators) ||
    genesis.validators.length === 0 ||
    genesis.validators.length > limits.validatorCountMax
  ) {
    throw botError('BAD_FIELD_TYPE', `A chain needs 1 to ${limits.validatorCountMax} validators.`);
  }
  if (genesis.consensus.engine === 'solo' && genesis.validators.length !== 1)
    throw botError('BAD_FIELD_TYPE', 'The solo engine takes exactly one validator.');
  if (
    genesis.admin !== undefined &&
    (genesis.mode !== 'private' ||
      typeof genesis.admin !== 'string' ||
      !genesis.admin.startsWith('did:key:z'))
  )
    throw botError(
      'BAD_FIELD_TYPE',
      'Only a private chain names an administrator, by its did:key.',
    );
  for (const v of genesis.validators) {
    if (typeof v.did !== 'string' || !Number.isSafeInteger(v.power) || v.power < 1)
      throw botError(
        'BAD_FIELD_TYPE',
        'Each validator needs a did and a whole voting power of 1 or more.',
      );
  }
  if (genesis.tokens !== undefined) checkTokenGenesis(genesis.tokens);
  if (genesis.its !== undefined) checkItsGenesis(genesis.its);

  if (genesis.multisig !== undefined) checkMultisigGenesis(genesis.multisig);
  if (genesis.staking !== undefined) {
    checkStakingGenesis(genesis.staking, genesis);
    const allocated = genesis.tokens!.allocations.reduce((sum, a) => sum + a.amount, 0);
    if (allocated + genesisStakeOf(genesis) > (genesis.tokens!.supplyMax ?? limits.tokenSupplyMax))
      throw botError(
        'BAD_FIELD_TYPE',
        'The allocations and the genesis bonds add up to more than the largest supply.',
      );
  }
}

function genesisWrites(genesis: Genesis): Map<string, Uint8Array> {
  return new Map([
    ['sys/genesis', encode(genesis)],
    ['sys/validators', encode(genesis.validators)],
    ...genesisTokenWrites(genesis),
  ]);
}

function trieWith(trie: StateTrie, writes: Map<string, Uint8Array>): StateTrie {
  return trie.setMany([...writes].map(([key, bytes]) => [key, sha256(bytes)] as const));
}

/** The genesis block (height 0, no certificate: it is trusted through the chain id) and its state. */
export function genesisState(genesis: Genesis): {
  state: ChainState;
  block: Block;
  writes: Map<string, Uint8Array>;
} {
  checkGenesis(genesis);
  const chainId = chainIdOf(genesis);
  const writes = genesisWrites(genesis);
  const trie = trieWith(StateTrie.empty(), writes);
  const header: BlockHeader = {
    chain: chainId,
    height: 0,
    prev: zeroHash,
    txRoot: txRootOf([]),
    stateRoot: trie.rootHash(),
    time: genesis.time,
    proposer: genesis.validators[0]!.did,
    round: 0,
  };
  const state: ChainState = {
    genesis,
    chainId,
    height: 0,
    headHash: blockHash(header),
    headTime: genesis.time,
    trie,
    validators: genesis.validators,
    nonces: PersistentMap.empty<number>(),
  };
  return { state, block: { header, txs: [], cert: null }, writes };
}

/**
 * May `did` send transactions on this chain: anyone on a public chain or a solo (development)
 * chain; on a private or consortium chain a validator, a member voted in, or a registered device;
 * on a private chain also its administrator (genesis.admin).
 * Judged on the state before the block, so every peer judges a block's transactions alike.
 */
export function mayWrite(
  state: ChainState,
  did: string,
  registry: Registry = txRegistry,
  tx?: Tx,
): boolean {
  if (state.genesis.mode === 'public' || consensusOf(state).engine === 'solo') return true;
  if (state.validators.some((v) => v.did === did) || state.genesis.admin === did) return true;
  const sending = tx ? { tx, chainId: state.chainId } : undefined;
  for (const module of registry.modules) {
    if (!module.admits) continue;
    // A module that has done nothing yet judges from its empty state (ITS: the genesis providers).
    const moduleState = stateOf(state, module) ?? module.empty(state.genesis);
    if (module.admits(moduleState, did, sending)) return true;
  }
  return false;
}

export function notMemberError(state: ChainState, did: string): BotError {
  return botError(
    'NOT_MEMBER',
    `${did} is not a member of the ${state.genesis.mode} chain ${state.genesis.name}; its validators accept transactions only from members.`,
  );
}

/**
 * The checks that decide whether a transaction may be in block `state.height + 1` at all: the
 * chain, the nonce (exactly the next after committed and earlier in the block) and membership.
 * A transaction failing them is left out and uses no nonce; one passing them is in the block,
 * whether its execution then succeeds or fails.
 */
export function checkTxAgainst(
  state: ChainState,
  tx: Tx,
  nonceOverlay: Map<string, number>,
  registry: Registry = txRegistry,
): BotError | null {
  if (tx.chain !== state.chainId)
    return botError(
      'WRONG_CHAIN',
      `This transaction is for chain ${tx.chain}, not ${state.chainId}.`,
    );
  if (!mayWrite(state, tx.from, registry, tx)) return notMemberError(state, tx.from);
  const committed = state.nonces.get(tx.from) ?? 0;
  const current = nonceOverlay.get(tx.from) ?? committed;
  const rights = txRightsError(state, tx, current - committed, registry);
  if (rights) return rights;
  if (tx.nonce <= current)
    return botError(
      'NONCE_REPLAYED',
      `Nonce ${tx.nonce} of ${tx.from} was already used (last: ${current}).`,
    );
  if (tx.nonce > current + 1)
    return botError(
      'NONCE_GAP',
      `Nonce ${tx.nonce} of ${tx.from} skips ahead; the next one must be ${current + 1}.`,
    );
  return null;
}

/**
 * The chain's roles and policies for `tx` (worker/core/modules/governance/rights.ts), judged on
 * the state before the block; `sentInBlock`: the sender's transactions already in the block.
 * null when it may be in the block; UNAUTHORIZED naming a role, or POLICY naming a policy.
 */
export function txRightsError(
  state: ChainState,
  tx: Tx,
  sentInBlock = 0,
  registry: Registry = txRegistry,
  /** A module whose refusal hook does not apply (multisig, for a transaction its approvals released). */
  exceptHookOf?: string,
): BotError | null {
  const module = registry.byType.get(tx.type);
  if (!module) return null;
  for (const other of registry.modules) {
    if (other.name === exceptHookOf || !other.refuses) continue;
    // A module that has done nothing yet judges from its empty state (block 1: the genesis's
    // multisig policy and staking settings already hold).
    const refused = other.refuses(stateOf(state, other) ?? other.empty(state.genesis), tx);
    if (refused) return refused;
  }
  const rights = rightsError(state.genesis, state.governance, tx, module.name, sentInBlock);
  if (rights) return rights;
  // a value under a read role travels sealed for exactly its holders (modules/data/sealed.ts),
  // and only a holder that can open it shares it with holders granted later (modules/data/share.ts)
  return (
    sealedPutError(state.governance, state.datasets?.keys, tx) ??
    sealedShareError(state.governance, state.datasets?.keys, state.data, tx)
  );
}

/** The state a module holds in `state` (undefined: none yet, its empty state applies). */
function stateOf(state: ChainState, module: AnyTxModule): unknown {
  return (state as unknown as Record<string, unknown>)[module.name];
}

/** A block in progress over `state`; each module's overlay is made on first use. */
function blockContext(
  state: ChainState,
  time: number,
  proposer: string,
  writes: Map<string, Uint8Array>,
  registry: Registry,
): BlockContext & { overlays: Map<AnyTxModule, unknown> } {
  const overlays = new Map<AnyTxModule, unknown>();
  const block = {
    chain: state,
    height: state.height + 1,
    time,
    proposer,
    writes,
    overlays,
    overlayOf<O>(module: AnyTxModule): O {
      if (!overlays.has(module)) {
        assert(registry.modules.includes(module), `module ${module.name} is not registered`);
        const current = stateOf(state, module) ?? module.empty(state.genesis);
        overlays.set(module, module.overlay(current, block));
      }
      return overlays.get(module) as O;
    },
    checkBody(type: string, body: unknown): void {
      const rules = registry.bodyRules[type];
      if (!rules) throw botError('BAD_REQUEST', `Unknown transaction type "${type}".`);
      rules.check(body);
    },
    execute(tx: Tx, txId: string): void {
      const module = registry.byType.get(tx.type);
      if (!module) throw botError('BAD_REQUEST', `Unknown transaction type "${tx.type}".`);
      registry.bodyRules[tx.type]!.check(tx.body);
      // A held transaction meets every rule a direct one does (roles, policies, other modules'
      // refusals such as a blocked device's), except the hold its approvals released.
      const refused = txRightsError(state, tx, 0, registry, 'multisig');
      if (refused) throw refused;
      module.apply(block.overlayOf(module), tx, txId, block);
    },
  };
  return block;
}

/** Apply one transaction through its module: null when applied, or the BotError it threw. */
function applyThrough(
  module: AnyTxModule,
  block: BlockContext,
  tx: Tx,
  txId: string,
): BotError | null {
  try {
    module.apply(block.overlayOf(module), tx, txId, block);
    return null;
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
}

/**
 * Execute transactions on top of `state` as block `state.height + 1`. A transaction that fails
 * checkTxAgainst is left out: with `strict` (a block from elsewhere) that fails the whole block,
 * otherwise (the proposer's own block) it is reported in `rejected`. A transaction that passes
 * them but fails in execution is in the block as failed: it uses its nonce, records its error
 * code under failurePrefix, and has no other effect. An error this peer cannot judge (NOT_READY:
 * no contract engine here) is treated as a fault of the block, not of the transaction.
 * Signatures must have been verified by the caller.
 */
export function executeBlock(
  state: ChainState,
  txs: Tx[],
  meta: { time: number; proposer: string; round: number },
  strict: boolean,
  registry: Registry = txRegistry,
): ExecutedBlock {
  const height = state.height + 1;
  const writes = new Map<string, Uint8Array>();
  const nonceOverlay = new Map<string, number>();
  const included: Tx[] = [];
  const txIds: string[] = [];
  const failed: TxOutcome[] = [];
  const rejected: TxOutcome[] = [];
  const time = Math.max(meta.time, state.headTime);
  const block = blockContext(state, time, meta.proposer, writes, registry);
  // Every module's overlay exists, so that every module finishes the block.
  for (const module of registry.modules) block.overlayOf(module);
  // Work a module does at the start of every block (contract triggers), before its transactions.
  for (const module of registry.modules) module.beginBlock?.(block.overlayOf(module), block);
  // Senders whose transactions wait for the next block (a module's block budget is spent).
  const deferred = new Set<string>();
  for (const tx of txs) {
    const txId = txIdOf(tx);
    if (deferred.has(tx.from)) continue;
    const module = registry.byType.get(tx.type);
    const spent = module?.blockBudgetSpent?.(block.overlayOf(module)) ?? null;
    if (spent !== null) {
      if (strict)
        throw botError(
          'BAD_BLOCK',
          `Block ${height} runs ${tx.type} transaction ${txId} after ${spent}.`,
        );
      // Not refused: it and its sender's later transactions (which need its nonce) wait.
      deferred.add(tx.from);
      continue;
    }
    const refused = checkTxAgainst(state, tx, nonceOverlay, registry);
    if (refused && !strict && isPerBlockLimit(refused)) {
      // Not refused: over the sender's share of this block, it waits for the next one.
      deferred.add(tx.from);
      continue;
    }
    assert(module !== undefined || refused !== null, `no state rule for checked type ${tx.type}`);
    const error = refused ?? applyThrough(module!, block, tx, txId);
    if (error && (refused || error.code === 'NOT_READY')) {
      if (strict)
        throw botError(
          'BAD_BLOCK',
          `Block ${height} holds an invalid transaction ${txId}: ${error.message}`,
        );
      rejected.push({ txId, error });
      continue;
    }
    nonceOverlay.set(tx.from, tx.nonce);
    if (error) {
      writes.set(failurePrefix + txId, encode({ c: error.code, h: height }));
      failed.push({ txId, error });
    }
    included.push(tx);
    txIds.push(txId);
  }
  for (const [did, nonce] of nonceOverlay) writes.set(accountPrefix + did, encode({ n: nonce }));
  const end: BlockEnd = { height, writes, validators: state.validators };
  const moduleStates: Record<string, unknown> = {};
  for (const [module, overlay] of block.overlays)
    moduleStates[module.name] = module.finish(overlay, end);
  const trie = trieWith(state.trie, writes);
  const header: BlockHeader = {
    chain: state.chainId,
    height,
    prev: state.headHash,
    txRoot: txRootOf(included),
    stateRoot: trie.rootHash(),
    time,
    proposer: meta.proposer,
    round: meta.round,
  };
  const hash = blockHash(header);
  // Every sender that ever sent keeps its nonce here: a block copies only the paths of its own
  // senders (a persistent map), not the whole map (a Map copy cost a busy ITS chain, with a key
  // per trip, time in proportion to every key it ever saw).
  const before =
    state.nonces instanceof PersistentMap
      ? (state.nonces as PersistentMap<number>)
      : PersistentMap.from<number>(state.nonces);
  const nonces = before.setAll(nonceOverlay);
  const next: ChainState = {
    ...state,
    ...moduleStates,
    height,
    headHash: hash,
    headTime: header.time,
    trie,
    nonces,
    validators: end.validators,
  };
  return {
    block: { header, txs: included, cert: null },
    hash,
    writes,
    txIds,
    failed,
    rejected,
    state: next,
  };
}

/**
 * The stateful checks and effects of one transaction on the committed state, without the nonce
 * check and without keeping anything: what a host runs before it signs, to refuse early.
 * `waiting`: governance transactions already waiting for a block (the mempool's), applied first,
 * so that a proposal or vote that one of them makes fail (a second use of an invite, a vote on a
 * proposal a waiting vote passes) is refused before it is signed.
 */
export function precheckTx(
  state: ChainState,
  tx: Tx,
  waiting: Iterable<Tx> = [],
  registry: Registry = txRegistry,
): BotError | null {
  const module = registry.byType.get(tx.type);
  if (!module) return null;
  const block = blockContext(
    state,
    Math.max(tx.time, state.headTime),
    state.validators[0]!.did,
    new Map(),
    registry,
  );
  for (const other of waiting) {
    const owner = registry.byType.get(other.type);
    if (owner?.precheckAfter?.(other, tx)) applyThrough(owner, block, other, txIdOf(other));
  }
  return applyThrough(module, block, tx, txIdOf(tx));
}

/**
 * Re-execute a block received from elsewhere (or loaded from storage) and check that its
 * header matches what this peer computes. Certificates are checked separately.
 */
export function replayBlock(
  state: ChainState,
  block: Block,
  registry: Registry = txRegistry,
): ExecutedBlock {
  const { header } = block;
  if (header.chain !== state.chainId)
    throw botError('WRONG_CHAIN', `Block for chain ${header.chain}, not ${state.chainId}.`);
  if (header.height !== state.height + 1)
    throw botError('BAD_BLOCK', `Expected block ${state.height + 1}, got ${header.height}.`);
  if (!equalBytes(header.prev, state.headHash))
    throw botError('BAD_BLOCK', `Block ${header.height} does not link to the block before it.`);
  if (header.time < state.headTime)
    throw botError('BAD_BLOCK', `Block ${header.height} goes back in time.`);
  if (!state.validators.some((v) => v.did === header.proposer))
    throw botError('BAD_BLOCK', `Block ${header.height} was proposed by a non-validator.`);
  const executed = executeBlock(
    state,
    block.txs,
    { time: header.time, proposer: header.proposer, round: header.round },
    true,
    registry,
  );
  const mine = executed.block.header;
  if (!equalBytes(mine.txRoot, header.txRoot))
    throw botError(
      'BAD_BLOCK',
      `Block ${header.height}: the transaction root does not match its transactions.`,
    );
  if (!equalBytes(mine.stateRoot, header.stateRoot))
    throw botError(
      'BAD_BLOCK',
      `Block ${header.height}: the state root does not match the executed state.`,
    );
  assert(equalBytes(executed.hash, blockHash(header)), 'equal headers hash equally');
  return { ...executed, block: { ...executed.block, cert: block.cert } };
}

/** Rebuild a chain state from stored entries (used at load; the caller checks the root). */
export function stateFromEntries(
  genesis: Genesis,
  head: BlockHeader,
  headHash: Uint8Array,
  entries: Iterable<readonly [string, Uint8Array]>,
  registry: Registry = txRegistry,
): ChainState {
  const nonceEntries: Array<readonly [string, number]> = [];
  let validators = genesis.validators;
  const loaders = registry.modules.flatMap((module) =>
    module.load
      ? [{ module, load: module.load, entries: [] as Array<readonly [string, Uint8Array]> }]
      : [],
  );
  const hashed: Array<readonly [string, Uint8Array]> = [];
  for (const [key, bytes] of entries) {
    hashed.push([key, sha256(bytes)]);
    if (key.startsWith(accountPrefix))
      nonceEntries.push([key.slice(accountPrefix.length), decode<{ n: number }>(bytes, 64).n]);
    if (key === 'sys/validators') validators = decode<Validator[]>(bytes, 1 << 16);
    for (const loader of loaders)
      if (loader.load.prefixes.some((prefix) => key.startsWith(prefix)))
        loader.entries.push([key, bytes]);
  }
  const moduleStates: Record<string, unknown> = {};
  for (const module of registry.modules) moduleStates[module.name] = module.empty(genesis);
  for (const { module, load, entries: owned } of loaders)
    moduleStates[module.name] = load.fromEntries(owned, genesis);
  return {
    ...moduleStates,
    genesis,
    chainId: chainIdOf(genesis),
    height: head.height,
    headHash,
    headTime: head.time,
    trie: StateTrie.empty().setMany(hashed),
    validators,
    nonces: PersistentMap.from(nonceEntries),
  };
}
