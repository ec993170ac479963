// Deterministic simulator: N peers of the pure core in one process over a simulated network.
// Everything random comes from one seed: message delays, drops, duplicates (reordering follows
// from the delays), partitions and heals, crashes and restarts (a restarted peer rebuilds its
// chain from the blocks it persisted, with replayBlock), clock skew (each peer's logical clock
// runs at its own rate) and Byzantine validators. Checkers run after every event; a failure
// throws a SimFailure that names the seed and the fault schedule, and the same seed replays it.
import {
  encodeMessage,
  decodeMessage,
  messageChecks,
  type ConsensusMessage,
  type Vote,
} from '../core/consensus/messages';
import type { ConsensusRecord } from '../core/consensus/bft';
import type { EngineName, Genesis, ChainState } from '../core/ledger';
import { genesisState, replayBlock } from '../core/ledger';
import { createPeer, step } from '../core/peer';
import type { PeerEffect, PeerInput, PeerState } from '../core/consensus/types';
import type { Block } from '../core/block';
import { BotError } from '../core/errors';
import { toHex } from '../core/bytes';
import { testIdentity as makeIdentity, type TestIdentity } from '../core/testing';
import { checkTx, txIdOf, txSigningBytes, type Tx, type UnsignedTx } from '../core/tx';
import { publicKeyFromDid } from '../core/crypto/did';
import { emptyTokens } from '../core/modules/tokens';
import {
  clientTokens,
  conservationError,
  simGenesis,
  simGenesisTime as genesisTime,
  stakeSteps,
  type StakeScenario,
  type StakeStep,
} from './stake-plan';
import { Random } from './prng';
import { TimeQueue } from './time-queue';
import {
  type ByzantineStrategy,
  byzantineSends,
  byzantineStrategies,
  floodBytes,
} from './byzantine';

export { type ByzantineStrategy, byzantineStrategies } from './byzantine';
import { SignatureVerifier } from './verify';

export interface SimOptions {
  seed: number;
  peers: number;
  engine: Exclude<EngineName, 'solo'>;
  /** Byzantine validators (at most f with n >= 3f+1), each with a strategy drawn from the seed. */
  byzantine: number;
  /** Network and crash faults until `healAtMs`; after it the network only delays (and drops, duplicates at `lossAfterHeal`). */
  faults: boolean;
  healAtMs: number;
  /** Simulated time to run. */
  durationMs: number;
  /** Every transaction submitted commits within this many ms after max(submission, heal). */
  liveBoundMs: number;
  timeoutMs: number;
  clients: number;
  /** Mean gap between a client's transactions. */
  txGapMs: number;
  tickMs: number;
  delayMinMs: number;
  delayMaxMs: number;
  dropRate: number;
  duplicateRate: number;
  /** Drops after the heal (the network is never perfect). */
  lossAfterHeal: number;
  strategies?: ByzantineStrategy[];
  /** The stake scenario (worker/sim/stake-plan.ts): candidates bond, a validator unbonds, double-voters are slashed. */
  staking?: StakeScenario;
}

export function defaultOptions(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return {
    seed,
    peers: 4,
    engine: 'bft',
    byzantine: 0,
    faults: true,
    healAtMs: 3000,
    durationMs: 10_000,
    liveBoundMs: 6000,
    timeoutMs: 100,
    clients: 3,
    txGapMs: 150,
    tickMs: 10,
    delayMinMs: 1,
    delayMaxMs: 40,
    dropRate: 0.05,
    duplicateRate: 0.03,
    lossAfterHeal: 0.01,
    ...overrides,
  };
}

export type Fault =
  | { at: number; kind: 'partition'; groups: number[][] }
  | { at: number; kind: 'heal' }
  | { at: number; kind: 'crash'; peer: number }
  | { at: number; kind: 'restart'; peer: number };

export class SimFailure extends Error {
  override readonly name = 'SimFailure';
}

interface SimPeer {
  index: number;
  id: TestIdentity;
  sign: (message: Uint8Array) => Uint8Array;
  state: PeerState | null;
  persisted: Block[];
  record: ConsensusRecord | undefined;
  /** Local clock rate (clock skew): local time = genesis time + global time * rate. */
  rate: number;
  strategy: ByzantineStrategy | null;
  /** Highest height this peer ever committed (durability across restarts). */
  committedHeight: number;
}

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

export interface SimStats {
  messages: number;
  bytes: number;
  delivered: number;
  dropped: number;
  garbage: number;
  badSignatures: number;
  evidence: number;
  heightsDecided: number;
  txsCommitted: number;
  txsSubmitted: number;
  restarts: number;
  signaturesVerified: number;
  /** Per decided height: ms from the first proposal of the height to its first commit. */
  decideLatencyMs: number[];
  /** Bytes sent by honest peers, per consensus message type (proposal, prevote, precommit, commit, status, tx). */
  bytesByType: Record<string, number>;
  endMs: number;
}

/** Every this many transactions of a sim client, one fails in execution (see submitNext). */
const doomedEvery = 5;
/** Every this many transactions of a sim client, one is a token transfer (see submitNext). */
const transferEvery = 3;

/** The simulation's identities, derived once per process (a public key in pure JS costs a millisecond; every seed uses the same names). */
const identities = new Map<string, TestIdentity>();

function testIdentity(name: string): TestIdentity {
  let id = identities.get(name);
  if (!id) {
    id = makeIdentity(name);
    identities.set(name, id);
  }
  return id;
}

/** A transaction signer of the simulation (a client, or the evidence reporter). */
interface Client {
  id: TestIdentity;
  nonce: number;
  sign: (message: Uint8Array) => Uint8Array;
}

/** signTx with Node's Ed25519: the same bytes (RFC 8032 signing is deterministic), far faster than the pure-JS signer. */
function signedTx(client: Client, unsigned: UnsignedTx): Tx {
  return checkTx({ ...unsigned, sig: client.sign(txSigningBytes(unsigned)) });
}

export class Simulation {
  readonly random: Random;
  readonly peers: SimPeer[];
  readonly genesis: Genesis;
  readonly chain0: ChainState;
  readonly faults: Fault[] = [];
  readonly stats: SimStats = {
    messages: 0,
    bytes: 0,
    delivered: 0,
    dropped: 0,
    garbage: 0,
    badSignatures: 0,
    evidence: 0,
    heightsDecided: 0,
    txsCommitted: 0,
    txsSubmitted: 0,
    restarts: 0,
    signaturesVerified: 0,
    decideLatencyMs: [],
    bytesByType: {},
    endMs: 0,
  };
  /** Trace lines of notable events, for scenario tests and failure reports. */
  readonly trace: string[] = [];
  now = 0;
  private seq = 0;
  private readonly queue = new TimeQueue<Event>();
  private readonly verifier = new SignatureVerifier();
  private readonly decoded = new WeakMap<Uint8Array, ConsensusMessage | null>();
  private readonly verdicts = new WeakMap<Uint8Array, boolean>();
  private groups: number[][] | null = null;
  private readonly decided = new Map<number, string>();
  private readonly firstProposalAt = new Map<number, number>();
  /** Valid transactions submitted: id -> deadline (ms) by which it must commit. */
  private readonly pending = new Map<string, { tx: Tx; submittedAt: number; client: number }>();
  private readonly submitted = new Set<string>();
  private readonly committedTx = new Set<string>();
  private readonly clients: Array<Client & { waiting: string | null }>;
  private readonly reporter: Client = this.clientOf(testIdentity('sim evidence reporter'));
  private readonly reported = new Set<string>();
  /** Client transactions that must fail in execution, with the code they must fail with. */
  private readonly doomed = new Map<string, string>();
  /** The stake scenario's steps still to send (the first is sent, or waiting for its time). */
  private readonly stakeLeft: StakeStep[] = [];
  private readonly stakers = new Map<number, Client>();
  private readonly genesisSupply: number;

  constructor(readonly options: SimOptions) {
    this.random = new Random(options.seed);
    const n = options.peers;
    const ids = Array.from({ length: n }, (_, i) => testIdentity(`sim validator ${i}`));
    const candidates = Array.from({ length: options.staking?.candidates ?? 0 }, (_, i) =>
      testIdentity(`sim candidate ${i}`),
    );
    const clientIds = Array.from({ length: options.clients }, (_, i) =>
      testIdentity(`sim client ${i}`),
    );
    this.genesis = simGenesis(options, ids, candidates, clientIds);
    this.chain0 = genesisState(this.genesis).state;
    this.genesisSupply = (this.chain0.tokens ?? emptyTokens(this.genesis)).supply;
    const byzantine = new Set(
      this.random.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, options.byzantine),
    );
    this.peers = [...ids, ...candidates].map((id, index) => ({
      index,
      id,
      sign: this.verifier.signer(id.seed, id.publicKey),
      state: null,
      persisted: [],
      record: undefined,
      rate: options.faults ? 0.9 + this.random.float() * 0.2 : 1,
      strategy: byzantine.has(index)
        ? options.strategies
          ? this.random.pick(options.strategies)
          : this.random.pick(byzantineStrategies)
        : null,
      committedHeight: 0,
    }));
    for (const peer of this.peers)
      peer.state = createPeer(
        { did: peer.id.did, seed: peer.id.seed, sign: peer.sign },
        this.chain0,
        undefined,
        'fresh',
      );
    this.clients = Array.from({ length: options.clients }, (_, i) => ({
      ...this.clientOf(testIdentity(`sim client ${i}`)),
      waiting: null,
    }));
    if (options.faults) this.planFaults();
    for (const peer of this.peers)
      this.at(this.random.int(0, options.tickMs - 1), () => this.tick(peer));
    for (let c = 0; c < this.clients.length; c++)
      this.at(this.random.int(0, options.txGapMs), () => this.submitNext(c));
    for (const fault of this.faults) this.at(fault.at, () => this.applyFault(fault));
    if (options.staking) {
      const honest = this.peers.find((p) => p.index < n && this.honest(p))!.index;
      this.stakeLeft.push(...stakeSteps(this.random, n, candidates.length, honest));
      this.at(this.random.int(100, options.healAtMs), () => this.stakeNext());
    }
  }

  // ---- schedule ----

  private at(time: number, run: () => void): void {
    this.queue.push({ at: time, seq: this.seq++, run });
  }

  private honest(peer: SimPeer): boolean {
    return peer.strategy === null;
  }

  private planFaults(): void {
    const { healAtMs, peers: n } = this.options;
    const honest = this.peers.filter((p) => this.honest(p)).map((p) => p.index);
    let t = this.random.int(100, 600);
    while (t < healAtMs - 300) {
      const kind = this.random.pick(['partition', 'crash', 'crash', 'none'] as const);
      const length = this.random.int(200, 1500);
      const end = Math.min(t + length, healAtMs - 100);
      if (kind === 'partition') {
        const order = this.random.shuffle(Array.from({ length: n }, (_, i) => i));
        const cut = this.random.int(1, n - 1);
        this.faults.push(
          { at: t, kind: 'partition', groups: [order.slice(0, cut), order.slice(cut)] },
          { at: end, kind: 'heal' },
        );
      } else if (kind === 'crash') {
        const peer = this.random.pick(honest);
        this.faults.push({ at: t, kind: 'crash', peer }, { at: end, kind: 'restart', peer });
      }
      t = t + this.random.int(100, 800);
    }
    this.faults.sort((a, b) => a.at - b.at);
  }

  private applyFault(fault: Fault): void {
    this.trace.push(`${this.now}ms ${describeFault(fault)}`);
    if (fault.kind === 'partition') this.groups = fault.groups;
    else if (fault.kind === 'heal') this.groups = null;
    else if (fault.kind === 'crash') this.crash(fault.peer);
    else this.restart(fault.peer);
  }

  crash(index: number): void {
    this.peers[index]!.state = null;
  }

  /** Rebuild from what the peer persisted: its blocks (replayed) and its last voting record. */
  restart(index: number): void {
    const peer = this.peers[index]!;
    if (peer.state !== null) return;
    let chain = this.chain0;
    for (const block of peer.persisted) chain = replayBlock(chain, block).state;
    if (chain.height < peer.committedHeight)
      this.fail(
        `peer ${index} lost committed blocks across a restart: had ${peer.committedHeight}, rebuilt ${chain.height}`,
      );
    peer.state = createPeer(
      { did: peer.id.did, seed: peer.id.seed, sign: peer.sign },
      chain,
      peer.record,
      'resumed',
    );
    this.stats.restarts++;
  }

  partition(groups: number[][] | null): void {
    this.groups = groups;
  }

  // ---- running ----

  /** Run until `untilMs`, or until `stop` holds after an event (then the clock stays at that event). */
  run(untilMs = this.options.durationMs, stop?: () => boolean): SimStats {
    for (;;) {
      const event = this.queue.pop();
      if (!event) break;
      if (event.at > untilMs) {
        this.queue.push(event);
        break;
      }
      this.now = event.at;
      event.run();
      this.checkLiveness();
      if (stop?.()) return this.stats;
    }
    this.now = untilMs;
    this.checkLiveness();
    this.stats.endMs = this.now;
    this.stats.signaturesVerified = this.verifier.verified;
    return this.stats;
  }

  private fail(message: string): never {
    const schedule = this.faults.map(describeFault).join('; ') || 'none';
    const byz =
      this.peers
        .filter((p) => p.strategy)
        .map((p) => `${p.index}:${p.strategy}`)
        .join(', ') || 'none';
    const o = this.options;
    const peers = this.peers
      .map(
        (p) =>
          `${p.index}:h${p.state?.chain.height ?? 'down'}/r${p.state?.round?.round ?? '-'}/${p.state?.round?.step ?? '-'}${p.state?.round?.started ? '' : '(idle)'} lock${p.state?.round?.lockedRound ?? '-'} mem${p.state?.mempool.size ?? 0}`,
      )
      .join(' ');
    throw new SimFailure(
      `${message}\n  at ${this.now}ms; replay: SEED=${o.seed} PEERS=${o.peers} ENGINE=${o.engine} BYZANTINE=${o.byzantine} FAULTS=${o.faults ? 1 : 0} npm run sim\n  byzantine: ${byz}\n  faults: ${schedule}\n  peers: ${peers}`,
    );
  }

  private localTime(peer: SimPeer): number {
    return genesisTime + Math.floor(this.now * peer.rate);
  }

  private tick(peer: SimPeer): void {
    this.at(this.now + this.options.tickMs, () => this.tick(peer));
    if (!peer.state) return;
    this.apply(peer, { kind: 'tick', time: this.localTime(peer) });
    if (peer.strategy === 'flood') this.flood(peer);
  }

  private apply(peer: SimPeer, input: PeerInput): void {
    const out = step(peer.state!, input);
    peer.state = out.state;
    if (input.kind !== 'submit' && this.honest(peer)) this.checkNotDropped(peer, out.effects);
    this.carryOut(peer, out.effects);
  }

  /**
   * Nothing accepted is lost: once a client's transaction is in a mempool, a block decides it
   * (taking effect or failed with a code). An honest proposer may leave out only what is already
   * committed; leaving out a waiting client transaction (e.g. behind a failed one) loses a write.
   */
  private checkNotDropped(peer: SimPeer, effects: PeerEffect[]): void {
    for (const effect of effects) {
      if (
        effect.kind !== 'txRejected' ||
        this.committedTx.has(effect.txId) ||
        !this.pending.has(effect.txId)
      )
        continue;
      this.fail(
        `lost write: honest peer ${peer.index} left transaction ${effect.txId.slice(0, 12)} out of a block (${effect.error.code}: ${effect.error.message})`,
      );
    }
  }

  /** Effects in order; persist completes before anything after it (the core's contract). */
  private carryOut(peer: SimPeer, effects: PeerEffect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'persist':
          peer.persisted.push(effect.executed.block);
          break;
        case 'persistConsensus':
          peer.record = effect.record;
          break;
        case 'committed':
          if (peer.persisted.at(-1)?.header.height !== effect.block.header.height)
            this.fail(
              `peer ${peer.index} reported block ${effect.block.header.height} committed before persisting it`,
            );
          this.onCommitted(peer, effect.block, toHex(effect.hash), effect.txIds, effect.failed);
          this.checkSupply(peer);
          this.apply(peer, { kind: 'persisted', height: effect.block.header.height });
          break;
        case 'broadcast':
          this.broadcastFrom(peer, effect.message);
          break;
        case 'send':
          this.sendFrom(peer, this.peerByDid(effect.to), effect.message);
          break;
        case 'serveBlocks': {
          // The host serves blocks from its storage: here, the blocks this peer persisted.
          const to = this.peerByDid(effect.to);
          for (const block of peer.persisted
            .filter((b) => b.header.height >= effect.fromHeight)
            .slice(0, effect.count))
            this.sendFrom(peer, to, { type: 'commit', block });
          break;
        }
        case 'evidence':
          this.onEvidence(peer, effect.evidence.first, effect.evidence.second);
          break;
        case 'txAccepted':
        case 'txRejected':
          break;
      }
    }
  }

  private peerByDid(did: string): SimPeer | undefined {
    return this.peers.find((p) => p.id.did === did);
  }

  // ---- checkers ----

  private onCommitted(
    peer: SimPeer,
    block: Block,
    hex: string,
    txIds: string[],
    failed: Array<{ txId: string; error: BotError | null }>,
  ): void {
    const height = block.header.height;
    peer.committedHeight = Math.max(peer.committedHeight, height);
    if (!this.honest(peer)) return;
    const agreed = this.decided.get(height);
    if (agreed === undefined) {
      this.decided.set(height, hex);
      this.stats.heightsDecided++;
      this.trace.push(
        `${this.now}ms height ${height} decided by peer ${peer.index} in round ${block.cert?.round} with ${txIds.length} txs`,
      );
      const since = this.firstProposalAt.get(height);
      if (since !== undefined) this.stats.decideLatencyMs.push(this.now - since);
      const codes = new Map(failed.map((f) => [f.txId, f.error?.code ?? null]));
      for (const txId of txIds) this.onTxDecided(txId, codes.get(txId) ?? null);
    } else if (agreed !== hex) {
      this.fail(
        `agreement: honest peer ${peer.index} committed ${hex.slice(0, 12)} at height ${height}, others committed ${agreed.slice(0, 12)}`,
      );
    }
    for (const tx of block.txs) {
      if (!this.submitted.has(txIdOf(tx)))
        this.fail(`validity: height ${height} holds a transaction nobody submitted`);
    }
  }

  /** A transaction in a decided block: a doomed one must have failed with its code, any other taken effect. */
  private onTxDecided(txId: string, code: string | null): void {
    const expected = this.doomed.get(txId) ?? null;
    if (code !== expected)
      this.fail(
        `outcome: transaction ${txId.slice(0, 12)} ended ${code ? `failed with ${code}` : 'taking effect'}; expected ${expected ? `to fail with ${expected}` : 'to take effect'}`,
      );
    this.onTxCommitted(txId);
  }

  private onTxCommitted(txId: string): void {
    if (this.committedTx.has(txId))
      this.fail(`validity: transaction ${txId.slice(0, 12)} committed twice`);
    this.committedTx.add(txId);
    this.stats.txsCommitted++;
    const entry = this.pending.get(txId);
    if (!entry) return;
    this.pending.delete(txId);
    if (entry.client === -2) this.at(this.now + this.random.int(1, 500), () => this.stakeNext());
    if (entry.client < 0) return;
    const client = this.clients[entry.client]!;
    client.waiting = null;
    this.at(this.now + this.random.int(1, 2 * this.options.txGapMs), () =>
      this.submitNext(entry.client),
    );
  }

  /** Tokens are conserved after every block (worker/sim/stake-plan.ts conservationError). */
  private checkSupply(peer: SimPeer): void {
    const chain = peer.state?.chain;
    if (!chain) return;
    const broken = conservationError(chain, this.genesisSupply);
    if (broken !== null)
      this.fail(`supply: peer ${peer.index} at height ${chain.height}: ${broken}`);
  }

  private checkLiveness(): void {
    const { healAtMs, liveBoundMs } = this.options;
    const heal = this.options.faults ? healAtMs : 0;
    for (const [txId, entry] of this.pending) {
      const deadline = Math.max(entry.submittedAt, heal) + liveBoundMs;
      if (this.now > deadline)
        this.fail(
          `liveness: transaction ${txId.slice(0, 12)} submitted at ${entry.submittedAt}ms did not commit by ${deadline}ms`,
        );
    }
  }

  /** Honest peers report misbehaviour; a proof against an honest validator is a bug in the engine. */
  private onEvidence(peer: SimPeer, first: Vote, second: Vote): void {
    this.stats.evidence++;
    if (!this.honest(peer)) return;
    const offender = this.peerByDid(first.validator);
    if (offender && this.honest(offender))
      this.fail(
        `evidence: honest validator ${offender.index} signed two different ${first.type}s at height ${first.height} round ${first.round}`,
      );
    if (this.reported.has(first.validator)) return;
    this.reported.add(first.validator);
    this.submitOwn(this.reporter, 'evidence.submit', { first, second }, -1);
    this.trace.push(
      `${this.now}ms peer ${peer.index} reports validator ${offender?.index} for two ${first.type}s at height ${first.height} round ${first.round}`,
    );
  }

  /** Sign and send a transaction that is not a client's (client -1: evidence, -2: a stake step). */
  private submitOwn(signer: Client, type: string, body: unknown, client: number): void {
    signer.nonce++;
    const tx = signedTx(signer, {
      chain: this.chain0.chainId,
      type,
      from: signer.id.did,
      nonce: signer.nonce,
      time: genesisTime + this.now,
      body,
    });
    const txId = txIdOf(tx);
    this.submitted.add(txId);
    this.pending.set(txId, { tx, submittedAt: this.now, client });
    this.stats.txsSubmitted++;
    this.resubmit(txId);
  }

  /** Send the stake scenario's next step (after the one before it committed). */
  private stakeNext(): void {
    const step = this.stakeLeft.shift();
    if (!step) return;
    const peer = this.peers[step.peer]!;
    this.stakers.set(step.peer, this.stakers.get(step.peer) ?? this.clientOf(peer.id));
    this.trace.push(`${this.now}ms peer ${step.peer} sends ${step.type} ${step.body.amount}`);
    this.submitOwn(this.stakers.get(step.peer)!, step.type, step.body, -2);
  }

  /** Validators marked as offenders on the agreed chain (by the first honest peer's view). */
  offenders(): string[] {
    const peer = this.peers.find((p) => p.state && this.honest(p));
    return [...(peer?.state?.chain.governance?.offenders.keys() ?? [])];
  }

  // ---- clients ----

  private clientOf(id: TestIdentity): Client {
    return { id, nonce: 0, sign: this.verifier.signer(id.seed, id.publicKey) };
  }

  private submitNext(c: number): void {
    const client = this.clients[c]!;
    if (client.waiting !== null) return;
    client.nonce++;
    // Every doomedEvery-th transaction of a client fails in execution (a vote by a non-validator):
    // it must be in a block as failed, and the client's next transaction must commit after it.
    // Chosen by nonce, not drawn, so the seed's random stream is what it was.
    // Every transferEvery-th pays 1 token to the next client; a doomed one every other time asks
    // for more than any client can hold (INSUFFICIENT_FUNDS).
    const doomed = client.nonce % doomedEvery === 0;
    const next = testIdentity(`sim client ${(c + 1) % this.clients.length}`).did;
    const broke = doomed && client.nonce % (2 * doomedEvery) === 0 && this.clients.length > 1;
    const [type, body] = broke
      ? ['token.transfer', { to: next, amount: 10 * this.options.clients * clientTokens }]
      : doomed
        ? ['member.vote', { proposal: 'ab'.repeat(32), approve: true }]
        : client.nonce % transferEvery === 0 && this.clients.length > 1
          ? ['token.transfer', { to: next, amount: 1 }]
          : ['data.put', { key: `sensor/${c}`, value: client.nonce }];
    const tx = signedTx(client, {
      chain: this.chain0.chainId,
      type,
      from: client.id.did,
      nonce: client.nonce,
      time: genesisTime + this.now,
      body,
    });
    const txId = txIdOf(tx);
    if (doomed) this.doomed.set(txId, broke ? 'INSUFFICIENT_FUNDS' : 'UNAUTHORIZED');
    client.waiting = txId;
    this.submitted.add(txId);
    this.pending.set(txId, { tx, submittedAt: this.now, client: c });
    this.stats.txsSubmitted++;
    this.resubmit(txId);
  }

  /** Clients send to one live honest peer and retry elsewhere until the transaction commits. */
  private resubmit(txId: string): void {
    const entry = this.pending.get(txId);
    if (!entry) return;
    const live = this.peers.filter((p) => p.state && this.honest(p));
    if (live.length > 0) {
      const peer = this.random.pick(live);
      this.apply(peer, { kind: 'submit', tx: entry.tx, sigOk: true });
    }
    this.at(this.now + 10 * this.options.timeoutMs, () => this.resubmit(txId));
  }

  // ---- network ----

  private connected(a: number, b: number): boolean {
    if (!this.groups) return true;
    return this.groups.some((g) => g.includes(a) && g.includes(b));
  }

  private broadcastFrom(peer: SimPeer, message: ConsensusMessage): void {
    if (peer.strategy) return this.byzantineBroadcast(peer, message);
    const bytes = encodeMessage(message);
    this.noteProposal(message);
    for (const other of this.peers) if (other !== peer) this.transmit(peer, other, bytes);
    this.countBytes(message.type, bytes.length * (this.peers.length - 1));
  }

  private countBytes(type: ConsensusMessage['type'], bytes: number): void {
    this.stats.bytesByType[type] = (this.stats.bytesByType[type] ?? 0) + bytes;
  }

  private sendFrom(peer: SimPeer, to: SimPeer | undefined, message: ConsensusMessage): void {
    if (!to || peer.strategy === 'silent') return;
    const bytes = encodeMessage(message);
    this.transmit(peer, to, bytes);
    if (!peer.strategy) this.countBytes(message.type, bytes.length);
  }

  private noteProposal(message: ConsensusMessage): void {
    if (message.type === 'proposal' && !this.firstProposalAt.has(message.height))
      this.firstProposalAt.set(message.height, this.now);
  }

  private transmit(from: SimPeer, to: SimPeer, bytes: Uint8Array): void {
    this.stats.messages++;
    this.stats.bytes += bytes.length;
    const healed = !this.options.faults || this.now >= this.options.healAtMs;
    const dropRate = healed ? this.options.lossAfterHeal : this.options.dropRate;
    if (!this.connected(from.index, to.index) || this.random.chance(dropRate)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random.chance(healed ? 0 : this.options.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.random.int(this.options.delayMinMs, this.options.delayMaxMs);
      this.at(this.now + delay, () => this.deliver(from, to, bytes));
    }
  }

  private deliver(from: SimPeer, to: SimPeer, bytes: Uint8Array): void {
    if (!to.state || !this.connected(from.index, to.index)) return;
    const message = this.decodeOnce(bytes);
    if (!message) {
      this.stats.garbage++;
      return;
    }
    const sigOk = this.verdictOnce(bytes, message, to.state.chain);
    if (!sigOk) this.stats.badSignatures++;
    this.stats.delivered++;
    this.apply(to, { kind: 'message', from: from.id.did, message, sigOk });
  }

  private decodeOnce(bytes: Uint8Array): ConsensusMessage | null {
    const cached = this.decoded.get(bytes);
    if (cached !== undefined) return cached;
    let message: ConsensusMessage | null = null;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
    }
    this.decoded.set(bytes, message);
    return message;
  }

  private verdictOnce(bytes: Uint8Array, message: ConsensusMessage, chain: ChainState): boolean {
    const cached = this.verdicts.get(bytes);
    if (cached !== undefined) return cached;
    let ok = false;
    try {
      ok = this.verifier.all(messageChecks(message, chain.chainId, chain.validators));
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
    }
    this.verdicts.set(bytes, ok);
    return ok;
  }

  // ---- Byzantine validators ----

  private othersOf(peer: SimPeer): SimPeer[] {
    return this.peers.filter((p) => p !== peer);
  }

  private byzantineBroadcast(peer: SimPeer, message: ConsensusMessage): void {
    for (const [m, to] of byzantineSends(peer, this.othersOf(peer), message, this.random)) {
      const bytes = encodeMessage(m);
      for (const other of to) this.transmit(peer, other, bytes);
    }
  }

  private flood(peer: SimPeer): void {
    this.transmit(peer, this.random.pick(this.othersOf(peer)), floodBytes(this.random));
  }

  // ---- inspection (scenario tests, bench) ----

  heights(): number[] {
    return this.peers.map((p) => p.state?.chain.height ?? -1);
  }

  decidedHeights(): number {
    return this.decided.size;
  }

  pendingTransactions(): number {
    return this.pending.size;
  }

  submitTo(index: number, tx: Tx): void {
    this.submitted.add(txIdOf(tx));
    this.apply(this.peers[index]!, { kind: 'submit', tx, sigOk: true });
  }

  /** A signed transaction's check, as the host would run it. */
  static txSigOk(tx: Tx): boolean {
    return new SignatureVerifier().check({
      publicKey: publicKeyFromDid(tx.from),
      message: txSigningBytes(tx),
      signature: tx.sig,
    });
  }
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'partition':
      return `${fault.at}ms partition ${fault.groups.map((g) => `[${g.join(',')}]`).join(' | ')}`;
    case 'heal':
      return `${fault.at}ms heal`;
    case 'crash':
      return `${fault.at}ms crash ${fault.peer}`;
    case 'restart':
      return `${fault.at}ms restart ${fault.peer}`;
  }
}

/** Run one seed; returns the stats or throws SimFailure. */
export function runSeed(options: SimOptions): SimStats {
  return new Simulation(options).run();
}
