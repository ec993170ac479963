// The host: one event loop per peer. It owns all I/O (storage, clock, crypto backends,
// events), feeds inputs to the pure core, and carries out effects in order: a `persist`
// completes before anything after it runs (persist before notify, persist before send), except
// that a round engine's decided results are told once the write has started (runPersisting).
//
// Pipelined: the loop (core steps) and the effects run on two queues. Each step's effects are
// appended to one ordered effect queue, and a `persist` holds that queue until the block is
// durable, so every effect after it (a `committed` event, a vote, a certificate, a send) still
// waits for it, across steps too. The core is told `persisted` as soon as the block's write has
// started, so it can execute the next block while this one is written (one block written, at
// most one more executed and waiting). Reads (`status`, `get`) answer from the last durable
// chain state, never from a block still being written.
import { step } from '../core/peer';
import type { PeerEffect, PeerInput } from '../core/consensus/types';
import { encodeBlock } from '../core/block';
import { encodeTx, type Tx } from '../core/tx';
import { toHex } from '../core/bytes';
import { BotError, botError } from '../core/errors';
import * as limits from '../core/limits';
import { commitAll, putConsensusRecord } from '../store/storage';
import { type CachingVerifier, cachingVerifier } from './crypto';
import { installFastSha256 } from './fast-hash';
import { contractsMayRun, LazyContractRuntime } from './lazy-contract-runtime';
import { AuditLog } from './audit-log';
import type { AuditExport } from '../core/audit';
import { encodeWire } from './wire';
import { lightAnswer } from './light';
import { Syncer } from './sync';
import { encode } from '../core/codec';
import { Capabilities } from './capabilities';
import { ApiSurface } from './api-surface';
import type { CreateChainRequest, LogEntry, PeerMethods, ShareSealedResult, Status } from '../api';
import { HostState, type ChainRecord, type HostOptions, stripUndefined } from './host-state';
import { clockOf } from './host-state';
import { repeat, type Clock } from '../net/clock';
import { IdentityService } from './identity';
import { ChainsService } from './chains';
import { MeshService } from './mesh';
import { InboundLanes } from './inbound';
import { SyncServing } from './sync-serving';
import { Submissions } from './submissions';
import { Admission } from './admission';
import { Reads } from './reads';
import { SealedValues, storedSealedVersion } from './sealed-values';
import { SealedShares } from './sealed-share';
import { assertPersistsFollow, stopsPeer } from './assertions';
import { decideEvidence } from '../core/decisions';
import { ReadGate } from './read-gate';

export type { HostOptions } from './host-state';
export { decodeInvite } from './chains';

const idleTickMs = 200;
/** Idle ticks between head announcements to neighbours. */
const headEveryTicks = 10;

/** An effect of an accepted submission: its acceptance, or its gossip to the neighbours. */
function isTxGossip(effect: PeerEffect): boolean {
  return (
    effect.kind === 'txAccepted' || (effect.kind === 'broadcast' && effect.message.type === 'tx')
  );
}

export class PeerHost extends ApiSurface implements PeerMethods {
  /** The shared mutable state the loop and the services read and move on (host-state.ts). */
  private readonly s = new HostState();
  private readonly operationLog: LogEntry[] = [];
  private loop: Promise<void> = Promise.resolve();
  /** Effects of all steps, in order; a `persist` holds it until the block is durable. */
  private effects: Promise<void> = Promise.resolve();
  private effectsFailed = false;
  private tickScheduled = false;
  /** Stops the idle ticks (set once started). */
  private stopIdle: (() => void) | null = null;
  private readonly clock: Clock;
  private started: Promise<Status> | null = null;

  /** The options' verifier behind a cache of verified checks (gossiped txs are not verified again in proposals). */
  private readonly verifier: CachingVerifier;
  /** The operation log, persisted and hash-chained (audit-log.ts; D-8-audit). */
  private readonly audit: AuditLog;

  // The services, one file each; each gets one dependency bag (the DevicesHost pattern).
  protected readonly identityService: IdentityService;
  protected readonly chainsService: ChainsService;
  protected readonly mesh: MeshService;
  private readonly inbound: InboundLanes;
  private readonly syncServing: SyncServing;
  protected readonly submissions: Submissions;
  private readonly admission: Admission;
  protected readonly reads: Reads;
  protected readonly capabilities: Capabilities;
  /** Read rights: every send to one neighbour and every message taken in passes it. */
  private readonly gate: ReadGate;
  /** Values sealed under read roles: sealed on write, opened on read (sealed-values.ts). */
  private readonly sealed: SealedValues;
  private readonly sealedShares: SealedShares;
  private readonly options: HostOptions;

  constructor(hostOptions: HostOptions) {
    super();
    const s = this.s;
    this.gate = new ReadGate({ state: s, record: (level, message) => this.record(level, message) });
    const options = { ...hostOptions, net: hostOptions.net && this.gate.wrap(hostOptions.net) };
    this.options = options;
    this.verifier = cachingVerifier(options.verifier);
    this.clock = clockOf(options);
    this.s.trace.clock = this.clock;
    this.audit = new AuditLog({
      storage: options.storage,
      now: options.now,
      clock: this.clock,
      signer: () =>
        s.signer ? { did: s.identityView.did, sign: (bytes) => s.signer.sign(bytes) } : null,
    });
    const base = {
      state: s,
      options,
      verifier: this.verifier,
      record: this.record.bind(this),
      ready: () => this.ready(),
    };
    const loop = {
      enqueue: <T>(work: () => Promise<T> | T) => this.enqueue(work),
      stepOnly: (input: PeerInput) => this.stepOnly(input),
      engineFor: (inputs: readonly PeerInput[]) => this.engineFor(inputs),
      queueEffects: (effects: PeerEffect[]) => this.queueEffects(effects),
      fatal: (error: unknown) => this.failed(error),
      scheduleTick: () => this.scheduleTick(),
    };
    this.identityService = new IdentityService(base);
    this.admission = new Admission({
      ...base,
      submitBackground: (request) => this.submissions.submitBackground(request),
      waitFor: (txId, o) => this.submissions.waitFor(txId, o),
      statusNow: () => this.reads.statusNow(),
    });
    const mayWrite = (did: string, tx?: Tx) => this.admission.mayWrite(did, tx);
    this.sealed = new SealedValues({
      state: s,
      storage: options.storage,
      stored: (key, tx) =>
        storedSealedVersion(options.storage, s.peer.chain.chainId, s.hashes, key, tx),
      record: base.record,
      submitBackground: (request) => this.submissions.submitBackground(request),
    });
    this.sealedShares = new SealedShares({
      state: s,
      sealed: this.sealed,
      record: base.record,
      submitBackground: (request) => this.submissions.submitBackground(request),
    });
    this.reads = new Reads({
      ...base,
      mayWrite,
      refusals: () => this.gate.refused,
      sealed: this.sealed,
    });
    this.submissions = new Submissions({
      ...base,
      ...loop,
      mayWrite,
      seal: (chain, request) => this.sealed.sealRequest(chain, request),
      halt: (error) => this.fatal(error),
      notMember: (did) => this.admission.notMember(did),
      storedResult: (txId, height) => this.reads.storedResult(txId, height),
    });
    const dropPeer = (did: string, reason: string) => this.mesh.dropPeer(did, reason);
    this.syncServing = new SyncServing({
      ...base,
      ...loop,
      dropPeer,
      rightOf: (did) => this.gate.rightOf(did),
      statusNow: () => this.reads.statusNow(),
    });
    this.inbound = new InboundLanes({
      ...base,
      ...loop,
      dropPeer,
      feed: (input) => this.feed(input),
      mayWrite,
      noteOnce: (key, level, message) => this.admission.noteOnce(key, level, message),
    });
    this.mesh = new MeshService({
      ...base,
      take: (from, kind) => this.gate.take(from, kind),
      applyHeaders: (from, at, headers) => this.syncServing.applyHeaders(from, at, headers),
      syncIo: () => this.syncServing.syncIo(),
      inbound: (from, message) => this.inbound.push(from, message),
      serveSync: (to, from, count) => this.syncServing.serveSync(to, from, count),
      serveLight: async (to, message) => {
        const answer = await lightAnswer(
          {
            durable: () => s.durable,
            storage: options.storage,
            updates: this.capabilities.lightUpdates,
          },
          to,
          message,
        );
        options.net?.send(to, encodeWire(answer));
      },
      deviceApi: () => this.capabilities.devices(),
      datasetApi: () => this.capabilities.datasets(),
      onJoinRequest: (from, invite) => this.admission.onJoinRequest(from, invite),
      askAdmission: () => this.admission.askAdmission(),
    });
    this.chainsService = new ChainsService({
      ...base,
      enqueue: loop.enqueue,
      drainEffects: () => this.drainEffects(),
      startNet: () => this.mesh.startNet(),
      afterGovernanceChange: () => {
        this.admission.afterGovernanceChange();
        this.publishReaderKey();
      },
      restoreOwn: () => this.submissions.restoreOwn(),
      loadLightUpdates: (chain) => this.capabilities.lightUpdates.load(chain, this.s.hashes),
      statusNow: () => this.reads.statusNow(),
      settings: () => this.mesh.settings(),
    });
    this.capabilities = new Capabilities({ ...base, submissions: this.submissions });
    s.syncer = new Syncer(this.syncServing.syncIo(), () => s.peer?.chain.height ?? 0);
  }

  /**
   * A read role's holder publishes its X25519 key, so that values can be sealed for it, and
   * shares the values it can open with holders granted the role later (sealed-share.ts).
   */
  private publishReaderKey(): void {
    this.sealed
      .afterBlock(this.s.durable)
      .catch((error: Error) =>
        this.record('warn', `The X25519 key for read roles was not published: ${error.message}`),
      );
    this.sealedShares
      .afterBlock(this.s.durable)
      .catch((error: Error) =>
        this.record('warn', `Sealed values were not shared with new holders: ${error.message}`),
      );
  }

  /** Share now the sealed values this peer can open with holders granted their role later. */
  async shareSealed(prefix?: string): Promise<ShareSealedResult> {
    await this.ready();
    return this.sealedShares.shareNow(this.s.durable, prefix ?? '');
  }

  // ---- start-up --------------------------------------------------------------------------

  ready(): Promise<Status> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Status> {
    const { storage } = this.options;
    // The contract engine (QuickJS compiled, metered and warmed up: a third of a tab's start)
    // loads before the first step that may run a contract (lazy-contract-runtime.ts), not here.
    this.s.contractRuntime =
      this.options.contractRuntime !== undefined
        ? (this.options.contractRuntime ?? undefined)
        : new LazyContractRuntime(() =>
            import('./contract-runtime').then((m) => m.loadContractRuntime()),
          );
    await installFastSha256();
    const auditProblems = await this.audit.open();
    const did = await this.identityService.open();
    for (const problem of auditProblems) this.record('error', `Tamper check: ${problem}.`);
    let chain = await storage.getMeta<ChainRecord>('chain.active');
    // A solo dev chain only its own validator can extend: after an identity import, this peer
    // gets a dev chain of its own (the old one stays held and readable).
    const strandedDev =
      chain?.genesis.consensus.engine === 'solo' && chain.genesis.validators[0]?.did !== did;
    if (!chain && this.options.startChain) {
      chain = this.options.startChain; // a per-chain host's first start (multi-host.ts)
      await this.chainsService.adoptChain(chain);
    } else {
      if (!chain || strandedDev) chain = await this.chainsService.createDevChain(did);
      await this.chainsService.load(chain);
    }
    let idleTicks = 0;
    this.stopIdle = repeat(this.clock, this.options.tickIntervalMs ?? idleTickMs, () => {
      this.scheduleTick();
      if (this.s.integrityReport.ok) this.s.syncer.tick(); // a damaged store syncs only once repaired
      // Every few seconds tell the neighbours where this peer's head is (drives their sync).
      if (++idleTicks % headEveryTicks === 0 && this.options.net) {
        const head = encodeWire({
          kind: 'head',
          height: this.s.durable.height,
          hash: this.s.durable.headHash,
        });
        for (const did of this.s.neighbours) this.options.net.send(did, head);
        this.admission.askAdmission();
        this.mesh.emitNetwork();
      }
    });
    this.record(
      'info',
      `Peer started on chain ${chain.genesis.name} at height ${this.s.peer.chain.height}.`,
    );
    this.capabilities.resumeDuties();
    return this.reads.statusNow();
  }

  // ---- the event loop --------------------------------------------------------------------

  /** Run `work` after everything queued before it; the loop never runs two steps at once. */
  private enqueue<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.loop.then(work);
    // The caller hears a refusal (bad input: a peer's block, a call's parameter); only a broken
    // invariant (INTERNAL, or an error that is not a BotError) stops the peer (assertions.ts).
    this.loop = run.then(
      () => undefined,
      (error) => {
        if (stopsPeer(error)) this.fatal(error);
      },
    );
    return run;
  }

  /** Stop the peer: one log line, and no effect (no write, no send) runs after it. */
  private fatal(error: unknown): void {
    if (this.effectsFailed) return;
    this.effectsFailed = true;
    const code = error instanceof BotError ? error.code : 'INTERNAL';
    const message = (error as Error)?.message ?? String(error);
    this.record('error', `The peer stopped (${code}): ${message}`);
    this.s.fault = `${code}: ${message}`;
    this.s.stopped = true;
    this.stopIdle?.();
    this.submissions.releaseHolds();

    this.capabilities.closeServices();
    this.options.net?.stop();
  }

  /** A service's work failed: a broken invariant stops the peer, a refusal is logged. */
  private failed(error: unknown): void {
    if (stopsPeer(error)) this.fatal(error);
    else this.record('warn', `Refused: ${(error as Error).message}`);
  }

  /** One core step (inside the loop); its effects join the effect queue. */
  private async feed(input: PeerInput): Promise<void> {
    await this.engineFor([input]);
    this.queueEffects(this.stepOnly(input));
  }

  /** Load the contract engine if a step of `inputs` may run a contract (before the steps). */
  private async engineFor(inputs: readonly PeerInput[]): Promise<void> {
    const engine = this.s.contractRuntime;
    if (!(engine instanceof LazyContractRuntime) || engine.loaded) return;
    const chain = this.s.peer.chain;
    if (inputs.some((input) => contractsMayRun(chain, input))) await engine.load();
  }

  /**
   * One core step (inside the loop); the caller queues its effects (queueEffects). The caller
   * loaded the contract engine first if the step may run a contract (engineFor).
   */
  private stepOnly(input: PeerInput): PeerEffect[] {
    const engine = this.s.contractRuntime;
    if (
      engine instanceof LazyContractRuntime &&
      !engine.loaded &&
      contractsMayRun(this.s.peer.chain, input)
    )
      throw botError(
        'INTERNAL',
        'A step that may run a contract came before the contract engine loaded.',
      );
    const { state, effects } = step(this.s.peer, input);
    this.s.peer = state;
    this.s.trace.stepped(effects);
    return effects;
  }

  private queueEffects(effects: PeerEffect[]): void {
    if (effects.length === 0) return;
    // An accepted transaction's gossip (a submit step: stored in the outbox before the core took
    // it) does not wait for the effects queued before it: at low load those are the previous
    // block's write, which has nothing to do with this transaction, and it held the next
    // submission's first hop for the rest of that write (issue 14 §6).
    if (!this.effectsFailed && effects.every(isTxGossip)) {
      void this.runEffects(effects).catch((error) => this.fatal(error));
      return;
    }
    this.effects = this.effects.then(async () => {
      if (this.effectsFailed) return; // nothing after a failed persist may run (notify, send)
      try {
        await this.runEffects(effects);
      } catch (error) {
        this.fatal(error); // a failed write or a broken invariant: nothing after it may run
      }
    });
  }

  /** Resolves once every effect queued so far has run (e.g. before switching chains or clearing). */
  private drainEffects(): Promise<void> {
    return this.effects;
  }

  /** `settled`: the `committed` results were already told (runPersisting). */
  private async runEffects(effects: PeerEffect[], settled = false): Promise<void> {
    const first = effects.findIndex((e) => e.kind === 'persist');
    if (first >= 0) return this.runPersisting(effects, first);
    for (const effect of effects) {
      this.s.trace.effectRun(effect);
      switch (effect.kind) {
        case 'persist':
          break; // runPersisting writes them
        case 'committed':
          if (this.options.net && effect.block.header.height > 0) {
            const validators = this.s.durable.validators.map((v) => v.did).join(' ');
            if (validators !== this.s.validatorKey) {
              this.s.validatorKey = validators;
              this.options.net.setValidators(this.s.durable.validators.map((v) => v.did));
            }
          }
          this.gate.updateReaders(); // a member removed in this block reads no further
          if (!settled) this.settle(effect);
          this.options.emit({
            type: 'block',
            height: effect.block.header.height,
            hash: toHex(effect.hash),
            txCount: effect.txIds.length,
            time: effect.block.header.time,
          });
          this.capabilities.onCommitted(effect.block, effect.txIds, effect.failed);
          this.publishReaderKey();
          if (
            effect.block.txs.some((tx) => tx.type === 'member.propose' || tx.type === 'member.vote')
          )
            this.admission.afterGovernanceChange();
          break;
        case 'txRejected':
          await this.submissions.settleRejected(effect.txId, effect.error);
          break;
        case 'txAccepted':
          break;
        case 'persistConsensus':
          // Stored before anything after it runs: a restarted validator never signs twice.
          await putConsensusRecord(
            this.options.storage,
            this.s.peer.chain.chainId,
            encode(stripUndefined(effect.record)),
          );
          this.s.trace.mark(effect.record.height, 'recordDone');
          break;
        case 'broadcast':
          this.options.net?.broadcast(encodeWire({ kind: 'consensus', message: effect.message }));
          break;
        case 'send':
          this.options.net?.send(
            effect.to,
            encodeWire({ kind: 'consensus', message: effect.message }),
          );
          break;
        case 'serveBlocks':
          await this.syncServing.serveBlocks(effect.to, effect.fromHeight, effect.count);
          break;
        case 'evidence': {
          // Whether to submit is the core's decision (core/decisions.ts `decideEvidence`).
          const who = `Validator ${effect.evidence.first.validator} signed two different votes at height ${effect.evidence.first.height}`;
          const decision = decideEvidence(
            this.s.peer.chain,
            this.s.identityView.did,
            effect.evidence,
          );
          if (decision.action === 'skip') {
            this.record('warn', `${who}; the evidence is not submitted: ${decision.reason}.`);
            break;
          }
          this.record('warn', `${who}; submitting the evidence.`);
          void this.submissions
            .submitBackground(decision.tx)
            .catch((error) =>
              this.record('warn', `Evidence not submitted: ${(error as Error).message}`),
            );
          break;
        }
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
    const persists = effects.filter(
      (e): e is Extract<PeerEffect, { kind: 'persist' }> => e.kind === 'persist',
    );
    assertPersistsFollow(
      this.s.durable,
      persists.map((p) => p.executed),
    );
    // A round engine's block is decided by its certificate: more than 2/3 of the power
    // precommitted it, and each of them stored the block and its lock before its precommit left
    // (bft.ts `needsRecord`), so the decision outlives any crash here. Its results are told now,
    // before this peer's own copy is even encoded and handed to the store (that work took 1.5-2 ms
    // of a low-load height, p90 4-6 ms, on the path to the page: issue 14 §6); a peer that
    // crashes before its copy is written gets the block again from its peers, and reads wait
    // for the write (reads.ts: `announcedWrite` is set before anyone is told). Solo's block
    // exists nowhere else until it is written: told after.
    const early = this.s.peer.engine !== 'solo';
    let announced: () => void = () => undefined;
    if (early) {
      this.s.announcedWrite = new Promise<void>((resolve) => {
        announced = resolve;
      });
      for (const effect of effects.slice(first))
        if (effect.kind === 'committed') this.settle(effect);
    }
    for (const { executed } of persists)
      this.s.trace.mark(executed.block.header.height, 'writeStart');
    let written: Promise<void>;
    try {
      written = commitAll(
        this.options.storage,
        persists.map(({ executed: { block, writes, txIds } }) => ({
          chainId: block.header.chain,
          height: block.header.height,
          block: encodeBlock(block),
          writes,
          txIds,
        })),
      );
    } catch (error) {
      announced(); // the peer stops (fatal): reads do not hang on a write that never started
      throw error;
    }
    void written.then(announced, announced);
    // The light-client material of these blocks goes to the store beside them (a restarted peer
    // still relays their headers); a slot written for a block that fails to persist is ignored.
    // Not awaited (no latency added): LevelDB writes in order, so only the head's slot can be
    // lost in a crash, and load() rebuilds that one from the head's state trie.
    void Promise.all(
      persists.map(({ executed }) =>
        this.capabilities.lightUpdates.record(executed.state, executed.block),
      ),
    ).catch((e: unknown) =>
      this.record('warn', `Light-client material not stored: ${(e as Error).message}`),
    );
    queueMicrotask(() => {
      for (const { executed } of persists)
        void this.enqueue(() =>
          this.feed({ kind: 'persisted', height: executed.block.header.height }),
        );
    });
    await written;
    for (const { executed } of persists) {
      this.s.trace.mark(executed.block.header.height, 'durable');
      this.s.hashes[executed.block.header.height] = executed.hash;
      this.s.durable = executed.state;
      this.submissions.durable(executed.txIds); // own ones leave the outbox
      this.s.integrityReport = {
        ...this.s.integrityReport,
        verifiedHeight: Math.max(
          this.s.integrityReport.verifiedHeight,
          executed.block.header.height,
        ),
      };
    }
    await this.runEffects(
      effects.slice(first).filter((e) => e.kind !== 'persist'),
      early,
    );
  }

  /** The results of a committed block's transactions, to waiters and subscribers. */
  private settle(effect: Extract<PeerEffect, { kind: 'committed' }>): void {
    this.submissions.settleCommitted(effect.block.header.height, effect.txIds, effect.failed);
    this.s.trace.committed(effect.block.header.height, effect.txIds);
  }

  private scheduleTick(): void {
    if (this.tickScheduled || this.s.stopped || !this.s.peer) return;
    this.tickScheduled = true;
    this.clock.setTimeout(() => {
      this.tickScheduled = false;
      if (this.s.integrityReport.ok)
        void this.enqueue(() => this.feed({ kind: 'tick', time: this.options.now() }));
    }, 0);
  }

  /** The chain this host runs now (null before start-up loaded one); multi-host.ts tags events with it. */
  currentChainId(): string | null {
    return this.s.chainRecord?.chainId ?? null;
  }

  /** Whether this host stopped itself (a failed write or a broken invariant), and why. */
  fault(): string | null {
    return this.s.fault;
  }

  // ---- for the peer's other chains (multi-host.ts); not API methods ----

  /** The identity seed, for the hosts of this peer's other chains (they store none). After ready(). */
  seedForChainHosts(): Uint8Array {
    return this.s.seed;
  }

  /** The genesis a createChain request asks for, checked (nothing is stored). */
  genesisFor(request: CreateChainRequest) {
    return this.chainsService.genesisFor(request);
  }

  /** The chain an invite asks to join, its signature checked (nothing is stored). */
  async joinRecord(invite: string): Promise<ChainRecord> {
    await this.ready();
    return (await this.chainsService.joinRecord(invite)).record;
  }

  /** The chains this host's store holds (the active one first when it is not listed). */
  heldChains(): Promise<ChainRecord[]> {
    return this.chainsService.chainRecords();
  }

  /** A line in this host's operation log. */
  note(level: LogEntry['level'], message: string): void {
    this.record(level, message);
  }

  /** When each step of the recent heights happened on this peer (height-trace.ts; not an API method). */
  heightTrace() {
    return this.s.trace.dump();
  }

  /** This peer's chain as a cross-chain relay reads it (worker/host/xchain.ts; not an RPC method). */
  xchainEndpoint() {
    return this.capabilities.xchainEndpoint();
  }

  async log(): Promise<LogEntry[]> {
    return [...this.operationLog];
  }

  async exportAuditLog(): Promise<AuditExport & { persisted: boolean }> {
    await this.ready();
    return this.audit.export();
  }

  private record(level: LogEntry['level'], message: string): void {
    const entry = { time: this.options.now(), level, message };
    this.operationLog.push(entry);
    this.audit.append(entry);
    if (this.operationLog.length > limits.operationLogEntriesMax) this.operationLog.shift();
    this.options.emit({ type: 'log', entry });
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
    this.options.emit({
      type: 'log',
      entry: {
        time: this.options.now(),
        level: 'warn',
        message: 'This peer was reset: identity, chains and settings are wiped.',
      },
    });
  }

  /** Stop ticking and networking; resolves once the work already queued (e.g. a block being persisted) is done. */
  stop(): Promise<void> {
    this.s.stopped = true;
    this.stopIdle?.();
    this.options.net?.stop();
    this.capabilities.stop();
    return this.loop.then(() => this.drainEffects()).then(() => this.audit.close());
  }
}

export { encodeTx };
