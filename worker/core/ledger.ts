// The chain as a pure state machine: genesis, stateful validation, block execution.
// World state keys: "data/<key>" BoT data (value or tombstone, with the height and tx that
// wrote it), "acct/<did>" account nonces, "sys/..." chain configuration.
import { encode, decode } from './codec';
import { equalBytes, toHex } from './bytes';
import { sha256, taggedHash } from './crypto/hash';
import { botError, BotError, assert } from './errors';
import { StateTrie, zeroHash } from './state-trie';
import { txIdOf, type Tx } from './tx';
import { blockHash, txRootOf, type Block, type BlockHeader, type Validator } from './block';
import * as limits from './limits';
import type { ChainMode, EngineName, Genesis } from './genesis';

export type { ChainMode, EngineName, Genesis } from './genesis';
import {
  applyGovernanceTx,
  emptyGovernance,
  finishGovernance,
  governanceTxTypes,
  offenderPrefix,
  overlayOf,
  proposalPrefix,
  memberPrefix,
  type Governance,
  type ProposalRecord,
} from './governance';
import {
  applyDeviceTx,
  deviceOverlayOf,
  deviceTxTypes,
  emptyDevices,
  finishDevices,
  registryFromEntries,
  type DeviceRegistry,
} from './devices';
import {
  applyContractTx,
  contractOverlayOf,
  contractsFromEntries,
  contractTxTypes,
  emptyContracts,
  isContractTx,
  finishContracts,
  type ContractRegistry,
  type ContractRuntime,
} from './contracts';

export interface DataEntry {
  /** The value, or null for a tombstone. */
  value: unknown;
  deleted: boolean;
  height: number;
  txId: string;
}

export interface ChainState {
  readonly genesis: Genesis;
  readonly chainId: string;
  readonly height: number;
  readonly headHash: Uint8Array;
  readonly headTime: number;
  readonly trie: StateTrie;
  readonly validators: Validator[];
  /** Committed nonce of each account that has sent a transaction. */
  readonly nonces: ReadonlyMap<string, number>;
  /** Proposals, offenders, members and the current engine settings (absent: as in genesis). */
  readonly governance?: Governance;
  /** Registered devices and open access requests (absent: none). Issue 6, ./devices.ts. */
  readonly devices?: DeviceRegistry;
  /** Deployed contracts and their state (absent: none). ./contracts.ts. */
  readonly contracts?: ContractRegistry;
  /**
   * The contract sandbox, injected by the host (a synchronous, deterministic function of code and
   * inputs). Absent: contract transactions are refused with NOT_READY.
   */
  readonly contractRuntime?: ContractRuntime;
}

/** The engine and its settings in force for the next block. */
export function consensusOf(state: ChainState): Genesis['consensus'] {
  return state.governance?.consensus ?? state.genesis.consensus;
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

export const dataPrefix = 'data/';
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
  for (const v of genesis.validators) {
    if (typeof v.did !== 'string' || !Number.isSafeInteger(v.power) || v.power < 1)
      throw botError(
        'BAD_FIELD_TYPE',
        'Each validator needs a did and a whole voting power of 1 or more.',
      );
  }
}

function genesisWrites(genesis: Genesis): Map<string, Uint8Array> {
  return new Map([
    ['sys/genesis', encode(genesis)],
    ['sys/validators', encode(genesis.validators)],
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
    nonces: new Map(),
  };
  return { state, block: { header, txs: [], cert: null }, writes };
}

/**
 * May `did` send transactions on this chain: anyone on a public chain or a solo (development)
 * chain; on a private or consortium chain a validator, a member voted in, or a registered device.
 * Judged on the state before the block, so every peer judges a block's transactions alike.
 */
export function mayWrite(state: ChainState, did: string): boolean {
  if (state.genesis.mode === 'public' || consensusOf(state).engine === 'solo') return true;
  if (state.validators.some((v) => v.did === did)) return true;
  if (state.governance?.members.has(did)) return true;
  return state.devices?.devices.has(did) ?? false;
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
): BotError | null {
  if (tx.chain !== state.chainId)
    return botError(
      'WRONG_CHAIN',
      `This transaction is for chain ${tx.chain}, not ${state.chainId}.`,
    );
  if (!mayWrite(state, tx.from)) return notMemberError(state, tx.from);
  const current = nonceOverlay.get(tx.from) ?? state.nonces.get(tx.from) ?? 0;
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

function applyTx(tx: Tx, txId: string, height: number, writes: Map<string, Uint8Array>): void {
  const body = tx.body as { key: string; value?: unknown };
  if ((governanceTxTypes as readonly string[]).includes(tx.type)) return;
  if ((deviceTxTypes as readonly string[]).includes(tx.type)) return; // written by finishDevices
  if ((contractTxTypes as readonly string[]).includes(tx.type)) return; // written by finishContracts
  switch (tx.type) {
    case 'data.put':
      writes.set(dataPrefix + body.key, encode({ v: body.value, h: height, tx: txId }));
      return;
    case 'data.delete':
      writes.set(dataPrefix + body.key, encode({ d: true, h: height, tx: txId }));
      return;
    default:
      assert(false, `no state rule for checked type ${tx.type}`);
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
): ExecutedBlock {
  const height = state.height + 1;
  const writes = new Map<string, Uint8Array>();
  const nonceOverlay = new Map<string, number>();
  const included: Tx[] = [];
  const txIds: string[] = [];
  const failed: TxOutcome[] = [];
  const rejected: TxOutcome[] = [];
  const gov = overlayOf(
    state.governance ?? emptyGovernance(state.genesis),
    state.validators,
    state.chainId,
  );
  const dev = deviceOverlayOf(state.devices ?? emptyDevices(), state.chainId);
  const ct = contractOverlayOf(state.contracts ?? emptyContracts(), state.contractRuntime);
  const time = Math.max(meta.time, state.headTime);
  const deviceOf = (did: string) => dev.devices.get(did) ?? dev.base.devices.get(did);
  // Senders whose transactions wait for the next block (the block's contract budget is spent).
  const deferred = new Set<string>();
  for (const tx of txs) {
    const txId = txIdOf(tx);
    if (deferred.has(tx.from)) continue;
    if (isContractTx(tx) && ct.stepsUsed >= limits.blockContractStepsMax) {
      if (strict)
        throw botError(
          'BAD_BLOCK',
          `Block ${height} runs contract transaction ${txId} after its contract work reached ${limits.blockContractStepsMax} steps, the limit of one block.`,
        );
      // Not refused: it and its sender's later transactions (which need its nonce) wait.
      deferred.add(tx.from);
      continue;
    }
    const refused = checkTxAgainst(state, tx, nonceOverlay);
    const error =
      refused ??
      applyGovernanceTx(gov, tx, txId, height) ??
      applyDeviceTx(dev, tx, txId, height) ??
      applyContractTx(ct, tx, txId, height, time, deviceOf);
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
    } else {
      applyTx(tx, txId, height, writes);
    }
    included.push(tx);
    txIds.push(txId);
  }
  for (const [did, nonce] of nonceOverlay) writes.set(accountPrefix + did, encode({ n: nonce }));
  const { validators, ...governance } = finishGovernance(gov, height, writes);
  const devices = finishDevices(dev, height, writes);
  const contracts = finishContracts(ct, height, writes);
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
  const nonces = new Map(state.nonces);
  for (const [did, nonce] of nonceOverlay) nonces.set(did, nonce);
  const next: ChainState = {
    ...state,
    height,
    headHash: hash,
    headTime: header.time,
    trie,
    nonces,
    validators,
    governance,
    devices,
    contracts,
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
export function precheckTx(state: ChainState, tx: Tx, waiting: Iterable<Tx> = []): BotError | null {
  const txId = txIdOf(tx);
  const height = state.height + 1;
  const gov = overlayOf(
    state.governance ?? emptyGovernance(state.genesis),
    state.validators,
    state.chainId,
  );
  for (const other of waiting) {
    // Evidence costs signature checks: waiting evidence matters only to more evidence.
    if (
      !(governanceTxTypes as readonly string[]).includes(other.type) ||
      (other.type === 'evidence.submit' && tx.type !== 'evidence.submit')
    )
      continue;
    applyGovernanceTx(gov, other, txIdOf(other), height);
  }
  const dev = deviceOverlayOf(state.devices ?? emptyDevices(), state.chainId);
  const ct = contractOverlayOf(state.contracts ?? emptyContracts(), state.contractRuntime);
  const deviceOf = (did: string) => dev.base.devices.get(did);
  return (
    applyGovernanceTx(gov, tx, txId, height) ??
    applyDeviceTx(dev, tx, txId, height) ??
    applyContractTx(ct, tx, txId, height, Math.max(tx.time, state.headTime), deviceOf)
  );
}

/**
 * Re-execute a block received from elsewhere (or loaded from storage) and check that its
 * header matches what this peer computes. Certificates are checked separately.
 */
export function replayBlock(state: ChainState, block: Block): ExecutedBlock {
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

/** Decode a stored data entry. */
export function decodeDataEntry(bytes: Uint8Array): DataEntry {
  const raw = decode<{ v?: unknown; d?: boolean; h: number; tx: string }>(
    bytes,
    limits.dataValueBytesMax + 1024,
  );
  return { value: raw.d ? null : raw.v, deleted: raw.d === true, height: raw.h, txId: raw.tx };
}

/** Rebuild a chain state from stored entries (used at load; the caller checks the root). */
export function stateFromEntries(
  genesis: Genesis,
  head: BlockHeader,
  headHash: Uint8Array,
  entries: Iterable<readonly [string, Uint8Array]>,
): ChainState {
  let trie = StateTrie.empty();
  const nonces = new Map<string, number>();
  let validators = genesis.validators;
  let consensus = genesis.consensus;
  const proposals = new Map<string, ProposalRecord>();
  const offenders = new Map<string, number>();
  const members = new Set<string>();
  const deviceEntries: Array<readonly [string, Uint8Array]> = [];
  const hashed: Array<readonly [string, Uint8Array]> = [];
  for (const [key, bytes] of entries) {
    hashed.push([key, sha256(bytes)]);
    if (key.startsWith(accountPrefix))
      nonces.set(key.slice(accountPrefix.length), decode<{ n: number }>(bytes, 64).n);
    if (key === 'sys/validators') validators = decode<Validator[]>(bytes, 1 << 16);
    if (key === 'sys/consensus') consensus = decode<Genesis['consensus']>(bytes, 1024);
    if (key.startsWith(proposalPrefix))
      proposals.set(key.slice(proposalPrefix.length), decode<ProposalRecord>(bytes, 1 << 16));
    if (key.startsWith(offenderPrefix))
      offenders.set(key.slice(offenderPrefix.length), decode<{ h: number }>(bytes, 64).h);
    if (key.startsWith(memberPrefix) && decode<{ member: boolean }>(bytes, 128).member)
      members.add(key.slice(memberPrefix.length));
    if (key.startsWith('dev/') || key.startsWith('ct/')) deviceEntries.push([key, bytes]);
  }
  trie = trie.setMany(hashed);
  const governance: Governance = { proposals, offenders, members, consensus };
  return {
    genesis,
    chainId: chainIdOf(genesis),
    height: head.height,
    headHash,
    headTime: head.time,
    trie,
    validators,
    nonces,
    governance,
    devices: registryFromEntries(deviceEntries),
    contracts: contractsFromEntries(deviceEntries),
  };
}
