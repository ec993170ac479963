// Holders of dataset blobs (issue 15; Y.4560 8.2): each blob is held by k members chosen by
// rendezvous placement (gov/policy/datasets.holders, default 3). Every member fetches a
// committed version's manifest, and the holders of each chunk fetch that chunk (replicate);
// when the members change, every version is placed again and new holders fetch their blobs
// (repair). Holders serve a chunk only to its owner, its holders and readers holding a key for
// its version whose access record is committed; other askers get UNAUTHORIZED, and the refusal
// is logged. A view derived for one viewer (dataset.derive) is placed and held the same way, and
// served only to that viewer once its access record is committed.
import { decode } from '../core/codec';
import { fromHex, toHex } from '../core/bytes';
import { botError, type BotError } from '../core/errors';
import type { ChainState } from '../core/ledger';
import * as limits from '../core/limits';
import {
  decodeDatasetEvents,
  derivedFor,
  emptyDatasets,
  logPrefix,
  mayReadVersion,
  versionKey,
  type DatasetRegistry,
} from '../core/modules/datasets';
import { holdersOf } from '../core/modules/datasets/placement';
import { decodeManifest, type ChunkEntry, type Manifest } from '../core/modules/datasets/manifest';
import { holdersDefault, holdersMax } from '../core/modules/datasets/limits';
import { policyPrefix } from '../core/modules/governance';
import type { Storage } from '../store/storage';
import type { BlobId, BlobStore } from '../data/blob-store';
import { errorCode } from '../data/errors';
import type { Clock } from '../net/clock';
import type { DatasetProgress } from '../api';
import type { BlobExchange } from './datasets-blobs';
import type { WireMessage } from './wire';

/** Tries to fetch a committed version's blobs as a holder (a holder may not be linked yet). */
export const replicateTriesMax = 5;
export const replicateRetryMs = 1_000;
/** Chunk requests one holder has in flight while it replicates a version. */
export const replicateChunksInFlightMax = 8;
/** Fetched chunks written to the blob store in one write at most. */
export const replicateWriteBatchMax = 8;
/** Policy name of the holders per blob (a chain setting, changed by governance). */
export const holdersPolicyName = 'datasets.holders';
/** Blocks a version's turn (or a holder's answer) waits for the record to be applied here. */
export const commitWaitBlocksMax = 64;
/**
 * A holder asked for a chunk by a reader whose access record (dataset.access) it has not
 * applied yet waits this long for the record's block before it refuses (the reader's peer
 * learns of the commit first).
 */
export const accessRecordWaitMs = 10_000;

/** What a blob held here belongs to. */
export interface BlobPlace {
  dataset: string;
  version: number;
  manifest: boolean;
  /** A view derived for this reader only (dataset.derive); absent for a version's blobs. */
  reader?: string;
}

export interface DatasetHoldersDeps {
  storage: Storage;
  blobs: BlobStore;
  exchange: BlobExchange;
  /** The committed chain state now. */
  chain(): ChainState;
  self(): string;
  now(): number;
  clock: Clock;
  /** Send to a neighbour; false when there is no open link to it. */
  send(to: string, message: WireMessage): boolean;
  record(level: 'info' | 'warn' | 'error', message: string): void;
  progress(progress: DatasetProgress): void;
  /** Whether a blob is a sealed analytics partial of this owner, and `from` its reader (null: not one). */
  partialBlob?(from: string, id: BlobId): { reader: boolean } | null;
}

export class DatasetHolders {
  /** Blobs of the versions whose manifest this peer has seen: what each belongs to. */
  readonly places = new Map<BlobId, BlobPlace>();
  readonly indexed = new Set<string>();
  private replicating: Promise<void> = Promise.resolve();
  /** Called at the next committed block (then forgotten). */
  private commitWaiters: Array<() => void> = [];
  /** Access records applied here: "<dataset>/<version>/<reader did>". */
  private readonly accessed = new Set<string>();
  private stopped = false;

  constructor(private readonly d: DatasetHoldersDeps) {}

  /** The peer stops: no background work starts any more (what runs finishes or fails). */
  stop(): void {
    this.stopped = true;
  }

  private registry(): DatasetRegistry {
    return this.d.chain().datasets ?? emptyDatasets();
  }

  members(): string[] {
    const chain = this.d.chain();
    const out = new Set(chain.validators.map((v) => v.did));
    for (const did of chain.governance?.members ?? []) out.add(did);
    return [...out];
  }

  async holdersK(): Promise<number> {
    const bytes = await this.d.storage.getState(
      this.d.chain().chainId,
      policyPrefix + holdersPolicyName,
    );
    const value = bytes ? decode<{ v: unknown }>(bytes, 256).v : undefined;
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
      ? Math.min(value, holdersMax)
      : holdersDefault;
  }

  index(
    dataset: string,
    version: number,
    fingerprint: Uint8Array,
    m: Manifest,
    reader?: string,
  ): void {
    const of = reader === undefined ? {} : { reader };
    this.places.set(toHex(fingerprint), { dataset, version, manifest: true, ...of });
    for (const c of m.chunks)
      this.places.set(toHex(c.hash), { dataset, version, manifest: false, ...of });
    this.indexed.add(indexKey(dataset, version, reader));
  }

  /** Index the versions whose manifest this peer holds but has not read yet. */
  private async indexHeld(): Promise<void> {
    for (const v of this.registry().versions.values()) {
      const key = versionKey(v.dataset, v.version);
      if (this.indexed.has(key)) continue;
      const bytes = await this.d.blobs.get(toHex(v.fingerprint));
      if (bytes) this.index(v.dataset, v.version, v.fingerprint, decodeManifest(bytes));
    }
    for (const v of this.registry().derived.values()) {
      if (this.indexed.has(indexKey(v.dataset, v.version, v.reader))) continue;
      const bytes = await this.d.blobs.get(toHex(v.fingerprint));
      if (bytes) this.index(v.dataset, v.version, v.fingerprint, decodeManifest(bytes), v.reader);
    }
  }

  /** Work in this peer's one background queue (replication, collection); failures are logged. */
  background(work: () => Promise<void>, what: string): void {
    if (this.stopped) return;
    this.replicating = this.replicating
      .then(() => (this.stopped ? undefined : work()))
      .catch((error) =>
        this.d.record(
          'warn',
          `${what} is not held here as it should be: ${(error as Error).message}`,
        ),
      );
  }

  /** A committed dataset.access: `did` read that version (Y.4560 8.4). */
  noteAccess(dataset: string, version: number, did: string): void {
    this.accessed.add(accessKey(dataset, version, did));
  }

  /** A block was applied here: wake whoever waits for the next one. */
  wakeCommitWaiters(): void {
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Fetch what this peer must hold of one version: the manifest, and the chunks placed here. */
  async replicate(dataset: string, version: number, reader?: string): Promise<void> {
    const state =
      reader === undefined
        ? this.registry().versions.get(versionKey(dataset, version))
        : derivedFor(this.registry(), dataset, version, reader);
    const owner = this.registry().datasets.get(dataset)?.owner;
    if (!state || !owner) return;
    const fingerprint = toHex(state.fingerprint);
    const members = this.members();
    const k = await this.holdersK();
    for (let attempt = 1; ; attempt++) {
      try {
        let manifestBytes = await this.d.blobs.get(fingerprint);
        if (!manifestBytes) {
          manifestBytes = (await this.d.exchange.fetchBlob(fingerprint, [owner], new Set())).bytes;
          await this.d.blobs.put(manifestBytes, fingerprint);
        }
        const manifest = decodeManifest(manifestBytes);
        this.index(dataset, version, state.fingerprint, manifest, reader);
        const mine = manifest.chunks.filter((c) =>
          holdersOf(c.hash, members, k).includes(this.d.self()),
        );
        let done = 0;
        const total = mine.reduce((sum, c) => sum + c.bytes, 0);
        await this.fetchChunks(
          mine,
          async (chunk) => {
            const id = toHex(chunk.hash);
            if (await this.d.blobs.has(id)) return null;
            const preferred = [owner, ...holdersOf(chunk.hash, members, k)];
            return { id, bytes: (await this.d.exchange.fetchBlob(id, preferred, new Set())).bytes };
          },
          (written) => {
            done += written.reduce((sum, c) => sum + c.bytes, 0);
            this.d.progress({
              dataset,
              version,
              phase: 'replicate',
              doneBytes: done,
              totalBytes: total,
            });
          },
        );
        return;
      } catch (error) {
        if (this.stopped) return; // the peer stopped under it: nothing to report
        if (errorCode(error) === 'QUOTA' || attempt >= replicateTriesMax) throw error;
        await new Promise((r) =>
          this.d.clock.setTimeout(() => r(undefined), replicateRetryMs * attempt),
        );
      }
    }
  }

  /**
   * Fetch `chunks` with up to replicateChunksInFlightMax requests in flight, and write what
   * arrives in batches (one storage write for every chunk that arrived while the previous write
   * ran, at most replicateWriteBatchMax). `fetchOne` gives null for a chunk already held.
   * `written` is told of each batch once it is stored. The first failure stops the rest and is
   * thrown once the requests in flight have settled.
   */
  private async fetchChunks(
    chunks: ChunkEntry[],
    fetchOne: (chunk: ChunkEntry) => Promise<{ id: BlobId; bytes: Uint8Array } | null>,
    written: (chunks: ChunkEntry[]) => void,
  ): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | null = null;
    const pending: Array<{ id: BlobId; bytes: Uint8Array; chunk: ChunkEntry }> = [];
    let writing: Promise<void> | null = null;
    const drain = (): Promise<void> => {
      writing ??= (async () => {
        try {
          while (pending.length > 0) {
            const batch = pending.splice(0, replicateWriteBatchMax);
            await this.d.blobs.putMany(batch);
            written(batch.map((b) => b.chunk));
          }
        } finally {
          writing = null;
        }
      })();
      return writing;
    };
    const worker = async () => {
      while (failure === null && next < chunks.length) {
        const chunk = chunks[next++]!;
        try {
          const got = await fetchOne(chunk);
          if (got === null) {
            written([chunk]);
            continue;
          }
          pending.push({ ...got, chunk });
          await drain();
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    const workers = Math.min(replicateChunksInFlightMax, chunks.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== null) throw (failure as { error: unknown }).error;
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
    // A sealed analytics partial goes to its job's reader only (datasets-analytics.ts).
    const partial = this.d.partialBlob?.(from, id);
    if (partial) {
      const bytes = partial.reader ? await this.d.blobs.get(id) : undefined;
      if (partial.reader)
        answer(
          bytes ?? null,
          bytes ? null : botError('NOT_FOUND', 'This peer does not hold that blob.'),
        );
      else
        answer(
          null,
          botError('UNAUTHORIZED', 'This analytics partial is sealed for its reader only.'),
        );
      return;
    }
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
    // A derived view goes to its viewer only; a viewer gets no blob of the full version.
    if (place.reader !== undefined) return did === place.reader && this.accessRecorded(did, place);
    if (!mayReadVersion(registry, place.dataset, place.version, did)) return false;
    return this.accessRecorded(did, place);
  }

  /** Resolves at the next committed block applied here, or after `ms`. */
  nextCommit(ms: number): Promise<void> {
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
}

const accessKey = (dataset: string, version: number, did: string) => `${dataset}/${version}/${did}`;
const indexKey = (dataset: string, version: number, reader?: string) =>
  reader === undefined ? versionKey(dataset, version) : `${versionKey(dataset, version)}>${reader}`;
