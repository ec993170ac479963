// The capability services behind the API: devices (devices-host.ts) and contracts
// (contracts-host.ts), each made on first use once the peer is ready, with one dependency bag;
// and `delegate`, which answers an API method of PeerHost from the service that owns it.
import type { Block } from '../core/block';
import type { MethodName, PeerMethods, Settings, Status } from '../api';
import { DevicesHost } from './devices-host';
import { ContractsHost } from './contracts-host';
import { TokensHost } from './tokens-host';
import { browserOnline, ItsHost } from './its';
import { segmentsTouched } from './its-reads';
import { DatasetsHost } from './datasets';
import { jobsAwaiting } from './datasets-analytics';
import { MarketHost } from './market';
import { StakingHost } from './staking-host';
import { MultisigHost } from './multisig';
import { ValidationHost } from './validation';
import { ServicesHost, httpServiceFetch } from './services';
import { TraceHost, httpDocumentFetcher, type DocumentFetcher } from './trace';
import type { Verifier } from './crypto';
import { RightsService } from './rights';
import { NotificationsHost } from './notifications';
import { ReorderHost } from './reorder-host';
import { MemoryBlobStore } from '../data/blob-store';
import { bestX25519 } from '../data/x25519';
import { encodeWire } from './wire';
import { clockOf, type HostOptions, type HostState } from './host-state';
import type { Submissions } from './submissions';
import { LightUpdateLog, XchainHost, type XchainEndpoint } from './xchain';
import { droppedText, mayTellDevices, tellDevices } from './contract-notices';

type Answering<K extends MethodName> = {
  [P in K]: (
    ...args: Parameters<PeerMethods[K]>
  ) => ReturnType<PeerMethods[K]> | Awaited<ReturnType<PeerMethods[K]>>;
};

/** PeerMethods[name], answered by `service()`'s method of that name (called on the service). */
export function delegate<K extends MethodName, S extends Answering<K>>(
  service: () => S | Promise<S>,
  name: K,
): PeerMethods[K] {
  const answer = async (...args: Parameters<PeerMethods[K]>) => {
    const target = await service();
    return target[name](...args);
  };
  return answer as unknown as PeerMethods[K];
}

export interface CapabilitiesDeps {
  state: HostState;
  options: HostOptions;
  ready(): Promise<Status>;
  submissions: Pick<Submissions, 'submit' | 'submitBackground' | 'admit' | 'waitFor'>;
  record(level: 'info' | 'warn' | 'error', message: string): void;
  /** The peer's (caching) signature verifier; default options.verifier. */
  verifier?: Verifier;
  /** How information-server documents are fetched (tests); default HTTP(S) on the clock. */
  fetchDocument?: DocumentFetcher;
}

export class Capabilities {
  private devicesHost: DevicesHost | null = null;
  private contractsHost: ContractsHost | null = null;
  private datasetsHost: DatasetsHost | null = null;
  private tokensHost: TokensHost | null = null;
  private itsHost: ItsHost | null = null;

  private marketHost: MarketHost | null = null;
  private stakingHost: StakingHost | null = null;
  private multisigHost: MultisigHost | null = null;
  private validationHost: ValidationHost | null = null;
  private servicesHost: ServicesHost | null = null;

  private traceHost: TraceHost | null = null;
  private rightsService: RightsService | null = null;
  private notificationsHost: NotificationsHost | null = null;
  private reorderHost: ReorderHost | null = null;

  /** Light-client material of this peer's durable blocks (issue 18: relays carry it). */
  readonly lightUpdates: LightUpdateLog;

  constructor(private readonly d: CapabilitiesDeps) {
    this.lightUpdates = d.options.lightUpdates ?? new LightUpdateLog(d.options.storage);
  }

  private xchainHost: XchainHost | null = null;

  async xchain(): Promise<XchainHost> {
    await this.d.ready();
    const { state: s, submissions } = this.d;
    this.xchainHost ??= new XchainHost({
      durable: () => s.durable,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
    });
    await s.announcedWrite;
    return this.xchainHost;
  }

  /** This peer's chain as a cross-chain relay reads it and submits to it (./xchain.ts). */
  async xchainEndpoint(): Promise<XchainEndpoint> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    return {
      durable: () => s.durable,
      storage: options.storage,
      updates: this.lightUpdates,
      verifier: options.verifier,
      submit: (request) => submissions.submit(request),
      waitFor: (txId, o) => submissions.waitFor(txId, o),
    };
  }

  async devices(): Promise<DevicesHost> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    this.devicesHost ??= new DevicesHost({
      storage: options.storage,
      secretBox: options.secretBox,
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      admit: (tx) => submissions.admit(tx),
      waitFor: (txId, o) => submissions.waitFor(txId, o),
      now: () => options.now(),
      clock: clockOf(options),
      randomBytes: (length) => options.randomBytes(length),
      emit: (event) => options.emit(event),
      send: (to, message) => options.net?.send(to, encodeWire(message)) ?? false,
      batches: () => this.datasets(),
      record: (level, message) => this.d.record(level, message),
    });
    return this.devicesHost;
  }

  /** The gateway's reorder rules (./reorder-host.ts), made on first use or the first reading block. */
  async reorder(): Promise<ReorderHost> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    this.reorderHost ??= new ReorderHost({
      storage: options.storage,
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      devices: () => this.devices(),
      waitFor: (txId, o) => submissions.waitFor(txId, o),
      now: () => options.now(),
      emit: (event) => options.emit(event),
      record: (level, message) => this.d.record(level, message),
    });
    return this.reorderHost;
  }

  async rights(): Promise<RightsService> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    this.rightsService ??= new RightsService({
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      now: () => options.now(),
      submit: (request) => submissions.submit(request),
    });
    return this.rightsService;
  }

  async contracts(): Promise<ContractsHost> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    this.contractsHost ??= new ContractsHost({
      storage: options.storage,
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      now: () => options.now(),
    });
    return this.contractsHost;
  }

  async tokens(): Promise<TokensHost> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    this.tokensHost ??= new TokensHost({
      storage: options.storage,
      durable: () => s.durable,
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      now: () => options.now(),
    });
    await s.announcedWrite;
    return this.tokensHost;
  }

  async its(): Promise<ItsHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    this.itsHost ??= new ItsHost({
      storage: o.storage,
      durable: () => s.durable,
      self: () => s.identityView.did,
      seed: () => s.seed,
      // kept in the outbox until committed (resent after a relink), refused at once when invalid;
      // one sealed by this service a moment ago is not verified again (as an own submit)
      admit: (tx, sealedHere) => submissions.admit(tx, sealedHere === true, true, true),
      submit: (request) => submissions.submit(request),
      // Online: this peer is a validator (it decides blocks itself), or a link is open and the
      // browser does not know itself offline (navigator.onLine: a link can outlive the network
      // for a while; what is handed to it then may be lost with it, so the queue waits).
      online: () =>
        s.peer.chain.validators.some((v) => v.did === s.identityView.did) ||
        (browserOnline() && (o.net?.view().neighbours.some((n) => n.state === 'open') ?? false)),
      clock: clockOf(o),
      now: () => o.now(),
      randomBytes: (length) => o.randomBytes(length),
      secretBox: o.secretBox,
    });
    await s.announcedWrite;
    return this.itsHost;
  }

  /** Stop the services' timers (the peer closes). */
  closeServices(): void {
    this.itsHost?.close();
  }

  async datasets(): Promise<DatasetsHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    if (!this.datasetsHost) {
      // The quota setting (blobQuotaBytes) governs the store from the service's first use on.
      const settings = await o.storage.getMeta<Settings>('settings');
      const blobs = (o.blobs ??= new MemoryBlobStore());
      if (settings?.blobQuotaBytes !== undefined) blobs.setQuota(settings.blobQuotaBytes);
    }
    this.datasetsHost ??= new DatasetsHost({
      storage: o.storage,
      blobs: (o.blobs ??= new MemoryBlobStore()),
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      seed: () => s.seed,
      submit: (request) => submissions.submit(request),
      waitFor: (txId, options) => submissions.waitFor(txId, options),
      now: () => o.now(),
      clock: clockOf(o),
      emit: (event) => o.emit(event),
      send: (to, message) => o.net?.send(to, encodeWire(message)) ?? false,
      sendEncoded: (to, bytes) => o.net?.send(to, bytes) ?? false,
      neighbours: () => o.net?.view().neighbours.map((n) => n.did) ?? [],
      record: (level, message) => this.d.record(level, message),
      x25519: bestX25519,
    });
    return this.datasetsHost;
  }

  async staking(): Promise<StakingHost> {
    await this.d.ready();
    const { state: s, options, submissions } = this.d;
    this.stakingHost ??= new StakingHost({
      durable: () => s.durable,
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      now: () => options.now(),
    });
    return this.stakingHost;
  }

  async market(): Promise<MarketHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    this.marketHost ??= new MarketHost({
      storage: o.storage,
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      waitFor: (txId, options) => submissions.waitFor(txId, options),
      datasets: () => this.datasets(),
      now: () => o.now(),
      record: (level, message) => this.d.record(level, message),
    });
    return this.marketHost;
  }

  async multisig(): Promise<MultisigHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    this.multisigHost ??= new MultisigHost({
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      now: () => o.now(),
    });
    return this.multisigHost;
  }

  /** Services outside the chain (issue 17, Y.4464 10.5): ./services.ts. */
  async services(): Promise<ServicesHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    this.servicesHost ??= new ServicesHost({
      chain: () => s.peer.chain,
      durable: () => s.durable,
      storage: o.storage,
      updates: this.lightUpdates,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      now: () => o.now(),
      fetch: httpServiceFetch(clockOf(o)),
    });
    await s.announcedWrite;
    return this.servicesHost;
  }

  async validation(): Promise<ValidationHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    this.validationHost ??= new ValidationHost({
      chain: () => s.peer.chain,
      self: () => s.identityView.did,
      submit: (request) => submissions.submit(request),
      now: () => o.now(),
    });
    return this.validationHost;
  }

  /**
   * The procedures' notifications (./notifications.ts), made on first use: by the first block
   * committed after the peer started (`committing`: its height; it is announced), or by a call.
   */
  async notifications(committing?: number): Promise<NotificationsHost> {
    await this.d.ready();
    const { state: s, options: o } = this.d;
    if (!this.notificationsHost) {
      this.notificationsHost = new NotificationsHost({
        storage: o.storage,
        durable: () => s.durable,
        emit: (event) => o.emit(event),
        record: (level, message) => this.d.record(level, message),
      });
      void this.notificationsHost
        .start(committing === undefined ? s.durable.height : committing - 1)
        .catch((error) =>
          this.d.record('warn', `Notifications not rebuilt: ${(error as Error).message}`),
        );
    }
    return this.notificationsHost;
  }

  async trace(): Promise<TraceHost> {
    await this.d.ready();
    const { state: s, options: o, submissions } = this.d;
    this.traceHost ??= new TraceHost({
      storage: o.storage,
      durable: () => s.durable,
      hashes: () => s.hashes,
      readable: async () => {
        await this.d.ready();
        await s.announcedWrite;
      },
      self: () => s.identityView.did,
      // checked against the state and the waiting transactions before it is signed: a
      // transfer by a non-holder is refused at once, without taking a nonce
      submit: (request) => submissions.submitBackground(request),
      verifier: this.d.verifier ?? o.verifier,
      fetchDocument: this.d.fetchDocument ?? o.fetchDocument ?? httpDocumentFetcher(clockOf(o)),
    });
    return this.traceHost;
  }

  /**
   * The peer started (its chain loaded): take up the duties an earlier run left undone. An
   * owner that stopped after an analytics job's block and before its answer answers now (the
   * block will not be applied here again, so onCommitted would never schedule it).
   */
  resumeDuties(): void {
    const { state: s } = this.d;
    if (jobsAwaiting(s.peer.chain, s.identityView.did).length === 0) return;
    void this.datasets()
      .then((d) => {
        const n = d.resumeAnalytics();
        if (n > 0)
          this.d.record('info', `Answering ${n} analytics job(s) left from before the restart.`);
      })
      .catch((error) =>
        this.d.record('warn', `Analytics jobs not resumed: ${(error as Error).message}`),
      );
  }

  /** The peer stops: services with timers of their own disarm them. */
  stop(): void {
    this.reorderHost?.stop();
    this.datasetsHost?.stop();
  }

  /**
   * A committed block: notices for device access requests, decisions, messages, reports and
   * blocks in it; the
   * datasets service fetches the blobs this peer must hold and answers list-policy requests.
   */
  onCommitted(block: Block, txIds: string[], failed: Array<{ txId: string }>): void {
    // A live map reads only the segments this block may have changed (issue 20).
    const segments = segmentsTouched(block, failed);
    if (segments.length > 0)
      this.d.options.emit({ type: 'its', height: block.header.height, segments });
    // The market's duties: deliver this peer's sales, claim refunds of its late purchases.
    if (
      this.marketHost ||
      block.txs.some((t) => t.type.startsWith('market.')) ||
      MarketHost.hasDuty(this.d.state.peer.chain, this.d.state.identityView.did)
    )
      void this.market()
        .then((m) => m.onCommitted())
        .catch((error) =>
          this.d.record('warn', `Market duties not done: ${(error as Error).message}`),
        );

    if (block.header.height > 0) {
      const made = this.notificationsHost;
      if (made) made.onCommitted(block, txIds, failed);
      else
        void this.notifications(block.header.height)
          .then((n) => n.onCommitted(block, txIds, failed))
          .catch((error) =>
            this.d.record('warn', `Notifications not derived: ${(error as Error).message}`),
          );
    }
    if (
      block.txs.some(
        (t) =>
          t.type.startsWith('device.access.') ||
          t.type === 'device.message' ||
          t.type === 'device.report' ||
          t.type === 'device.unblock',
      )
    ) {
      const applied = tookEffect(block, txIds, failed);
      void this.devices()
        .then((d) => d.onCommitted(applied.block, applied.txIds))
        .catch((error) =>
          this.d.record('warn', `Device notices not sent: ${(error as Error).message}`),
        );
    }
    // Device readings: the reorder rules this peer keeps may order (U-II.4).
    if (ReorderHost.concerns(block)) {
      const applied = tookEffect(block, txIds, failed);
      void this.reorder()
        .then((r) => r.onCommitted(applied.block, applied.txIds))
        .catch((error) =>
          this.d.record('warn', `Reorder rules not run: ${(error as Error).message}`),
        );
    }
    if (mayTellDevices(block)) {
      const applied = tookEffect(block, txIds, failed);
      const { state: s, options } = this.d;
      void tellDevices(
        {
          storage: options.storage,
          chain: () => s.peer.chain,
          self: () => s.identityView.did,
          emit: (event) => options.emit(event),
        },
        applied.block,
        applied.txIds,
      )
        .then(({ dropped }) => {
          for (const d of dropped) this.d.record('warn', droppedText(block.header.height, d));
        })
        .catch((error) =>
          this.d.record('warn', `Contract notices not sent: ${(error as Error).message}`),
        );
    }
    if (this.datasetsHost || DatasetsHost.concerns(block)) {
      const applied = tookEffect(block, txIds, failed);
      void this.datasets()
        .then((d) => d.onCommitted(applied.block, applied.txIds))
        .catch((error) =>
          this.d.record('warn', `Dataset holders not updated: ${(error as Error).message}`),
        );
    }
  }
}

/** The transactions of a committed block that took effect (not those that failed in execution). */
function tookEffect(
  block: Block,
  txIds: string[],
  failed: Array<{ txId: string }>,
): { block: Block; txIds: string[] } {
  if (failed.length === 0) return { block, txIds };
  const out = new Set(failed.map((f) => f.txId));
  const keep = txIds.map((id) => !out.has(id));
  return {
    block: { ...block, txs: block.txs.filter((_, i) => keep[i]) },
    txIds: txIds.filter((_, i) => keep[i]),
  };
}
