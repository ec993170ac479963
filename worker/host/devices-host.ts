// The peer as gateway (Y.4464 10.6, 10.7): it makes and keeps a key pair per device (seed in the
// storage meta), registers the device on chain, signs the device's readings with that key, and
// answers discovery and access queries from the committed state. Every transaction is checked
// against the committed state before it is signed, so a bad reading or an unauthorized decision
// is refused here with a plain message and never reaches a block.
import { encode } from '../core/codec';
import { toHex } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { botError } from '../core/errors';
import { checkTx, txIdOf, txSigningBytes, type Tx, type UnsignedTx } from '../core/tx';
import {
  accessLogPrefix, applyDeviceTx, decodeAccessLog, decodeReadings, deviceOverlayOf, emptyDevices, readingPrefix, registerProofBytes,
  type AccessPolicy, type DeviceRecord, type ReadingRecord,
} from '../core/devices';
import type { ChainState } from '../core/ledger';
import * as limits from '../core/limits';
import type { Storage } from '../store/storage';
import { createSigner, type Signer } from './crypto';
import type { DeviceAccessEventView, DeviceAccessPolicy, DeviceAccessView, DeviceReadingView, DeviceValue, DeviceView, RegisterDeviceRequest, TxResult } from '../api';

export interface DevicesHostDeps {
  storage: Storage;
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
  randomBytes(length: number): Uint8Array;
}

const keysMetaKey = 'devices.keys';
const batchesMetaKey = 'devices.batches';

export class DevicesHost {
  private keys: Record<string, Uint8Array> | null = null;
  private readonly signers = new Map<string, Promise<Signer>>();
  /** Highest nonce this peer has used per device; dropped when one of its transactions is rejected. */
  private readonly nonces = new Map<string, number>();
  /** Readings of one device are signed and admitted in call order (nonce order). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: DevicesHostDeps) {}

  private async heldKeys(): Promise<Record<string, Uint8Array>> {
    this.keys ??= (await this.deps.storage.getMeta<Record<string, Uint8Array>>(keysMetaKey)) ?? {};
    return this.keys;
  }

  private registry() {
    return this.deps.chain().devices ?? emptyDevices();
  }

  private device(did: string): DeviceRecord {
    if (typeof did !== 'string') throw botError('BAD_REQUEST', 'Name the device by its did:key.');
    const record = this.registry().devices.get(did);
    if (!record) throw botError('NOT_FOUND', `No device ${did} is registered on this chain (yet: a registration waits for its block).`);
    return record;
  }

  /** Check a device transaction against the committed state without changing anything. */
  private precheck(unsigned: UnsignedTx): void {
    const tx = checkTx({ ...unsigned, sig: new Uint8Array(64) });
    const chain = this.deps.chain();
    const error = applyDeviceTx(deviceOverlayOf(this.registry(), chain.chainId), tx, txIdOf(tx), chain.height + 1);
    if (error) throw error;
  }

  /** Sign as this peer, after the stateful check. */
  private async submitAsSelf(type: string, body: unknown): Promise<{ txId: string }> {
    const chain = this.deps.chain();
    this.precheck({ chain: chain.chainId, type, from: this.deps.self(), nonce: 1, time: this.deps.now(), body });
    return this.deps.submit({ type, body });
  }

  // ---- gateway ---------------------------------------------------------------------------

  async registerDevice(request: RegisterDeviceRequest): Promise<{ did: string; txId: string }> {
    if (typeof request !== 'object' || request === null) throw botError('BAD_REQUEST', 'registerDevice takes { id, kind, name, capabilities, owner?, policy? }.');
    const keys = await this.heldKeys();
    if (Object.keys(keys).length >= limits.deviceKeysMax) throw botError('TOO_LARGE', `This peer already holds ${limits.deviceKeysMax} device keys.`);
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
    this.precheck({ chain: chain.chainId, type: 'device.register', from: self, nonce: 1, time: this.deps.now(), body });
    // The key is kept before the registration is sent: a committed device never lacks its key.
    this.keys = { ...keys, [did]: seed };
    await this.deps.storage.putMeta(keysMetaKey, this.keys);
    this.signers.set(did, Promise.resolve(signer));
    const { txId } = await this.deps.submit({ type: 'device.register', body });
    return { did, txId };
  }

  async setDeviceStatus(device: string, status: DeviceView['status'], message: string | null = null): Promise<{ txId: string }> {
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
      if (!seed) throw botError('UNAUTHORIZED', 'This peer is not the gateway of this device: it does not hold its key.');
      signer = createSigner(seed);
      this.signers.set(did, signer);
    }
    return signer;
  }

  /** Sign a body as the device and admit it; readings of one device go out in order. */
  private signAsDevice(did: string, type: string, body: unknown): Promise<{ txId: string }> {
    const run = async () => {
      const signer = await this.signerFor(did);
      const chain = this.deps.chain();
      const committed = chain.nonces.get(did) ?? 0;
      const nonce = Math.max(committed, this.nonces.get(did) ?? 0) + 1;
      const unsigned: UnsignedTx = { chain: chain.chainId, type, from: did, nonce, time: this.deps.now(), body };
      this.precheck(unsigned);
      const tx: Tx = { ...unsigned, sig: await signer.sign(txSigningBytes(unsigned)) };
      this.nonces.set(did, nonce);
      const admitted = await this.deps.admit(tx);
      void this.deps.waitFor(admitted.txId, { timeoutMs: limits.waitTimeoutMsMax }).then(
        (result) => {
          if (result.status === 'rejected' && this.nonces.get(did) === nonce) this.nonces.delete(did);
        },
        () => this.nonces.delete(did),
      );
      return admitted;
    };
    const next = (this.queues.get(did) ?? Promise.resolve()).then(run, run);
    this.queues.set(did, next.catch(() => undefined));
    return next;
  }

  async deviceReading(device: string, reading: { values: Record<string, DeviceValue>; at?: number }): Promise<{ txId: string }> {
    if (typeof reading !== 'object' || reading === null) throw botError('BAD_REQUEST', 'deviceReading takes a device did and { values, at? }.');
    this.device(device);
    return this.signAsDevice(device, 'device.reading', { values: reading.values, at: reading.at ?? this.deps.now() });
  }

  async deviceReadingBatch(device: string, samples: Array<{ values: Record<string, DeviceValue>; at: number }>): Promise<{ txId: string; digest: string }> {
    if (!Array.isArray(samples) || samples.length === 0) throw botError('BAD_REQUEST', 'deviceReadingBatch takes a device did and a non-empty list of { values, at }.');
    this.device(device);
    const bytes = encode(samples);
    if (bytes.length > limits.deviceBatchBytesMax) throw botError('TOO_LARGE', `The batch is ${bytes.length} bytes; the limit is ${limits.deviceBatchBytesMax}. Send smaller batches.`);
    const digest = sha256(bytes);
    const ats = samples.map((s) => s.at);
    const last = samples[samples.length - 1]!;
    const body = { values: last.values, at: last.at, batch: { digest, count: samples.length, first: Math.min(...ats), last: Math.max(...ats) } };
    // Off chain: the samples stay on this peer, content-addressed by their digest.
    const hex = toHex(digest);
    const kept = (await this.deps.storage.getMeta<string[]>(batchesMetaKey)) ?? [];
    const next = [...kept.filter((k) => k !== hex), hex];
    while (next.length > limits.deviceBatchesKeptMax) await this.deps.storage.putMeta(`devices.batch.${next.shift()}`, null);
    await this.deps.storage.putMeta(`devices.batch.${hex}`, bytes);
    await this.deps.storage.putMeta(batchesMetaKey, next);
    const { txId } = await this.signAsDevice(device, 'device.reading', body);
    return { txId, digest: hex };
  }

  // ---- discovery and access ----------------------------------------------------------------

  async devices(): Promise<DeviceView[]> {
    const keys = await this.heldKeys();
    const chain = this.deps.chain();
    const records = [...this.registry().devices.values()].sort((a, b) => a.registered - b.registered).slice(-limits.deviceListedMax);
    const out: DeviceView[] = [];
    for (const r of records) {
      const latest = await this.deps.storage.getState(chain.chainId, readingPrefix + r.did);
      const readings = latest ? decodeReadings(latest) : [];
      const last = readings[readings.length - 1];
      out.push({
        did: r.did, id: r.id, kind: r.kind, name: r.name, gateway: r.gateway, owner: r.owner, capabilities: r.capabilities,
        status: r.status, statusMessage: r.statusMessage, policy: r.policy as AccessPolicy, registeredHeight: r.registered, txId: r.tx,
        held: r.did in keys, latest: last ? readingView(last) : null,
      });
    }
    return out;
  }

  async deviceReadings(device: string, options?: { limit?: number }): Promise<DeviceReadingView[]> {
    this.device(device);
    const limit = Math.min(Math.max(1, Math.floor(options?.limit ?? limits.deviceListedMax)), limits.deviceListedMax);
    const versions = await this.deps.storage.history(this.deps.chain().chainId, readingPrefix + device);
    const out: DeviceReadingView[] = [];
    for (let i = versions.length - 1; i >= 0 && out.length < limit; i--) {
      const list = decodeReadings(versions[i]!.entry);
      for (let j = list.length - 1; j >= 0 && out.length < limit; j--) out.push(readingView(list[j]!));
    }
    return out.reverse();
  }

  async requestDeviceAccess(device: string, request: { service: string; purpose?: string }): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null) throw botError('BAD_REQUEST', 'requestDeviceAccess takes a device did and { service, purpose? }.');
    this.device(device);
    return this.submitAsSelf('device.access.request', { device, service: request.service, purpose: request.purpose ?? '' });
  }

  async decideDeviceAccess(request: string, grant: boolean): Promise<{ txId: string }> {
    return this.submitAsSelf('device.access.decide', { request, grant });
  }

  async deviceAccessLog(device: string): Promise<{ events: DeviceAccessEventView[]; open: DeviceAccessView[] }> {
    this.device(device);
    const versions = await this.deps.storage.history(this.deps.chain().chainId, accessLogPrefix + device);
    const events = versions.flatMap((v) => decodeAccessLog(v.entry)).slice(-limits.deviceListedMax);
    const open = [...this.registry().open.values()].filter((r) => r.device === device);
    return { events, open };
  }
}

function readingView(r: ReadingRecord): DeviceReadingView {
  return { txId: r.tx, height: r.height, at: r.at, values: r.values, batch: r.batch ? { ...r.batch, digest: toHex(r.batch.digest) } : null };
}
