// Mesh wiring: starting the network for the active chain, neighbours, the network view, and
// strict decoding of what neighbours send (each kind handed to its service). Also the settings
// (relays, STUN/TURN servers) the network starts with.
import { blobQuotaBytesDefault } from '../data/limits';
import { decodeWire, encodeWire, type SignedHeader, type WireMessage } from './wire';
import { Syncer } from './sync';
import * as limits from '../core/limits';
import type { ConsensusMessage } from '../core/consensus/messages';
import type { DevicesHost } from './devices-host';
import type { InviteToken } from '../core/modules/governance';
import type { DatasetsHost } from './datasets';
import type { LogEntry, NetworkView, Settings, Status } from '../api';
import type { HostState, HostOptions } from './host-state';
// Static (not a dynamic import): a dynamic import waits on the module loader, real I/O the
// simulator's virtual time cannot order.
import { applySettingsPatch, defaultSettings } from './settings';

export interface MeshServiceDeps {
  state: HostState;
  options: HostOptions;
  record(level: LogEntry['level'], message: string): void;
  ready(): Promise<Status>;
  syncIo(): ConstructorParameters<typeof Syncer>[0];
  /** A consensus message for the inbound lanes. */
  inbound(from: string, message: ConsensusMessage): void;
  serveSync(to: string, from: number, count: number): Promise<void>;
  deviceApi(): Promise<DevicesHost>;
  datasetApi(): Promise<DatasetsHost>;
  onJoinRequest(from: string, invite: InviteToken | null): Promise<void>;
  askAdmission(): void;
  /** Read rights (read-gate.ts): may a message of this kind from `from` be taken in? */
  take(from: string, kind: WireMessage['kind']): boolean;
  /** Answer a light peer's request (light.ts lightAnswer). */
  serveLight(to: string, message: Extract<WireMessage, { kind: 'lightGet' }>): Promise<void>;
  /** A header-only sync answer (this peer may not read the chain's payload yet). */
  applyHeaders(from: string, at: number, headers: SignedHeader[]): Promise<void>;
}

export class MeshService {
  private readonly s: HostState;

  constructor(private readonly d: MeshServiceDeps) {
    this.s = d.state;
  }

  startNet(): void {
    const net = this.d.options.net;
    if (!net) return;
    this.s.neighbours = [];
    this.s.validatorKey = this.s.peer.chain.validators.map((v) => v.did).join(' ');
    this.s.syncer = new Syncer(this.d.syncIo(), () => this.s.peer.chain.height);
    void this.settings().then((settings) => {
      const relays = [
        ...new Set([
          ...settings.relays,
          ...(this.s.chainRecord.relays ?? []),
          ...(settings.relays.length ? [] : (this.d.options.defaultRelays ?? [])),
        ]),
      ];
      net.start(
        {
          did: this.s.identityView.did,
          sign: (message) => this.s.signer.sign(message),
          room: this.s.peer.chain.chainId,
          validators: this.s.peer.chain.validators.map((v) => v.did),
          relays,
          iceServers: settings.iceServers,
          ...(settings.linksMax === undefined ? {} : { linksMax: settings.linksMax }),
        },
        {
          onMessage: (from, bytes) => this.onWire(from, bytes),
          onNeighbours: (dids) => this.onNeighbours(dids),
          onLog: (level, message) => this.d.record(level, `Network: ${message}`),
        },
      );
    });
  }

  onNeighbours(dids: string[]): void {
    const before = new Set(this.s.neighbours);
    this.s.neighbours = [...dids];
    const chain = this.s.durable;
    const fresh = dids.filter((did) => !before.has(did));
    for (const did of fresh)
      this.d.options.net?.send(
        did,
        encodeWire({ kind: 'head', height: chain.height, hash: chain.headHash }),
      );
    if (fresh.length > 0) this.handPendingTxs(fresh);
    this.s.syncer.onNeighbours(dids);
    if (dids.some((did) => !before.has(did))) this.d.askAdmission();
    this.d.options.emit({ type: 'peer', peers: dids.length });
    this.emitNetwork();
  }

  /**
   * Hand the transactions waiting in the mempool to neighbours that just arrived. A write made
   * while no validator was reachable was gossiped to nobody; without this it waited forever
   * though the validators came back (issue 21: the offline write flow). At most
   * txsHandedToNewNeighbourMax, oldest first; receivers check each one as any gossiped tx.
   */
  private handPendingTxs(dids: string[]): void {
    const net = this.d.options.net;
    if (!net) return;
    // On the bounded overlay (worker/net/overlay.ts) a new neighbour is often a member, which
    // does not pass on what is sent to it alone: a peer that is not a validator gossips them.
    const own = this.s.identityView.did;
    const validator = this.s.peer?.chain.validators.some((v) => v.did === own) ?? false;
    let sent = 0;
    for (const tx of this.s.peer?.mempool.txs.values() ?? []) {
      if (sent++ >= limits.txsHandedToNewNeighbourMax) break;
      const bytes = encodeWire({ kind: 'consensus', message: { type: 'tx', tx } });
      if (validator) for (const did of dids) net.send(did, bytes);
      else net.broadcast(bytes);
    }
  }

  emitNetwork(): void {
    if (!this.d.options.net) return;
    this.d.options.emit({ type: 'network', network: this.networkNow() });
  }

  networkNow(): NetworkView {
    const view = this.d.options.net?.view();
    if (!view)
      return {
        did: this.s.identityView.did,
        room: null,
        neighbours: [],
        relays: [],
        webrtc: 'unknown',
        notice: 'This peer runs without a network.',
      };
    const validators = new Set(this.s.peer.chain.validators.map((v) => v.did));
    return {
      ...view,
      neighbours: view.neighbours.map((n) => ({
        ...n,
        validator: validators.has(n.did),
        height: this.s.syncer.headOf(n.did) ?? n.height,
      })),
    };
  }

  /** Bytes from a neighbour: decoded strictly; anything malformed gets the sender dropped. */
  onWire(from: string, bytes: Uint8Array): void {
    if (this.s.stopped) return;
    let message: WireMessage;
    try {
      message = decodeWire(bytes);
    } catch (error) {
      this.dropPeer(from, `sent a malformed message (${(error as Error).message})`);
      return;
    }
    if (!this.d.take(from, message.kind)) {
      // A non-member's payload (read rights): ignored. Its head is not followed either, so sync
      // never asks it for blocks; its sync request is answered with headers only.
      return;
    }
    switch (message.kind) {
      case 'consensus': {
        const m = message.message;
        const height =
          m.type === 'commit' ? m.block.header.height : m.type === 'tx' ? null : m.height;
        if (height !== null) this.s.syncer.onHead(from, height - 1);
        this.d.inbound(from, m);
        return;
      }
      case 'head':
        this.s.syncer.onHead(from, message.height);
        return;
      case 'syncRequest':
        // Reads only: served beside the loop, so a peer that is catching up never holds up consensus.
        void this.d
          .serveSync(from, message.from, message.count)
          .catch((error) =>
            this.d.record(
              'warn',
              `A sync request from ${from} was not served: ${(error as Error).message}`,
            ),
          );
        return;
      case 'syncBlocks':
        this.s.syncer.onBlocks(from, message.from, message.blocks);
        return;
      case 'syncHeaders':
        void this.d
          .applyHeaders(from, message.from, message.headers)
          .catch((error) =>
            this.dropPeer(from, `sent headers that do not verify (${(error as Error).message})`),
          );
        return;
      case 'batchRequest':
        // Reads only, beside the loop, like sync requests; the gateway checks the chain's access records.
        void this.d
          .deviceApi()
          .then((d) => d.onBatchRequest(from, message))
          .catch((error) =>
            this.d.record(
              'warn',
              `A batch request from ${from} was not served: ${(error as Error).message}`,
            ),
          );
        return;
      case 'batchAnswer':
        void this.d.deviceApi().then((d) => d.onBatchAnswer(from, message));
        return;
      case 'blobGet':
        // Reads only, beside the loop; the holder checks the chain's dataset records.
        void this.d
          .datasetApi()
          .then((d) => d.onBlobGet(from, message))
          .catch((error) =>
            this.d.record(
              'warn',
              `A blob request from ${from} failed: ${(error as Error).message}`,
            ),
          );
        return;
      case 'blobData':
        void this.d.datasetApi().then((d) => d.onBlobData(from, message));
        return;
      case 'blobPush':
        // A chunk placed here, pushed while its owner seals; the holder checks it (datasets-push).
        void this.d
          .datasetApi()
          .then((d) => d.onBlobPush(from, message))
          .catch((error) =>
            this.d.record('warn', `A chunk pushed by ${from} failed: ${(error as Error).message}`),
          );
        return;
      case 'blobPushed':
        void this.d.datasetApi().then((d) => d.onBlobPushed(from, message));
        return;
      case 'lightGet':
        // Reads only, beside the loop, like sync requests.
        void this.d
          .serveLight(from, message)
          .catch((error) =>
            this.d.record(
              'warn',
              `A light request from ${from} was not served: ${(error as Error).message}`,
            ),
          );
        return;
      case 'lightData':
        // Answers for light peers (light.ts NetLightSource); a full peer asks nothing of them.
        return;
      case 'join':
        void this.d
          .onJoinRequest(from, message.invite)
          .catch((error) =>
            this.d.record(
              'warn',
              `The join request of ${from} was not handled: ${(error as Error).message}`,
            ),
          );
        return;
    }
  }

  dropPeer(did: string, reason: string): void {
    this.d.record('warn', `Dropped peer ${did}: it ${reason}.`);
    this.d.options.net?.drop(did, reason);
  }

  async network(): Promise<NetworkView> {
    await this.d.ready();
    return this.networkNow();
  }

  async settings(): Promise<Settings> {
    return (await this.d.options.storage.getMeta<Settings>('settings')) ?? defaultSettings;
  }
  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = applySettingsPatch(await this.settings(), patch);
    await this.d.options.storage.putMeta('settings', next);
    this.d.options.blobs?.setQuota(next.blobQuotaBytes ?? blobQuotaBytesDefault);
    this.d.record(
      'info',
      `Settings changed: ${next.relays.length} relay(s), ${next.iceServers.length} STUN/TURN server(s).`,
    );
    return next;
  }
}
