// Collection of unreferenced dataset blobs (issue 15; Y.4560 8.2): a peer keeps every blob of
// its own datasets, and of the others' the versions still referenced (within the grant window,
// or keyed for a current reader) when it is a member or a reader: their manifests, and the
// chunks placed on it. Everything else is deleted blobCollectDelayMs after a change that may
// have unreferenced it (time for the repair to copy chunks to their new holders first).
import { toHex } from '../core/bytes';
import { emptyDatasets, versionKey, type DatasetRegistry } from '../core/modules/datasets';
import { holdersOf } from '../core/modules/datasets/placement';
import { decodeManifest } from '../core/modules/datasets/manifest';
import { grantVersionsMax } from '../core/modules/datasets/limits';
import type { ChainState } from '../core/ledger';
import type { BlobId, BlobStore } from '../data/blob-store';
import type { Clock, TimerHandle } from '../net/clock';
import type { DatasetHolders } from './datasets-holders';

/**
 * Blobs are collected this long after something may have left them unreferenced (members
 * changed, a reader revoked, a version left the grant window, a version failed): time for the
 * repair to copy chunks to their new holders first.
 */
export const blobCollectDelayMs = 60_000;

export interface BlobCollectorDeps {
  blobs: BlobStore;
  holders: DatasetHolders;
  /** The committed chain state now. */
  chain(): ChainState;
  self(): string;
  clock: Clock;
  record(level: 'info' | 'warn' | 'error', message: string): void;
  /** putDatasetVersion turns running here (sealing, or waiting for the version to commit). */
  putsInFlight(): number;
  /** Chunks pushed here within `ms` that no version references yet (datasets-push.ts). */
  recentlyPushed(ms: number): Set<BlobId>;
  /** This owner's sealed analytics partials of open jobs (datasets-analytics.ts). */
  partials?(): Set<BlobId>;
}

export class BlobCollector {
  private collectTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly d: BlobCollectorDeps) {}

  private registry(): DatasetRegistry {
    return this.d.chain().datasets ?? emptyDatasets();
  }

  /** Collect blobCollectDelayMs from now (once, however many changes come before). */
  schedule(): void {
    if (this.collectTimer || this.stopped) return;
    this.collectTimer = this.d.clock.setTimeout(() => {
      this.collectTimer = null;
      this.d.holders.background(async () => {
        const freed = await this.collectGarbage();
        if (freed.blobs > 0)
          this.d.record(
            'info',
            `Collected ${freed.blobs} dataset blob(s) no longer referenced here (${freed.bytes} bytes).`,
          );
      }, 'Blob collection');
    }, blobCollectDelayMs);
  }

  /** The peer stops: no collection is scheduled any more, and a pending one is cancelled. */
  stop(): void {
    this.stopped = true;
    if (this.collectTimer) this.d.clock.clearTimeout(this.collectTimer);
    this.collectTimer = null;
  }

  /**
   * The blobs this peer must keep: of its own datasets, every version; of the others', the
   * versions still referenced (within the grant window, or keyed for a current reader) when this
   * peer is a member or a reader: their manifests, and the chunks placed here.
   */
  private async referencedHere(): Promise<Set<BlobId>> {
    const self = this.d.self();
    const registry = this.registry();
    const holders = this.d.holders;
    const members = holders.members();
    const member = members.includes(self);
    const k = await holders.holdersK();
    const keep = new Set<BlobId>();
    // Chunks pushed while their owner seals: their version may be a block away. Once a
    // committed version's manifest here lists a pushed chunk, its placement decides, not the push.
    const pushed = this.d.recentlyPushed(blobCollectDelayMs);
    const listed = new Set<BlobId>();
    // This owner's sealed analytics partials of open jobs: kept until their jobs close.
    const partials = this.d.partials?.() ?? new Set<BlobId>();
    for (const id of partials) keep.add(id);
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
        for (const [id, place] of holders.places)
          if (place.dataset === v.dataset && place.version === v.version) keep.add(id);
        continue;
      }
      for (const chunk of decodeManifest(bytes).chunks) {
        listed.add(toHex(chunk.hash));
        if (mine || holdersOf(chunk.hash, members, k).includes(self)) keep.add(toHex(chunk.hash));
      }
    }
    // Views derived for a viewer: kept while the viewer holds its view (or by the owner).
    for (const v of registry.derived.values()) {
      const dataset = registry.datasets.get(v.dataset);
      if (!dataset) continue;
      const mine = dataset.owner === self;
      const current = (dataset.viewers ?? []).some((x) => x.reader === v.reader);
      if (!mine && (!current || (!member && v.reader !== self))) continue;
      const fingerprint = toHex(v.fingerprint);
      keep.add(fingerprint);
      const bytes = await this.d.blobs.get(fingerprint);
      if (!bytes) {
        for (const [id, place] of holders.places)
          if (
            place.reader === v.reader &&
            place.dataset === v.dataset &&
            place.version === v.version
          )
            keep.add(id);
        continue;
      }
      for (const chunk of decodeManifest(bytes).chunks)
        if (mine || v.reader === self || holdersOf(chunk.hash, members, k).includes(self))
          keep.add(toHex(chunk.hash));
    }
    let waiting = 0;
    for (const id of pushed)
      if (!listed.has(id)) {
        keep.add(id);
        waiting += 1;
      }
    if (waiting > 0 || partials.size > 0) this.schedule();
    return keep;
  }

  /**
   * Delete the blobs this peer holds that nothing references here any more (see referencedHere),
   * and never while a version of this peer is being sealed or waits for its block. Also run
   * blobCollectDelayMs after each change that may unreference blobs.
   */
  async collectGarbage(): Promise<{ blobs: number; bytes: number }> {
    if (this.d.putsInFlight() > 0) {
      this.schedule();
      return { blobs: 0, bytes: 0 };
    }
    const holders = this.d.holders;
    const held = await this.d.blobs.list();
    const keep = await this.referencedHere();
    const before = (await this.d.blobs.usage()).bytes;
    let blobs = 0;
    for (const id of held) {
      if (keep.has(id)) continue;
      if (this.d.putsInFlight() > 0) break;
      if (await this.d.blobs.delete(id)) {
        blobs += 1;
        holders.places.delete(id);
      }
    }
    holders.indexed.clear();
    for (const [, place] of holders.places)
      if (place.manifest && place.reader === undefined)
        holders.indexed.add(versionKey(place.dataset, place.version));
    return { blobs, bytes: before - (await this.d.blobs.usage()).bytes };
  }
}

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
