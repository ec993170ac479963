// The host: one event loop per peer. It owns all I/O (storage, clock, crypto backends,
// events), feeds inputs to the pure core, and carries out effects in order: a `persist`
// completes before anything after it runs (persist before notify, persist before send).
//
// Pipelined: the loop (core steps) and the effects run on two queues. Each step's effects are
// appended to one ordered effect queue, and a `persist` holds that queue until the block is
// durable, so every effect after it (a `committed` event, a vote, a certificate, a send) still
// waits for it, across steps too. The core is told `persisted` as soon as the block's write has
// started, so it can execute the next block while this one is written (one block written, at
// most one more executed and waiting). Reads (`status`, `get`) answer from the last durable
// chain state, never from a block still being written.
import { createPeer, step } from '../core/peer';
import type { PeerEffect, PeerInput, PeerState } from '../core/consensus/types';
import { decodeBlock, blockHash, txRootOf, encodeBlock, certificateChecks, checkCertificateFor, type Block } from '../core/block';
import { genesisState, stateFromEntries, decodeDataEntry, dataPrefix, checkGenesis, chainIdOf, decodeTxFailure, failurePrefix, mayWrite, precheckTx, type Genesis, type ChainState } from '../core/ledger';
import { checkInviteToken } from '../core/txtypes';
import { checkTx, decodeTx, encodeTx, txIdOf, txSigningBytes, type Tx, type UnsignedTx } from '../core/tx';
import { publicKeyFromDid, didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed, signerFromSeed } from '../core/crypto/ed25519';
import { sha256 } from '../core/crypto/hash';
import { equalBytes, toHex } from '../core/bytes';
import { BotError, botError } from '../core/errors';
import * as limits from '../core/limits';
import { commitAll, storedBlocks, type Storage } from '../store/storage';
import type { CachingVerifier, Signer, Verifier } from './crypto';
import { cachingVerifier, createSigner } from './crypto';
import { installFastSha256 } from './fast-hash';
import { TxResults } from './tx-results';
import { AuditLog } from './audit-log';
import { verifyAuditLog, type AuditExport, type AuditVerdict } from '../core/audit';
import type { PeerNet } from '../net/types';
import { decodeWire, encodeWire, type WireMessage } from './wire';
import { Syncer } from './sync';
import { messageChecks, type ConsensusMessage } from '../core/consensus/messages';
import type { ConsensusRecord } from '../core/consensus/bft';
import { encode, decode } from '../core/codec';
import { DevicesHost } from './devices-host'; // devices (issue 6)
import { ContractsHost } from './contracts-host';
import type { ContractRuntime } from '../core/contracts';
import { inviteSigningBytes, type InviteToken, type ProposalRecord } from '../core/governance';
import type { BlockView, ChainSummary, CreateChainRequest, GetResult, GovernanceView, Identity, IntegrityReport, InviteInfo, LogEntry, NetworkView, PeerEvent, PeerMethods, RepairResult, Settings, Status, TxResult } from '../api';
import { provenHistory, setAsideAndRestart, storeProblems } from './integrity';
import { checkInviteSignature, inviteInfoOf } from './invite';

export interface HostOptions {
  storage: Storage;
  storageKind: Status['storage'];
  verifier: Verifier;
  now: () => number;
  randomBytes: (length: number) => Uint8Array;
  emit: (event: PeerEvent) => void;
  /** Milliseconds between engine ticks when idle. */
  tickIntervalMs?: number;
  /** The network layer; without it the peer runs alone (tests, a solo dev chain). */
  net?: PeerNet;
  /** Where invite links point (e.g. the app's origin + '/'); the invite is appended as #/join/<code>. */
  inviteBase?: string;
  /** Relay URLs used when the settings name none (e.g. this origin's /signal). */
  defaultRelays?: string[];
  /** The contract sandbox; default: QuickJS in wasm, loaded once at start. null: none (contract transactions are refused). */
  contractRuntime?: ContractRuntime | null;
}

interface ChainRecord {
  chainId: string;
  genesis: Genesis;
  /** Relays named by the invite this chain was joined with. */
  relays?: string[];
  /** The invite token this peer joined with: quoted when it asks the validators to admit it. */
  token?: InviteToken;
}

/** What an invite link carries (canonical CBOR, base64url). */
interface InviteContent {
  genesis: Genesis;
  relays: string[];
  /**
   * Single-use admission token: a nonce signed by the inviter. The joiner quotes it in its join
   * request; validators' peers vote it in when the signer is a validator and the chain has not
   * seen the nonce before (null: no token; admission then needs a human vote).
   */
  token: InviteToken | null;
}

type Waiter = { resolve: (r: TxResult) => void; timer: ReturnType<typeof setTimeout> };

const idleTickMs = 200;
/** Join requests a validator that did not issue the invite waits for before it proposes the join itself (the issuer may be away). */
const joinAsksBeforeAnyValidatorProposes = 3;
/** Idle ticks between head announcements to neighbours. */
const headEveryTicks = 10;

export class PeerHost implements PeerMethods {
  private peer!: PeerState;
  private signer!: Signer;
  private identityView!: Identity;
  private seed!: Uint8Array;
  /** Verified header hashes by height: reads are checked against them. */
  private hashes: Uint8Array[] = [];
  private integrityReport!: IntegrityReport;
  /** Results by tx id; a committed one is final (tx-results.ts). */
  private readonly txResults = new TxResults(limits.recentResultsMax);
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly operationLog: LogEntry[] = [];
  private loop: Promise<void> = Promise.resolve();
  /** Effects of all steps, in order; a `persist` holds it until the block is durable. */
  private effects: Promise<void> = Promise.resolve();
  private effectsFailed = false;
  /** The chain state as of the last durable block: what reads answer from. */
  private durable!: ChainState;
  /** Submissions waiting to be verified; `signedHere`: signed by this peer just now (not verified again). */
  private pendingSubmissions: Array<{ tx: Tx; signedHere: boolean; done: (refusal: BotError | null) => void }> = [];
  private flushScheduled = false;
  private tickScheduled = false;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private started: Promise<Status> | null = null;
  private stopped = false;
  private contractRuntime: ContractRuntime | undefined;

  /** The options' verifier behind a cache of verified checks (gossiped txs are not verified again in proposals). */
  private readonly verifier: CachingVerifier;

  constructor(private readonly options: HostOptions) {
    this.verifier = cachingVerifier(options.verifier);
    this.audit = new AuditLog({ storage: options.storage, now: options.now, signer: () => (this.signer ? { did: this.identityView.did, sign: (bytes) => this.signer.sign(bytes) } : null) });
  }

  /** The operation log, persisted and hash-chained (audit-log.ts; D-8-audit). */
  private readonly audit: AuditLog;

  // ---- start-up --------------------------------------------------------------------------

  ready(): Promise<Status> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Status> {
    const { storage } = this.options;
    await installFastSha256();
    const auditProblems = await this.audit.open();
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
    for (const problem of auditProblems) this.record('error', `Tamper check: ${problem}.`);
    if (this.options.contractRuntime !== undefined) this.contractRuntime = this.options.contractRuntime ?? undefined;
    else this.contractRuntime = await (await import('./contract-runtime')).loadContractRuntime();
    let chain = await storage.getMeta<ChainRecord>('chain.active');
    // A solo dev chain only its own validator can extend: after an identity import, this peer
    // gets a dev chain of its own (the old one stays held and readable).
    const strandedDev = chain?.genesis.consensus.engine === 'solo' && chain.genesis.validators[0]?.did !== did;
    if (!chain || strandedDev) chain = await this.createDevChain(did);
    await this.load(chain);
    let idleTicks = 0;
    this.idleTimer = setInterval(() => {
      this.scheduleTick();
      if (this.integrityReport.ok) this.syncer.tick(); // a damaged store syncs only once repaired
      // Every few seconds tell the neighbours where this peer's head is (drives their sync).
      if (++idleTicks % headEveryTicks === 0 && this.options.net) {
        const head = encodeWire({ kind: 'head', height: this.durable.height, hash: this.durable.headHash });
        for (const did of this.neighbours) this.options.net.send(did, head);
        this.askAdmission();
        this.emitNetwork();
      }
    }, this.options.tickIntervalMs ?? idleTickMs);
    this.record('info', `Peer started on chain ${chain.genesis.name} at height ${this.peer.chain.height}.`);
    return this.statusNow();
  }

  private async createDevChain(did: string): Promise<ChainRecord> {
    const genesis: Genesis = { name: 'dev', mode: 'private', consensus: { engine: 'solo' }, validators: [{ did, power: 1 }], time: this.options.now(), salt: toHex(this.options.randomBytes(8)) };
    const { state, block, writes } = genesisState(genesis);
    await this.options.storage.commitBlock({ chainId: state.chainId, height: 0, block: encodeBlock(block), writes, txIds: [] });
    const record = { chainId: state.chainId, genesis };
    const held = (await this.options.storage.getMeta<ChainRecord[]>('chains')) ?? [];
    const previous = await this.options.storage.getMeta<ChainRecord>('chain.active');
    if (previous && !held.some((r) => r.chainId === previous.chainId)) held.push(previous);
    await this.options.storage.putMeta('chains', [...held, record]);
    await this.options.storage.putMeta('chain.active', record);
    this.record('info', `Created the development chain ${state.chainId} (solo validator: this peer).`);
    return record;
  }

  /**
   * Load a chain from storage and check it end to end: links, roots, certificates, state.
   * `start`: 'fresh' only right after this peer stored the chain's genesis (it never ran it);
   * otherwise it may have voted at the next height before it stopped (see createPeer).
   */
  private async load(record: ChainRecord, start: 'fresh' | 'resumed' = 'resumed'): Promise<void> {
    const { storage } = this.options;
    const genesis = genesisState(record.genesis);
    const problems: IntegrityReport['problems'] = [];
    const head = await storage.headHeight(record.chainId);
    const hashes: Uint8Array[] = [];
    let verifiedHeight = -1;
    let lastHeader = genesis.block.header;
    const certificateJobs: Array<{ height: number; checks: ReturnType<typeof certificateChecks> }> = [];
    const stored = storedBlocks(storage, record.chainId, 0, head);
    for (let height = 0; height <= head; height++) {
      const bytes = (await stored.next()).value || undefined;
      const problem = bytes ? this.checkStoredBlock(bytes, height, hashes, genesis.state, certificateJobs) : 'the block is missing';
      if (problem) {
        problems.push({ height, message: `Block ${height}: ${problem}` });
        break;
      }
      lastHeader = decodeBlock(bytes!).header;
      verifiedHeight = height;
    }
    const verdicts = await this.verifier.verifyBatch(certificateJobs.flatMap((j) => j.checks));
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
    let chain: ChainState = { ...stateFromEntries(record.genesis, lastHeader, headHash, entries), contractRuntime: this.contractRuntime };
    problems.push(...storeProblems(storage, record.chainId)); // damage the store found itself (integrity.ts)
    const stateVerified = problems.length === 0 && equalBytes(chain.trie.rootHash(), lastHeader.stateRoot);
    if (problems.length === 0 && !stateVerified) problems.push({ height: null, message: 'The stored world state does not match the state root of the head block.' });
    if (problems.length > 0) chain = { ...chain, height: Math.max(verifiedHeight, 0) };
    this.integrityReport = { ok: problems.length === 0, verifiedHeight, stateVerified, problems, checkedAt: this.options.now() };
    for (const p of problems) this.record('error', `Tamper check: ${p.message}`);
    const restored = await this.readConsensusRecord(record.chainId);
    this.peer = createPeer({ did: this.identityView.did, seed: this.seed, sign: signerFromSeed(this.seed) }, chain, restored, start);
    this.durable = chain;
    this.chainRecord = record;
    this.startNet();
    this.afterGovernanceChange();
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
    this.stopped = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.options.net?.stop();
  }

  /** One core step (inside the loop); its effects join the effect queue. */
  private async feed(input: PeerInput): Promise<void> {
    this.queueEffects(this.stepOnly(input));
  }

  /** One core step (inside the loop); the caller queues its effects (queueEffects). */
  private stepOnly(input: PeerInput): PeerEffect[] {
    const { state, effects } = step(this.peer, input);
    this.peer = state;
    return effects;
  }

  private queueEffects(effects: PeerEffect[]): void {
    if (effects.length === 0) return;
    this.effects = this.effects.then(async () => {
      if (this.effectsFailed) return; // nothing after a failed persist may run (notify, send)
      try {
        await this.runEffects(effects);
      } catch (error) {
        this.effectsFailed = true;
        this.fatal(error);
      }
    });
  }

  /** Resolves once every effect queued so far has run (e.g. before switching chains or clearing). */
  private drainEffects(): Promise<void> {
    return this.effects;
  }

  private async runEffects(effects: PeerEffect[]): Promise<void> {
    const first = effects.findIndex((e) => e.kind === 'persist');
    if (first >= 0) return this.runPersisting(effects, first);
    for (const effect of effects) {
      switch (effect.kind) {
        case 'persist':
          break; // runPersisting writes them
        case 'committed':
          if (this.options.net && effect.block.header.height > 0) {
            const validators = this.durable.validators.map((v) => v.did).join(' ');
            if (validators !== this.validatorKey) {
              this.validatorKey = validators;
              this.options.net.setValidators(this.durable.validators.map((v) => v.did));
            }
          }
          this.settleCommitted(effect.block.header.height, effect.txIds, effect.failed);
          this.options.emit({ type: 'block', height: effect.block.header.height, hash: toHex(effect.hash), txCount: effect.txIds.length, time: effect.block.header.time });
          if (effect.block.txs.some((t) => t.type.startsWith('device.access.') || t.type === 'device.message')) {
            const applied = tookEffect(effect.block, effect.txIds, effect.failed);
            void this.deviceApi().then((d) => d.onCommitted(applied.block, applied.txIds)).catch((error) => this.record('warn', `Device notices not sent: ${(error as Error).message}`));
          }
          if (effect.block.txs.some((tx) => tx.type === 'member.propose' || tx.type === 'member.vote')) this.afterGovernanceChange();
          break;
        case 'txRejected': {
          // A refused copy (forged signature, replay) does not change the id's result (tx-results.ts).
          const { decision, result } = await this.txResults.rejected(effect.txId, effect.error, async (txId) => (await this.options.storage.txLocation(txId)) !== undefined);
          if (decision === 'recorded') {
            this.releaseNonce(effect.txId);
            this.notify(effect.txId, result);
          }
          this.record('warn', `Rejected ${decision === 'recorded' ? 'transaction' : 'a copy of transaction'} ${effect.txId.slice(0, 12)}: ${effect.error.message}`);
          break;
        }
        case 'txAccepted':
          break;
        case 'persistConsensus':
          // Stored before anything after it runs: a restarted validator never signs twice.
          await this.options.storage.putMeta(`consensus.${this.peer.chain.chainId}`, encode(stripUndefined(effect.record)));
          break;
        case 'broadcast':
          this.options.net?.broadcast(encodeWire({ kind: 'consensus', message: effect.message }));
          break;
        case 'send':
          this.options.net?.send(effect.to, encodeWire({ kind: 'consensus', message: effect.message }));
          break;
        case 'serveBlocks':
          await this.serveBlocks(effect.to, effect.fromHeight, effect.count);
          break;
        case 'evidence':
          this.record('warn', `Validator ${effect.evidence.first.validator} signed two different votes at height ${effect.evidence.first.height}; submitting the evidence.`);
          void this.submitBackground({ type: 'evidence.submit', body: effect.evidence }).catch((error) => this.record('warn', `Evidence not submitted: ${(error as Error).message}`));
          break;
      }
    }
  }

  /**
   * Effects with blocks to persist (one decided block, or a synced batch): the effects before the
   * first persist run as usual; then every block is stored in one write (commitAll: one
   * transaction for a batch), and only once all are durable does anything after the first
   * persist run, in order. A catching-up peer used to wait on a round trip to the browser's
   * storage per block. The core is fed `persisted` once the write is under way, so it may
   * execute the next block meanwhile; that block's effects wait on the effect queue.
   */
  private async runPersisting(effects: PeerEffect[], first: number): Promise<void> {
    await this.runEffects(effects.slice(0, first));
    const persists = effects.filter((e): e is Extract<PeerEffect, { kind: 'persist' }> => e.kind === 'persist');
    const written = commitAll(
      this.options.storage,
      persists.map(({ executed: { block, writes, txIds } }) => ({ chainId: block.header.chain, height: block.header.height, block: encodeBlock(block), writes, txIds })),
    );
    queueMicrotask(() => {
      for (const { executed } of persists) void this.enqueue(() => this.feed({ kind: 'persisted', height: executed.block.header.height }));
    });
    await written;
    for (const { executed } of persists) {
      this.hashes[executed.block.header.height] = executed.hash;
      this.durable = executed.state;
      this.integrityReport = { ...this.integrityReport, verifiedHeight: Math.max(this.integrityReport.verifiedHeight, executed.block.header.height) };
    }
    await this.runEffects(effects.slice(first).filter((e) => e.kind !== 'persist'));
  }

  // ---- the network: consensus messages, heads and batch sync -----------------------------

  private chainRecord!: ChainRecord;
  /** The validator set the network was last told about (space-joined dids). */
  private validatorKey = '';
  private neighbours: string[] = [];
  private readonly inbound: Array<{ from: string; message: ConsensusMessage }> = [];
  private inboundScheduled = false;
  private syncer = new Syncer(this.syncIo(), () => this.peer?.chain.height ?? 0);

  private async readConsensusRecord(chainId: string): Promise<ConsensusRecord | undefined> {
    const bytes = await this.options.storage.getMeta<Uint8Array>(`consensus.${chainId}`);
    if (!bytes) return undefined;
    try {
      return decode<ConsensusRecord>(bytes, limits.wireMessageBytesMax);
    } catch (error) {
      this.record('warn', `The stored voting record could not be read (${(error as Error).message}); starting the height afresh.`);
      return undefined;
    }
  }

  private startNet(): void {
    const net = this.options.net;
    if (!net) return;
    this.neighbours = [];
    this.validatorKey = this.peer.chain.validators.map((v) => v.did).join(' ');
    this.syncer = new Syncer(this.syncIo(), () => this.peer.chain.height);
    void this.settings().then((settings) => {
      const relays = [...new Set([...settings.relays, ...(this.chainRecord.relays ?? []), ...(settings.relays.length ? [] : (this.options.defaultRelays ?? []))])];
      net.start(
        {
          did: this.identityView.did,
          sign: (message) => this.signer.sign(message),
          room: this.peer.chain.chainId,
          validators: this.peer.chain.validators.map((v) => v.did),
          relays,
          iceServers: settings.iceServers,
        },
        {
          onMessage: (from, bytes) => this.onWire(from, bytes),
          onNeighbours: (dids) => this.onNeighbours(dids),
          onLog: (level, message) => this.record(level, `Network: ${message}`),
        },
      );
    });
  }

  private onNeighbours(dids: string[]): void {
    const before = new Set(this.neighbours);
    this.neighbours = [...dids];
    const chain = this.durable;
    for (const did of dids) {
      if (!before.has(did)) this.options.net?.send(did, encodeWire({ kind: 'head', height: chain.height, hash: chain.headHash }));
    }
    this.syncer.onNeighbours(dids);
    if (dids.some((did) => !before.has(did))) this.askAdmission();
    this.options.emit({ type: 'peer', peers: dids.length });
    this.emitNetwork();
  }

  private emitNetwork(): void {
    if (!this.options.net) return;
    this.options.emit({ type: 'network', network: this.networkNow() });
  }

  private networkNow(): NetworkView {
    const view = this.options.net?.view();
    if (!view) return { did: this.identityView.did, room: null, neighbours: [], relays: [], webrtc: 'unknown', notice: 'This peer runs without a network.' };
    const validators = new Set(this.peer.chain.validators.map((v) => v.did));
    return { ...view, neighbours: view.neighbours.map((n) => ({ ...n, validator: validators.has(n.did), height: this.syncer.headOf(n.did) ?? n.height })) };
  }

  /** Bytes from a neighbour: decoded strictly; anything malformed gets the sender dropped. */
  private onWire(from: string, bytes: Uint8Array): void {
    if (this.stopped) return;
    let message: WireMessage;
    try {
      message = decodeWire(bytes);
    } catch (error) {
      this.dropPeer(from, `sent a malformed message (${(error as Error).message})`);
      return;
    }
    switch (message.kind) {
      case 'consensus': {
        const m = message.message;
        const height = m.type === 'commit' ? m.block.header.height : m.type === 'tx' ? null : m.height;
        if (height !== null) this.syncer.onHead(from, height - 1);
        this.inbound.push({ from, message: m });
        this.flushInbound();
        return;
      }
      case 'head':
        this.syncer.onHead(from, message.height);
        return;
      case 'syncRequest':
        // Reads only: served beside the loop, so a peer that is catching up never holds up consensus.
        void this.serveSync(from, message.from, message.count).catch((error) => this.record('warn', `A sync request from ${from} was not served: ${(error as Error).message}`));
        return;
      case 'syncBlocks':
        this.syncer.onBlocks(from, message.from, message.blocks);
        return;
      case 'batchRequest':
        // Reads only, beside the loop, like sync requests; the gateway checks the chain's access records.
        void this.deviceApi()
          .then((d) => d.onBatchRequest(from, message))
          .catch((error) => this.record('warn', `A batch request from ${from} was not served: ${(error as Error).message}`));
        return;
      case 'batchAnswer':
        void this.deviceApi().then((d) => d.onBatchAnswer(from, message));
        return;
      case 'join':
        void this.onJoinRequest(from, message.invite).catch((error) => this.record('warn', `The join request of ${from} was not handled: ${(error as Error).message}`));
        return;
    }
  }

  private dropPeer(did: string, reason: string): void {
    this.record('warn', `Dropped peer ${did}: it ${reason}.`);
    this.options.net?.drop(did, reason);
  }

  /** Verified inbound batches enter the loop in arrival order within each lane (flushInbound). */
  private consensusLane: Promise<void> = Promise.resolve();
  private gossipLane: Promise<void> = Promise.resolve();

  /**
   * Verify the signatures of queued consensus messages and feed them in two lanes, each in
   * arrival order: proposals, votes and the rest, and gossiped transactions. A batch enters the
   * loop only once it is verified, so the loop never waits on signature checks, and a vote that
   * arrives behind thousands of gossiped transactions (a full mempool) is fed as soon as its own
   * signature holds rather than after theirs. The core takes messages in any order (a network
   * reorders them anyway); a proposal carries its transactions whole.
   */
  private flushInbound(): void {
    if (this.inboundScheduled) return;
    this.inboundScheduled = true;
    queueMicrotask(() => {
      this.inboundScheduled = false;
      const batch = this.inbound.splice(0, this.inbound.length);
      const consensus = batch.filter((item) => item.message.type !== 'tx');
      const gossip = batch.filter((item) => item.message.type === 'tx');
      if (consensus.length > 0) this.consensusLane = this.admitInbound(this.consensusLane, consensus);
      if (gossip.length > 0) this.gossipLane = this.admitInbound(this.gossipLane, gossip);
    });
  }

  /** Start verifying `batch` now; feed it once verified and once the lane's earlier batches are in. */
  private admitInbound(lane: Promise<void>, batch: Array<{ from: string; message: ConsensusMessage }>): Promise<void> {
    const chain = this.peer.chain;
    const spans: Array<{ at: number; count: number } | null> = [];
    const checks = [];
    for (const { from, message } of batch) {
      if (message.type === 'tx' && !this.mayWrite(message.tx.from)) {
        // Consortium and private chains: transactions of non-members are not taken in.
        spans.push(null);
        this.noteOnce(`tx:${message.tx.from}`, 'warn', `Ignored transactions from ${message.tx.from}: it is not a member of this ${chain.genesis.mode} chain.`);
        continue;
      }
      try {
        const list = messageChecks(message, chain.chainId, chain.validators);
        spans.push({ at: checks.length, count: list.length });
        checks.push(...list);
      } catch (error) {
        // A signer outside the validator set: stale (a set change) or rogue. Not fed.
        spans.push(null);
        this.record('warn', `Ignored a ${message.type} from ${from}: ${(error as Error).message}`);
      }
    }
    const pending = this.verifier.verifyBatch(checks);
    return lane
      .then(() => pending)
      .then((verdicts) =>
        this.enqueue(async () => {
          for (let i = 0; i < batch.length; i++) {
            const span = spans[i];
            if (!span) continue;
            const { from, message } = batch[i]!;
            const sigOk = verdicts.slice(span.at, span.at + span.count).every(Boolean);
            if (!sigOk) {
              this.dropPeer(from, `sent a ${message.type} with a signature that does not verify`);
              continue;
            }
            if (!this.integrityReport.ok) continue;
            await this.feed({ kind: 'message', from, message, sigOk });
          }
        }),
      )
      .then(
        () => this.scheduleTick(),
        (error) => this.fatal(error),
      );
  }

  /** Answer a sync request with stored blocks (as stored: canonical bytes, checked against verified hashes). */
  private async serveSync(to: string, from: number, count: number): Promise<void> {
    const chainId = this.peer.chain.chainId;
    const blocks: Uint8Array[] = [];
    let bytes = 0;
    for await (const block of storedBlocks(this.options.storage, chainId, from, Math.min(from + count, this.hashes.length) - 1)) {
      if (blocks.length > 0 && bytes + block.length > limits.syncAnswerBytesMax) break;
      blocks.push(block);
      bytes += block.length;
    }
    this.options.net?.send(to, encodeWire({ kind: 'syncBlocks', from, blocks }));
  }

  /** The engines' catch-up: stored blocks as commit messages. */
  private async serveBlocks(to: string, fromHeight: number, count: number): Promise<void> {
    const chainId = this.peer.chain.chainId;
    for await (const bytes of storedBlocks(this.options.storage, chainId, fromHeight, Math.min(fromHeight + count, this.hashes.length) - 1)) {
      this.options.net?.send(to, encodeWire({ kind: 'consensus', message: { type: 'commit', block: decodeBlock(bytes) } }));
    }
  }

  private syncIo() {
    return {
      request: (to: string, from: number, count: number) => this.options.net?.send(to, encodeWire({ kind: 'syncRequest', from, count })) ?? false,
      apply: (from: string, blocks: Block[]) => this.applySynced(from, blocks),
      drop: (did: string, reason: string) => this.dropPeer(did, reason),
      progress: (p: { syncing: boolean; height: number; target: number }) => this.options.emit({ type: 'sync', ...p }),
      now: () => this.options.now(),
      log: (level: 'info' | 'warn', message: string) => this.record(level, message),
    };
  }

  /**
   * Apply synced blocks in order: all signatures (certificates and transactions) verified in one
   * batch, then each block goes through the core as a decided block, which re-executes it and
   * checks its state root. Returns how many applied; throws when a block is provably invalid.
   */
  private async applySynced(from: string, blocks: Block[]): Promise<number> {
    if (!this.integrityReport.ok) return 0; // the store refuses blocks until repaired
    const chain = this.peer.chain;
    const spans: Array<{ at: number; count: number }> = [];
    const checks = [];
    for (const block of blocks) {
      let list;
      try {
        list = messageChecks({ type: 'commit', block }, chain.chainId, chain.validators);
      } catch (error) {
        if (spans.length === 0) throw error;
        break; // the validator set may change at this block: verify the rest in the next batch
      }
      spans.push({ at: checks.length, count: list.length });
      checks.push(...list);
    }
    const verdicts = await this.verifier.verifyBatch(checks);
    return this.enqueue(async () => {
      // The steps' effects go to the effect queue together, so the blocks are stored in one write.
      const effects: PeerEffect[] = [];
      let applied = 0;
      try {
        for (let i = 0; i < spans.length; i++) {
          const block = blocks[i]!;
          const span = spans[i]!;
          if (!verdicts.slice(span.at, span.at + span.count).every(Boolean)) throw botError('BAD_CERTIFICATE', `block ${block.header.height} carries a signature that does not verify`);
          const height = this.peer.chain.height;
          if (block.header.height <= height) {
            applied++;
            continue;
          }
          effects.push(...this.stepOnly({ kind: 'message', from, message: { type: 'commit', block }, sigOk: true }));
          if (this.peer.chain.height !== height + 1) return applied;
          applied++;
        }
        return applied;
      } finally {
        this.queueEffects(effects);
      }
    });
  }

  private scheduleTick(): void {
    if (this.tickScheduled || this.stopped || !this.peer) return;
    this.tickScheduled = true;
    setTimeout(() => {
      this.tickScheduled = false;
      if (this.integrityReport.ok) void this.enqueue(() => this.feed({ kind: 'tick', time: this.options.now() }));
    }, 0);
  }

  /**
   * The transactions of a committed block: those that failed in execution are rejected with
   * their error, but like the others they used their nonce (an own one is not released).
   */
  private settleCommitted(height: number, txIds: string[], failed: Array<{ txId: string; error: BotError | null }>): void {
    const errors = new Map(failed.map((f) => [f.txId, f.error]));
    for (const txId of txIds) {
      this.ownPending.delete(txId);
      const error = errors.get(txId);
      this.notify(txId, this.txResults.committed(txId, height, error));
      if (error) this.record('warn', `Transaction ${txId.slice(0, 12)} failed in block ${height} (it used its nonce and changed nothing else): ${error.message}`);
    }
  }

  /** Tell subscribers and waiters a result that txResults recorded. */
  private notify(txId: string, result: TxResult): void {
    this.options.emit({ type: 'tx', txId, result });
    const waiting = this.waiters.get(txId);
    if (!waiting) return;
    this.waiters.delete(txId);
    for (const w of waiting) {
      clearTimeout(w.timer);
      w.resolve(result);
    }
  }

  /** Submissions verified and waiting for their turn: chunks enter the loop in submission order. */
  private submissionOrder: Promise<void> = Promise.resolve();

  /**
   * Verify queued submissions in chunks (limits.submissionChunkTxCountMax) and feed each chunk as soon as it and
   * every chunk before it are verified: the first block executes while later chunks are still
   * being verified, and own nonces stay in order. A full chunk goes to the verifiers at once, so
   * a caller submitting thousands in one go has them verified while it is still decoding the
   * rest; what is left of a chunk goes at the end of the current task (a microtask).
   */
  private flushSubmissions(): void {
    if (this.pendingSubmissions.length >= limits.submissionChunkTxCountMax) {
      this.dispatchSubmissions();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.dispatchSubmissions();
    });
  }

  private dispatchSubmissions(): void {
    const batch = this.pendingSubmissions;
    this.pendingSubmissions = [];
    for (let at = 0; at < batch.length; at += limits.submissionChunkTxCountMax) {
      const chunk = batch.slice(at, at + limits.submissionChunkTxCountMax);
      // A transaction this peer signed a moment ago is not verified again (a quarter of a busy
      // tab's checks); its check is remembered, so a proposal carrying it skips it too.
      const checks = chunk.map(({ tx }) => ({ publicKey: publicKeyFromDid(tx.from), message: txSigningBytes(tx), signature: tx.sig }));
      chunk.forEach((item, i) => item.signedHere && this.verifier.remember(checks[i]!));
      const verdicts = this.verifier.verifyBatch(checks);
      this.submissionOrder = this.submissionOrder
        .then(() => verdicts)
        .then((results) =>
          this.enqueue(() => {
            // What the core refused at once (signature, chain, nonce), per submission.
            const refusals: Array<BotError | null> = [];
            for (let i = 0; i < chunk.length; i++) {
              const effects = this.stepOnly({ kind: 'submit', tx: chunk[i]!.tx, sigOk: results[i]! });
              this.queueEffects(effects);
              refusals.push(effects.find((e) => e.kind === 'txRejected')?.error ?? null);
            }
            return refusals;
          }),
        )
        .then(
          (refusals) => {
            chunk.forEach((item, i) => item.done(refusals[i]!));
            this.scheduleTick();
          },
          (error) => this.fatal(error),
        );
    }
  }

  /**
   * Queue `tx` for verification and the mempool; resolves once the core has taken or refused it.
   * `refuseAtOnce` (submitRaw): a refusal the core gives at once (bad signature, wrong chain, a
   * used nonce, a gap, a full mempool) rejects the promise with its error, so the submitter hears
   * it now instead of from waitFor; otherwise the refusal is the id's result.
   */
  private admit(tx: Tx, signedHere = false, refuseAtOnce = false): Promise<{ txId: string }> {
    if (!this.integrityReport.ok) throw botError('TAMPERED', 'This peer found its stored ledger changed and accepts no writes. Reset the peer or restore it from other peers.');
    if (!this.mayWrite(tx.from)) throw this.notMember(tx.from);
    const txId = txIdOf(tx);
    this.txResults.retrying(txId);
    return new Promise((resolve, reject) => {
      const done = (refusal: BotError | null) => (refusal && refuseAtOnce ? reject(refusal) : resolve({ txId }));
      this.pendingSubmissions.push({ tx, signedHere, done });
      this.flushSubmissions();
    });
  }

  // ---- admission: a join on a private or consortium chain is a member.propose voted on ----

  /**
   * May `did` write on the active chain: a validator, a member or a registered device; anyone on
   * a public chain. A solo chain (the peer's own development chain) is exempt: its one validator
   * is this peer, and whoever may call its API (the owner, a benchmark, a device gateway) decides.
   */
  private mayWrite(did: string): boolean {
    return mayWrite(this.peer.chain, did); // the rule a block's validity enforces (core)
  }

  private notMember(did: string): BotError {
    const chain = this.peer.chain;
    if (did === this.identityView.did) {
      return botError('NOT_MEMBER', `This peer is not a member of the ${chain.genesis.mode} chain ${chain.genesis.name} yet: it waits for the validators to vote it in (see Governance). Until then it can read but not write.`);
    }
    return botError('NOT_MEMBER', `${did} is not a member of the ${chain.genesis.mode} chain ${chain.genesis.name}; its validators accept transactions only from members.`);
  }

  /** Log a message once per key, so a noisy neighbour does not flood the log. */
  private readonly noted = new Set<string>();
  private noteOnce(key: string, level: LogEntry['level'], message: string): void {
    if (this.noted.has(key)) return;
    if (this.noted.size >= limits.joinRequestsTrackedMax) this.noted.clear();
    this.noted.add(key);
    this.record(level, message);
  }

  /** Not yet admitted: ask the validators among the neighbours to admit this peer, quoting the invite. */
  private askAdmission(): void {
    const net = this.options.net;
    if (!net || this.stopped || !this.peer || this.mayWrite(this.identityView.did)) return;
    const validators = new Set(this.peer.chain.validators.map((v) => v.did));
    const request = encodeWire({ kind: 'join', invite: this.chainRecord.token ?? null });
    for (const did of this.neighbours) if (validators.has(did)) net.send(did, request);
  }

  private readonly joinAsks = new Map<string, number>();
  private readonly joinProposing = new Set<string>();
  private readonly joinVoted = new Set<string>();
  private admittedBefore: boolean | null = null;

  private openJoinOf(did: string): boolean {
    for (const p of this.peer.chain.governance?.proposals.values() ?? []) {
      if (p.passed === -1 && p.change.kind === 'addMember' && p.change.did === did) return true;
    }
    return false;
  }

  private async inviteHolds(invite: InviteToken): Promise<boolean> {
    const chain = this.peer.chain;
    if (!chain.validators.some((v) => v.did === invite.issuer)) return false;
    try {
      const [ok] = await this.verifier.verifyBatch([{ publicKey: publicKeyFromDid(invite.issuer), message: inviteSigningBytes(chain.chainId, invite.nonce), signature: invite.sig }]);
      return ok === true;
    } catch {
      return false;
    }
  }

  /**
   * A validator's peer gets a join request from an authenticated neighbour: it proposes the
   * neighbour as a member when the quoted invite was signed by a validator of this chain and
   * the chain has not seen its nonce. The invite's issuer proposes at once; any other validator
   * after a few repeated requests (the issuer may be away). Anything else is logged; a human can
   * still propose the join on the Governance page.
   */
  private async onJoinRequest(from: string, invite: InviteToken | null): Promise<void> {
    const chain = this.peer.chain;
    const me = this.identityView.did;
    if (!chain.validators.some((v) => v.did === me) || this.mayWrite(from) || this.joinProposing.has(from)) return;
    // Already proposed: a repeated request is the cue to vote again if this peer's vote did not commit.
    if (this.openJoinOf(from)) return this.afterGovernanceChange();
    const refuse = (why: string) => this.noteOnce(`join:${from}:${why}`, 'warn', `${from} asks to join ${chain.genesis.name}, but ${why}; it is not admitted. A validator can still propose it as a member on the Governance page.`);
    if (!invite) return refuse('its invite carries no token');
    const used = [...(chain.governance?.proposals.values() ?? [])].some((p) => p.invite?.nonce === invite.nonce);
    if (used) return refuse('its invite was already used');
    if (!(await this.inviteHolds(invite))) return refuse('its invite was not issued by a validator of this chain (the signature does not hold)');
    if (this.joinAsks.size >= limits.joinRequestsTrackedMax) this.joinAsks.clear();
    const asks = (this.joinAsks.get(from) ?? 0) + 1;
    this.joinAsks.set(from, asks);
    if (invite.issuer !== me && asks < joinAsksBeforeAnyValidatorProposes) return;
    if (this.peer.chain.chainId !== chain.chainId || this.joinProposing.has(from) || this.openJoinOf(from)) return;
    this.joinProposing.add(from);
    try {
      const { txId } = await this.submitBackground({ type: 'member.propose', body: { change: { kind: 'addMember', did: from }, height: this.peer.chain.height + 1, invite } });
      this.record('info', `Proposed ${from} as a member of ${chain.genesis.name}: it quotes an invite of ${invite.issuer}.`);
      const result = await this.waitFor(txId, { timeoutMs: 30_000 }).catch(() => null);
      if (result?.status !== 'committed') this.record('warn', `The proposal to admit ${from} did not commit${result?.error ? `: ${result.error.message}` : ''}; it is proposed again when ${from} asks again.`);
    } finally {
      this.joinProposing.delete(from);
    }
  }

  /** After a block with governance transactions: vote for joins whose invites hold; notice own admission. */
  private afterGovernanceChange(): void {
    const admitted = this.mayWrite(this.identityView.did);
    if (this.admittedBefore === false && admitted) {
      this.record('info', `The validators admitted this peer as a member of ${this.peer.chain.genesis.name}; it can write now.`);
      this.options.emit({ type: 'status', status: this.statusNow() });
    }
    this.admittedBefore = admitted;
    const me = this.identityView.did;
    if (!this.peer.chain.validators.some((v) => v.did === me)) return;
    for (const [id, p] of this.peer.chain.governance?.proposals ?? []) {
      if (p.passed !== -1 || !p.invite || p.change.kind !== 'addMember' || p.approvals.includes(me) || this.joinVoted.has(id)) continue;
      if (this.joinVoted.size >= limits.joinRequestsTrackedMax) this.joinVoted.clear();
      this.joinVoted.add(id);
      void this.voteForJoin(id, p).catch((error) => this.record('warn', `No vote on proposal ${id.slice(0, 12)}: ${(error as Error).message}`));
    }
  }

  private async voteForJoin(id: string, p: ProposalRecord): Promise<void> {
    const did = (p.change as { did: string }).did;
    if (!(await this.inviteHolds(p.invite!))) {
      this.record('warn', `Proposal ${id.slice(0, 12)} to admit ${did} quotes an invite not signed by a validator of this chain; it waits for a human vote on the Governance page.`);
      return;
    }
    // The chain refuses a second proposal quoting the same invite: this one is its only use. A
    // vote that would fail (the proposal passed meanwhile) is not signed (submitBackground).
    const { txId } = await this.submitBackground({ type: 'member.vote', body: { proposal: id, approve: true } });
    this.record('info', `Voted to admit ${did}: its invite was issued by ${p.invite!.issuer} and is used once.`);
    const result = await this.waitFor(txId, { timeoutMs: 30_000 }).catch(() => null);
    if (result?.status !== 'committed') this.joinVoted.delete(id); // voted again after the next governance change
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
    const chain = this.durable;
    return {
      chainId: chain.chainId,
      chainName: chain.genesis.name,
      height: chain.height,
      headHash: toHex(chain.headHash),
      peers: this.neighbours.length,
      role: chain.validators.some((v) => v.did === this.identityView.did) ? 'validator' : 'member',
      mode: chain.genesis.mode,
      consensus: chain.genesis.consensus.engine,
      syncing: this.syncer.syncing,
      mempool: this.peer.mempool.size,
      integrity: this.integrityReport,
      storage: this.options.storageKind,
      verifier: { backend: this.options.verifier.backend, threads: this.options.verifier.threads ?? 0 },
      admission: this.mayWrite(this.identityView.did) ? 'admitted' : 'waiting',
    };
  }

  private nonceNext = 0;

  /** Own transactions not yet decided: txId -> nonce (a rejected one frees its nonce). */
  private readonly ownPending = new Map<string, number>();
  /** Nonce assignment and signing run one at a time, so own transactions reach the mempool in nonce order. */
  private signing: Promise<unknown> = Promise.resolve();

  async submit(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    return this.signAndAdmit(request, false);
  }

  /**
   * A transaction the peer decides on its own (an admission proposal or vote, evidence): checked
   * against the state and the waiting transactions just before it is signed, and not signed
   * (the error is thrown) when it would fail, so it never takes a nonce for nothing.
   */
  private submitBackground(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    return this.signAndAdmit(request, true);
  }

  private async signAndAdmit(request: { type: string; body: unknown }, precheck: boolean): Promise<{ txId: string }> {
    await this.ready();
    if (typeof request !== 'object' || request === null) throw botError('BAD_REQUEST', 'submit takes { type, body }.');
    const signed = this.signing.then(async () => {
      const chain = this.peer.chain;
      if (!this.mayWrite(this.identityView.did)) throw this.notMember(this.identityView.did);
      const committed = chain.nonces.get(this.identityView.did) ?? 0;
      const nonce = Math.max(this.nonceNext, committed) + 1;
      const unsigned: UnsignedTx = { chain: chain.chainId, type: request.type, from: this.identityView.did, nonce, time: this.options.now(), body: request.body };
      const draft = checkTx({ ...unsigned, sig: new Uint8Array(64) });
      const doomed = precheck ? precheckTx(chain, draft, [...this.peer.mempool.txs.values(), ...this.pendingSubmissions.map((p) => p.tx)]) : null;
      if (doomed) throw doomed;
      const tx: Tx = { ...unsigned, sig: await this.signer.sign(txSigningBytes(unsigned)) };
      this.nonceNext = nonce;
      const txId = txIdOf(tx);
      if (this.ownPending.size >= limits.recentResultsMax) this.ownPending.clear();
      this.ownPending.set(txId, nonce);
      // Queued for admission now, in nonce order; wrapped so the chain does not wait for admission.
      return { admitted: this.admit(tx, true) };
    });
    this.signing = signed.catch(() => undefined);
    return (await signed).admitted;
  }

  /** An own transaction was rejected: its nonce (and any after it, which now gap) is free again. */
  private releaseNonce(txId: string): void {
    const nonce = this.ownPending.get(txId);
    if (nonce === undefined) return;
    this.ownPending.delete(txId);
    if (nonce <= this.nonceNext) this.nonceNext = nonce - 1;
  }

  async submitRaw(bytes: Uint8Array): Promise<{ txId: string }> {
    await this.ready();
    return this.admit(decodeTx(bytes), false, true);
  }

  async waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult> {
    await this.ready();
    if (typeof txId !== 'string' || !/^[0-9a-f]{64}$/.test(txId)) throw botError('BAD_REQUEST', 'waitFor takes a transaction id (64 hex digits).');
    const known = this.txResults.get(txId);
    if (known) return known;
    const location = await this.options.storage.txLocation(txId);
    if (location && location.height < this.hashes.length) return this.storedResult(txId, location.height);
    // Decided while the tx index was read (settled with no waiter yet): answer from the results.
    const decided = this.txResults.get(txId);
    if (decided) return decided;
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

  /** A transaction in a stored block: committed, or failed in execution (its failure record in the state). */
  private async storedResult(txId: string, height: number): Promise<TxResult> {
    const chain = this.durable;
    const key = failurePrefix + txId;
    const leaf = chain.trie.get(key);
    if (!leaf) return { status: 'committed', height };
    const entry = await this.options.storage.getState(chain.chainId, key);
    if (!entry || !equalBytes(sha256(entry), leaf)) throw botError('TAMPERED', `The stored result of transaction ${txId.slice(0, 12)} does not match the state root.`);
    const { code } = decodeTxFailure(entry);
    return { status: 'rejected', height, error: { code, message: `The transaction is in block ${height} but failed in execution (${code}); it used its nonce and changed nothing else.` } };
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
    let chain: ChainState;
    let leaf: Uint8Array | null;
    let entry: Uint8Array | undefined;
    // Checked against the durable state; a block made durable while the value was read moves
    // that state on, and the read is tried again against it.
    for (let attempt = 0; ; attempt++) {
      chain = this.durable;
      leaf = chain.trie.get(stateKey);
      if (!leaf) return null;
      entry = await this.options.storage.getState(chain.chainId, stateKey);
      if (entry && equalBytes(sha256(entry), leaf)) break;
      if (this.durable === chain || attempt >= 2) throw botError('TAMPERED', `The stored value of "${key}" does not match the state root.`);
    }
    const trie = chain.trie;
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
    const versions = await provenHistory(this.options.storage, this.peer.chain.chainId, dataPrefix + key, this.hashes); // each proved against its block
    return versions.map((v) => {
      const d = decodeDataEntry(v.entry);
      return { height: v.height, value: d.value, deleted: d.deleted, txId: d.txId };
    });
  }

  async integrity(): Promise<IntegrityReport> {
    await this.ready();
    return this.integrityReport;
  }

  async repair(): Promise<RepairResult> {
    await this.ready();
    return this.enqueue(async () => {
      if (this.integrityReport.ok) throw botError('BAD_REQUEST', 'The tamper check passed; there is nothing to repair.');
      this.options.net?.stop();
      await this.drainEffects();
      const record = this.chainRecord;
      const movedTo = await setAsideAndRestart(this.options.storage, record.genesis); // integrity.ts
      await this.load(record); // 'resumed': this identity may have voted on this chain before
      this.integrityReport = { ...this.integrityReport, repaired: { movedTo, at: this.options.now() } };
      this.record('warn', `Repair: the damaged store was set aside as ${movedTo} (kept); re-syncing ${record.genesis.name} from peers.`);
      this.options.emit({ type: 'status', status: this.statusNow() });
      return { movedTo, status: this.statusNow() };
    });
  }

  async log(): Promise<LogEntry[]> {
    return [...this.operationLog];
  }

  async exportAuditLog(): Promise<AuditExport & { persisted: boolean }> {
    await this.ready();
    return this.audit.export();
  }

  async verifyAuditLog(log: AuditExport, options?: { anchor?: { seq: number; hash: string } }): Promise<AuditVerdict> {
    return verifyAuditLog(log, options);
  }

  private record(level: LogEntry['level'], message: string): void {
    const entry = { time: this.options.now(), level, message };
    this.operationLog.push(entry);
    this.audit.append(entry);
    if (this.operationLog.length > limits.operationLogEntriesMax) this.operationLog.shift();
    this.options.emit({ type: 'log', entry });
  }

  // ---- chains, network, governance, identity: being built (issues 4 and 5) ------------------

  async createChain(request: CreateChainRequest): Promise<{ chainId: string; invite: string }> {
    await this.ready();
    if (typeof request !== 'object' || request === null) throw botError('BAD_REQUEST', 'createChain takes { name, mode, consensus, validators? }.');
    const validators = request.validators ?? [this.identityView.did];
    if (!Array.isArray(validators) || validators.length === 0) throw botError('BAD_FIELD_TYPE', 'validators must be a non-empty list of did:key identities.');
    for (const did of validators) {
      try {
        publicKeyFromDid(did);
      } catch {
        throw botError('BAD_FIELD_TYPE', `${String(did)} is not a did:key identity.`);
      }
    }
    if (new Set(validators).size !== validators.length) throw botError('BAD_FIELD_TYPE', 'A validator is listed twice.');
    const consensus: Genesis['consensus'] = { engine: request.consensus };
    for (const name of ['timeoutMs', 'emptyBlockIntervalMs'] as const) {
      const value = (request as unknown as Record<string, unknown>)[name];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 600_000) throw botError('BAD_FIELD_TYPE', `${name} must be a whole number of milliseconds up to 600000.`);
      consensus[name] = value;
    }
    const genesis: Genesis = {
      name: request.name,
      mode: request.mode,
      consensus,
      validators: validators.map((did) => ({ did, power: 1 })),
      time: this.options.now(),
      salt: toHex(this.options.randomBytes(8)),
    };
    checkGenesis(genesis);
    const record = await this.enqueue(() => this.adoptChain({ chainId: chainIdOf(genesis), genesis }));
    this.record('info', `Created chain ${genesis.name} (${record.chainId}, ${genesis.mode}, ${genesis.consensus.engine}, ${validators.length} validator(s)).`);
    return { chainId: record.chainId, invite: await this.invite() };
  }

  async join(invite: string): Promise<{ chainId: string }> {
    await this.ready();
    const content = decodeInvite(invite);
    const chainId = chainIdOf(content.genesis);
    await checkInviteSignature(chainId, content.token, this.verifier);
    const known = (await this.chainRecords()).find((r) => r.chainId === chainId);
    const token = content.token ?? known?.token;
    const record: ChainRecord = known ? { ...known, ...(token ? { token } : {}) } : { chainId, genesis: content.genesis, relays: content.relays, ...(token ? { token } : {}) };
    await this.enqueue(() => this.adoptChain(record));
    this.record('info', `Joined chain ${content.genesis.name} (${chainId}); syncing from its peers.`);
    if (this.statusNow().admission === 'waiting') this.record('info', `This ${content.genesis.mode} chain admits members by a vote of its validators; asked them to admit this peer${token ? ' with the invite' : ' (the invite carries no token: a validator has to propose it by hand)'}.`);
    return { chainId };
  }

  async invite(): Promise<string> {
    await this.ready();
    const settings = await this.settings();
    const relays = [...new Set([...settings.relays, ...(this.chainRecord.relays ?? []), ...(this.options.defaultRelays ?? [])])];
    const nonce = toHex(this.options.randomBytes(16));
    const token: InviteToken = { issuer: this.identityView.did, nonce, sig: await this.signer.sign(inviteSigningBytes(this.chainRecord.chainId, nonce)) };
    const content: InviteContent = { genesis: this.chainRecord.genesis, relays, token };
    return `${this.options.inviteBase ?? ''}#/join/${base64url(encode(stripUndefined(content)))}`;
  }

  async inviteInfo(invite: string): Promise<InviteInfo> {
    await this.ready();
    const content = decodeInvite(invite);
    const held = (await this.chainRecords()).map((r) => r.chainId);
    const here = { verifier: this.verifier, held, active: this.chainRecord.chainId, did: this.identityView.did };
    return inviteInfoOf(content, chainIdOf(content.genesis), here);
  }

  async chains(): Promise<ChainSummary[]> {
    await this.ready();
    const out: ChainSummary[] = [];
    for (const record of await this.chainRecords()) {
      const active = record.chainId === this.peer.chain.chainId;
      const height = active ? this.durable.height : await this.options.storage.headHeight(record.chainId);
      const validator = record.genesis.validators.some((v) => v.did === this.identityView.did);
      out.push({ chainId: record.chainId, name: record.genesis.name, mode: record.genesis.mode, consensus: record.genesis.consensus.engine, height, active, role: validator ? 'validator' : 'member' });
    }
    return out;
  }

  async useChain(chainId: string): Promise<Status> {
    await this.ready();
    const record = (await this.chainRecords()).find((r) => r.chainId === chainId);
    if (!record) throw botError('NOT_FOUND', `This peer holds no chain ${String(chainId)}.`);
    await this.enqueue(() => this.adoptChain(record));
    return this.statusNow();
  }

  async network(): Promise<NetworkView> {
    await this.ready();
    return this.networkNow();
  }

  private async chainRecords(): Promise<ChainRecord[]> {
    const list = (await this.options.storage.getMeta<ChainRecord[]>('chains')) ?? [];
    if (this.chainRecord && !list.some((r) => r.chainId === this.chainRecord.chainId)) list.unshift(this.chainRecord);
    return list;
  }

  /** Store the chain's genesis if new, remember it, and make it the active chain (inside the loop). */
  private async adoptChain(record: ChainRecord): Promise<ChainRecord> {
    const { storage } = this.options;
    await this.drainEffects(); // the current chain's last block is stored before switching
    const fresh = (await storage.headHeight(record.chainId)) < 0;
    if (fresh) {
      const { state, block, writes } = genesisState(record.genesis);
      await storage.commitBlock({ chainId: state.chainId, height: 0, block: encodeBlock(block), writes, txIds: [] });
    }
    const list = await this.chainRecords();
    const at = list.findIndex((r) => r.chainId === record.chainId);
    if (at < 0) list.push(record);
    else list[at] = record;
    await storage.putMeta('chains', list);
    await storage.putMeta('chain.active', record);
    this.options.net?.stop();
    this.pendingSubmissions = [];
    this.nonceNext = 0;
    await this.load(record, fresh ? 'fresh' : 'resumed');
    this.options.emit({ type: 'chain', chainId: record.chainId });
    this.options.emit({ type: 'status', status: this.statusNow() });
    return record;
  }

  async settings(): Promise<Settings> {
    const { defaultSettings } = await import('./settings');
    return (await this.options.storage.getMeta<Settings>('settings')) ?? defaultSettings;
  }
  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    const { applySettingsPatch } = await import('./settings');
    const next = applySettingsPatch(await this.settings(), patch);
    await this.options.storage.putMeta('settings', next);
    this.record('info', `Settings changed: ${next.relays.length} relay(s), ${next.iceServers.length} STUN/TURN server(s).`);
    return next;
  }
  async governance(): Promise<GovernanceView> {
    await this.ready();
    const chain = this.peer.chain;
    const gov = chain.governance;
    return {
      validators: chain.validators.map((v) => ({ did: v.did, power: v.power })),
      members: gov ? [...gov.members] : [],
      proposals: gov ? [...gov.proposals].map(([id, p]) => ({ id, change: p.change, height: p.height, approvals: [...p.approvals], passed: p.passed, applied: p.applied, ...(p.invite ? { invite: { issuer: p.invite.issuer } } : {}) })) : [],
      offenders: gov ? [...gov.offenders].map(([did, height]) => ({ did, height })) : [],
      engine: (gov?.consensus ?? chain.genesis.consensus).engine,
    };
  }
  async exportIdentity(passphrase: string): Promise<string> {
    await this.ready();
    const { encryptSeed } = await import('./identity-backup');
    try {
      const backup = await encryptSeed(this.seed, passphrase, { did: this.identityView.did, randomBytes: this.options.randomBytes, now: this.options.now() });
      this.record('info', 'Exported the identity (encrypted under a passphrase).');
      return backup;
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw botError('BAD_REQUEST', `The passphrase ${error.message.replace(/^passphrase /, '')}.`);
      throw error;
    }
  }
  async importIdentity(backup: string, passphrase: string): Promise<Identity> {
    await this.ready();
    const { decryptSeed } = await import('./identity-backup');
    const { seed, did: labelled } = await decryptSeed(backup, passphrase);
    const publicKey = publicKeyFromSeed(seed);
    const did = didFromPublicKey(publicKey);
    if (did !== labelled) throw botError('UNAUTHORIZED', 'The backup holds a key that does not match its identity; it was changed.');
    await this.options.storage.putMeta('identity.seed', seed);
    this.record('info', `Imported the identity ${did}; restart the peer to use it.`);
    return { did, publicKey: toHex(publicKey) };
  }
  async reset(): Promise<void> {
    await this.ready().catch(() => undefined);
    await this.enqueue(async () => {
      void this.stop();
      await this.drainEffects();
      await this.audit.close();
      await this.options.storage.clear();
      this.audit.forget();
    });
    this.operationLog.length = 0;
    this.options.emit({ type: 'log', entry: { time: this.options.now(), level: 'warn', message: 'This peer was reset: identity, chains and settings are wiped.' } });
  }

  // ---- devices (issue 6) ----  (implemented in ./devices-host.ts)
  private devicesHost: DevicesHost | null = null;
  private async deviceApi(): Promise<DevicesHost> {
    await this.ready();
    this.devicesHost ??= new DevicesHost({
      storage: this.options.storage,
      chain: () => this.peer.chain,
      self: () => this.identityView.did,
      submit: (request) => this.submit(request),
      admit: (tx) => this.admit(tx),
      waitFor: (txId, options) => this.waitFor(txId, options),
      now: () => this.options.now(),
      randomBytes: (length) => this.options.randomBytes(length),
      emit: (event) => this.options.emit(event),
      send: (to, message) => this.options.net?.send(to, encodeWire(message)) ?? false,
    });
    return this.devicesHost;
  }
  async devices() { return (await this.deviceApi()).devices(); }
  async registerDevice(...a: Parameters<PeerMethods['registerDevice']>) { return (await this.deviceApi()).registerDevice(...a); }
  async setDeviceStatus(...a: Parameters<PeerMethods['setDeviceStatus']>) { return (await this.deviceApi()).setDeviceStatus(...a); }
  async setDevicePolicy(...a: Parameters<PeerMethods['setDevicePolicy']>) { return (await this.deviceApi()).setDevicePolicy(...a); }
  async deviceReading(...a: Parameters<PeerMethods['deviceReading']>) { return (await this.deviceApi()).deviceReading(...a); }
  async deviceReadingBatch(...a: Parameters<PeerMethods['deviceReadingBatch']>) { return (await this.deviceApi()).deviceReadingBatch(...a); }
  async deviceReadings(...a: Parameters<PeerMethods['deviceReadings']>) { return (await this.deviceApi()).deviceReadings(...a); }
  async requestDeviceAccess(...a: Parameters<PeerMethods['requestDeviceAccess']>) { return (await this.deviceApi()).requestDeviceAccess(...a); }
  async decideDeviceAccess(...a: Parameters<PeerMethods['decideDeviceAccess']>) { return (await this.deviceApi()).decideDeviceAccess(...a); }
  async deviceAccessLog(...a: Parameters<PeerMethods['deviceAccessLog']>) { return (await this.deviceApi()).deviceAccessLog(...a); }
  async readDeviceBatch(...a: Parameters<PeerMethods['readDeviceBatch']>) { return (await this.deviceApi()).readDeviceBatch(...a); }
  async deviceCallContract(...a: Parameters<PeerMethods['deviceCallContract']>) { return (await this.deviceApi()).deviceCallContract(...a); }
  async sendDeviceMessage(...a: Parameters<PeerMethods['sendDeviceMessage']>) { return (await this.deviceApi()).sendDeviceMessage(...a); }
  async deviceMessages(...a: Parameters<PeerMethods['deviceMessages']>) { return (await this.deviceApi()).deviceMessages(...a); }

  // ---- contracts ----  (implemented in ./contracts-host.ts)
  private contractsHost: ContractsHost | null = null;
  private async contractApi(): Promise<ContractsHost> {
    await this.ready();
    this.contractsHost ??= new ContractsHost({
      storage: this.options.storage,
      chain: () => this.peer.chain,
      self: () => this.identityView.did,
      submit: (request) => this.submit(request),
      now: () => this.options.now(),
    });
    return this.contractsHost;
  }
  async deployContract(...a: Parameters<PeerMethods['deployContract']>) { return (await this.contractApi()).deployContract(...a); }
  async callContract(...a: Parameters<PeerMethods['callContract']>) { return (await this.contractApi()).callContract(...a); }
  async contracts() { return (await this.contractApi()).contracts(); }
  async contract(...a: Parameters<PeerMethods['contract']>) { return (await this.contractApi()).contract(...a); }

  /** Stop ticking and networking; resolves once the work already queued (e.g. a block being persisted) is done. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.options.net?.stop();
    return this.loop.then(() => this.drainEffects()).then(() => this.audit.close());
  }
}

/** The transactions of a committed block that took effect (not those that failed in execution). */
function tookEffect(block: Block, txIds: string[], failed: Array<{ txId: string }>): { block: Block; txIds: string[] } {
  if (failed.length === 0) return { block, txIds };
  const out = new Set(failed.map((f) => f.txId));
  const keep = txIds.map((id) => !out.has(id));
  return { block: { ...block, txs: block.txs.filter((_, i) => keep[i]) }, txIds: txIds.filter((_, i) => keep[i]) };
}

function blockView(block: Block, hash: Uint8Array): BlockView {
  const h = block.header;
  const txs = block.txs.map((tx) => ({ txId: txIdOf(tx), type: tx.type, from: tx.from, nonce: tx.nonce, time: tx.time, body: tx.body }));
  return {
    hash: toHex(hash),
    header: { chain: h.chain, height: h.height, prev: toHex(h.prev), txRoot: toHex(h.txRoot), stateRoot: toHex(h.stateRoot), time: h.time, proposer: h.proposer, round: h.round },
    txIds: txs.map((t) => t.txId),
    txs,
    cert: block.cert ? { round: block.cert.round, signers: block.cert.sigs.map((s) => s.validator), sigs: block.cert.sigs.map((s) => ({ validator: s.validator, sig: toHex(s.sig) })) } : null,
  };
}

export function errorToApi(error: unknown): { code: BotError['code']; message: string } {
  if (error instanceof BotError) return error.toJSON();
  return { code: 'BAD_REQUEST', message: (error as Error)?.message ?? String(error) };
}

export { encodeTx };

/** Canonical CBOR has no `undefined`: drop such fields before encoding a host record. */
function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripUndefined) as T;
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
  return out as T;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** An invite link (or just its code): #/join/<base64url CBOR { genesis, relays, token }>. */
export function decodeInvite(invite: string): InviteContent {
  if (typeof invite !== 'string' || invite.length === 0 || invite.length > limits.inviteLengthMax) throw botError('BAD_REQUEST', `An invite is a link of at most ${limits.inviteLengthMax} characters.`);
  const code = /(?:#\/join\/|[?&]invite=)([A-Za-z0-9_-]+)/.exec(invite)?.[1] ?? (/^[A-Za-z0-9_-]+$/.test(invite) ? invite : null);
  if (!code) throw botError('MALFORMED', 'This is not a BoT invite link.');
  let content: InviteContent;
  try {
    content = decode<InviteContent>(fromBase64url(code), limits.inviteLengthMax);
  } catch {
    throw botError('MALFORMED', 'The invite link is damaged (it does not decode).');
  }
  if (typeof content !== 'object' || content === null || typeof content.genesis !== 'object' || content.genesis === null) throw botError('MALFORMED', 'The invite carries no chain.');
  checkGenesis(content.genesis);
  const relays = Array.isArray(content.relays) ? content.relays.filter((r): r is string => typeof r === 'string' && /^wss?:\/\//.test(r)).slice(0, 8) : [];
  return { genesis: content.genesis, relays, token: tokenOf(content.token) };
}

function tokenOf(value: unknown): InviteToken | null {
  try {
    checkInviteToken(value);
    return value as InviteToken;
  } catch {
    return null;
  }
}
