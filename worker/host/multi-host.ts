// Several chains per peer (issue 18): one PeerHost per chain, all running at once. The first
// slot is the peer's own host (its store, identity, settings; it runs the chain it ran before and
// switches among the chains its store holds, as a single-chain peer does). Every chain created or
// joined since runs in a host of its own: its own storage namespace (an IndexedDB database, a
// LevelDB directory, a memory store) and its own network (a mesh room named by its chain id),
// with the first slot's identity. At most chainsActiveMax run; one more is QUOTA.
//
// Calls go to the active chain unless they name one (the dispatcher's `chain` option,
// chain-scope.ts); peer-wide methods (identity, settings, chains, create, join, switch, reset)
// are answered here. Events carry the chain they are about. `chainHost(chainId)` gives the
// per-chain host to whatever else needs one chain of this peer (docs/ARCHITECTURE.md).
import { botError } from '../core/errors';
import { chainIdOf } from '../core/ledger';
import { chainsActiveMax } from '../core/limits';
import type { BlobStore } from '../data/blob-store';
import type { PeerNet } from '../net/types';
import type { Storage } from '../store/storage';
import {
  methodNames,
  type ChainSummary,
  type CreateChainRequest,
  type PeerEvent,
  type PeerMethods,
  type Settings,
  type Status,
} from '../api';
import type { ChainRecord, HostOptions } from './host-state';
import { PeerHost } from './peer-host';
import { peerLevelMethods } from './chain-scope';
import { clockOf } from './host-state';
import { LocalRelays } from './xchain-local';
import type { LightUpdateLog } from './xchain';
import type { LeaveChainOptions, LeftChain } from '../api-chains';
import type { JoinOptions } from '../api';
import { LightHost } from './light-host';

/** Where one more chain of this peer keeps its data and meets its peers. */
export interface ChainSlot {
  storage: Storage;
  /** Its own network (a room of its own); none: it runs alone (tests, solo chains). */
  net?: PeerNet;
  blobs?: BlobStore;
  /** Close what open() opened (after the chain's host stopped). */
  close?(): Promise<void> | void;
}

export interface MultiHostOptions {
  /** The first slot's host options: the peer's own store, identity, network and event sink. */
  host: HostOptions;
  /** Open (or create) the storage namespace and network of another chain of this peer. */
  openChain(chainId: string): Promise<ChainSlot>;
  /** How often the relay between this peer's own linked chains looks (./xchain-local.ts). */
  relayIntervalMs?: number;
  /** false: that relay looks only on its interval, not also when a chain commits a block (benchmarks). */
  relayOnCommit?: boolean;
}

/** Meta keys in the first slot's store: the other chains this peer runs, the active one, and those it left keeping their data. */
const extrasKey = 'multichain.chains';
const activeKey = 'multichain.active';
const leftKey = 'multichain.left';

interface Extra {
  host: PeerHost;
  slot: ChainSlot;
  record: ChainRecord;
}

/** A chain this peer follows as a light peer (light-host.ts), in a slot of its own. */
interface Light {
  host: LightHost;
  slot: ChainSlot;
}

export interface MultiHost extends PeerMethods {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the PeerMethods are assigned in the constructor, one forwarder each
export class MultiHost {
  /** The first slot: the peer's own host. */
  readonly primary: PeerHost;
  private readonly extras = new Map<string, Extra>();
  /** Chains followed as a light peer (joined with { light: true }). */
  private readonly lights = new Map<string, Light>();
  /** The chain calls go to when they name none; null: the first slot's chain. */
  private active: string | null = null;
  private started: Promise<Status> | null = null;
  /** Chains that could not be started (their store failed to open), and why. */
  private readonly relayOnCommit: boolean = true;
  private readonly failedChains = new Map<string, { record: ChainRecord; reason: string }>();
  /** Chains this peer left keeping their data (leaveChain): useChain or join runs them again. */
  private readonly left = new Map<string, { record: ChainRecord; height: number }>();
  /** The light-client material of a left chain's host, while this process runs (HostOptions.lightUpdates). */
  private readonly keptUpdates = new Map<string, LightUpdateLog>();
  /** Carries cross-chain operations between two chains this peer runs that link each other. */
  readonly relays: LocalRelays;

  constructor(private readonly o: MultiHostOptions) {
    this.primary = new PeerHost({ ...o.host, emit: (event) => this.emitFrom(this.primary, event) });
    if (o.relayOnCommit === false) this.relayOnCommit = false;
    this.relays = new LocalRelays({
      hosts: () =>
        this.runningChainIds()
          .filter((id) => !this.lights.has(id))
          .map((id) => [id, this.chainHost(id)]),
      clock: clockOf(o.host),
      intervalMs: o.relayIntervalMs,
    });
    const self = this as unknown as Record<string, unknown>;
    for (const name of methodNames) {
      if (name in MultiHost.prototype) continue; // answered here (peer-wide)
      if (peerLevelMethods.has(name)) {
        const f = this.primary[name] as (...a: unknown[]) => unknown;
        self[name] = (...args: unknown[]) => f.apply(this.primary, args);
      } else {
        self[name] = async (...args: unknown[]) => {
          await this.ready();
          const host = this.chainHost();
          return (host[name] as (...a: unknown[]) => unknown).apply(host, args);
        };
      }
    }
  }

  // ---- start-up and stop ----------------------------------------------------------------

  ready(): Promise<Status> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Status> {
    await this.primary.ready();
    const { storage } = this.o.host;
    const records = (await storage.getMeta<ChainRecord[]>(extrasKey)) ?? [];
    for (const record of records.slice(0, chainsActiveMax - 1)) {
      if (record.chainId === this.primary.currentChainId()) continue;
      try {
        if (record.light) await this.startLight(record);
        else await this.startExtra(record);
      } catch (error) {
        // One chain whose store cannot be opened does not keep the others from running.
        const reason = (error as Error).message;
        this.failedChains.set(record.chainId, { record, reason });
        this.primary.note('error', `Chain ${record.genesis.name} could not start: ${reason}`);
      }
    }
    for (const left of (await storage.getMeta<Array<{ record: ChainRecord; height: number }>>(
      leftKey,
    )) ?? [])
      if (!this.extras.has(left.record.chainId)) this.left.set(left.record.chainId, left);
    const active = await storage.getMeta<string>(activeKey);
    this.active = active && (this.extras.has(active) || this.lights.has(active)) ? active : null;
    this.emitActive();
    this.relays.start();
    return this.chainHost().status();
  }

  /** Stop every chain's host; resolves once their queued work is done and their slots closed. */
  async stop(): Promise<void> {
    this.relays.stop();
    await Promise.all([
      this.primary.stop(),
      ...[...this.lights.values()].map(async (l) => {
        await l.host.stop();
        await l.slot.close?.();
      }),
      ...[...this.extras.values()].map(async (e) => {
        await e.host.stop();
        await e.slot.close?.();
      }),
    ]);
  }

  // ---- the per-chain hosts ---------------------------------------------------------------

  /**
   * The host of one chain this peer runs (default: the active one). NOT_FOUND when it runs no
   * such chain (a held chain that does not run is made active with useChain first).
   */
  chainHost(chainId?: string): PeerHost {
    const light = this.lights.get(chainId ?? this.active ?? '');
    // A light chain answers what it can and refuses the rest plainly (light-host.ts lightOnly).
    if (light) return light.host.asMethods() as unknown as PeerHost;
    if (chainId === undefined)
      return this.active ? this.extras.get(this.active)!.host : this.primary;
    if (chainId === this.primary.currentChainId()) return this.primary;
    const extra = this.extras.get(chainId);
    if (extra) return extra.host;
    const failed = this.failedChains.get(chainId);
    if (failed)
      throw botError(
        'NOT_READY',
        `Chain ${failed.record.genesis.name} (${chainId}) is not running: ${failed.reason}`,
      );
    throw botError(
      'NOT_FOUND',
      `This peer runs no chain ${String(chainId)} (it runs ${this.runningChainIds().join(', ')}).`,
    );
  }

  /** The chain ids this peer runs now: the first slot's, then the others in the order they started. */
  runningChainIds(): string[] {
    const first = this.primary.currentChainId();
    return [...(first ? [first] : []), ...this.extras.keys(), ...this.lights.keys()];
  }

  /** The active chain's id (what calls naming no chain run on). */
  activeChainId(): string | null {
    return this.active ?? this.primary.currentChainId();
  }

  private async startExtra(record: ChainRecord): Promise<PeerHost> {
    const slot = await this.o.openChain(record.chainId);
    // Settings (relays, STUN/TURN, quotas) are the peer's: a new namespace starts with the first slot's.
    if ((await slot.storage.getMeta<Settings>('settings')) === undefined)
      await slot.storage.putMeta('settings', await this.primary.settings());
    const host: PeerHost = new PeerHost({
      ...this.o.host,
      storage: slot.storage,
      net: slot.net,
      blobs: slot.blobs,
      identitySeed: this.primary.seedForChainHosts(),
      startChain: record,
      emit: (event) => this.emitFrom(host, event),
      lightUpdates: this.keptUpdates.get(record.chainId),
    });
    this.extras.set(record.chainId, { host, slot, record });
    try {
      await host.ready();
    } catch (error) {
      this.extras.delete(record.chainId);
      await host.stop().catch(() => undefined);
      await slot.close?.();
      throw error;
    }
    this.keptUpdates.delete(record.chainId);
    if (this.left.delete(record.chainId)) await this.saveLeft();
    return host;
  }

  /** Follow a chain as a light peer in a slot of its own (light-host.ts). */
  private async startLight(record: ChainRecord): Promise<LightHost> {
    const slot = await this.o.openChain(record.chainId);
    const host = new LightHost({
      record: { ...record, light: true },
      storage: slot.storage,
      net: slot.net,
      seed: this.primary.seedForChainHosts(),
      clock: clockOf(this.o.host),
      now: this.o.host.now,
      emit: (event) => this.o.host.emit({ ...event, chain: record.chainId }),
      settings: () => this.primary.settings(),
      defaultRelays: this.o.host.defaultRelays,
      randomBytes: this.o.host.randomBytes,
      ...(this.o.host.secretBox ? { secretBox: this.o.host.secretBox } : {}),
    });
    this.lights.set(record.chainId, { host, slot });
    try {
      await host.ready();
    } catch (error) {
      this.lights.delete(record.chainId);
      await host.stop().catch(() => undefined);
      await slot.close?.();
      throw error;
    }
    return host;
  }

  private async saveExtras(): Promise<void> {
    const records = [...this.extras.values()].map((e) => e.record);
    for (const { host } of this.lights.values()) records.push(host.record);
    for (const { record } of this.failedChains.values()) records.push(record);
    await this.o.host.storage.putMeta(extrasKey, records);
  }

  private async saveLeft(): Promise<void> {
    await this.o.host.storage.putMeta(leftKey, [...this.left.values()]);
  }

  private async setActive(chainId: string | null): Promise<void> {
    this.active =
      chainId !== null && (this.extras.has(chainId) || this.lights.has(chainId)) ? chainId : null;
    await this.o.host.storage.putMeta(activeKey, this.active ?? '');
    this.emitActive();
  }

  private checkRoom(): void {
    const running = this.extras.size + this.lights.size + 1 + this.failedChains.size;
    if (running >= chainsActiveMax)
      throw botError(
        'QUOTA',
        `This peer runs ${running} chains, the most it runs at once (chainsActiveMax = ${chainsActiveMax}).`,
      );
  }

  // ---- events ----------------------------------------------------------------------------

  /** A host's event, tagged with its chain. Hosts' own 'chain' events are replaced by emitActive. */
  private emitFrom(host: PeerHost, event: PeerEvent): void {
    if (event.type === 'chain') return; // every switch goes through setActive, which tells it
    if (event.type === 'block' && this.relayOnCommit) this.relays.wake();
    const chain = host.currentChainId();
    this.o.host.emit(chain ? { ...event, chain } : event);
  }

  private emitActive(): void {
    const chainId = this.activeChainId();
    if (chainId) this.o.host.emit({ type: 'chain', chainId, chain: chainId });
  }

  // ---- peer-wide methods -----------------------------------------------------------------

  async createChain(request: CreateChainRequest): Promise<{ chainId: string; invite: string }> {
    await this.ready();
    const genesis = this.primary.genesisFor(request);
    const record: ChainRecord = { chainId: chainIdOf(genesis), genesis };
    this.checkRoom();
    const host = await this.startExtra(record);
    await this.saveExtras();
    await this.setActive(record.chainId);
    await host.setUpCreatedChain(request); // the creator's first steps (the ITS trust contract)
    host.note(
      'info',
      `Created chain ${genesis.name} (${record.chainId}, ${genesis.mode}, ${genesis.consensus.engine}, ${genesis.validators.length} validator(s)); it runs beside ${this.runningChainIds().length - 1} other chain(s).`,
    );
    return { chainId: record.chainId, invite: await host.invite() };
  }

  async join(invite: string, options: JoinOptions = {}): Promise<{ chainId: string }> {
    await this.ready();
    const record = await this.primary.joinRecord(invite);
    const { chainId } = record;
    const extra = this.extras.get(chainId);
    const firstHolds = (await this.primary.heldChains()).some((r) => r.chainId === chainId);
    if (this.lights.has(chainId)) {
      if (!options.light)
        throw botError(
          'BAD_REQUEST',
          `This peer follows ${record.genesis.name} as a light peer; leave it on the Chains page first to join it as a full peer.`,
        );
      await this.setActive(chainId);
      return { chainId };
    }
    if (options.light) {
      if (extra || firstHolds || this.left.has(chainId))
        throw botError(
          'BAD_REQUEST',
          `This peer holds ${record.genesis.name} as a full peer already; it cannot follow it as a light peer too.`,
        );
      this.checkRoom();
      const host = await this.startLight({ ...record, light: true });
      await this.saveExtras();
      await this.setActive(chainId);
      host.note(
        'info',
        `Joined chain ${record.genesis.name} (${chainId}) as a light peer: following its headers and certificates from its full peers.`,
      );
      return { chainId };
    }
    if (extra) {
      await extra.host.join(invite); // already running: the invite's token is kept, as before
      await this.setActive(chainId);
      return { chainId };
    }
    if (firstHolds) {
      await this.primary.join(invite); // the first slot's store holds it: it runs there
      await this.setActive(null);
      return { chainId };
    }
    this.checkRoom();
    const host = await this.startExtra(record);
    await this.saveExtras();
    await this.setActive(chainId);
    host.note(
      'info',
      `Joined chain ${record.genesis.name} (${chainId}); syncing from its peers, beside ${this.runningChainIds().length - 1} other chain(s).`,
    );
    return { chainId };
  }

  async useChain(chainId: string): Promise<Status> {
    await this.ready();
    const left = this.left.get(chainId);
    if (left) {
      this.checkRoom();
      const host = await this.startExtra(left.record);
      await this.saveExtras();
      host.note(
        'info',
        `Running chain ${left.record.genesis.name} (${chainId}) again; catching up from its peers.`,
      );
    }
    if (this.extras.has(chainId) || this.lights.has(chainId)) {
      await this.setActive(chainId);
      return this.chainHost().status();
    }
    if (chainId !== this.primary.currentChainId()) {
      const failed = this.failedChains.get(chainId);
      if (failed) this.chainHost(chainId); // throws NOT_READY with the reason
      await this.primary.useChain(chainId); // NOT_FOUND when no store of this peer holds it
    }
    await this.setActive(null);
    return this.primary.status();
  }

  async chains(): Promise<ChainSummary[]> {
    await this.ready();
    const active = this.activeChainId();
    const first = this.primary.currentChainId();
    const out: ChainSummary[] = [];
    for (const c of await this.primary.chains()) {
      if (this.extras.has(c.chainId)) continue;
      const running = c.chainId === first;
      const extra = running ? await liveOf(this.primary) : {};
      out.push({
        ...c,
        ...extra,
        active: c.chainId === active,
        running,
        ...(running ? { first: true } : {}),
      });
    }
    for (const [chainId, e] of this.extras) {
      const [summary] = await e.host.chains();
      out.push({
        ...summary!,
        ...(await liveOf(e.host)),
        active: chainId === active,
        running: true,
      });
    }
    for (const [chainId, l] of this.lights) {
      const [summary] = await l.host.chains();
      out.push({ ...summary!, active: chainId === active, running: true });
    }
    for (const [chainId, { record, height }] of this.left)
      out.push({
        chainId,
        name: record.genesis.name,
        mode: record.genesis.mode,
        consensus: record.genesis.consensus.engine,
        height,
        active: false,
        role: 'member',
        running: false,
        left: true,
      });
    for (const [chainId, { record, reason }] of this.failedChains)
      out.push({
        chainId,
        name: record.genesis.name,
        mode: record.genesis.mode,
        consensus: record.genesis.consensus.engine,
        height: -1,
        active: false,
        role: 'member',
        running: false,
        fault: reason,
      });
    return out;
  }

  /**
   * Stop running a chain beside the first one (api-chains.ts): no call or relay reaches it any
   * more, a relay pass in flight ends first, then its host stops (consensus, sync, its network
   * room) and its slot closes, so its place among chainsActiveMax is free. Kept data: listed as
   * left and run again by useChain or join; else its store is wiped.
   */
  async leaveChain(chainId: string, options: LeaveChainOptions = {}): Promise<LeftChain> {
    await this.ready();
    const keepData = options.keepData ?? true;
    if (chainId === this.primary.currentChainId())
      throw botError(
        'BAD_REQUEST',
        `Chain ${chainId} runs in this peer's first slot (with its identity and settings); it cannot be left. Leave the chains created or joined beside it.`,
      );
    const light = this.lights.get(chainId);
    if (light) {
      // A light chain's store holds only headers it verified: it is wiped, never kept.
      this.lights.delete(chainId);
      if (this.active === chainId) await this.setActive(null);
      await light.host.wipe();
      await light.slot.close?.();
      await this.saveExtras();
      this.primary.note(
        'info',
        `Left chain ${light.host.record.genesis.name} (${chainId}), followed as a light peer; its headers were deleted from this device.`,
      );
      return { chainId, keptData: false };
    }
    const extra = this.extras.get(chainId);
    const failed = this.failedChains.get(chainId);
    const wasLeft = this.left.get(chainId);
    const record = extra?.record ?? failed?.record ?? wasLeft?.record;
    if (!record)
      throw botError(
        'NOT_FOUND',
        `This peer holds no chain ${chainId} beside its first one (it runs ${this.runningChainIds().join(', ')}).`,
      );
    let height = wasLeft?.height ?? -1;
    if (extra) {
      this.extras.delete(chainId); // no call, event or relay pass reaches it from now on
      if (this.active === chainId) await this.setActive(null);
      await this.relays.forget(chainId);
      height = (await extra.host.status()).height;
      const end = await extra.host.xchainEndpoint();
      if (keepData) this.keptUpdates.set(chainId, end.updates);
      await extra.host.stop();
      if (!keepData) await wipeSlot(extra.slot);
      await extra.slot.close?.();
    } else if (!keepData) {
      const slot = await this.o.openChain(chainId); // a failed or left chain's store, to wipe
      await wipeSlot(slot);
      await slot.close?.();
    }
    this.failedChains.delete(chainId);
    this.left.delete(chainId);
    if (keepData) this.left.set(chainId, { record, height });
    else this.keptUpdates.delete(chainId);
    await this.saveExtras();
    await this.saveLeft();
    this.primary.note(
      'info',
      `Left chain ${record.genesis.name} (${chainId}); ${keepData ? 'its data is kept on this device: switch to it to run it again' : 'its data was deleted from this device'}.`,
    );
    return { chainId, keptData: keepData };
  }

  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = await this.primary.setSettings(patch);
    for (const e of this.extras.values()) await e.host.setSettings(patch);
    return next;
  }

  async reset(): Promise<void> {
    this.relays.stop();
    for (const [chainId, e] of [...this.extras]) {
      await e.host.reset();
      await e.slot.close?.();
      this.extras.delete(chainId);
    }
    for (const [chainId, l] of [...this.lights]) {
      await l.host.wipe();
      await l.slot.close?.();
      this.lights.delete(chainId);
    }
    this.failedChains.clear();
    this.left.clear();
    this.keptUpdates.clear();
    this.active = null;
    await this.primary.reset();
    if (this.started) this.relays.start();
  }

  // ---- not API methods: what the worker and the Node peer use ----------------------------

  heightTrace() {
    return this.chainHost().heightTrace();
  }
}

/** Delete a left chain's data from this device: its ledger store and its dataset blobs. */
async function wipeSlot(slot: ChainSlot): Promise<void> {
  await slot.storage.clear();
  if (slot.blobs) for (const id of await slot.blobs.list()) await slot.blobs.delete(id);
}

async function liveOf(host: PeerHost): Promise<Partial<ChainSummary>> {
  const status = await host.status();
  return {
    height: status.height,
    peers: status.peers,
    syncing: status.syncing,
    fault: host.fault(),
  };
}
