// The host: one event loop per peer. It owns all I/O (storage, clock, crypto backends,
// events), feeds inputs to the pure core, and carries out effects in order: a `persist`
// completes before anything after it runs (persist before notify).
import { createPeer, step } from '../core/peer';
import type { PeerEffect, PeerInput, PeerState } from '../core/consensus/types';
import { decodeBlock, blockHash, txRootOf, encodeBlock, certificateChecks, checkCertificateFor, type Block } from '../core/block';
import { genesisState, stateFromEntries, decodeDataEntry, dataPrefix, type Genesis, type ChainState } from '../core/ledger';
import { checkTx, decodeTx, encodeTx, txIdOf, txSigningBytes, type Tx, type UnsignedTx } from '../core/tx';
import { publicKeyFromDid, didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { sha256 } from '../core/crypto/hash';
import { equalBytes, toHex } from '../core/bytes';
import { BotError, botError } from '../core/errors';
import * as limits from '../core/limits';
import type { Storage } from '../store/storage';
import type { Signer, Verifier } from './crypto';
import { createSigner } from './crypto';
import type { BlockView, ChainSummary, CreateChainRequest, GetResult, GovernanceView, Identity, IntegrityReport, LogEntry, NetworkView, PeerEvent, PeerMethods, Settings, Status, TxResult } from '../api';

export interface HostOptions {
  storage: Storage;
  storageKind: Status['storage'];
  verifier: Verifier;
  now: () => number;
  randomBytes: (length: number) => Uint8Array;
  emit: (event: PeerEvent) => void;
  /** Milliseconds between engine ticks when idle. */
  tickIntervalMs?: number;
}

interface ChainRecord {
  chainId: string;
  genesis: Genesis;
}

type Waiter = { resolve: (r: TxResult) => void; timer: ReturnType<typeof setTimeout> };

const idleTickMs = 200;

export class PeerHost implements PeerMethods {
  private peer!: PeerState;
  private signer!: Signer;
  private identityView!: Identity;
  private seed!: Uint8Array;
  /** Verified header hashes by height: reads are checked against them. */
  private hashes: Uint8Array[] = [];
  private integrityReport!: IntegrityReport;
  private readonly results = new Map<string, TxResult>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly operationLog: LogEntry[] = [];
  private loop: Promise<void> = Promise.resolve();
  private pendingSubmissions: Array<{ tx: Tx; resolve: () => void }> = [];
  private flushScheduled = false;
  private tickScheduled = false;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private started: Promise<Status> | null = null;
  private stopped = false;

  constructor(private readonly options: HostOptions) {}

  // ---- start-up --------------------------------------------------------------------------

  ready(): Promise<Status> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Status> {
    const { storage } = this.options;
    let seed = await storage.getMeta<Uint8Array>('identity.seed');
    if (!seed) {
      seed = this.options.randomBytes(32);
      await storage.putMeta('identity.seed', seed);
      this.record('info', 'Created a new identity for this peer.');
    }
    this.seed = seed;
    const publicKey = publicKeyFromSeed(seed);
    const did = didFromPublicKey(publicKey);
    this.identityView = { did, publicKey: toHex(publicKey) };
    this.signer = await createSigner(seed);
    let chain = await storage.getMeta<ChainRecord>('chain.active');
    if (!chain) chain = await this.createDevChain(did);
    await this.load(chain);
    this.idleTimer = setInterval(() => this.scheduleTick(), this.options.tickIntervalMs ?? idleTickMs);
    this.record('info', `Peer started on chain ${chain.genesis.name} at height ${this.peer.chain.height}.`);
    return this.statusNow();
  }

  private async createDevChain(did: string): Promise<ChainRecord> {
    const genesis: Genesis = { name: 'dev', mode: 'private', consensus: { engine: 'solo' }, validators: [{ did, power: 1 }], time: this.options.now(), salt: toHex(this.options.randomBytes(8)) };
    const { state, block, writes } = genesisState(genesis);
    await this.options.storage.commitBlock({ chainId: state.chainId, height: 0, block: encodeBlock(block), writes, txIds: [] });
    const record = { chainId: state.chainId, genesis };
    await this.options.storage.putMeta('chain.active', record);
    this.record('info', `Created the development chain ${state.chainId} (solo validator: this peer).`);
    return record;
  }

  /** Load a chain from storage and check it end to end: links, roots, certificates, state. */
  private async load(record: ChainRecord): Promise<void> {
    const { storage } = this.options;
    const genesis = genesisState(record.genesis);
    const problems: IntegrityReport['problems'] = [];
    const head = await storage.headHeight(record.chainId);
    const hashes: Uint8Array[] = [];
    let verifiedHeight = -1;
    let lastHeader = genesis.block.header;
    const certificateJobs: Array<{ height: number; checks: ReturnType<typeof certificateChecks> }> = [];
    for (let height = 0; height <= head; height++) {
      const bytes = await storage.getBlock(record.chainId, height);
      const problem = bytes ? this.checkStoredBlock(bytes, height, hashes, genesis.state, certificateJobs) : 'the block is missing';
      if (problem) {
        problems.push({ height, message: `Block ${height}: ${problem}` });
        break;
      }
      lastHeader = decodeBlock(bytes!).header;
      verifiedHeight = height;
    }
    const verdicts = await this.options.verifier.verifyBatch(certificateJobs.flatMap((j) => j.checks));
    let at = 0;
    for (const job of certificateJobs) {
      const ok = verdicts.slice(at, at + job.checks.length).every(Boolean);
      at += job.checks.length;
      if (!ok && job.height <= verifiedHeight) {
        problems.push({ height: job.height, message: `Block ${job.height}: a certificate signature does not verify.` });
        verifiedHeight = job.height - 1;
      }
    }
    hashes.length = verifiedHeight + 1;
    this.hashes = hashes;
    const entries = await storage.allState(record.chainId);
    const headHash = hashes[verifiedHeight] ?? blockHash(genesis.block.header);
    let chain: ChainState = stateFromEntries(record.genesis, lastHeader, headHash, entries);
    const stateVerified = problems.length === 0 && equalBytes(chain.trie.rootHash(), lastHeader.stateRoot);
    if (problems.length === 0 && !stateVerified) problems.push({ height: null, message: 'The stored world state does not match the state root of the head block.' });
    if (problems.length > 0) chain = { ...chain, height: Math.max(verifiedHeight, 0) };
    this.integrityReport = { ok: problems.length === 0, verifiedHeight, stateVerified, problems, checkedAt: this.options.now() };
    for (const p of problems) this.record('error', `Tamper check: ${p.message}`);
    this.peer = createPeer({ did: this.identityView.did, seed: this.seed }, chain);
  }

  /** Structural checks of one stored block; returns a problem or null. Certificates are queued. */
  private checkStoredBlock(bytes: Uint8Array, height: number, hashes: Uint8Array[], genesisChain: ChainState, certificateJobs: Array<{ height: number; checks: ReturnType<typeof certificateChecks> }>): string | null {
    let block: Block;
    try {
      block = decodeBlock(bytes);
    } catch (error) {
      return `it cannot be decoded (${(error as Error).message})`;
    }
    const { header } = block;
    if (header.height !== height || header.chain !== genesisChain.chainId) return 'it is stored under the wrong height or chain';
    const hash = blockHash(header);
    if (height === 0) {
      if (!equalBytes(hash, genesisChain.headHash)) return 'the genesis block differs from the chain id';
    } else {
      if (!equalBytes(header.prev, hashes[height - 1]!)) return 'it does not link to the block before it';
      if (!equalBytes(txRootOf(block.txs), header.txRoot)) return 'its transactions do not match its transaction root';
      try {
        checkCertificateFor(header, block.cert, genesisChain.validators);
        certificateJobs.push({ height, checks: certificateChecks(block.cert!, header.chain, genesisChain.validators) });
      } catch (error) {
        return (error as Error).message;
      }
    }
    hashes[height] = hash;
    return null;
  }

  // ---- the event loop --------------------------------------------------------------------

  /** Run `work` after everything queued before it; the loop never runs two steps at once. */
  private enqueue<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.loop.then(work);
    this.loop = run.then(
      () => undefined,
      (error) => this.fatal(error),
    );
    return run;
  }

  private fatal(error: unknown): void {
    this.record('error', `The peer stopped: ${(error as Error)?.message ?? error}`);
    this.stop();
  }

  private async feed(input: PeerInput): Promise<void> {
    const { state, effects } = step(this.peer, input);
    this.peer = state;
    await this.runEffects(effects);
  }

  private async runEffects(effects: PeerEffect[]): Promise<void> {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'persist': {
          const { block, hash, writes, txIds } = effect.executed;
          await this.options.storage.commitBlock({ chainId: block.header.chain, height: block.header.height, block: encodeBlock(block), writes, txIds });
          this.hashes[block.header.height] = hash;
          this.integrityReport = { ...this.integrityReport, verifiedHeight: Math.max(this.integrityReport.verifiedHeight, block.header.height) };
          queueMicrotask(() => void this.enqueue(() => this.feed({ kind: 'persisted', height: block.header.height })));
          break;
        }
        case 'committed':
          for (const txId of effect.txIds) this.settle(txId, { status: 'committed', height: effect.block.header.height });
          this.options.emit({ type: 'block', height: effect.block.header.height, hash: toHex(effect.hash), txCount: effect.txIds.length, time: effect.block.header.time });
          break;
        case 'txRejected':
          this.settle(effect.txId, { status: 'rejected', error: effect.error.toJSON() });
          this.record('warn', `Rejected transaction ${effect.txId.slice(0, 12)}: ${effect.error.message}`);
          break;
        case 'txAccepted':
          break;
        default:
          // Effects of engines this host does not drive yet (e.g. network sends) are ignored here.
          break;
      }
    }
  }

  private scheduleTick(): void {
    if (this.tickScheduled || this.stopped || !this.peer) return;
    this.tickScheduled = true;
    setTimeout(() => {
      this.tickScheduled = false;
      if (this.integrityReport.ok) void this.enqueue(() => this.feed({ kind: 'tick', time: this.options.now() }));
    }, 0);
  }

  private settle(txId: string, result: TxResult): void {
    if (this.results.size >= limits.recentResultsMax) this.results.delete(this.results.keys().next().value!);
    this.results.set(txId, result);
    this.options.emit({ type: 'tx', txId, result });
    const waiting = this.waiters.get(txId);
    if (!waiting) return;
    this.waiters.delete(txId);
    for (const w of waiting) {
      clearTimeout(w.timer);
      w.resolve(result);
    }
  }

  /** Verify the signatures of queued submissions in one batch, then feed them in order. */
  private flushSubmissions(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(async () => {
      this.flushScheduled = false;
      const batch = this.pendingSubmissions;
      this.pendingSubmissions = [];
      const verdicts = await this.options.verifier.verifyBatch(batch.map(({ tx }) => ({ publicKey: publicKeyFromDid(tx.from), message: txSigningBytes(tx), signature: tx.sig })));
      await this.enqueue(async () => {
        for (let i = 0; i < batch.length; i++) await this.feed({ kind: 'submit', tx: batch[i]!.tx, sigOk: verdicts[i]! });
      });
      for (const item of batch) item.resolve();
      this.scheduleTick();
    });
  }

  private admit(tx: Tx): Promise<{ txId: string }> {
    if (!this.integrityReport.ok) throw botError('TAMPERED', 'This peer found its stored ledger changed and accepts no writes. Reset the peer or restore it from other peers.');
    const txId = txIdOf(tx);
    this.results.delete(txId);
    return new Promise((resolve) => {
      this.pendingSubmissions.push({ tx, resolve: () => resolve({ txId }) });
      this.flushSubmissions();
    });
  }

  // ---- dApp API --------------------------------------------------------------------------

  async identity(): Promise<Identity> {
    await this.ready();
    return this.identityView;
  }

  async status(): Promise<Status> {
    await this.ready();
    return this.statusNow();
  }

  private statusNow(): Status {
    const chain = this.peer.chain;
    return {
      chainId: chain.chainId,
      chainName: chain.genesis.name,
      height: chain.height,
      headHash: toHex(chain.headHash),
      peers: 0,
      role: chain.validators.some((v) => v.did === this.identityView.did) ? 'validator' : 'member',
      mode: chain.genesis.mode,
      consensus: chain.genesis.consensus.engine,
      syncing: false,
      mempool: this.peer.mempool.size,
      integrity: this.integrityReport,
      storage: this.options.storageKind,
    };
  }

  private nonceNext = 0;

  async submit(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    await this.ready();
    if (typeof request !== 'object' || request === null) throw botError('BAD_REQUEST', 'submit takes { type, body }.');
    const chain = this.peer.chain;
    const committed = chain.nonces.get(this.identityView.did) ?? 0;
    this.nonceNext = Math.max(this.nonceNext, committed) + 1;
    const unsigned: UnsignedTx = { chain: chain.chainId, type: request.type, from: this.identityView.did, nonce: this.nonceNext, time: this.options.now(), body: request.body };
    let tx: Tx;
    try {
      tx = checkTx({ ...unsigned, sig: new Uint8Array(64) });
    } catch (error) {
      this.nonceNext--;
      throw error;
    }
    tx = { ...unsigned, sig: await this.signer.sign(txSigningBytes(unsigned)) };
    return this.admit(tx);
  }

  async submitRaw(bytes: Uint8Array): Promise<{ txId: string }> {
    await this.ready();
    return this.admit(decodeTx(bytes));
  }

  async waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult> {
    await this.ready();
    if (typeof txId !== 'string' || !/^[0-9a-f]{64}$/.test(txId)) throw botError('BAD_REQUEST', 'waitFor takes a transaction id (64 hex digits).');
    const known = this.results.get(txId);
    if (known) return known;
    const location = await this.options.storage.txLocation(txId);
    if (location && location.height < this.hashes.length) return { status: 'committed', height: location.height };
    const timeoutMs = Math.min(Math.max(options?.timeoutMs ?? 30_000, 0), limits.waitTimeoutMsMax);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(txId)?.filter((w) => w.timer !== timer) ?? [];
        if (list.length) this.waiters.set(txId, list);
        else this.waiters.delete(txId);
        reject(botError('TIMEOUT', `Transaction ${txId.slice(0, 12)} was not decided within ${timeoutMs} ms; it may still commit.`));
      }, timeoutMs);
      const list = this.waiters.get(txId) ?? [];
      list.push({ resolve, timer });
      this.waiters.set(txId, list);
    });
  }

  async block(height: number): Promise<BlockView | null> {
    await this.ready();
    if (!Number.isSafeInteger(height) || height < 0) throw botError('BAD_REQUEST', 'block takes a height: a whole number from 0.');
    const expected = this.hashes[height];
    const bytes = await this.options.storage.getBlock(this.peer.chain.chainId, height);
    if (!bytes) return null;
    if (!expected) throw botError('TAMPERED', `Block ${height} failed the tamper check and is not served.`);
    let block: Block;
    try {
      block = decodeBlock(bytes);
    } catch {
      throw botError('TAMPERED', `Stored block ${height} was changed and cannot be decoded.`);
    }
    if (!equalBytes(blockHash(block.header), expected) || !equalBytes(txRootOf(block.txs), block.header.txRoot)) {
      throw botError('TAMPERED', `Stored block ${height} was changed after it was verified.`);
    }
    return blockView(block, expected);
  }

  async get(key: string): Promise<GetResult | null> {
    await this.ready();
    if (typeof key !== 'string' || key.length === 0) throw botError('BAD_REQUEST', 'get takes a non-empty key.');
    if (!this.integrityReport.stateVerified && !this.integrityReport.ok) throw botError('TAMPERED', 'The stored state failed the tamper check; values are not served.');
    const stateKey = dataPrefix + key;
    const chain = this.peer.chain;
    const trie = chain.trie;
    const leaf = trie.get(stateKey);
    if (!leaf) return null;
    const entry = await this.options.storage.getState(chain.chainId, stateKey);
    if (!entry || !equalBytes(sha256(entry), leaf)) throw botError('TAMPERED', `The stored value of "${key}" does not match the state root.`);
    const proof = trie.prove(stateKey)!;
    const decoded = decodeDataEntry(entry);
    return {
      value: decoded.value,
      deleted: decoded.deleted,
      height: decoded.height,
      txId: decoded.txId,
      proof: { key: stateKey, entry: toHex(entry), siblings: proof.siblings.map(toHex), stateRoot: toHex(trie.rootHash()), height: chain.height },
    };
  }

  async history(key: string) {
    await this.ready();
    const versions = await this.options.storage.history(this.peer.chain.chainId, dataPrefix + key);
    return versions.map((v) => {
      const d = decodeDataEntry(v.entry);
      return { height: v.height, value: d.value, deleted: d.deleted, txId: d.txId };
    });
  }

  async integrity(): Promise<IntegrityReport> {
    await this.ready();
    return this.integrityReport;
  }

  async log(): Promise<LogEntry[]> {
    return [...this.operationLog];
  }

  private record(level: LogEntry['level'], message: string): void {
    const entry = { time: this.options.now(), level, message };
    this.operationLog.push(entry);
    if (this.operationLog.length > limits.operationLogEntriesMax) this.operationLog.shift();
    this.options.emit({ type: 'log', entry });
  }

  // ---- chains, network, governance, identity: being built (issues 4 and 5) ------------------

  async createChain(_request: CreateChainRequest): Promise<{ chainId: string; invite: string }> {
    throw botError('NOT_READY', 'createChain is not available on this peer yet.');
  }
  async join(_invite: string): Promise<{ chainId: string }> {
    throw botError('NOT_READY', 'join is not available on this peer yet.');
  }
  async invite(): Promise<string> {
    throw botError('NOT_READY', 'invite is not available on this peer yet.');
  }
  async chains(): Promise<ChainSummary[]> {
    const s = await this.status();
    return [{ chainId: s.chainId, name: s.chainName, mode: s.mode, consensus: s.consensus, height: s.height, active: true, role: s.role }];
  }
  async useChain(_chainId: string): Promise<Status> {
    throw botError('NOT_READY', 'useChain is not available on this peer yet.');
  }
  async network(): Promise<NetworkView> {
    await this.ready();
    return { did: this.identityView.did, room: null, neighbours: [], relays: [], webrtc: 'unknown', notice: 'The network is not connected yet.' };
  }
  async settings(): Promise<Settings> {
    return (await this.options.storage.getMeta<Settings>('settings')) ?? { relays: [], iceServers: [] };
  }
  async setSettings(_patch: Partial<Settings>): Promise<Settings> {
    throw botError('NOT_READY', 'setSettings is not available on this peer yet.');
  }
  async governance(): Promise<GovernanceView> {
    throw botError('NOT_READY', 'governance is not available on this peer yet.');
  }
  async exportIdentity(_passphrase: string): Promise<string> {
    throw botError('NOT_READY', 'exportIdentity is not available on this peer yet.');
  }
  async importIdentity(_backup: string, _passphrase: string): Promise<Identity> {
    throw botError('NOT_READY', 'importIdentity is not available on this peer yet.');
  }
  async reset(): Promise<void> {
    throw botError('NOT_READY', 'reset is not available on this peer yet.');
  }

  stop(): void {
    this.stopped = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
  }
}

function blockView(block: Block, hash: Uint8Array): BlockView {
  const h = block.header;
  const txs = block.txs.map((tx) => ({ txId: txIdOf(tx), type: tx.type, from: tx.from, nonce: tx.nonce, time: tx.time, body: tx.body }));
  return {
    hash: toHex(hash),
    header: { chain: h.chain, height: h.height, prev: toHex(h.prev), txRoot: toHex(h.txRoot), stateRoot: toHex(h.stateRoot), time: h.time, proposer: h.proposer, round: h.round },
    txIds: txs.map((t) => t.txId),
    txs,
    cert: block.cert ? { round: block.cert.round, signers: block.cert.sigs.map((s) => s.validator) } : null,
  };
}

export function errorToApi(error: unknown): { code: BotError['code']; message: string } {
  if (error instanceof BotError) return error.toJSON();
  return { code: 'BAD_REQUEST', message: (error as Error)?.message ?? String(error) };
}

export { encodeTx };
