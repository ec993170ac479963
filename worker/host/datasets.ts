// Confidential datasets on this peer (issue 15; Y.4560 8.1, 8.2, 8.4): the owner seals each
// version here under a fresh content key and keeps its blobs in this peer's blob store; the key
// is wrapped on chain for the owner and every reader. Each blob is then held by k members
// chosen by rendezvous placement (gov/policy/datasets.holders, default 3): every member fetches
// a committed version's manifest, and the holders of each chunk fetch that chunk. A reader
// records its access on chain, fetches chunks from any holder over the mesh (a holder serving
// wrong bytes is dropped and another asked), checks them against the fingerprint and decrypts
// on its own peer. Holders serve a chunk only to its owner, its holders and readers holding a
// key for its version; other askers get UNAUTHORIZED, and the refusal is logged.
import { decode } from '../core/codec';
import { fromHex, toHex, utf8 } from '../core/bytes';
import { botError, BotError } from '../core/errors';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import type { Block } from '../core/block';
import * as limits from '../core/limits';
import {
  datasetTxTypes,
  decodeDatasetEvents,
  decodeVersionEntry,
  decodeWrappedKey,
  emptyDatasets,
  logPrefix,
  mayReadVersion,
  versionKey,
  versionPrefix,
  wrapPrefix,
  type DatasetRegistry,
  type DatasetState,
} from '../core/modules/datasets';
import { holdersOf } from '../core/modules/datasets/placement';
import { decodeManifest, type Manifest } from '../core/modules/datasets/manifest';
import { chunkCount } from '../core/modules/datasets/manifest';
import {
  chunkPlainBytes,
  gcmTagBytes,
  grantVersionsMax,
  holdersDefault,
  holdersMax,
  versionPlainBytesMax,
} from '../core/modules/datasets/limits';
import type { WrappedKey } from '../core/modules/datasets/keys';
import { policyPrefix } from '../core/modules/governance';
import type { Storage } from '../store/storage';
import type { BlobId, BlobStore } from '../data/blob-store';
import { blobIdOf } from '../data/blob-store';
import { openVersion, sealVersion } from '../data/seal';
import { readerKeysFromSeed, unwrapContentKey, wrapForReaders } from '../data/envelope';
import type { X25519Backend } from '../data/x25519';
import { errorCode, tampered } from '../data/errors';
import type { WireMessage } from './wire';
import type { Clock, TimerHandle } from '../net/clock';
import { KeyedLock } from './keyed-lock';
import type {
  DatasetEventView,
  DatasetPolicyView,
  DatasetProgress,
  DatasetReadResult,
  DatasetView,
  PeerEvent,
  TxResult,
} from '../api';

/** A blob asked of one holder and not answered in this time is asked of the next. */
export const blobFetchTimeoutMs = 15_000;
/** Blob requests this peer has in flight at once (each waits for one answer). */
export const blobRequestsInFlightMax = 64;
/** Tries to fetch a committed version's blobs as a holder (a holder may not be linked yet). */
export const replicateTriesMax = 5;
export const replicateRetryMs = 1_000;
/**
 * Plaintext bytes readDataset returns at most in one answer (held whole in memory); larger
 * versions are read with readDatasetStream (one chunk at a time).
 */
export const readResultBytesMax = Math.min(versionPlainBytesMax, 128 * 1024 * 1024);
/** Access-log lines one accessLog answer lists (the newest). */
export const accessLogListedMax = 1_000;
/** A holder's answer to one blob request waits at most this long for the answer to commit. */
const commitWaitMs = 60_000;
/**
 * Blobs are collected this long after something may have left them unreferenced (members
 * changed, a reader revoked, a version left the grant window, a version failed): time for the
 * repair to copy chunks to their new holders first.
 */
export const blobCollectDelayMs = 60_000;
/** Policy name of the holders per blob (a chain setting, changed by governance). */
export const holdersPolicyName = 'datasets.holders';

/** Blocks a version's turn (or a holder's answer) waits for the record to be applied here. */
const commitWaitBlocksMax = 64;
/**
 * A holder asked for a chunk by a reader whose access record (dataset.access) it has not
 * applied yet waits this long for the record's block before it refuses (the reader's peer
 * learns of the commit first).
 */
export const accessRecordWaitMs = 10_000;

type BlobAnswer = Extract<WireMessage, { kind: 'blobData' }>;
/** A read in progress: the version's facts, and its plaintext chunk by chunk. */
export interface DatasetReadStream {
  dataset: string;
  version: number;
  fingerprint: string;
  /** Plaintext bytes the chunks add up to. */
  plainBytes: number;
  accessTxId: string | null;
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
  /** Dids of the neighbours linked now. */
  neighbours(): string[];
  record(level: 'info' | 'warn' | 'error', message: string): void;
  x25519(): Promise<X25519Backend>;
}

interface BlobPlace {
  dataset: string;
  version: number;
  manifest: boolean;
}

export class DatasetsHost {
  private nextRequest = 1;
  private readonly waiting = new Map<
    number,
    { peer: string; resolve: (a: BlobAnswer | null) => void; timer: TimerHandle }
  >();
  /** Blobs of the versions whose manifest this peer has seen: what each belongs to. */
  private readonly places = new Map<BlobId, BlobPlace>();
  private readonly indexed = new Set<string>();
  private replicating: Promise<void> = Promise.resolve();
  private readonly versionLock = new KeyedLock('bot-dataset-version:');
  /** putDatasetVersion turns running (sealing, or waiting for the version to commit). */
  private putsInFlight = 0;
  private collectTimer: TimerHandle | null = null;
  /** Called at the next committed block (then forgotten). */
  private commitWaiters: Array<() => void> = [];
  /** Access records applied here: "<dataset>/<version>/<reader did>". */
  private readonly accessed = new Set<string>();

  constructor(private readonly d: DatasetsHostDeps) {}

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
          else this.scheduleCollect(); // its sealed blobs are referenced by nothing
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
      await this.nextCommit(commitWaitMs);
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
    const sealed = await sealVersion(oneChunk(bytes), bytes.length, this.d.blobs, {
      onProgress: progress,
    });
    try {
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
      });
      this.index(id, version, sealed.fingerprint, sealed.manifest);
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

  async decideAccess(request: string, grant: boolean): Promise<{ txId: string }> {
    if (typeof request !== 'string' || typeof grant !== 'boolean')
      throw botError('BAD_REQUEST', 'decideAccess takes a request id and true or false.');
    const open = this.registry().open.get(request);
    if (!open || (open.state !== 'pending' && open.state !== 'approved'))
      throw botError('NOT_FOUND', 'There is no open request with this id.');
    const dataset = this.dataset(open.dataset);
    if (dataset.owner !== this.d.self())
      throw botError('UNAUTHORIZED', `Only the owner of "${dataset.id}" decides access to it.`);
    if (!grant) return this.submitChecked('dataset.deny', { request });
    const keys = await this.windowKeys(dataset, open.reader);
    return this.submitChecked('dataset.grant', { request, keys });
  }

  /** The content keys of the grant window's versions, wrapped for `reader` (grants, market deliveries). */
  async windowKeys(
    dataset: DatasetState,
    reader: string,
  ): Promise<Array<{ version: number; key: WrappedKey }>> {
    const binding = this.registry().keys.get(reader);
    if (!binding) throw botError('NOT_FOUND', `${reader} has no X25519 key on chain.`);
    const backend = await this.d.x25519();
    const keys: Array<{ version: number; key: WrappedKey }> = [];
    const first = Math.max(1, dataset.latest - grantVersionsMax + 1);
    for (let v = first; v <= dataset.latest; v++) {
      const { fingerprint, contentKey } = await this.contentKey(dataset.id, v, backend);
      const [key] = await wrapForReaders(contentKey, fingerprint, [binding], backend);
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

  async requestAccess(dataset: string, purpose: string): Promise<{ txId: string }> {
    this.dataset(dataset);
    await this.ensureKey();
    return this.submitChecked('dataset.request', { dataset, purpose });
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

  /**
   * Read a version as a stream: the access is recorded on chain first, then chunks are fetched
   * from this peer's store or holders, checked and decrypted one at a time (at most one chunk of
   * plaintext and one fetched ahead are held), with `dataset` progress events (phase 'read').
   * `servedBy` and `dropped` fill in as the stream is read.
   */
  async readDatasetStream(
    id: string,
    options: { version?: number; purpose?: string } = {},
  ): Promise<DatasetReadStream> {
    const dataset = this.dataset(id);
    const self = this.d.self();
    const registry = this.registry();
    let version = options?.version;
    if (version === undefined) {
      for (let v = dataset.latest; v >= 1 && version === undefined; v--)
        if (mayReadVersion(registry, id, v, self)) version = v;
      if (version === undefined) throw notShared(id);
    }
    if (!Number.isSafeInteger(version) || version < 1 || version > dataset.latest)
      throw botError('NOT_FOUND', `"${id}" has no version ${String(version)}.`);
    if (!mayReadVersion(registry, id, version, self)) throw notShared(id, version);
    const state = registry.versions.get(versionKey(id, version))!;
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
    const { fingerprint, contentKey } = await this.contentKey(id, version, await this.d.x25519());
    const servedBy: string[] = [];
    const dropped = new Set<string>();
    const droppedList: string[] = [];
    const members = this.members();
    const k = await this.holdersK();
    const source = async (blob: BlobId) => {
      const local = await this.d.blobs.get(blob);
      if (local) return local;
      const preferred = [dataset.owner, ...holdersOf(fromHex(blob), members, k)];
      const got = await this.fetchBlob(blob, preferred, dropped);
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
    const state = this.registry().versions.get(versionKey(id, version));
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
        });
      }
      const requests = [...registry.open.values()]
        .filter((r) => r.dataset === d.id && (d.owner === self || r.reader === self))
        .map((r) => ({
          id: r.id,
          dataset: r.dataset,
          reader: r.reader,
          purpose: r.purpose,
          state: r.state,
          by: r.by,
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

  // ---- holders: placement and replication ----------------------------------------------------

  private members(): string[] {
    const chain = this.d.chain();
    const out = new Set(chain.validators.map((v) => v.did));
    for (const did of chain.governance?.members ?? []) out.add(did);
    return [...out];
  }

  private async holdersK(): Promise<number> {
    const bytes = await this.d.storage.getState(
      this.d.chain().chainId,
      policyPrefix + holdersPolicyName,
    );
    const value = bytes ? decode<{ v: unknown }>(bytes, 256).v : undefined;
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
      ? Math.min(value, holdersMax)
      : holdersDefault;
  }

  private index(dataset: string, version: number, fingerprint: Uint8Array, m: Manifest): void {
    this.places.set(toHex(fingerprint), { dataset, version, manifest: true });
    for (const c of m.chunks) this.places.set(toHex(c.hash), { dataset, version, manifest: false });
    this.indexed.add(versionKey(dataset, version));
  }

  /** Index the versions whose manifest this peer holds but has not read yet. */
  private async indexHeld(): Promise<void> {
    for (const v of this.registry().versions.values()) {
      const key = versionKey(v.dataset, v.version);
      if (this.indexed.has(key)) continue;
      const bytes = await this.d.blobs.get(toHex(v.fingerprint));
      if (bytes) this.index(v.dataset, v.version, v.fingerprint, decodeManifest(bytes));
    }
  }

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
        this.background(
          () => this.replicate(dataset, version),
          `Version ${version} of "${dataset}"`,
        );
      }
      if (tx.type === 'dataset.request') this.grantByPolicy(txIds[i]!);
      // Revocations, new versions (the grant window moves) and governance (members, the
      // holders-per-blob policy) can leave blobs here unreferenced.
      if (tx.type === 'dataset.revoke' || tx.type === 'dataset.version') this.scheduleCollect();
      if (tx.type.startsWith('member.')) this.scheduleCollect();
      if (tx.type === 'dataset.access') {
        const { dataset, version } = tx.body as { dataset: string; version: number };
        this.accessed.add(accessKey(dataset, version, tx.from));
      }
    });
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const wake of waiters) wake();
    const members = this.members().sort().join(' ');
    if (this.membersKey !== null && members !== this.membersKey) {
      this.scheduleCollect();
      const versions = [...this.registry().versions.values()];
      for (const v of versions)
        this.background(
          () => this.replicate(v.dataset, v.version),
          `Version ${v.version} of "${v.dataset}"`,
        );
    }
    this.membersKey = members;
  }

  private membersKey: string | null = null;

  private background(work: () => Promise<void>, what: string): void {
    this.replicating = this.replicating
      .then(work)
      .catch((error) =>
        this.d.record(
          'warn',
          `${what} is not held here as it should be: ${(error as Error).message}`,
        ),
      );
  }

  /** A request the dataset's list policy approved: its owner's peer wraps the keys at once. */
  private grantByPolicy(request: string): void {
    const open = this.registry().open.get(request);
    if (open?.state !== 'approved') return;
    if (this.registry().datasets.get(open.dataset)?.owner !== this.d.self()) return;
    void this.decideAccess(request, true).catch((error) =>
      this.d.record(
        'warn',
        `The request ${request.slice(0, 12)}… approved by the policy of "${open.dataset}" was not granted: ${(error as Error).message}`,
      ),
    );
  }

  /** Fetch what this peer must hold of one version: the manifest, and the chunks placed here. */
  async replicate(dataset: string, version: number): Promise<void> {
    const state = this.registry().versions.get(versionKey(dataset, version));
    const owner = this.registry().datasets.get(dataset)?.owner;
    if (!state || !owner) return;
    const fingerprint = toHex(state.fingerprint);
    const members = this.members();
    const k = await this.holdersK();
    for (let attempt = 1; ; attempt++) {
      try {
        let manifestBytes = await this.d.blobs.get(fingerprint);
        if (!manifestBytes) {
          manifestBytes = (await this.fetchBlob(fingerprint, [owner], new Set())).bytes;
          await this.d.blobs.put(manifestBytes, fingerprint);
        }
        const manifest = decodeManifest(manifestBytes);
        this.index(dataset, version, state.fingerprint, manifest);
        const mine = manifest.chunks.filter((c) =>
          holdersOf(c.hash, members, k).includes(this.d.self()),
        );
        let done = 0;
        const total = mine.reduce((sum, c) => sum + c.bytes, 0);
        for (const chunk of mine) {
          const id = toHex(chunk.hash);
          if (!(await this.d.blobs.has(id))) {
            const preferred = [owner, ...holdersOf(chunk.hash, members, k)];
            const got = await this.fetchBlob(id, preferred, new Set());
            await this.d.blobs.put(got.bytes, id);
          }
          done += chunk.bytes;
          this.progress({
            dataset,
            version,
            phase: 'replicate',
            doneBytes: done,
            totalBytes: total,
          });
        }
        return;
      } catch (error) {
        if (errorCode(error) === 'QUOTA' || attempt >= replicateTriesMax) throw error;
        await new Promise((r) =>
          this.d.clock.setTimeout(() => r(undefined), replicateRetryMs * attempt),
        );
      }
    }
  }

  // ---- collection of unreferenced blobs -------------------------------------------------------

  private scheduleCollect(): void {
    if (this.collectTimer) return;
    this.collectTimer = this.d.clock.setTimeout(() => {
      this.collectTimer = null;
      this.background(async () => {
        const freed = await this.collectGarbage();
        if (freed.blobs > 0)
          this.d.record(
            'info',
            `Collected ${freed.blobs} dataset blob(s) no longer referenced here (${freed.bytes} bytes).`,
          );
      }, 'Blob collection');
    }, blobCollectDelayMs);
  }

  /**
   * The blobs this peer must keep: of its own datasets, every version; of the others', the
   * versions still referenced (within the grant window, or keyed for a current reader) when this
   * peer is a member or a reader: their manifests, and the chunks placed here.
   */
  private async referencedHere(): Promise<Set<BlobId>> {
    const self = this.d.self();
    const registry = this.registry();
    const members = this.members();
    const member = members.includes(self);
    const k = await this.holdersK();
    const keep = new Set<BlobId>();
    for (const v of registry.versions.values()) {
      const dataset = registry.datasets.get(v.dataset);
      if (!dataset) continue;
      const mine = dataset.owner === self;
      if (!mine && !versionReferenced(dataset, v)) continue;
      if (!mine && !member && !v.readers.includes(self)) continue;
      const fingerprint = toHex(v.fingerprint);
      keep.add(fingerprint);
      const bytes = await this.d.blobs.get(fingerprint);
      if (!bytes) {
        // No manifest here to list the chunks: keep whatever is indexed under this version.
        for (const [id, place] of this.places)
          if (place.dataset === v.dataset && place.version === v.version) keep.add(id);
        continue;
      }
      for (const chunk of decodeManifest(bytes).chunks)
        if (mine || holdersOf(chunk.hash, members, k).includes(self)) keep.add(toHex(chunk.hash));
    }
    return keep;
  }

  /**
   * Delete the blobs this peer holds that nothing references here any more (see referencedHere),
   * and never while a version of this peer is being sealed or waits for its block. Also run
   * blobCollectDelayMs after each change that may unreference blobs.
   */
  async collectGarbage(): Promise<{ blobs: number; bytes: number }> {
    if (this.putsInFlight > 0) {
      this.scheduleCollect();
      return { blobs: 0, bytes: 0 };
    }
    const held = await this.d.blobs.list();
    const keep = await this.referencedHere();
    const before = (await this.d.blobs.usage()).bytes;
    let blobs = 0;
    for (const id of held) {
      if (keep.has(id)) continue;
      if (this.putsInFlight > 0) break;
      if (await this.d.blobs.delete(id)) {
        blobs += 1;
        this.places.delete(id);
      }
    }
    this.indexed.clear();
    for (const [id, place] of this.places)
      if (place.manifest) this.indexed.add(versionKey(place.dataset, place.version));
    return { blobs, bytes: before - (await this.d.blobs.usage()).bytes };
  }

  /** Bytes and blobs this peer keeps for datasets, and its quota (setting blobQuotaBytes). */
  async storageUsage(): Promise<{ bytes: number; blobs: number; quotaBytes: number }> {
    return this.d.blobs.usage();
  }

  // ---- blobs over the mesh -------------------------------------------------------------------

  /**
   * A blob from a neighbour: the preferred dids first (owner, holders), then every other linked
   * neighbour. Bytes whose hash is not `id` drop that neighbour for this read (TAMPERED, logged)
   * and the next is asked. NOT_FOUND when none has it; UNAUTHORIZED when the holders refused.
   */
  private async fetchBlob(
    id: BlobId,
    preferred: string[],
    dropped: Set<string>,
  ): Promise<{ bytes: Uint8Array; from: string }> {
    const self = this.d.self();
    const candidates = [...new Set([...preferred, ...this.d.neighbours()])].filter(
      (did) => did !== self && !dropped.has(did),
    );
    let refusal: { code: string; message: string } | null = null;
    for (const peer of candidates) {
      const answer = await this.ask(peer, id);
      if (!answer) continue;
      if (answer.error) {
        if (answer.error.code === 'UNAUTHORIZED') refusal = answer.error;
        continue;
      }
      const bytes = answer.bytes!;
      if ((await blobIdOf(bytes)) !== id) {
        dropped.add(peer);
        this.d.record(
          'warn',
          `Holder ${peer} served wrong bytes for blob ${id.slice(0, 12)}… (TAMPERED); asking another holder.`,
        );
        continue;
      }
      return { bytes, from: peer };
    }
    if (refusal) throw botError('UNAUTHORIZED', refusal.message);
    throw botError(
      'NOT_FOUND',
      `Blob ${id.slice(0, 12)}… is not on any holder reached (${candidates.length} asked); try again when more peers are linked.`,
    );
  }

  private ask(peer: string, id: BlobId): Promise<BlobAnswer | null> {
    if (this.waiting.size >= blobRequestsInFlightMax)
      return Promise.reject(botError('MEMPOOL_FULL', 'Too many blob requests in flight.'));
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = this.d.clock.setTimeout(() => {
        this.waiting.delete(requestId);
        resolve(null);
      }, blobFetchTimeoutMs);
      this.waiting.set(requestId, { peer, resolve, timer });
      if (!this.d.send(peer, { kind: 'blobGet', id: requestId, blob: fromHex(id) })) {
        this.d.clock.clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(null);
      }
    });
  }

  onBlobData(from: string, message: BlobAnswer): void {
    const entry = this.waiting.get(message.id);
    if (!entry || entry.peer !== from) return; // late, or not from the peer that was asked
    this.d.clock.clearTimeout(entry.timer);
    this.waiting.delete(message.id);
    entry.resolve(message);
  }

  /** A neighbour asks for a blob: served when the chain lets it have it. */
  async onBlobGet(from: string, message: { id: number; blob: Uint8Array }): Promise<void> {
    const id = toHex(message.blob);
    const answer = (bytes: Uint8Array | null, error: BotError | null) =>
      this.d.send(from, {
        kind: 'blobData',
        id: message.id,
        bytes,
        error: error ? { code: error.code, message: error.message.slice(0, 500) } : null,
      });
    if (!this.places.has(id)) await this.indexHeld();
    const place = this.places.get(id);
    const bytes = place ? await this.d.blobs.get(id) : undefined;
    if (!place || !bytes) {
      answer(null, botError('NOT_FOUND', 'This peer does not hold that blob.'));
      return;
    }
    if (!(await this.mayHave(from, id, place))) {
      this.d.record(
        'warn',
        `Refused blob ${id.slice(0, 12)}… of "${place.dataset}" v${place.version} to ${from}: not a reader, or its read is not recorded on chain (UNAUTHORIZED).`,
      );
      answer(
        null,
        botError(
          'UNAUTHORIZED',
          `Version ${place.version} of "${place.dataset}" is not shared with you.`,
        ),
      );
      return;
    }
    answer(bytes, null);
  }

  private async mayHave(did: string, id: BlobId, place: BlobPlace): Promise<boolean> {
    const registry = this.registry();
    if (registry.datasets.get(place.dataset)?.owner === did) return true;
    const members = this.members();
    if (members.includes(did)) {
      if (place.manifest) return true; // sizes and hashes only: every member indexes them
      if (holdersOf(fromHex(id), members, await this.holdersK()).includes(did)) return true;
    }
    if (!mayReadVersion(registry, place.dataset, place.version, did)) return false;
    return this.accessRecorded(did, place);
  }

  /** Resolves at the next committed block applied here, or after `ms`. */
  private nextCommit(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.d.clock.setTimeout(() => resolve(), ms);
      this.commitWaiters.push(() => {
        this.d.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Whether the chain applied here records `did` reading that version (Y.4560 8.4). */
  private async hasAccessRecord(dataset: string, version: number, did: string): Promise<boolean> {
    const key = accessKey(dataset, version, did);
    if (this.accessed.has(key)) return true;
    const blocks = await this.d.storage.history(this.d.chain().chainId, logPrefix + dataset);
    for (const b of blocks)
      for (const e of decodeDatasetEvents(b.entry, limits.blockBytesMax))
        if (e.kind === 'access' && e.reader !== null && e.version !== null)
          this.accessed.add(accessKey(e.dataset, e.version, e.reader));
    return this.accessed.has(key);
  }

  /**
   * A reader holding a key gets a version's chunks only once its access record is committed:
   * a read that is not accounted for on chain gets no bytes. The record may be a block ahead of
   * this peer, so wait for blocks up to accessRecordWaitMs.
   */
  private async accessRecorded(did: string, place: BlobPlace): Promise<boolean> {
    const deadline = this.d.now() + accessRecordWaitMs;
    for (let i = 0; i < commitWaitBlocksMax; i++) {
      if (await this.hasAccessRecord(place.dataset, place.version, did)) return true;
      const left = deadline - this.d.now();
      if (left <= 0) return false;
      await this.nextCommit(left);
    }
    return false;
  }

  private progress(progress: DatasetProgress): void {
    this.d.emit({ type: 'dataset', progress });
  }

  /** Whether a committed block concerns this service before it has been started. */
  static concerns(block: Block): boolean {
    return block.txs.some((t) => t.type === 'dataset.version' || t.type === 'dataset.request');
  }
}

export const datasetTypes: readonly string[] = datasetTxTypes;

/**
 * Whether a version of another's dataset still has a use: it is within the grant window (a grant
 * carries keys for the latest grantVersionsMax versions), or a current reader holds its key.
 * Outside both, no one can be granted it any more and no reader may fetch it: holders drop it.
 */
export function versionReferenced(
  dataset: { owner: string; latest: number; readers: readonly string[] },
  version: { version: number; readers: readonly string[] },
): boolean {
  if (version.version > dataset.latest - grantVersionsMax) return true;
  return version.readers.some((r) => r !== dataset.owner && dataset.readers.includes(r));
}

const accessKey = (dataset: string, version: number, did: string) => `${dataset}/${version}/${did}`;

function notShared(id: string, version?: number): BotError {
  return botError(
    'UNAUTHORIZED',
    `${version ? `Version ${version} of ` : ''}"${id}" is not shared with you: request access and wait for its owner to grant it.`,
  );
}

function latestPurpose(registry: DatasetRegistry, dataset: string, did: string): string | null {
  for (const r of registry.open.values())
    if (r.dataset === dataset && r.reader === did && r.state === 'granted') return r.purpose;
  return null;
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
