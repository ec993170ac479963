import { fromHex, toHex, utf8 } from '../core/bytes';
import { botError, type BotError } from '../core/errors';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import type { Block } from '../core/block';
import * as limits from '../core/limits';
import {
  datasetTxTypes,
  decodeDatasetEvents,
  decodeVersionEntry,
  decodeWrappedKey,
  derivedFor,
  emptyDatasets,
  logPrefix,
  mayReadVersion,
  versionKey,
  versionPrefix,
  wrapPrefix,
  viewersOf,
  viewOf,
  type DatasetRegistry,
  type DatasetState,
} from '../core/modules/datasets';
import {
  checkReadView,
  deviceDatasetId,
  deviceReadingsSchema,
  fullView,
  type ReadView,
} from '../core/modules/datasets/views';
import { holdersOf } from '../core/modules/datasets/placement';
import { chunkCount } from '../core/modules/datasets/manifest';
import {
  chunkPlainBytes,
  gcmTagBytes,
  grantVersionsMax,
  versionPlainBytesMax,
} from '../core/modules/datasets/limits';
import { keyCheckOf, type WrappedKey } from '../core/modules/datasets/keys';
import type { Storage } from '../store/storage';
import type { BlobId, BlobStore } from '../data/blob-store';
import { openVersion, sealVersion } from '../data/seal';
import { readerKeysFromSeed, unwrapContentKey, wrapForReaders } from '../data/envelope';
import { keptEphemerals, type X25519Backend } from '../data/x25519';
import { tampered } from '../data/errors';
import type { WireMessage } from './wire';
import type { Clock } from '../net/clock';
import { KeyedLock } from './keyed-lock';
import { BlobExchange, type BlobAnswer } from './datasets-blobs';
import { commitWaitBlocksMax, DatasetHolders } from './datasets-holders';
import { BlobCollector } from './datasets-collect';
import { ChunkPush } from './datasets-push';
import { DatasetViews } from './datasets-views';
import { DatasetAnalytics } from './datasets-analytics';
import { DatasetProxy, latestPurpose } from './datasets-proxy';
import type {
  AnalyticsJobView,
  AnalyticsRequest,
  AnalyticsResultView,
  DatasetEventView,
  DatasetPolicyView,
  DatasetProgress,
  DatasetReadResult,
  DatasetView,
  PeerEvent,
  TxResult,
} from '../api';

/**
 * Plaintext bytes readDataset returns at most in one answer (held whole in memory); larger
 * versions are read with readDatasetStream (one chunk at a time).
 */
export const readResultBytesMax = Math.min(versionPlainBytesMax, 128 * 1024 * 1024);
/** Access-log lines one accessLog answer lists (the newest). */
export const accessLogListedMax = 1_000;
/** A holder's answer to one blob request waits at most this long for the answer to commit. */
const commitWaitMs = 60_000;

export { blobFetchTimeoutMs, blobRequestsInFlightMax } from './datasets-blobs';
export {
  accessRecordWaitMs,
  holdersPolicyName,
  replicateRetryMs,
  replicateTriesMax,
} from './datasets-holders';
export { blobCollectDelayMs, versionReferenced } from './datasets-collect';

/** A read in progress: the version's facts, and its plaintext chunk by chunk. */
export interface DatasetReadStream {
  dataset: string;
  version: number;
  fingerprint: string;
  /** Plaintext bytes the chunks add up to. */
  plainBytes: number;
  accessTxId: string | null;
  /** The view this reader was granted (a projection or an aggregate), or null: the full version. */
  view: ReadView | null;
  /** Holders chunks came from, and holders dropped for wrong bytes (filled while reading). */
  servedBy: string[];
  dropped: string[];
  chunks: AsyncGenerator<Uint8Array>;
}

type PutResult = { txId: string; version: number; fingerprint: string; sealedBytes: number };

export interface DatasetsHostDeps {
  storage: Storage;
  blobs: BlobStore;
  /** The committed chain state now. */
  chain(): ChainState;
  self(): string;
  /** This peer's identity seed (its X25519 key derives from it). */
  seed(): Uint8Array;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  now(): number;
  /** Timers (the simulator's virtual time, or the runtime's). */
  clock: Clock;
  emit(event: PeerEvent): void;
  /** Send to a neighbour; false when there is no open link to it. */
  send(to: string, message: WireMessage): boolean;
  /** Send encoded bytes (encodeWire) to a neighbour; they are not kept: several sends may share them. */
  sendEncoded(to: string, bytes: Uint8Array): boolean;
  /** Dids of the neighbours linked now. */
  neighbours(): string[];
  record(level: 'info' | 'warn' | 'error', message: string): void;
  x25519(): Promise<X25519Backend>;
}

export class DatasetsHost {
  private readonly versionLock = new KeyedLock('bot-dataset-version:');
  /** putDatasetVersion turns running (sealing, or waiting for the version to commit). */
  private putsInFlight = 0;
  private readonly exchange: BlobExchange;
  private readonly holders: DatasetHolders;
  private readonly collector: BlobCollector;
  private readonly push: ChunkPush;
  private readonly views: DatasetViews;
  private readonly analytics: DatasetAnalytics;
  private readonly proxy: DatasetProxy;
  private membersKey: string | null = null;
  /** Device datasets being published (the first batches of a device wait for one publication). */
  private readonly devicePublishing = new Map<string, Promise<void>>();

  constructor(private readonly d: DatasetsHostDeps) {
    this.exchange = new BlobExchange(d);
    this.holders = new DatasetHolders({
      ...d,
      exchange: this.exchange,
      partialBlob: (from, id) => this.analytics.partialBlob(from, id),
      progress: (progress) => this.progress(progress),
    });
    this.views = new DatasetViews({
      ...d,
      holders: this.holders,
      plain: async (dataset, version) => (await this.readDataset(dataset, { version })).bytes,
      commit: (type, body) => this.committed(this.submitChecked(type, body)),
    });
    this.analytics = new DatasetAnalytics({
      ...d,
      readerKeys: () => this.readerKeys(),
      plain: async (dataset, version) => (await this.readDataset(dataset, { version })).bytes,
      submit: (type, body) => this.submitChecked(type, body),
      committed: (p) => this.committed(p),
      nextCommit: (ms) => this.holders.nextCommit(ms),
      ask: (peer, id) => this.exchange.ask(peer, id),
    });
    this.proxy = new DatasetProxy({
      ...d,
      registry: () => this.registry(),
      contentKey: (dataset, version, backend) => this.contentKey(dataset, version, backend),
      ensureKey: () => this.ensureKey(),
      submit: (type, body) => this.submitChecked(type, body),
    });
    this.push = new ChunkPush({
      ...d,
      holders: this.holders,
      scheduleCollect: () => this.collector.schedule(),
    });
    this.collector = new BlobCollector({
      ...d,
      holders: this.holders,
      putsInFlight: () => this.putsInFlight + this.views.running + this.analytics.running,
      partials: () => this.analytics.referenced(),
      recentlyPushed: (ms) => this.push.recentlyPushed(ms),
    });
  }

  private registry(): DatasetRegistry {
    return this.d.chain().datasets ?? emptyDatasets();
  }

  private dataset(id: unknown): DatasetState {
    if (typeof id !== 'string') throw botError('BAD_REQUEST', 'Name the dataset by its id.');
    const d = this.registry().datasets.get(id);
    if (!d)
      throw botError(
        'NOT_FOUND',
        `No dataset "${id}" is published on this chain (yet: a publication waits for its block).`,
      );
    return d;
  }

  /** Check against the committed state, then sign and submit. */
  private async submitChecked(type: string, body: unknown): Promise<{ txId: string }> {
    const chain = this.d.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type,
      from: this.d.self(),
      nonce: 1,
      time: this.d.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.d.submit({ type, body });
  }

  private async committed(p: Promise<{ txId: string }>): Promise<string> {
    const { txId } = await p;
    const result = await this.d.waitFor(txId, { timeoutMs: commitWaitMs });
    if (result.status !== 'committed') {
      const e = result.error;
      throw botError(e?.code ?? 'BAD_REQUEST', e?.message ?? 'The transaction was rejected.');
    }
    return txId;
  }

  private readerKeys() {
    return readerKeysFromSeed(this.d.seed(), this.d.self());
  }

  /** Publish this peer's X25519 key on chain once (it is needed to wrap keys for it). */
  private async ensureKey(): Promise<void> {
    if (this.registry().keys.has(this.d.self())) return;
    const { binding } = this.readerKeys();
    await this.committed(
      this.submitChecked('identity.x25519', { key: binding.x25519, signature: binding.signature }),
    );
  }

  // ---- owner ---------------------------------------------------------------------------------

  async publishDataset(request: {
    id: string;
    labels?: string[];
    schema?: string;
    policy?: DatasetPolicyView;
  }): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'publishDataset takes { id, labels?, schema?, policy? }.');
    await this.ensureKey();
    return this.submitChecked('dataset.publish', {
      id: request.id,
      labels: request.labels ?? [],
      schema: request.schema ?? '',
      policy: request.policy ?? { mode: 'owner' },
    });
  }

  /**
   * Seal and record the next version. Calls for one dataset run one at a time (Web Locks in
   * tabs, a queue in Node) and each holds its turn until its version commits or fails, so two
   * concurrent calls land as consecutive versions instead of both picking the same number.
   */
  putDatasetVersion(id: string, content: Uint8Array | string): Promise<PutResult> {
    const key = `${this.d.chain().chainId}/${typeof id === 'string' ? id : ''}`;
    return new Promise((resolve, reject) => {
      void this.versionLock.run(key, async () => {
        this.putsInFlight += 1;
        try {
          let put: PutResult;
          try {
            put = await this.putVersionNow(id, content);
          } catch (error) {
            reject(error);
            return;
          }
          resolve(put);
          // Keep the turn until the chain has the version (or refused it): the next call reads
          // the new latest version number.
          const result = await this.d
            .waitFor(put.txId, { timeoutMs: commitWaitMs })
            .catch(() => null);
          if (result?.status === 'committed') await this.untilLatest(id, put.version);
          else this.collector.schedule(); // its sealed blobs are referenced by nothing
        } finally {
          this.putsInFlight -= 1;
        }
      });
    });
  }

  /** Wait (for blocks to be applied here) until `id`'s latest version is at least `version`. */
  private async untilLatest(id: string, version: number): Promise<void> {
    for (let i = 0; i < commitWaitBlocksMax; i++) {
      if ((this.registry().datasets.get(id)?.latest ?? 0) >= version) return;
      await this.holders.nextCommit(commitWaitMs);
    }
  }

  private async putVersionNow(id: string, content: Uint8Array | string): Promise<PutResult> {
    const dataset = this.dataset(id);
    if (dataset.owner !== this.d.self())
      throw botError('UNAUTHORIZED', `Only the owner of "${id}" adds versions.`);
    const bytes = typeof content === 'string' ? utf8(content) : content;
    if (!(bytes instanceof Uint8Array))
      throw botError('BAD_REQUEST', 'The content of a version is bytes or text.');
    const version = dataset.latest + 1;
    const keys = this.registry().keys;
    const bindings = [dataset.owner, ...dataset.readers].map((did) => {
      const binding = keys.get(did);
      if (!binding) throw botError('NOT_FOUND', `${did} has no X25519 key on chain.`);
      return binding;
    });
    const progress = (doneBytes: number, totalBytes: number) =>
      this.progress({ dataset: id, version, phase: 'seal', doneBytes, totalBytes });
    // Each chunk goes to its holders as soon as it is sealed (datasets-push.ts); they replicate
    // whatever did not arrive once the version commits.
    const session = this.push.session(this.holders.members(), await this.holders.holdersK());
    const sealed = await sealVersion(oneChunk(bytes), bytes.length, this.d.blobs, {
      onProgress: progress,
      onSealed: (id, chunk) => session.push(id, chunk),
    });
    try {
      // The last pushes answered (or given up) before the version is submitted: a holder that
      // kept its chunks holds them all once the version commits.
      await session.settled();
      const copies = [...session.kept.values()].reduce((sum, n) => sum + n, 0);
      this.d.record(
        'info',
        `Version ${version} of "${id}": ${copies} chunk copies pushed while sealing, kept by ${session.kept.size} holder(s)${session.gaveUp.size > 0 ? `; ${session.gaveUp.size} holder(s) not pushed to replicate once it commits` : ''}.`,
      );
      const wrapped = await wrapForReaders(
        sealed.contentKey,
        sealed.fingerprint,
        bindings,
        await this.d.x25519(),
      );
      const { txId } = await this.submitChecked('dataset.version', {
        dataset: id,
        version,
        fingerprint: sealed.fingerprint,
        sealedBytes: sealed.sealedBytes,
        keys: wrapped,
        keyCheck: keyCheckOf(sealed.contentKey, sealed.fingerprint),
      });
      this.holders.index(id, version, sealed.fingerprint, sealed.manifest);
      return {
        txId,
        version,
        fingerprint: toHex(sealed.fingerprint),
        sealedBytes: sealed.sealedBytes,
      };
    } catch (error) {
      await Promise.all(sealed.blobs.map((b) => this.d.blobs.delete(b).catch(() => false)));
      throw error;
    }
  }

  /**
   * A gateway keeps a device's reading batch as the next version of the device's dataset (owned
   * by this peer, published at the first batch with the device-readings schema): sealed and
   * replicated like any version, so no batch whose fingerprint is on chain is ever dropped.
   */
  async putDeviceBatch(
    device: string,
    bytes: Uint8Array,
  ): Promise<{ dataset: string; version: number; txId: string }> {
    const id = deviceDatasetId(device, this.d.self());
    const publishing =
      this.devicePublishing.get(id) ??
      (async () => {
        if (this.registry().datasets.has(id)) return;
        await this.ensureKey();
        await this.committed(
          this.submitChecked('dataset.publish', {
            id,
            labels: ['device', device],
            schema: deviceReadingsSchema,
            policy: { mode: 'owner' },
          }),
        );
      })();
    this.devicePublishing.set(id, publishing);
    try {
      await publishing;
    } finally {
      if (this.devicePublishing.get(id) === publishing) this.devicePublishing.delete(id);
    }
    const put = await this.putDatasetVersion(id, bytes);
    return { dataset: id, version: put.version, txId: put.txId };
  }

  /**
   * Grant or deny a request. A grant gives the view the request asked for, or `view` when given
   * (the same or narrower); for a projection or an aggregate no key of the full versions is
   * wrapped: the view of the latest version is derived here first (a content it cannot be
   * derived from is refused before anything is signed), and recorded once the grant commits.
   */
  async decideAccess(request: string, grant: boolean, view?: ReadView): Promise<{ txId: string }> {
    if (typeof request !== 'string' || typeof grant !== 'boolean')
      throw botError('BAD_REQUEST', 'decideAccess takes a request id and true or false.');
    const open = this.registry().open.get(request);
    if (!open || (open.state !== 'pending' && open.state !== 'approved'))
      throw botError('NOT_FOUND', 'There is no open request with this id.');
    const dataset = this.dataset(open.dataset);
    if (dataset.owner !== this.d.self())
      throw botError('UNAUTHORIZED', `Only the owner of "${dataset.id}" decides access to it.`);
    if (!grant) return this.submitChecked('dataset.deny', { request });
    const granted = view === undefined ? (open.view ?? fullView) : checkReadView(view);
    if (granted.kind === 'full') {
      const keys = await this.windowKeys(dataset, open.reader);
      return this.submitChecked('dataset.grant', { request, keys, ...(view ? { view } : {}) });
    }
    if (dataset.latest >= 1) await this.views.derive(dataset, dataset.latest, granted);
    return this.submitChecked('dataset.grant', { request, keys: [], view: granted });
  }

  /**
   * The content keys of the grant window's versions, wrapped for `reader` (grants, market
   * deliveries). With `ephemerals`, each wrap's ephemeral private key is pushed to it, in order
   * (a sale under a key check keeps them to answer a dispute, worker/host/market.ts).
   */
  async windowKeys(
    dataset: DatasetState,
    reader: string,
    ephemerals?: Uint8Array[],
  ): Promise<Array<{ version: number; key: WrappedKey }>> {
    const binding = this.registry().keys.get(reader);
    if (!binding) throw botError('NOT_FOUND', `${reader} has no X25519 key on chain.`);
    const backend = await this.d.x25519();
    const wrapper = ephemerals ? keptEphemerals(ephemerals) : backend;
    const keys: Array<{ version: number; key: WrappedKey }> = [];
    const first = Math.max(1, dataset.latest - grantVersionsMax + 1);
    for (let v = first; v <= dataset.latest; v++) {
      const { fingerprint, contentKey } = await this.contentKey(dataset.id, v, backend);
      const [key] = await wrapForReaders(contentKey, fingerprint, [binding], wrapper);
      keys.push({ version: v, key: key! });
    }
    return keys;
  }

  /** This peer's X25519 key on chain (committed), so that a seller can wrap a key for it. */
  async readyToRead(): Promise<void> {
    await this.ensureKey();
  }

  async revokeAccess(dataset: string, reader: string): Promise<{ txId: string }> {
    this.dataset(dataset);
    return this.submitChecked('dataset.revoke', { dataset, reader });
  }

  // ---- reader --------------------------------------------------------------------------------

  /**
   * Ask for access: to the full data, or to a view (a projection or an aggregate); with `for`,
   * as a data proxy for that enterprise (datasets-proxy.ts).
   */
  async requestAccess(
    dataset: string,
    purpose: string,
    view?: ReadView,
    options: { for?: string } = {},
  ): Promise<{ txId: string }> {
    this.dataset(dataset);
    const asked = view === undefined ? fullView : checkReadView(view);
    await this.ensureKey();
    return this.submitChecked('dataset.request', {
      dataset,
      purpose,
      ...(asked.kind === 'full' ? {} : { view: asked }),
      ...(options.for === undefined ? {} : { for: options.for }),
    });
  }

  confirmProxy(request: string): Promise<{ txId: string }> {
    return this.proxy.confirmProxy(request);
  }

  forwardDataset(request: string, versions?: number[]) {
    return this.proxy.forwardDataset(request, versions);
  }

  /** The wrapped keys of a version (as published, and added by grants) for this peer. */
  private async contentKey(
    dataset: string,
    version: number,
    backend: X25519Backend,
  ): Promise<{ fingerprint: Uint8Array; contentKey: Uint8Array }> {
    const chainId = this.d.chain().chainId;
    const path = versionKey(dataset, version);
    const entryBytes = await this.d.storage.getState(chainId, versionPrefix + path);
    if (!entryBytes) throw botError('NOT_FOUND', `"${dataset}" has no version ${version}.`);
    const entry = decodeVersionEntry(entryBytes);
    const wrapped = [...entry.keys];
    const mine = await this.d.storage.getState(chainId, `${wrapPrefix}${path}/${this.d.self()}`);
    if (mine) wrapped.push(decodeWrappedKey(mine));
    const contentKey = await unwrapContentKey(
      wrapped,
      entry.fingerprint,
      this.readerKeys(),
      backend,
    );
    return { fingerprint: entry.fingerprint, contentKey };
  }

  /** The key of the view derived for this peer of one version (wrapped for it only). */
  private async derivedKey(dataset: string, version: number, backend: X25519Backend) {
    const derived = derivedFor(this.registry(), dataset, version, this.d.self());
    if (!derived) throw notShared(dataset, version, true);
    const contentKey = await unwrapContentKey(
      [derived.key],
      derived.fingerprint,
      this.readerKeys(),
      backend,
    );
    return { fingerprint: derived.fingerprint, contentKey };
  }

  /**
   * Read a version as a stream: the access is recorded on chain first, then chunks are fetched
   * from this peer's store or holders, checked and decrypted one at a time (at most one chunk of
   * plaintext and readChunksAheadMax fetched ahead are held), with `dataset` progress events (phase 'read').
   * `servedBy` and `dropped` fill in as the stream is read.
   */
  async readDatasetStream(
    id: string,
    options: { version?: number; purpose?: string } = {},
  ): Promise<DatasetReadStream> {
    const dataset = this.dataset(id);
    const self = this.d.self();
    const registry = this.registry();
    const view = viewOf(dataset, self);
    const may = (v: number) =>
      view
        ? derivedFor(registry, id, v, self) !== undefined
        : mayReadVersion(registry, id, v, self);
    let version = options?.version;
    if (version === undefined) {
      for (let v = dataset.latest; v >= 1 && version === undefined; v--) if (may(v)) version = v;
      if (version === undefined) throw notShared(id, undefined, view !== null);
    }
    if (!Number.isSafeInteger(version) || version < 1 || version > dataset.latest)
      throw botError('NOT_FOUND', `"${id}" has no version ${String(version)}.`);
    if (!may(version)) throw notShared(id, version, view !== null);
    // A viewer reads the view derived for it, never the version itself.
    const state = view
      ? derivedFor(registry, id, version, self)!
      : registry.versions.get(versionKey(id, version))!;
    const chunks = Math.max(1, Math.ceil(state.sealedBytes / (chunkPlainBytes + gcmTagBytes)));
    const plainBytes = state.sealedBytes - chunks * gcmTagBytes;
    // Accounting first (Y.4560 8.4): the chain records the reader, the version and the purpose.
    let accessTxId: string | null = null;
    if (self !== dataset.owner) {
      const purpose = options?.purpose ?? latestPurpose(registry, id, self) ?? 'read';
      accessTxId = await this.committed(
        this.submitChecked('dataset.access', { dataset: id, version, purpose }),
      );
    }
    const backend = await this.d.x25519();
    const { fingerprint, contentKey } = view
      ? await this.derivedKey(id, version, backend)
      : await this.contentKey(id, version, backend);
    const servedBy: string[] = [];
    const dropped = new Set<string>();
    const droppedList: string[] = [];
    const members = this.holders.members();
    const k = await this.holders.holdersK();
    const source = async (blob: BlobId) => {
      const local = await this.d.blobs.get(blob);
      if (local) return local;
      const preferred = [dataset.owner, ...holdersOf(fromHex(blob), members, k)];
      const got = await this.exchange.fetchBlob(blob, preferred, dropped);
      if (!servedBy.includes(got.from)) servedBy.push(got.from);
      for (const did of dropped) if (!droppedList.includes(did)) droppedList.push(did);
      return got.bytes;
    };
    const read = version;
    return {
      dataset: id,
      version,
      fingerprint: toHex(fingerprint),
      plainBytes,
      accessTxId,
      view,
      servedBy,
      dropped: droppedList,
      chunks: openVersion(fingerprint, contentKey, source, (done, all) =>
        this.progress({
          dataset: id,
          version: read,
          phase: 'read',
          doneBytes: done,
          totalBytes: all,
        }),
      ),
    };
  }

  /**
   * Read a version whole (a convenience over readDatasetStream): TOO_LARGE past
   * readResultBytesMax, before anything is fetched or recorded.
   */
  async readDataset(
    id: string,
    options: { version?: number; purpose?: string } = {},
  ): Promise<DatasetReadResult> {
    const dataset = this.dataset(id);
    const version = options?.version ?? dataset.latest;
    const state = viewOf(dataset, this.d.self())
      ? derivedFor(this.registry(), id, version, this.d.self())
      : this.registry().versions.get(versionKey(id, version));
    if (
      state &&
      state.sealedBytes > readResultBytesMax + chunkCount(readResultBytesMax) * gcmTagBytes
    )
      throw botError(
        'TOO_LARGE',
        `Version ${version} of "${id}" is larger than one whole read returns (readResultBytesMax, ${readResultBytesMax} bytes): read it as a stream.`,
      );
    const stream = await this.readDatasetStream(id, options);
    const bytes = new Uint8Array(stream.plainBytes);
    let at = 0;
    for await (const plain of stream.chunks) {
      if (at + plain.length > bytes.length) throw tampered('The version');
      bytes.set(plain, at);
      at += plain.length;
    }
    if (at !== bytes.length) throw tampered('The version');
    return {
      dataset: id,
      version: stream.version,
      fingerprint: stream.fingerprint,
      bytes,
      accessTxId: stream.accessTxId,
      view: stream.view,
      servedBy: [...stream.servedBy],
      dropped: [...stream.dropped],
    };
  }

  // ---- views ---------------------------------------------------------------------------------

  async datasets(): Promise<DatasetView[]> {
    const registry = this.registry();
    const self = this.d.self();
    const out: DatasetView[] = [];
    for (const d of registry.datasets.values()) {
      const versions = [];
      for (let v = 1; v <= d.latest; v++) {
        const s = registry.versions.get(versionKey(d.id, v));
        if (!s) continue;
        const readers = [d.owner, ...s.readers.filter((r) => r !== d.owner)];
        versions.push({
          version: v,
          fingerprint: toHex(s.fingerprint),
          sealedBytes: s.sealedBytes,
          height: s.height,
          time: s.time,
          txId: s.tx,
          readers,
          readable: readers.includes(self),
          view: derivedFor(registry, d.id, v, self)?.view ?? null,
        });
      }
      const requests = [...registry.open.values()]
        .filter((r) => r.dataset === d.id && [d.owner, r.reader, r.for].includes(self))
        .map((r) => ({
          id: r.id,
          dataset: r.dataset,
          reader: r.reader,
          purpose: r.purpose,
          view: r.view ?? fullView,
          state: r.state,
          by: r.by,
          for: r.for ?? null,
          confirmed: r.confirmed !== undefined,
          height: r.height,
          time: r.time,
        }));
      out.push({
        id: d.id,
        owner: d.owner,
        mine: d.owner === self,
        labels: d.labels,
        schema: d.schema,
        policy: d.policy,
        readers: d.readers,
        viewers: viewersOf(d),
        versions,
        requests,
        height: d.height,
        txId: d.tx,
      });
    }
    return out;
  }

  async accessLog(id: string): Promise<DatasetEventView[]> {
    this.dataset(id);
    const versions = await this.d.storage.history(this.d.chain().chainId, logPrefix + id);
    return versions
      .flatMap((v) => decodeDatasetEvents(v.entry, limits.blockBytesMax))
      .slice(-accessLogListedMax)
      .map(({ tx, ...e }) => ({ ...e, txId: tx }));
  }

  // ---- distributed analytics (datasets-analytics.ts) ----------------------------------------

  runAnalytics(request: AnalyticsRequest): Promise<AnalyticsResultView> {
    return this.analytics.runAnalytics(request);
  }

  analyticsResult(job: string, options?: { timeoutMs?: number }): Promise<AnalyticsResultView> {
    return this.analytics.analyticsResult(job, options);
  }

  async analyticsJobs(): Promise<AnalyticsJobView[]> {
    return this.analytics.analyticsJobs();
  }

  /** Answer the open jobs this owner has not answered yet (at start: see DatasetAnalytics.resume). */
  resumeAnalytics(): number {
    return this.analytics.resume();
  }

  /** Resolves when the analytics jobs scheduled here so far are answered (or failed). */
  analyticsAnswered(): Promise<void> {
    return this.analytics.idle();
  }

  // ---- holders, collection, blobs over the mesh (datasets-holders/-collect/-blobs.ts) ---------

  /**
   * After a committed block (in the background): holders fetch the blobs of new versions; when
   * the members change, every version is placed again and new holders fetch their blobs (repair);
   * the owner wraps keys for requests its list policy approved.
   */
  onCommitted(block: Block, txIds: string[]): void {
    block.txs.forEach((tx, i) => {
      if (txIds[i] === undefined) return;
      if (tx.type === 'dataset.version') {
        const { dataset, version } = tx.body as { dataset: string; version: number };
        this.holders.background(
          () => this.holders.replicate(dataset, version),
          `Version ${version} of "${dataset}"`,
        );
      }
      if (tx.type === 'dataset.request') this.grantByPolicy(txIds[i]!);
      if (tx.type === 'dataset.confirm')
        this.grantByPolicy((tx.body as { request: string }).request);
      // An owner answers the analytics jobs that name its datasets (datasets-analytics.ts).
      if (tx.type === 'analytics.job') this.analytics.schedule(txIds[i]!);
      // The owner derives the views of its viewers: at a grant to a view, and at each version.
      if (tx.type === 'dataset.grant' || tx.type === 'dataset.version') {
        const body = tx.body as { dataset?: string; request?: string };
        const id = body.dataset ?? this.requestDataset(body.request);
        const d = id ? this.registry().datasets.get(id) : undefined;
        if (d && d.owner === this.d.self() && viewersOf(d).length > 0) this.views.schedule(d.id);
      }
      if (tx.type === 'dataset.derive') {
        const { dataset, version, reader } = tx.body as {
          dataset: string;
          version: number;
          reader: string;
        };
        this.holders.background(
          () => this.holders.replicate(dataset, version, reader),
          `The view of version ${version} of "${dataset}" for ${reader}`,
        );
      }
      // Revocations, new versions (the grant window moves) and governance (members, the
      // holders-per-blob policy) can leave blobs here unreferenced.
      if (tx.type === 'dataset.revoke' || tx.type === 'dataset.version') this.collector.schedule();
      if (tx.type.startsWith('member.')) this.collector.schedule();
      if (tx.type === 'dataset.access') {
        const { dataset, version } = tx.body as { dataset: string; version: number };
        this.holders.noteAccess(dataset, version, tx.from);
      }
    });
    this.holders.wakeCommitWaiters();
    const members = this.holders.members().sort().join(' ');
    if (this.membersKey !== null && members !== this.membersKey) {
      this.collector.schedule();
      const versions = [...this.registry().versions.values()];
      for (const v of versions)
        this.holders.background(
          () => this.holders.replicate(v.dataset, v.version),
          `Version ${v.version} of "${v.dataset}"`,
        );
      for (const v of this.registry().derived.values())
        this.holders.background(
          () => this.holders.replicate(v.dataset, v.version, v.reader),
          `The view of version ${v.version} of "${v.dataset}"`,
        );
    }
    this.membersKey = members;
  }

  /** The dataset of a request (a granted one stays open until revoked). */
  private requestDataset(request: string | undefined): string | undefined {
    return request === undefined ? undefined : this.registry().open.get(request)?.dataset;
  }

  /** Resolves when the views scheduled for derivation so far are derived (or failed). */
  viewsDerived(): Promise<void> {
    return this.views.idle();
  }

  /** A request the dataset's list policy approved: its owner's peer wraps the keys at once. */
  private grantByPolicy(request: string): void {
    const open = this.registry().open.get(request);
    if (open?.state !== 'approved' || (open.for !== undefined && !open.confirmed)) return;
    if (this.registry().datasets.get(open.dataset)?.owner !== this.d.self()) return;
    void this.decideAccess(request, true).catch((error) =>
      this.d.record(
        'warn',
        `The request ${request.slice(0, 12)}… approved by the policy of "${open.dataset}" was not granted: ${(error as Error).message}`,
      ),
    );
  }

  /** The peer stops: no collection timer stays armed and no background work starts. */
  stop(): void {
    this.push.stop();
    this.collector.stop();
    this.holders.stop();
    this.views.stop();
    this.analytics.stop();
  }

  /** Fetch what this peer must hold of one version: the manifest, and the chunks placed here. */
  replicate(dataset: string, version: number): Promise<void> {
    return this.holders.replicate(dataset, version);
  }

  /** Delete the blobs nothing references here any more (datasets-collect.ts). */
  collectGarbage(): Promise<{ blobs: number; bytes: number }> {
    return this.collector.collectGarbage();
  }

  /** Bytes and blobs this peer keeps for datasets, and its quota (setting blobQuotaBytes). */
  async storageUsage(): Promise<{ bytes: number; blobs: number; quotaBytes: number }> {
    return this.d.blobs.usage();
  }

  onBlobData(from: string, message: BlobAnswer): void {
    this.exchange.onBlobData(from, message);
  }

  /** A member pushes a chunk placed here while it seals (datasets-push.ts). */
  onBlobPush(from: string, message: Extract<WireMessage, { kind: 'blobPush' }>): Promise<void> {
    return this.push.onPush(from, message);
  }

  /** A holder answered a chunk this peer pushed. */
  onBlobPushed(from: string, message: Extract<WireMessage, { kind: 'blobPushed' }>): void {
    this.push.onPushed(from, message);
  }

  /** A neighbour asks for a blob: served when the chain lets it have it. */
  onBlobGet(from: string, message: { id: number; blob: Uint8Array }): Promise<void> {
    return this.holders.onBlobGet(from, message);
  }

  private progress(progress: DatasetProgress): void {
    this.d.emit({ type: 'dataset', progress });
  }

  /** Whether a committed block concerns this service before it has been started. */
  static concerns(block: Block): boolean {
    return block.txs.some(
      (t) =>
        t.type === 'dataset.version' ||
        t.type === 'dataset.request' ||
        t.type === 'dataset.grant' ||
        t.type === 'dataset.derive' ||
        t.type === 'analytics.job',
    );
  }
}

export const datasetTypes: readonly string[] = datasetTxTypes;

function notShared(id: string, version?: number, viewer = false): BotError {
  return botError(
    'UNAUTHORIZED',
    viewer
      ? `${version ? `Version ${version} of ` : ''}"${id}" has no view derived for you yet: its owner's peer derives it when it is online.`
      : `${version ? `Version ${version} of ` : ''}"${id}" is not shared with you: request access and wait for its owner to grant it.`,
  );
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
