// The real-host simulator (issue 13 item 3): N real PeerHost + Hub instances in one process, on
// virtual time (sim-clock.ts), over the memory link driver (with seeded per-chunk delays and
// partitions) and the memory store (seeded write delays, failures, and crashes between any two
// writes; sim-store.ts). Everything random comes from one seed, so a failing seed replays
// exactly with the command it prints. Checked as in sim.ts: agreement (one block per height
// across peers), validity (every transaction in a block is one a caller wrote, once), durability
// (a restarted peer has every block it reported committed) and liveness (after the heal every
// write is decided within a bound, and every live peer reaches the last write's block); plus:
// every write a caller was told was accepted ends as it must (a good write committed, a doomed
// one in a block as failed with its code), never silently lost, also when its peer crashed
// before it was decided: the restarted peer is asked (waitFor) what became of it.
import { PeerHost } from '../host/peer-host';
import type { ChainRecord } from '../host/host-state';
import { installFastSha256 } from '../host/fast-hash';
import type { Verifier } from '../host/crypto';
import { Hub } from '../net/hub';
import { MemoryBus, MemoryDriver } from '../net/memory-driver';
import type { SignalingChannel } from '../net/signaling';
import { setNetRandomness } from '../net/names';
import { MemoryStorage } from '../store/memory';
import { genesisState, type EngineName, type Genesis } from '../core/ledger';
import { decodeBlock, encodeBlock } from '../core/block';
import { txIdOf } from '../core/tx';
import { BotError } from '../core/errors';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import type { PeerEvent, TxResult } from '../api';
import { waitTimeoutMsMax } from '../core/limits';
import { Random } from './prng';
import { SimClock, type Domain } from './sim-clock';
import { SimStore, type StoreFaults } from './sim-store';
import { SignatureVerifier } from './verify';
import { SimFailure } from './sim';
import { NetStats, type NetReport } from './host-net-stats';

export interface HostSimOptions {
  seed: number;
  peers: number;
  engine: Exclude<EngineName, 'solo'>;
  /** Crashes, partitions and storage faults until healAtMs; after it only link delays. */
  faults: boolean;
  healAtMs: number;
  durationMs: number;
  /** Every accepted write is decided within this many ms after max(acceptance, heal). */
  liveBoundMs: number;
  /** The chain's consensus timeout. */
  timeoutMs: number;
  /** Mean gap between two writes (each to a random live peer). */
  writeGapMs: number;
  /** Every this many writes of a peer's callers, one is doomed (fails in execution). */
  doomedEvery: number;
  delayMinMs: number;
  delayMaxMs: number;
  store: StoreFaults;
  /** A named scenario instead of random writes (host-scenarios.ts). */
  scenario?: string;
  /** The first this many peers validate, the others are members (absent: all validate). */
  validators?: number;
  /** Every peer's linksMax setting (worker/net/overlay.ts); absent: the default. */
  linksMax?: number;
  /**
   * How peers meet: one BroadcastChannel (tabs of one browser: every signal reaches every
   * peer, which passes on over its links those for a neighbour), or a relay (server/signal.mjs:
   * a signal goes to its addressee only). Absent: broadcast. At 100 peers the relay made the
   * run costlier, not cheaper (more link churn; BENCHMARKS.md "the real host toward 1,000").
   */
  signaling?: 'broadcast' | 'relay';
  /** Timers between two real turns of the event loop (sim-clock.ts); the run is the same for any. */
  timersPerTurn?: number;
  /**
   * With faults: besides the seed's own plan, the peers split in two halves (every other index)
   * at this virtual ms until the heal, so a run at scale is sure to have a partition.
   */
  partitionAtMs?: number;
}

export function hostDefaults(
  seed: number,
  overrides: Partial<HostSimOptions> = {},
): HostSimOptions {
  return {
    seed,
    peers: 4,
    engine: 'bft',
    faults: true,
    healAtMs: 3000,
    durationMs: 10_000,
    // Writes go on until durationMs - liveBoundMs (4 s). The bound was 16 s while a peer that
    // restarted twice within 2 s relinked only at its next announce (10 s; seed 746 took 9.2 s
    // after the heal); with the per-session rate limit (dialer.ts) 6 s holds. A seed ends early
    // once everything is decided.
    liveBoundMs: 6_000,
    timeoutMs: 300,
    writeGapMs: 200,
    doomedEvery: 6,
    delayMinMs: 1,
    delayMaxMs: 30,
    store: { writeDelayMaxMs: 8, failRate: 0.01, crashRate: 0.002 },
    ...overrides,
  };
}

/** Mixed sizes and engines by seed (like mix.ts). */
export function hostMixed(seed: number, overrides: Partial<HostSimOptions> = {}): HostSimOptions {
  const r = new Random(seed ^ 0x5eed);
  return hostDefaults(seed, {
    peers: r.pick([4, 4, 5, 7]),
    engine: r.pick(['bft', 'bft', 'poa'] as const),
    faults: r.chance(0.85),
    ...overrides,
  });
}

export function replayCommand(o: HostSimOptions): string {
  const scenario = o.scenario ? ` --scenario ${o.scenario}` : '';
  const overlay = `${o.validators === undefined ? '' : ` --validators ${o.validators}`}${o.linksMax === undefined ? '' : ` --links-max ${o.linksMax}`}`;
  const signaling = o.signaling ? ` --signaling ${o.signaling}` : '';
  const partition = o.partitionAtMs === undefined ? '' : ` --partition-ms ${o.partitionAtMs}`;
  return `npm run sim -- --host --seed ${o.seed} --peers ${o.peers} --engine ${o.engine} --faults ${o.faults ? 1 : 0}${overlay}${signaling}${partition}${scenario}`;
}

const genesisTime = 1_700_000_000_000;
const deadError = 'The peer stopped';

interface Incarnation {
  /** 1 for the first start of a peer, 2 after its first restart, ... */
  number: number;
  domain: Domain;
  host: PeerHost;
  hub: Hub;
  driver: MemoryDriver;
  store: SimStore;
  channels: SignalingChannel[];
  ready: boolean;
  /** Writes this incarnation's callers issued so far (picks the doomed ones). */
  writes: number;
  /** The results this incarnation announced (tx events), by id. */
  results: Map<string, TxResult>;
}

export interface SimHostPeer {
  index: number;
  seed: Uint8Array;
  did: string;
  durable: MemoryStorage;
  live: Incarnation | null;
  incarnations: number;
  /** Highest height this peer reported committed (a block event), across incarnations. */
  committedHeight: number;
  restartAt: number | null;
  /** Bytes its crashed incarnations sent and received. */
  bytes: number;
}

/** A write a caller was told was accepted: what it must end as. */
interface Accepted {
  txId: string;
  peer: number;
  incarnation: Incarnation;
  at: number;
  /** null: must take effect; a code: must be in a block as failed with it. */
  expect: string | null;
  result: TxResult | null;
}

export interface HostSimStats {
  heights: number;
  writesAccepted: number;
  writesCommitted: number;
  writesFailedAsExpected: number;
  writesOrphaned: number;
  refusedAtOnce: number;
  /** Writes accepted by an incarnation that crashed before they were decided (each still checked). */
  writesOfCrashedPeers: number;
  crashes: number;
  /** Partitions started (each later healed). */
  partitions: number;
  storeFailures: number;
  timersFired: number;
  endMs: number;
  /** Gossip hops, duplicates and bandwidth (host-net-stats.ts), after the heal. */
  net: NetReport | null;
}

export class HostSimulation {
  readonly random: Random;
  readonly clock: SimClock;
  readonly peers: SimHostPeer[];
  readonly record: ChainRecord;
  readonly trace: string[] = [];
  private readonly bus: MemoryBus;
  private readonly relay: boolean;
  private readonly verifier = new SignatureVerifier();
  private readonly simVerifier: Verifier;
  private readonly byDriver = new Map<string, number>();
  private groups: number[][] | null = null;
  private readonly decided = new Map<number, string>();
  readonly accepted = new Map<string, Accepted>();
  private failure: string | null = null;
  private nextCheckAt = 0;
  /** The run may end early: see checkWrites. */
  private settled = false;
  private writesStopAt: number;
  readonly stats: HostSimStats = {
    heights: 0,
    writesAccepted: 0,
    writesCommitted: 0,
    writesFailedAsExpected: 0,
    writesOrphaned: 0,
    refusedAtOnce: 0,
    writesOfCrashedPeers: 0,
    crashes: 0,
    partitions: 0,
    storeFailures: 0,
    timersFired: 0,
    endMs: 0,
    net: null,
  };
  readonly net: NetStats;

  constructor(readonly options: HostSimOptions) {
    this.random = new Random(options.seed);
    this.clock = new SimClock(genesisTime, options.timersPerTurn);
    const relay = options.signaling === 'relay';
    this.bus = new MemoryBus(false, this.clock, relay);
    this.relay = relay;
    this.net = new NetStats(
      () => this.peers.filter((p) => p.live).length,
      () => this.elapsed,
    );
    const verifier = this.verifier;
    this.simVerifier = {
      backend: 'noble',
      verifyBatch: async (checks) => checks.map((c) => verifier.check(c)),
    };
    this.peers = Array.from({ length: options.peers }, (_, index) => {
      const seed = this.random.bytes(32);
      return {
        index,
        seed,
        did: didFromPublicKey(publicKeyFromSeed(seed)),
        durable: new MemoryStorage(),
        live: null,
        incarnations: 0,
        committedHeight: 0,
        restartAt: null,
        bytes: 0,
      };
    });
    const genesis: Genesis = {
      name: 'hostsim',
      mode: 'public',
      consensus: {
        engine: options.engine,
        timeoutMs: options.timeoutMs,
        emptyBlockIntervalMs: 20 * options.timeoutMs,
      },
      validators: this.peers
        .slice(0, options.validators ?? options.peers)
        .map((p) => ({ did: p.did, power: 1 })),
      time: genesisTime,
      salt: `hostsim ${options.seed}`,
    };
    this.record = { chainId: genesisState(genesis).state.chainId, genesis };
    this.writesStopAt = genesisTime + options.durationMs - options.liveBoundMs;
  }

  private get elapsed(): number {
    return this.clock.now() - genesisTime;
  }

  /** Virtual ms since the genesis (the run's start). */
  get elapsedMs(): number {
    return this.elapsed;
  }

  /** Set by the relink scenarios: virtual ms until the peer was linked to every other peer again. */
  relinkMs: number | null = null;
  /** A scenario still watching for something: the run does not end early meanwhile. */
  watching = 0;

  private healed(): boolean {
    return !this.options.faults || this.elapsed >= this.options.healAtMs;
  }

  fail(message: string): void {
    this.failure ??= message;
  }

  // ---- peers: start, crash, restart ----

  private async prepare(): Promise<void> {
    await installFastSha256();
    const { state, block, writes } = genesisState(this.record.genesis);
    for (const peer of this.peers) {
      await peer.durable.commitBlock({
        chainId: state.chainId,
        height: 0,
        block: encodeBlock(block),
        writes,
        txIds: [],
      });
      await peer.durable.putMeta('chains', [this.record]);
      await peer.durable.putMeta('identity.seed', peer.seed);
      await peer.durable.putMeta('chain.active', this.record);
      if (this.options.linksMax !== undefined)
        await peer.durable.putMeta('settings', {
          relays: [],
          iceServers: [],
          linksMax: this.options.linksMax,
        });
    }
  }

  private start(peer: SimHostPeer): void {
    const n = ++peer.incarnations;
    const domain: Domain = { alive: true, name: `peer ${peer.index}#${n}` };
    const clock = this.clock.view(domain);
    const driver = new MemoryDriver({
      clock,
      delayMs: () => this.random.int(this.options.delayMinMs, this.options.delayMaxMs),
      reachable: (from, to) => this.connected(this.byDriver.get(from), this.byDriver.get(to)),
    });
    this.byDriver.set(driver.id, peer.index);
    const channels: SignalingChannel[] = [];
    const hub = new Hub({
      driver,
      clock,
      WebSocket: null,
      broadcastChannel: false,
      defaultRelay: null,
      observeGossip: (id, hops, duplicate) =>
        domain.alive && this.net.onGossip(id, hops, duplicate),
      extraSignaling: (onText) => {
        const channel = this.bus.channel(
          (text, c) => domain.alive && onText(text, c),
          this.relay ? peer.did : undefined,
        );
        channels.push(channel);
        return [channel];
      },
    });
    const store = new SimStore(
      peer.durable,
      domain,
      clock,
      this.random,
      () => this.storeFaults(),
      () => this.clock.setTimeout(() => this.crashIf(peer, live), 0),
    );
    const signer = this.verifier;
    const host = new PeerHost({
      storage: store,
      storageKind: 'memory',
      verifier: this.simVerifier,
      now: () => Math.floor(clock.now()),
      clock,
      signerFor: async (seed) => {
        const publicKey = publicKeyFromSeed(seed);
        const sign = signer.signer(seed, publicKey);
        return { publicKey, sign: async (message) => sign(message) };
      },
      voteSignerFor: (seed) => signer.signer(seed, publicKeyFromSeed(seed)),
      randomBytes: (length) => this.random.bytes(length),
      emit: (event) => domain.alive && this.onEvent(peer, live, event),
      net: hub,
      contractRuntime: null,
    });
    const live: Incarnation = {
      number: n,
      domain,
      host,
      hub,
      driver,
      store,
      channels,
      ready: false,
      writes: 0,
      results: new Map(),
    };
    peer.live = live;
    host.ready().then(
      (status) => {
        if (!domain.alive) return;
        live.ready = true;
        this.askAfterRestart(peer, live);
        if (status.height < peer.committedHeight)
          this.fail(
            `durability: peer ${peer.index} restarted at height ${status.height}, below the ${peer.committedHeight} it reported committed`,
          );
      },
      (error) => domain.alive && this.fail(`peer ${peer.index} did not start: ${error}`),
    );
  }

  private crashIf(peer: SimHostPeer, incarnation: Incarnation): void {
    if (peer.live !== incarnation || this.healed()) return;
    this.crash(peer, this.random.int(100, 1500));
  }

  /** The peer's process dies now: no more timers, links vanish, writes in flight land or not. */
  crash(peer: SimHostPeer, restartAfterMs: number): void {
    const live = peer.live;
    if (!live) return;
    this.trace.push(`${this.elapsed}ms crash ${peer.index}`);
    this.stats.crashes++;
    for (const write of this.accepted.values())
      if (write.incarnation === live && write.result === null) this.stats.writesOfCrashedPeers++;
    live.domain.alive = false;
    this.stats.storeFailures += live.store.failures;
    peer.bytes += live.driver.bytesSent + live.driver.bytesReceived;
    for (const channel of live.channels) channel.close();
    live.driver.vanish();
    void live.store.crash();
    peer.live = null;
    peer.restartAt = this.clock.now() + restartAfterMs;
    this.clock.setTimeout(() => this.restart(peer), restartAfterMs);
  }

  private restart(peer: SimHostPeer): void {
    if (peer.live) return;
    this.trace.push(`${this.elapsed}ms restart ${peer.index}`);
    peer.restartAt = null;
    this.start(peer);
  }

  private storeFaults(): StoreFaults {
    const s = this.options.store;
    if (this.healed()) return { writeDelayMaxMs: s.writeDelayMaxMs, failRate: 0, crashRate: 0 };
    return s;
  }

  private connected(a: number | undefined, b: number | undefined): boolean {
    if (a === undefined || b === undefined || !this.groups) return true;
    return this.groups.some((g) => g.includes(a) && g.includes(b));
  }

  partition(groups: number[][] | null): void {
    this.trace.push(
      `${this.elapsed}ms ${groups ? `partition ${groups.map((g) => `[${g}]`).join(' | ')}` : 'heal'}`,
    );
    this.groups = groups;
    if (groups) this.stats.partitions++;
    for (const peer of this.peers) peer.live?.driver.cutUnreachable();
  }

  private planFaults(): void {
    const { healAtMs, peers: n } = this.options;
    let t = this.random.int(300, 1000);
    while (t < healAtMs - 500) {
      const kind = this.random.pick(['partition', 'crash', 'crash', 'none'] as const);
      const length = this.random.int(300, 2000);
      const end = Math.min(t + length, healAtMs - 200);
      if (kind === 'partition') {
        const order = this.random.shuffle(Array.from({ length: n }, (_, i) => i));
        const cut = this.random.int(1, n - 1);
        const groups = [order.slice(0, cut), order.slice(cut)];
        this.at(t, () => this.partition(groups));
        this.at(end, () => this.partition(null));
      } else if (kind === 'crash') {
        const index = this.random.int(0, n - 1);
        const downMs = end - t;
        this.at(t, () => this.crash(this.peers[index]!, downMs));
      }
      t += this.random.int(200, 1200);
    }
    const at = this.options.partitionAtMs;
    if (at !== undefined && at < healAtMs) {
      const halves = [0, 1].map((half) =>
        Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === half),
      );
      this.at(at, () => this.partition(halves));
    }
    this.at(healAtMs, () => this.partition(null));
  }

  /** Run `run` at `elapsedMs` of virtual time. */
  at(elapsedMs: number, run: () => void): void {
    this.clock.setTimeout(run, genesisTime + elapsedMs - this.clock.now());
  }

  // ---- events and checks ----

  private onEvent(peer: SimHostPeer, live: Incarnation, event: PeerEvent): void {
    if (event.type === 'block') {
      peer.committedHeight = Math.max(peer.committedHeight, event.height);
      const agreed = this.decided.get(event.height);
      if (agreed === undefined) {
        this.decided.set(event.height, event.hash);
        this.stats.heights++;
      } else if (agreed !== event.hash)
        this.fail(
          `agreement: peer ${peer.index} committed ${event.hash.slice(0, 12)} at height ${event.height}, another peer ${agreed.slice(0, 12)}`,
        );
    } else if (event.type === 'tx') {
      // Kept per incarnation: a refusal at once (a reused nonce) comes before submit resolves.
      if (live.results.get(event.txId)?.status !== 'committed')
        live.results.set(event.txId, event.result);
      const write = this.accepted.get(event.txId);
      if (write && this.answers(write, peer, live) && write.result?.status !== 'committed')
        write.result = event.result;
    } else if (event.type === 'log' && event.entry.message.startsWith(deadError)) {
      // A failed write stopped the peer (as it must): its process is restarted.
      this.trace.push(`${this.elapsed}ms peer ${peer.index}: ${event.entry.message}`);
      this.clock.setTimeout(() => {
        if (peer.live === live) this.crash(peer, this.random.int(50, 500));
      }, 0);
    }
  }

  /** Whether `live` (an incarnation of `peer`) speaks for the write: its own, or its crashed predecessors'. */
  private answers(write: Accepted, peer: SimHostPeer, live: Incarnation): boolean {
    return (
      write.incarnation === live ||
      (write.peer === peer.index && !write.incarnation.domain.alive && live.domain.alive)
    );
  }

  /**
   * The callers of a crashed incarnation ask the restarted peer what became of their accepted
   * writes (as a page reloaded after a crash would, with waitFor): each must still end as it
   * must (the outbox resubmits it, or it committed meanwhile).
   */
  private askAfterRestart(peer: SimHostPeer, live: Incarnation): void {
    for (const write of this.accepted.values()) {
      if (write.peer !== peer.index || write.incarnation === live || write.result !== null)
        continue;
      live.host.waitFor(write.txId, { timeoutMs: waitTimeoutMsMax }).then(
        (result) => {
          if (live.domain.alive && write.result?.status !== 'committed') write.result = result;
        },
        () => undefined, // not decided in time: the liveness check says so
      );
    }
  }

  /** A caller writes through a random live peer; told accepted once submit resolves. */
  private write(): void {
    if (this.clock.now() < this.writesStopAt)
      this.clock.setTimeout(() => this.write(), this.random.int(1, 2 * this.options.writeGapMs));
    const live = this.peers.filter((p) => p.live?.ready);
    if (live.length === 0) return;
    const peer = this.random.pick(live);
    this.submit(peer, this.nextWrite(peer));
  }

  private nextWrite(peer: SimHostPeer): { type: string; body: unknown; expect: string | null } {
    const live = peer.live!;
    live.writes++;
    // A vote on a proposal that does not exist: in a block as failed, with its nonce used.
    if (live.writes % this.options.doomedEvery === 0)
      return {
        type: 'member.vote',
        body: { proposal: 'ab'.repeat(32), approve: true },
        expect: 'NOT_FOUND',
      };
    return {
      type: 'data.put',
      body: { key: `sensor/${peer.index}`, value: live.writes },
      expect: null,
    };
  }

  submit(
    peer: SimHostPeer,
    request: { type: string; body: unknown; expect: string | null },
  ): Promise<string | null> {
    const live = peer.live!;
    return live.host.submit({ type: request.type, body: request.body }).then(
      ({ txId }) => {
        if (!live.domain.alive) return null;
        this.stats.writesAccepted++;
        const write: Accepted = {
          txId,
          peer: peer.index,
          incarnation: live,
          at: this.clock.now(),
          expect: request.expect,
          result: live.results.get(txId) ?? null,
        };
        this.accepted.set(txId, write);
        return txId;
      },
      (error) => {
        if (!(error instanceof BotError)) this.fail(`submit threw a non-BotError: ${error}`);
        this.stats.refusedAtOnce++;
        return null;
      },
    );
  }

  /** What each decided write ended as, and the liveness bound of each undecided one. */
  private checkWrites(final: boolean): void {
    // Every 50 ms of virtual time is enough for a bound in seconds (and far cheaper).
    if (!final && this.clock.now() < this.nextCheckAt) return;
    this.nextCheckAt = this.clock.now() + 50;
    const heal = genesisTime + (this.options.faults ? this.options.healAtMs : 0);
    let undecided = 0;
    let lastHeight = 0;
    for (const write of this.accepted.values()) {
      if (write.result?.height !== undefined)
        lastHeight = Math.max(lastHeight, write.result.height);
      if (write.result === null) undecided++;
    }
    // Nothing left to happen: writes are over, all decided, every peer up and at the last one.
    this.settled =
      !final &&
      this.watching === 0 &&
      this.clock.now() >= this.writesStopAt &&
      undecided === 0 &&
      this.peers.every((p) => p.live?.ready && p.committedHeight >= lastHeight);
    for (const write of this.accepted.values()) {
      if (write.result === null) {
        const deadline = Math.max(write.at, heal) + this.options.liveBoundMs;
        if (this.clock.now() > deadline || final)
          this.fail(
            `liveness: write ${write.txId.slice(0, 12)} accepted by peer ${write.peer} at ${write.at - genesisTime}ms was not decided by ${deadline - genesisTime}ms`,
          );
        continue;
      }
      const code = write.result.error?.code ?? null;
      const ok =
        write.result.status === 'committed'
          ? write.expect === null
          : code === 'MEMPOOL_FULL' ||
            (write.expect !== null && code === write.expect && write.result.height !== undefined);
      if (!ok)
        this.fail(
          `lost write: ${write.txId.slice(0, 12)} accepted by peer ${write.peer} ended ${write.result.status}${code ? ` ${code}: ${write.result.error?.message}` : ''}; expected ${write.expect ? `to fail in a block with ${write.expect}` : 'to commit'}`,
        );
    }
  }

  /** The overlay: no peer holds more than linksMax links beside those between two validators. */
  private checkLinks(): void {
    const { linksMax } = this.options;
    if (linksMax === undefined) return;
    const validators = new Set(this.record.genesis.validators.map((v) => v.did));
    for (const peer of this.peers) {
      const dids =
        peer.live?.hub
          .view()
          .neighbours.filter((n) => n.state === 'open' && !n.ring)
          .map((n) => n.did) ?? [];
      const counted = dids.filter((did) => !(validators.has(did) && validators.has(peer.did)));
      if (counted.length > linksMax)
        this.fail(
          `overlay: peer ${peer.index} holds ${counted.length} links, past linksMax ${linksMax}`,
        );
    }
  }

  /** At the end: every live peer holds the same blocks, each transaction one a caller wrote, once. */
  private async checkChains(): Promise<void> {
    const chainId = this.record.chainId;
    let lastWriteHeight = 0;
    for (const write of this.accepted.values())
      if (write.result?.height !== undefined)
        lastWriteHeight = Math.max(lastWriteHeight, write.result.height);
    this.checkLinks();
    for (const peer of this.peers) {
      const head = await peer.durable.headHeight(chainId);
      if (peer.live && head < lastWriteHeight)
        this.fail(
          `liveness: peer ${peer.index} is at height ${head}, behind the last write's block ${lastWriteHeight}`,
        );
      const seen = new Set<string>();
      for (let h = 1; h <= head; h++) {
        const bytes = await peer.durable.getBlock(chainId, h);
        if (!bytes) {
          this.fail(`durability: peer ${peer.index} has no block ${h} below its head ${head}`);
          break;
        }
        const block = decodeBlock(bytes);
        for (const tx of block.txs) {
          const txId = txIdOf(tx);
          if (seen.has(txId)) this.fail(`validity: ${txId.slice(0, 12)} is in the chain twice`);
          seen.add(txId);
          if (
            !this.peers.some((p) => p.did === tx.from) ||
            !['data.put', 'member.vote'].includes(tx.type)
          )
            this.fail(`validity: block ${h} holds a ${tx.type} nobody wrote`);
        }
      }
    }
  }

  // ---- running ----

  /** Run the seed; `script` (a named scenario) schedules its own writes instead of random ones. */
  async run(script?: (sim: HostSimulation) => void): Promise<HostSimStats> {
    setNetRandomness((length) => this.random.bytes(length));
    try {
      await this.prepare();
      for (const peer of this.peers) this.start(peer);
      if (this.options.faults) this.planFaults();
      if (script) script(this);
      else this.at(this.random.int(200, 600), () => this.write());
      const end = genesisTime + this.options.durationMs;
      await this.clock.run(
        end,
        () => this.checkWrites(false),
        () => this.failure !== null || this.settled,
      );
      if (this.failure === null) this.checkWrites(true);
      if (this.failure === null) await this.checkChains();
      this.finishStats();
      if (this.failure !== null) throw this.failed(this.failure);
      return this.stats;
    } finally {
      // Let the run go: no timer of it fires again, and the drivers leave the memory driver's
      // registry (a soak runs thousands of seeds in one process).
      for (const peer of this.peers) {
        if (!peer.live) continue;
        peer.live.domain.alive = false;
        for (const channel of peer.live.channels) channel.close();
        peer.live.driver.vanish();
      }
      setNetRandomness(null);
    }
  }

  /** The agreed chain so far, one hash per decided height (a run's fingerprint). */
  decidedHashes(): string[] {
    return [...this.decided.entries()].sort((a, b) => a[0] - b[0]).map(([, hash]) => hash);
  }

  private finishStats(): void {
    for (const peer of this.peers) this.stats.storeFailures += peer.live?.store.failures ?? 0;
    this.stats.endMs = this.elapsed;
    this.stats.timersFired = this.clock.fired;
    const bytes = this.peers.map(
      (p) => p.bytes + (p.live ? p.live.driver.bytesSent + p.live.driver.bytesReceived : 0),
    );
    const validators = this.options.validators ?? this.options.peers;
    this.stats.net = this.net.report(
      this.options.faults ? this.options.healAtMs : 0,
      this.elapsed - 500,
      bytes,
      Math.max(1, this.elapsed) / 1000,
      (i) => i < validators,
    );
    for (const write of this.accepted.values()) {
      if (write.result === null) this.stats.writesOrphaned++;
      if (write.result === null) continue;
      if (write.result.status === 'committed' && write.expect === null)
        this.stats.writesCommitted++;
      else if (write.expect !== null) this.stats.writesFailedAsExpected++;
    }
  }

  failed(message: string): SimFailure {
    const heights = this.peers
      .map(
        (p) =>
          `${p.index}:${p.live ? `h${p.committedHeight}/${p.live.hub.view().neighbours.filter((n) => n.state === 'open').length}l` : 'down'}`,
      )
      .join(' ');
    return new SimFailure(
      `${message}\n  at ${this.elapsed}ms; replay: ${replayCommand(this.options)}\n  peers: ${heights}\n  trace: ${this.trace.slice(-12).join('; ') || 'none'}`,
    );
  }
}

/** Run one seed of the real-host simulation; resolves with its stats or rejects with SimFailure. */
export function runHostSeed(options: HostSimOptions): Promise<HostSimStats> {
  return new HostSimulation(options).run();
}
