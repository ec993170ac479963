// Views derived for viewers (issue 15, data minimization by rights): a grant to a projection or
// an aggregate gives the reader no key of the full versions. The owner's peer derives the view
// from the plaintext it holds (worker/core/modules/datasets/views.ts), seals it like a version
// (fresh AES-256-GCM key, blobs in its store), wraps that key for the viewer only, and records it
// with dataset.derive (which version, which view, the derived blob's fingerprint). It does so
// when the grant commits, for the versions of the grant window before it (the latest
// grantVersionsMax, as a full grant carries keys for), and for each version published after it; holders then place and serve
// the derived blobs to that viewer only (datasets-holders.ts).
import { SerialWork } from './serial-work';
import { toHex, utf8 } from '../core/bytes';
import { botError } from '../core/errors';
import {
  derivedFor,
  emptyDatasets,
  viewersOf,
  type DatasetRegistry,
  type DatasetState,
} from '../core/modules/datasets';
import { sha256 } from '../core/crypto/hash';
import {
  deriveView,
  deviceReadingsSchema,
  recordsOf,
  type DerivedContent,
  type ReadView,
} from '../core/modules/datasets/views';
import type { ChainState } from '../core/ledger';
import { grantVersionsMax } from '../core/modules/datasets/limits';
import type { BlobStore } from '../data/blob-store';
import { sealVersion } from '../data/seal';
import { wrapForReaders } from '../data/envelope';
import type { X25519Backend } from '../data/x25519';
import type { DatasetHolders } from './datasets-holders';

export interface DatasetViewsDeps {
  blobs: BlobStore;
  holders: DatasetHolders;
  chain(): ChainState;
  self(): string;
  x25519(): Promise<X25519Backend>;
  /** The owner's plaintext of one of its versions (no access record: the owner reads its own). */
  plain(dataset: string, version: number): Promise<Uint8Array>;
  /** Sign, submit and wait for the transaction to commit (a typed error when refused). */
  commit(type: string, body: unknown): Promise<string>;
  record(level: 'info' | 'warn' | 'error', message: string): void;
}

export class DatasetViews {
  private readonly work = new SerialWork();
  /** Derivations running (their sealed blobs wait for dataset.derive: not to be collected). */
  get running(): number {
    return this.work.running;
  }

  constructor(private readonly d: DatasetViewsDeps) {}

  private registry(): DatasetRegistry {
    return this.d.chain().datasets ?? emptyDatasets();
  }

  stop(): void {
    this.work.stop();
  }

  /**
   * The view of one version, derived in memory (the owner checks a grant with it first). The
   * view of a device's batch names the batch (its digest, on chain in the reading already), so
   * the viewer's peer shows it with its reading (devices-open.ts).
   */
  async derive(
    dataset: DatasetState,
    version: number,
    view: ReadView,
  ): Promise<DerivedContent & { batch?: string }> {
    const plain = await this.d.plain(dataset.id, version);
    const content = deriveView(recordsOf(plain, dataset.schema), view);
    if (dataset.schema !== deviceReadingsSchema) return content;
    return { ...content, batch: toHex(sha256(plain)) };
  }

  /**
   * Derive, seal and record the views of the grant window's versions for every viewer of this
   * owner's dataset that has none yet (after a grant to a view, and after each new version).
   * One at a time, the latest first.
   */
  schedule(datasetId: string): void {
    this.work.add(
      () => this.deriveMissing(datasetId),
      (error) =>
        this.d.record('warn', `A view of "${datasetId}" was not derived: ${error.message}`),
    );
  }

  /** Resolves when the derivations scheduled so far are done (tests, and a reader's wait). */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private async deriveMissing(datasetId: string): Promise<void> {
    const dataset = this.registry().datasets.get(datasetId);
    if (!dataset || dataset.owner !== this.d.self() || dataset.latest < 1) return;
    for (const { reader, view } of viewersOf(dataset)) {
      if (this.work.stopped) return;
      const now = this.registry().datasets.get(datasetId);
      if (!now || !viewersOf(now).some((v) => v.reader === reader)) continue; // revoked since
      // Every version of the grant window (as a full grant carries keys for), newest first: a
      // viewer granted late also gets the views of the versions before its grant.
      const first = Math.max(1, now.latest - grantVersionsMax + 1);
      for (let version = now.latest; version >= first; version--) {
        if (this.work.stopped) return;
        const current = this.registry().datasets.get(datasetId);
        if (!current || !viewersOf(current).some((v) => v.reader === reader)) break;
        if (derivedFor(this.registry(), datasetId, version, reader)) continue;
        if (version < now.latest) {
          // An older version may be gone (collected) or not derivable: the others still are.
          await this.deriveFor(current, version, reader, view).catch((error) =>
            this.d.record(
              'warn',
              `The view of version ${version} of "${datasetId}" was not derived: ${error.message}`,
            ),
          );
        } else await this.deriveFor(current, version, reader, view);
      }
    }
  }

  private async deriveFor(
    dataset: DatasetState,
    version: number,
    reader: string,
    view: ReadView,
  ): Promise<void> {
    const binding = this.registry().keys.get(reader);
    if (!binding) throw botError('NOT_FOUND', `${reader} has no X25519 key on chain.`);
    const content = utf8(JSON.stringify(await this.derive(dataset, version, view)));
    const sealed = await sealVersion(oneChunk(content), content.length, this.d.blobs);
    try {
      const [key] = await wrapForReaders(
        sealed.contentKey,
        sealed.fingerprint,
        [binding],
        await this.d.x25519(),
      );
      this.d.holders.index(dataset.id, version, sealed.fingerprint, sealed.manifest, reader);
      await this.d.commit('dataset.derive', {
        dataset: dataset.id,
        version,
        reader,
        fingerprint: sealed.fingerprint,
        sealedBytes: sealed.sealedBytes,
        key,
      });
      this.d.record(
        'info',
        `Derived the view of version ${version} of "${dataset.id}" for ${reader} (${toHex(sealed.fingerprint).slice(0, 12)}…).`,
      );
    } catch (error) {
      await Promise.all(sealed.blobs.map((b) => this.d.blobs.delete(b).catch(() => false)));
      throw error;
    }
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
