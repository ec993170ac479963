// The peer as gateway (Y.4464 10.6, 10.7): it makes and keeps a key pair per device (seed in the
// storage meta), registers the device on chain, signs the device's readings with that key, and
// answers discovery and access queries from the committed state. Every transaction is checked
// against the committed state before it is signed, so a bad reading or an unauthorized decision
// is refused here with a plain message and never reaches a block.
import { SecretMeta, type SecretBox } from './keys-at-rest';
import { decode, encode } from '../core/codec';
import { equalBytes, fromHex, toHex } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { botError, BotError, type ErrorCode } from '../core/errors';
import { checkTx, txIdOf, txSigningBytes, type Tx, type UnsignedTx } from '../core/tx';
import {
  accessLogPrefix,
  accessPrefix,
  decodeAccessLog,
  decodeAccessRecord,
  decodeMessages,
  decodeReadings,
  emptyDevices,
  mayRead,
  messagePrefix,
  readingPrefix,
  registerProofBytes,
  type AccessPolicy,
  type DeviceRecord,
} from '../core/modules/devices';
import { precheckTx, type ChainState } from '../core/ledger';
import {
  blockedError,
  blocklistPrefix,
  blockThresholdOf,
  decodeBlockRecord,
  type BlockRecord,
} from '../core/modules/blocklist';
import { countPolicy } from '../core/modules/governance';
import type { Block } from '../core/block';
import { deviceDatasetId, type ReadView } from '../core/modules/datasets/views';
import type { WireMessage } from './wire';
import { blockView, blockViewOf, committedBatch } from './devices-views';
import { batchAt, dataAccessOf, ReadingOpener, type BatchPlace } from './devices-open';
import * as limits from '../core/limits';
import type { Storage } from '../store/storage';
import { realClock, type Clock, type TimerHandle } from '../net/clock';
import { createSigner, type Signer } from './crypto';
import type {
  DeviceAccessEventView,
  DeviceAccessPolicy,
  DeviceAccessView,
  DeviceBatchView,
  DeviceBlockView,
  DeviceMessageView,
  DeviceNotice,
  DeviceReadingView,
  DeviceValue,
  DeviceView,
  PeerEvent,
  RegisterDeviceRequest,
  TxResult,
} from '../api';

export interface DevicesHostDeps {
  storage: Storage;
  /** Seals the device keys at rest (a tab); see keys-at-rest.ts. */
  secretBox?: SecretBox;
  /** The committed chain state now. */
  chain(): ChainState;
  /** This peer's did. */
  self(): string;
  /** Sign as this peer and admit (the host's submit). */
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  /** Admit a transaction signed here with a device key (the host's admission path). */
  admit(tx: Tx): Promise<{ txId: string }>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  now(): number;
  /** Timers (gateway answer timeouts); the real clock when omitted. */
  clock?: Clock;
  randomBytes(length: number): Uint8Array;
  /** Push an event to this peer's page. */
  emit(event: PeerEvent): void;
  /** Send a wire message to a neighbour; false when it is not connected. */
  send(to: string, message: WireMessage): boolean;
  /** Where reading batches are kept: versions of the device's dataset (datasets.ts). */
  batches(): Promise<DeviceBatchStore>;
  record?(level: 'info' | 'warn' | 'error', message: string): void;
}

/** The datasets service as the gateway's batch store. */
export interface DeviceBatchStore {
  putDeviceBatch(
    device: string,
    bytes: Uint8Array,
  ): Promise<{ dataset: string; version: number; txId: string }>;
  readDataset(
    dataset: string,
    options: { version: number },
  ): Promise<{ bytes: Uint8Array; view?: ReadView | null }>;
}

const keysMetaKey = 'devices.keys';

export class DevicesHost {
  private keys: Record<string, Uint8Array> | null = null;
  private readonly signers = new Map<string, Promise<Signer>>();
  /** Highest nonce this peer has used per device; dropped when one of its transactions is rejected. */
  private readonly nonces = new Map<string, number>();
  /** Readings of one device are signed and admitted in call order (nonce order). */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Times of each device's recent traffic through this gateway (the last minute, bounded). */
  private readonly traffic = new Map<string, number[]>();
  /** Devices this gateway has reported as flooding, until their block is lifted. */
  private readonly reported = new Set<string>();

  /** Opens the sealed readings this peer was granted (devices-open.ts). */
  private readonly opener: ReadingOpener;

  constructor(private readonly deps: DevicesHostDeps) {
    this.opener = new ReadingOpener({
      storage: deps.storage,
      chain: () => deps.chain(),
      self: () => deps.self(),
      clock: () => this.clock(),
      read: async (dataset, version) => (await deps.batches()).readDataset(dataset, { version }),
      record: (message) => deps.record?.('warn', message),
    });
  }

  private clock(): Clock {
    return this.deps.clock ?? realClock;
  }

  private secrets(): SecretMeta {
    return new SecretMeta(this.deps.storage, this.deps.secretBox);
  }

  private async heldKeys(): Promise<Record<string, Uint8Array>> {
    this.keys ??= await this.secrets().getMap(keysMetaKey);
    return this.keys;
  }

  private registry() {
    return this.deps.chain().devices ?? emptyDevices();
  }

  private device(did: string): DeviceRecord {
    if (typeof did !== 'string') throw botError('BAD_REQUEST', 'Name the device by its did:key.');
    const record = this.registry().devices.get(did);
    if (!record)
      throw botError(
        'NOT_FOUND',
        `No device ${did} is registered on this chain (yet: a registration waits for its block).`,
      );
    return record;
  }

  /** Check a transaction against the committed state without changing anything. */
  private precheck(unsigned: UnsignedTx): void {
    const tx = checkTx({ ...unsigned, sig: new Uint8Array(64) });
    const error = precheckTx(this.deps.chain(), tx);
    if (error) throw error;
  }

  /** Sign as this peer, after the stateful check. */
  private async submitAsSelf(type: string, body: unknown): Promise<{ txId: string }> {
    const chain = this.deps.chain();
    this.precheck({
      chain: chain.chainId,
      type,
      from: this.deps.self(),
      nonce: 1,
      time: this.deps.now(),
      body,
    });
    return this.deps.submit({ type, body });
  }

  // ---- gateway ---------------------------------------------------------------------------

  async registerDevice(request: RegisterDeviceRequest): Promise<{ did: string; txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError(
        'BAD_REQUEST',
        'registerDevice takes { id, kind, name, capabilities, owner?, policy? }.',
      );
    const keys = await this.heldKeys();
    if (Object.keys(keys).length >= limits.deviceKeysMax)
      throw botError('TOO_LARGE', `This peer already holds ${limits.deviceKeysMax} device keys.`);
    const chain = this.deps.chain();
    const self = this.deps.self();
    const seed = this.deps.randomBytes(32);
    const did = didFromPublicKey(publicKeyFromSeed(seed));
    const signer = await createSigner(seed);
    const body = {
      did,
      id: request.id,
      kind: request.kind,
      name: request.name ?? '',
      gateway: self,
      owner: request.owner ?? self,
      capabilities: request.capabilities,
      policy: request.policy ?? { mode: 'owner' },
      proof: await signer.sign(registerProofBytes(chain.chainId, did, self)),
    };
    this.precheck({
      chain: chain.chainId,
      type: 'device.register',
      from: self,
      nonce: 1,
      time: this.deps.now(),
      body,
    });
    // The key is kept before the registration is sent: a committed device never lacks its key.
    this.keys = { ...keys, [did]: seed };
    await this.secrets().putMap(keysMetaKey, this.keys);
    this.signers.set(did, Promise.resolve(signer));
    const { txId } = await this.deps.submit({ type: 'device.register', body });
    return { did, txId };
  }

  async setDeviceStatus(
    device: string,
    status: DeviceView['status'],
    message: string | null = null,
  ): Promise<{ txId: string }> {
    this.device(device);
    return this.submitAsSelf('device.status', { device, status, message });
  }

  async setDevicePolicy(device: string, policy: DeviceAccessPolicy): Promise<{ txId: string }> {
    this.device(device);
    return this.submitAsSelf('device.policy', { device, policy });
  }

  private async signerFor(did: string): Promise<Signer> {
    let signer = this.signers.get(did);
    if (!signer) {
      const seed = (await this.heldKeys())[did];
      if (!seed)
        throw botError(
          'UNAUTHORIZED',
          'This peer is not the gateway of this device: it does not hold its key.',
        );
      signer = createSigner(seed);
      this.signers.set(did, signer);
    }
    return signer;
  }

  // ---- the transport gate against hijacked devices (Y.4464 II.2) --------------------------------

  /**
   * Every message of a device through this gateway passes here first: a blocked device is refused
   * (UNAUTHORIZED); a device over devices.messagesPerMinuteMax (policy; default
   * deviceMessagesPerMinuteDefault) in the last minute is refused (POLICY) and reported once on
   * chain by this gateway as flooding.
   */
  guardTraffic(device: string): void {
    const chain = this.deps.chain();
    const record = chain.blocklist?.records.get(device);
    if (record && record.blocked !== null) throw blockedError(record);
    const now = this.deps.now();
    const max =
      countPolicy(chain.governance, 'devices.messagesPerMinuteMax') ??
      limits.deviceMessagesPerMinuteDefault;
    const recent = (this.traffic.get(device) ?? []).filter((t) => t > now - 60_000);
    recent.push(now);
    if (recent.length > max + 1) recent.splice(0, recent.length - max - 1);
    this.traffic.delete(device);
    this.traffic.set(device, recent);
    if (this.traffic.size > limits.deviceRateTrackedMax)
      this.traffic.delete(this.traffic.keys().next().value!);
    if (recent.length <= max) return;
    this.reportFlood(device, max, chain);
    throw botError(
      'POLICY',
      `Policy devices.messagesPerMinuteMax: device ${device} sent more than ${max} messages in the last minute through this gateway, which refuses its traffic and reported it as flooding.`,
    );
  }

  private reportFlood(device: string, max: number, chain: ChainState): void {
    const self = this.deps.self();
    if (this.reported.has(device)) return;
    if (chain.blocklist?.records.get(device)?.reports.some((r) => r.gateway === self)) return;
    this.reported.add(device);
    this.reportDevice(device, `flood: over ${max} messages per minute`, max + 1).then(
      () => undefined,
      () => this.reported.delete(device),
    );
  }

  /** This gateway reports a device it sees attacking (the chain counts distinct gateways). */
  async reportDevice(device: string, reason: string, rate?: number): Promise<{ txId: string }> {
    this.device(device);
    const { txId } = await this.submitAsSelf(
      'device.report',
      rate === undefined ? { device, reason } : { device, reason, rate },
    );
    notify(this.deps, {
      kind: 'device-reported',
      device,
      requester: this.deps.self(),
      service: null,
      state: null,
      request: txId,
      digest: null,
      height: null,
      time: this.deps.now(),
      message: `This gateway reported device ${device}: ${reason}.`,
    });
    return { txId };
  }

  /** The device's gateway or owner lifts its block once it is fixed. */
  async unblockDevice(device: string, note: string): Promise<{ txId: string }> {
    this.device(device);
    return this.submitAsSelf('device.unblock', { device, note });
  }

  /** Devices with reports against them or blocked, as the committed state holds them. */
  async blockedDevices(): Promise<DeviceBlockView[]> {
    const chain = this.deps.chain();
    return [...(chain.blocklist?.records.values() ?? [])]
      .slice(0, limits.deviceListedMax)
      .map((r) => blockView(r, chain));
  }

  /** Sign a body as the device and admit it; readings of one device go out in order. */
  private signAsDevice(
    did: string,
    type: string,
    body: unknown,
    guarded = false,
  ): Promise<{ txId: string }> {
    if (!guarded) this.guardTraffic(did);
    const run = async () => {
      const signer = await this.signerFor(did);
      const chain = this.deps.chain();
      const committed = chain.nonces.get(did) ?? 0;
      const nonce = Math.max(committed, this.nonces.get(did) ?? 0) + 1;
      const unsigned: UnsignedTx = {
        chain: chain.chainId,
        type,
        from: did,
        nonce,
        time: this.deps.now(),
        body,
      };
      this.precheck(unsigned);
      const tx: Tx = { ...unsigned, sig: await signer.sign(txSigningBytes(unsigned)) };
      this.nonces.set(did, nonce);
      const admitted = await this.deps.admit(tx);
      void this.deps.waitFor(admitted.txId, { timeoutMs: limits.waitTimeoutMsMax }).then(
        (result) => {
          if (result.status === 'rejected' && this.nonces.get(did) === nonce)
            this.nonces.delete(did);
        },
        () => this.nonces.delete(did),
      );
      return admitted;
    };
    const next = (this.queues.get(did) ?? Promise.resolve()).then(run, run);
    this.queues.set(
      did,
      next.catch(() => undefined),
    );
    return next;
  }

  async deviceReading(
    device: string,
    reading: { values: Record<string, DeviceValue>; at?: number },
  ): Promise<{ txId: string }> {
    if (typeof reading !== 'object' || reading === null)
      throw botError('BAD_REQUEST', 'deviceReading takes a device did and { values, at? }.');
    // A single reading is a batch of one: on chain only its fingerprint (D-8.1).
    const { txId } = await this.deviceReadingBatch(device, [
      { values: reading.values, at: reading.at ?? this.deps.now() },
    ]);
    return { txId };
  }

  async deviceReadingBatch(
    device: string,
    samples: Array<{ values: Record<string, DeviceValue>; at: number }>,
  ): Promise<{ txId: string; digest: string; dataset: string; version: number }> {
    if (!Array.isArray(samples) || samples.length === 0)
      throw botError(
        'BAD_REQUEST',
        'deviceReadingBatch takes a device did and a non-empty list of { values, at }.',
      );
    this.device(device);
    const bytes = encode(samples);
    if (bytes.length > limits.deviceBatchBytesMax)
      throw botError(
        'TOO_LARGE',
        `The batch is ${bytes.length} bytes; the limit is ${limits.deviceBatchBytesMax}. Send smaller batches.`,
      );
    const digest = sha256(bytes);
    const ats = samples.map((s) => s.at);
    const last = samples[samples.length - 1]!;
    // On chain only the fingerprint the device signs, the count and the span (D-8.1): the
    // values stay in the sealed dataset version; the gateway keeps the last sample locally.
    const body = {
      at: last.at,
      batch: { digest, count: samples.length, first: Math.min(...ats), last: Math.max(...ats) },
    };
    this.precheck({
      chain: this.deps.chain().chainId,
      type: 'device.reading',
      from: device,
      nonce: 1 + (this.deps.chain().nonces.get(device) ?? 0),
      time: this.deps.now(),
      body: { ...body, values: last.values },
    });
    // Off chain: the samples become the next version of the device's dataset, sealed on this
    // peer and replicated to its holders: kept as long as the chain references them.
    // The transport gate before anything is sealed or stored (a blocked or flooding device).
    this.guardTraffic(device);
    const hex = toHex(digest);
    const place = await (await this.deps.batches()).putDeviceBatch(device, bytes);
    await this.deps.storage.putMeta(batchAt(hex), {
      dataset: place.dataset,
      version: place.version,
      last: last.values,
    });
    const { txId } = await this.signAsDevice(device, 'device.reading', body, true);
    return { txId, digest: hex, dataset: place.dataset, version: place.version };
  }

  /** Whether this peer is the device's gateway (holds its key). */
  async holds(device: string): Promise<boolean> {
    return device in (await this.heldKeys());
  }

  // ---- discovery and access ----------------------------------------------------------------

  async devices(): Promise<DeviceView[]> {
    const keys = await this.heldKeys();
    const chain = this.deps.chain();
    const records = [...this.registry().devices.values()]
      .sort((a, b) => a.registered - b.registered)
      .slice(-limits.deviceListedMax);
    const out: DeviceView[] = [];
    for (const r of records) {
      const latest = await this.deps.storage.getState(chain.chainId, readingPrefix + r.did);
      const readings = latest ? decodeReadings(latest) : [];
      const last = readings[readings.length - 1];
      out.push({
        did: r.did,
        id: r.id,
        kind: r.kind,
        name: r.name,
        gateway: r.gateway,
        owner: r.owner,
        capabilities: r.capabilities,
        status: r.status,
        statusMessage: r.statusMessage,
        policy: r.policy as AccessPolicy,
        registeredHeight: r.registered,
        txId: r.tx,
        held: r.did in keys,
        latest: last ? await this.opener.view(last) : null,
        access: dataAccessOf(chain, r, this.deps.self()),
        blocklist: blockViewOf(chain, r.did),
      });
    }
    return out;
  }

  async deviceReadings(device: string, options?: { limit?: number }): Promise<DeviceReadingView[]> {
    const records = await this.newestOf(
      device,
      readingPrefix,
      decodeReadings,
      (r) => r,
      options?.limit,
    );
    return this.opener.open(this.device(device), records);
  }

  /**
   * The newest `limit` items of a device's per-block lists (readings, messages) under `prefix`,
   * read back through the key's history and returned oldest first.
   */
  private async newestOf<T, V>(
    device: string,
    prefix: string,
    decodeList: (entry: Uint8Array) => T[],
    view: (item: T) => V,
    limitAsked?: number,
  ): Promise<V[]> {
    this.device(device);
    const limit = Math.min(
      Math.max(1, Math.floor(limitAsked ?? limits.deviceListedMax)),
      limits.deviceListedMax,
    );
    const versions = await this.deps.storage.history(this.deps.chain().chainId, prefix + device);
    const out: V[] = [];
    for (let i = versions.length - 1; i >= 0 && out.length < limit; i--) {
      const list = decodeList(versions[i]!.entry);
      for (let j = list.length - 1; j >= 0 && out.length < limit; j--) out.push(view(list[j]!));
    }
    return out.reverse();
  }

  async requestDeviceAccess(
    device: string,
    request: { service: string; purpose?: string },
  ): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError(
        'BAD_REQUEST',
        'requestDeviceAccess takes a device did and { service, purpose? }.',
      );
    this.device(device);
    return this.submitAsSelf('device.access.request', {
      device,
      service: request.service,
      purpose: request.purpose ?? '',
    });
  }

  async decideDeviceAccess(request: string, grant: boolean): Promise<{ txId: string }> {
    return this.submitAsSelf('device.access.decide', { request, grant });
  }

  async deviceAccessLog(
    device: string,
  ): Promise<{ events: DeviceAccessEventView[]; open: DeviceAccessView[] }> {
    this.device(device);
    const versions = await this.deps.storage.history(
      this.deps.chain().chainId,
      accessLogPrefix + device,
    );
    const events = versions.flatMap((v) => decodeAccessLog(v.entry)).slice(-limits.deviceListedMax);
    const open = [...this.registry().open.values()].filter((r) => r.device === device);
    return { events, open };
  }

  // ---- contracts as a device ------------------------------------------------------------------

  /** A contract call signed with the device key: the chain checks the device is registered and not retired. */
  async deviceCallContract(
    device: string,
    contract: string,
    method: string,
    args: unknown = null,
    options?: { pay?: number },
  ): Promise<{ txId: string }> {
    this.device(device);
    return this.signAsDevice(device, 'contract.call', {
      contract,
      method,
      args: args ?? null,
      device: true,
      ...(options?.pay !== undefined ? { pay: options.pay } : {}),
    });
  }

  /**
   * A payment from the device's own account (issue 16), signed with its key: the chain takes it
   * only within the spending rule its owner set (token.rule); outside it, UNAUTHORIZED before
   * signing (the precheck runs the same rule).
   */
  async deviceTransfer(
    device: string,
    request: { to: string; amount: number; memo?: string },
  ): Promise<{ txId: string }> {
    this.device(device);
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'deviceTransfer takes a device did and { to, amount, memo? }.');
    return this.signAsDevice(device, 'token.transfer', {
      to: request.to,
      amount: request.amount,
      ...(request.memo ? { memo: request.memo } : {}),
    });
  }

  // ---- device-to-device messages through the chain (r-7.2.2-e) ----------------------------------

  /** Signed with the sender's key (held here); the chain checks the recipient's access records, and so does the precheck before signing. */
  async sendDeviceMessage(from: string, to: string, body: unknown): Promise<{ txId: string }> {
    this.device(from);
    if (typeof to !== 'string')
      throw botError('BAD_REQUEST', 'Name the recipient device by its did:key.');
    return this.signAsDevice(from, 'device.message', {
      to,
      body: body === undefined ? null : body,
    });
  }

  async deviceMessages(device: string, options?: { limit?: number }): Promise<DeviceMessageView[]> {
    return this.newestOf(
      device,
      messagePrefix,
      decodeMessages,
      (m) => ({
        txId: m.tx,
        height: m.height,
        time: m.time,
        from: m.from,
        owner: m.owner,
        gateway: m.gateway,
        to: m.to,
        body: m.body,
      }),
      options?.limit,
    );
  }

  // ---- off-chain batches, read through the gateway under the chain's access records -------------

  private readonly waiting = new Map<number, Waiting>();
  private nextRequest = 1;

  async readDeviceBatch(device: string, digest: string): Promise<DeviceBatchView> {
    const record = this.device(device);
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest))
      throw botError('BAD_REQUEST', 'Name the batch by its digest: 64 lowercase hex digits.');
    const committed = await committedBatch(
      this.deps.storage,
      this.deps.chain().chainId,
      device,
      digest,
    );
    if (!committed)
      throw botError(
        'NOT_FOUND',
        'No committed reading of this device carries this batch fingerprint.',
      );
    let samples: Uint8Array;
    if (record.gateway === this.deps.self() && device in (await this.heldKeys())) {
      const bytes = await this.keptBatch(digest);
      if (!bytes) throw botError('NOT_FOUND', 'This gateway keeps no such batch of that device.');
      samples = bytes;
    } else {
      const reply = await this.askGateway(record.gateway, device, digest);
      if (reply.error)
        throw botError(
          reply.error.code as ErrorCode,
          `The gateway refused: ${reply.error.message}`,
        );
      samples = reply.samples!;
    }
    // Checked against the chain, not the gateway's word.
    if (!equalBytes(sha256(samples), fromHex(digest)))
      throw botError(
        'TAMPERED',
        'The samples the gateway sent do not match the fingerprint on chain.',
      );
    return {
      device,
      gateway: record.gateway,
      digest,
      samples: decode<DeviceBatchView['samples']>(samples, limits.deviceBatchBytesMax),
      verified: true,
      height: committed.height,
      txId: committed.txId,
    };
  }

  private askGateway(gateway: string, device: string, digest: string): Promise<BatchAnswer> {
    if (this.waiting.size >= limits.deviceBatchRequestsInFlightMax)
      throw botError(
        'TOO_LARGE',
        `${limits.deviceBatchRequestsInFlightMax} batch requests are already waiting; try again shortly.`,
      );
    const id = this.nextRequest++;
    const answer = new Promise<BatchAnswer>((resolve, reject) => {
      const timer = this.clock().setTimeout(() => {
        this.waiting.delete(id);
        reject(
          botError(
            'TIMEOUT',
            `The gateway ${gateway} did not answer within ${limits.deviceBatchRequestTimeoutMs} ms.`,
          ),
        );
      }, limits.deviceBatchRequestTimeoutMs);
      this.waiting.set(id, { gateway, resolve, timer });
    });
    if (!this.deps.send(gateway, { kind: 'batchRequest', id, device, digest: fromHex(digest) })) {
      this.clock().clearTimeout(this.waiting.get(id)!.timer);
      this.waiting.delete(id);
      throw botError('NOT_READY', `The device's gateway ${gateway} is not connected to this peer.`);
    }
    return answer;
  }

  /** Gateway side: serve a batch only to a peer the chain lets read the device (owner, gateway, granted request). */
  async onBatchRequest(from: string, message: BatchRequest): Promise<void> {
    const { deps } = this;
    const hex = toHex(message.digest);
    const answer = (
      samples: Uint8Array | null,
      error: { code: ErrorCode; message: string } | null,
    ) => deps.send(from, { kind: 'batchAnswer', id: message.id, samples, error });
    const registry = this.registry();
    const record = registry.devices.get(message.device);
    if (!record || record.gateway !== deps.self() || !(message.device in (await this.heldKeys()))) {
      answer(null, { code: 'NOT_FOUND', message: 'This peer is not the gateway of that device.' });
      return;
    }
    const refuse = (code: ErrorCode, text: string) => {
      answer(null, { code, message: text });
      notify(deps, {
        kind: 'batch-refused',
        device: message.device,
        requester: from,
        service: null,
        state: null,
        request: null,
        digest: hex,
        height: null,
        time: deps.now(),
        message: text,
      });
    };
    if (!mayRead(registry, message.device, from))
      return refuse(
        'UNAUTHORIZED',
        'The chain records no granted access to this device for you; ask with requestDeviceAccess and wait for the decision.',
      );
    const place = await deps.storage.getMeta<BatchPlace>(batchAt(hex));
    const legacy = await deps.storage.getMeta<string>(`devices.batchOf.${hex}`);
    const ofDevice = place
      ? place.dataset === deviceDatasetId(message.device, deps.self())
      : legacy === message.device;
    const bytes = ofDevice ? await this.keptBatch(hex) : null;
    if (!bytes) return refuse('NOT_FOUND', 'This gateway keeps no such batch of that device.');
    answer(bytes, null);
    notify(deps, {
      kind: 'batch-served',
      device: message.device,
      requester: from,
      service: null,
      state: 'granted',
      request: null,
      digest: hex,
      height: null,
      time: deps.now(),
      message: `Served batch ${hex.slice(0, 12)}… to ${from}.`,
    });
  }

  /**
   * A batch this gateway keeps: the version of the device's dataset holding it (read as its
   * owner, checked against the digest), or a batch stored before batches became datasets.
   */
  private async keptBatch(hex: string): Promise<Uint8Array | null> {
    const place = await this.deps.storage.getMeta<BatchPlace>(batchAt(hex));
    if (!place)
      return (await this.deps.storage.getMeta<Uint8Array>(`devices.batch.${hex}`)) ?? null;
    const { bytes } = await (await this.deps.batches()).readDataset(place.dataset, {
      version: place.version,
    });
    return equalBytes(sha256(bytes), fromHex(hex)) ? bytes : null;
  }

  onBatchAnswer(from: string, message: BatchAnswer): void {
    const entry = this.waiting.get(message.id);
    if (!entry || entry.gateway !== from) return; // late, or not from the peer that was asked
    this.clock().clearTimeout(entry.timer);
    this.waiting.delete(message.id);
    entry.resolve(message);
  }

  // ---- notifications (10.7 step 7) ----------------------------------------------------------

  /**
   * A committed report or lift: the device's gateway and owner are told (an event); a lift
   * clears what this gateway counted of the device, so its fixed traffic is taken again.
   */
  private async onBlocklist(
    t: Tx,
    txId: string,
    block: Block,
    keys: Record<string, Uint8Array>,
  ): Promise<void> {
    const { deps } = this;
    const device = (t.body as { device: string }).device;
    const stored = await deps.storage.getState(deps.chain().chainId, blocklistPrefix + device);
    if (!stored) return;
    const record = decodeBlockRecord(stored);
    const lifted = t.type === 'device.unblock' && record.lifted?.tx === txId;
    if (lifted) {
      this.traffic.delete(device);
      this.reported.delete(device);
    }
    const owner = deps.chain().devices?.devices.get(device)?.owner;
    if (!(device in keys) && owner !== deps.self()) return;
    const blockedNow = record.blocked === block.header.height;
    if (!lifted && !blockedNow && t.from === deps.self()) return; // own report: told at submit
    notify(deps, {
      kind: lifted ? 'device-unblocked' : blockedNow ? 'device-blocked' : 'device-reported',
      device,
      requester: t.from,
      service: null,
      state: null,
      request: txId,
      digest: null,
      height: block.header.height,
      time: block.header.time,
      message: lifted
        ? `Device ${device} was unblocked by ${t.from}: ${record.lifted?.note}.`
        : blockedNow
          ? `Device ${device} is blocked: ${record.reports.length} gateways reported it (${record.reports.map((r) => r.reason).join('; ')}). No gateway takes its traffic until it is lifted.`
          : `Gateway ${t.from} reported device ${device}: ${(t.body as { reason: string }).reason}.`,
    });
  }

  /** After a block: tell the page about access requests and decisions for the devices this peer is the gateway of. */
  async onCommitted(block: Block, txIds: string[]): Promise<void> {
    if (
      !block.txs.some(
        (t) =>
          t.type === 'device.access.request' ||
          t.type === 'device.access.decide' ||
          t.type === 'device.message' ||
          t.type === 'device.report' ||
          t.type === 'device.unblock',
      )
    )
      return;
    const { deps } = this;
    const keys = await this.heldKeys();
    const chainId = deps.chain().chainId;
    for (let i = 0; i < block.txs.length; i++) {
      const t = block.txs[i]!;
      if (t.type === 'device.report' || t.type === 'device.unblock') {
        await this.onBlocklist(t, txIds[i]!, block, keys);
        continue;
      }
      if (t.type === 'device.message') {
        // A committed block only holds messages the recipient's records allowed.
        const { to, body } = t.body as { to: string; body: unknown };
        if (!(to in keys)) continue;
        notify(deps, {
          kind: 'message',
          device: to,
          requester: t.from,
          service: null,
          state: null,
          request: txIds[i]!,
          digest: null,
          height: block.header.height,
          time: block.header.time,
          message: `Message from device ${t.from}: ${JSON.stringify(body).slice(0, 120)}`,
          body,
        });
        continue;
      }
      const requested = t.type === 'device.access.request';
      const id = requested
        ? txIds[i]!
        : t.type === 'device.access.decide'
          ? (t.body as { request: string }).request
          : null;
      if (!id) continue;
      const stored = await deps.storage.getState(chainId, accessPrefix + id);
      if (!stored) continue;
      const record = decodeAccessRecord(stored);
      if (!(record.device in keys)) continue;
      // At request time: what the policy decided, or pending for the owner.
      const state = requested && record.decidedBy !== 'policy' ? 'pending' : record.state;
      notify(deps, {
        kind: requested ? 'access-requested' : 'access-decided',
        device: record.device,
        requester: record.requester,
        service: record.service,
        state,
        request: record.id,
        digest: null,
        height: block.header.height,
        time: block.header.time,
        message: requested
          ? `${record.requester} asks to read the device for "${record.service}" (${state}).`
          : `Access for "${record.service}" is ${record.state}.`,
      });
    }
  }
}

type BatchRequest = Extract<WireMessage, { kind: 'batchRequest' }>;
type BatchAnswer = Extract<WireMessage, { kind: 'batchAnswer' }>;
type Waiting = {
  gateway: string;
  resolve: (m: BatchAnswer) => void;
  timer: TimerHandle;
};

function notify(deps: DevicesHostDeps, notice: DeviceNotice): void {
  deps.emit({ type: 'device', notice });
}
