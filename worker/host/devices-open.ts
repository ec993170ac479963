// A device's sealed readings as a granted reader sees them (issue 15, Y.4560 D-8.1). A reading
// carries only its batch's fingerprint on chain; the samples are a version of the gateway's
// dataset of the device. The gateway shows its own copy. A peer granted that dataset (a dataset
// request and grant, or a market purchase; the full data, a projection or an aggregate) opens the
// versions on its own peer (readDataset: each read is an access record on chain) and keeps what
// it opened, so a reading is opened once: the full samples are matched to the reading by their
// SHA-256, a derived view by the batch digest the owner's peer puts in it. Everyone else sees
// the reading sealed, and its device's `access` says what to ask for.
import { decode } from '../core/codec';
import { toHex } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import type { ChainState } from '../core/ledger';
import {
  derivedFor,
  mayReadVersion,
  versionKey,
  viewOf,
  type DatasetRegistry,
} from '../core/modules/datasets';
import { deviceDatasetId, type ReadView } from '../core/modules/datasets/views';
import type { DeviceRecord, ReadingRecord } from '../core/modules/devices';
import { readingViewOf } from './devices-views';
import { deviceBatchBytesMax } from '../core/limits';
import type { Storage } from '../store/storage';
import type { Clock } from '../net/clock';
import type {
  DeviceDataAccess,
  DeviceReadingAggregate,
  DeviceReadingView,
  DeviceValue,
} from '../api';

/** Versions one listing of readings opens at most (each is a read recorded on chain). */
export const deviceVersionsOpenedMax = 8;
/** A listing waits at most this long for the versions it opens; the rest fill later listings. */
export const deviceOpenWaitMs = 15_000;
/** A version that failed to open is not tried again for this long (each try is on chain). */
export const deviceOpenRetryMs = 30_000;

/** Where one batch is kept on its gateway: the dataset version that holds it. */
export type BatchPlace = { dataset: string; version: number; last?: Record<string, DeviceValue> };
/** Meta key of the dataset version holding a batch, by its digest (the gateway's copy). */
export const batchAt = (hex: string) => `devices.batchAt.${hex}`;

/** What a reader opened of one version: the last sample (or record), or the aggregate. */
interface Opened {
  dataset: string;
  version: number;
  view: 'full' | 'projection' | 'aggregate';
  values: Record<string, DeviceValue>;
  aggregate?: DeviceReadingAggregate;
}

export interface ReadingOpenerDeps {
  storage: Storage;
  chain(): ChainState;
  self(): string;
  clock(): Clock;
  /** Read one version as this peer may (the full version, or the view derived for it). */
  read(dataset: string, version: number): Promise<{ bytes: Uint8Array; view?: ReadView | null }>;
  record(message: string): void;
}

const registryOf = (chain: ChainState): DatasetRegistry | null => chain.datasets ?? null;

/** Whether and how this peer may see a device's data (the "sealed — request access" state). */
export function dataAccessOf(
  chain: ChainState,
  device: DeviceRecord,
  self: string,
): DeviceDataAccess {
  const id = deviceDatasetId(device.did, device.gateway);
  const dataset = registryOf(chain)?.datasets.get(id);
  if (!dataset)
    return { dataset: null, state: device.gateway === self ? 'gateway' : 'none', request: null };
  if (dataset.owner === self) return { dataset: id, state: 'gateway', request: null };
  const view = viewOf(dataset, self);
  const request =
    [...registryOf(chain)!.open.values()]
      .filter((r) => r.dataset === id && r.reader === self)
      .at(-1) ?? null;
  const state = view
    ? view.kind
    : dataset.readers.includes(self)
      ? 'full'
      : request && (request.state === 'pending' || request.state === 'approved')
        ? 'pending'
        : 'none';
  return { dataset: id, state: state as DeviceDataAccess['state'], request: request?.id ?? null };
}

export class ReadingOpener {
  private readonly running = new Map<string, Promise<void>>();
  private readonly failed = new Map<string, number>();

  constructor(private readonly d: ReadingOpenerDeps) {}

  private openedAt(digest: string): string {
    return `devices.opened.${this.d.chain().chainId}.${digest}`;
  }

  private versionAt(dataset: string, version: number): string {
    return `devices.openedVersion.${this.d.chain().chainId}.${dataset}.${version}`;
  }

  /**
   * A committed reading as the API shows it. A batch's values are not on chain: the gateway
   * shows the last sample from its own copy, a reader what it opened before (no read, nothing
   * on chain); others get `values: {}` and `sealed: true`.
   */
  async view(r: ReadingRecord): Promise<DeviceReadingView> {
    const view = readingViewOf(r);
    if (!r.batch || Object.keys(r.values).length > 0) return view;
    const place = await this.d.storage.getMeta<BatchPlace>(batchAt(view.batch!.digest));
    if (place?.last) return { ...view, values: place.last };
    return (await this.fromCopy([{ ...view, sealed: true }]))[0]!;
  }

  /** Fill sealed readings from what this peer opened before (no read, nothing on chain). */
  private async fromCopy(views: DeviceReadingView[]): Promise<DeviceReadingView[]> {
    return Promise.all(
      views.map(async (v) => {
        if (!v.sealed || !v.batch) return v;
        const opened = await this.d.storage.getMeta<Opened>(this.openedAt(v.batch.digest));
        if (!opened) return v;
        const { sealed: _, ...rest } = v;
        return {
          ...rest,
          values: opened.values,
          opened: {
            dataset: opened.dataset,
            version: opened.version,
            view: opened.view,
            aggregate: opened.aggregate ?? null,
          },
        };
      }),
    );
  }

  /**
   * Fill sealed readings of `device`: from what was opened before, then by opening (at most
   * deviceVersionsOpenedMax) versions this peer may read that hold the still sealed ones,
   * waiting at most deviceOpenWaitMs for them.
   */
  async open(device: DeviceRecord, records: ReadingRecord[]): Promise<DeviceReadingView[]> {
    const first = await Promise.all(records.map((r) => this.view(r)));
    const sealed = first.filter((v) => v.sealed && v.batch);
    const registry = registryOf(this.d.chain());
    const id = deviceDatasetId(device.did, device.gateway);
    const dataset = registry?.datasets.get(id);
    if (sealed.length === 0 || !registry || !dataset) return first;
    const self = this.d.self();
    const view = viewOf(dataset, self);
    const may = (v: number) =>
      view
        ? derivedFor(registry, id, v, self) !== undefined
        : mayReadVersion(registry, id, v, self);
    const top = Math.max(...sealed.map((v) => v.height));
    const listed = first.filter((v) => v.batch).length;
    // The versions of the listed readings: each version commits before its reading, in order,
    // so they are the newest ones at or below the newest sealed reading's height (and a few
    // more in case a version's reading never made it).
    const todo: number[] = [];
    let walked = 0;
    const now = this.d.clock().now();
    for (let v = dataset.latest; v >= 1 && walked < listed + 2; v--) {
      const state = registry.versions.get(versionKey(id, v));
      if (!state || state.height > top) continue;
      walked++;
      if (!may(v) || todo.length >= deviceVersionsOpenedMax) continue;
      const failedAt = this.failed.get(`${id}/${v}`);
      if (failedAt !== undefined && now - failedAt < deviceOpenRetryMs) continue;
      if (await this.d.storage.getMeta(this.versionAt(id, v))) continue;
      todo.push(v);
    }
    if (todo.length === 0) return first;
    const clock = this.d.clock();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    await Promise.race([
      Promise.all(todo.map((v) => this.openVersion(id, v))),
      new Promise<void>((resolve) => {
        timer = clock.setTimeout(resolve, deviceOpenWaitMs);
      }),
    ]);
    if (timer !== undefined) clock.clearTimeout(timer);
    return this.fromCopy(first);
  }

  private openVersion(dataset: string, version: number): Promise<void> {
    const key = `${dataset}/${version}`;
    const running = this.running.get(key);
    if (running) return running;
    const run = this.readAndKeep(dataset, version)
      .catch((error) => {
        this.failed.set(key, this.d.clock().now());
        this.d.record(
          `Version ${version} of "${dataset}" was not opened: ${(error as Error).message}`,
        );
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  private async readAndKeep(dataset: string, version: number): Promise<void> {
    const { bytes, view } = await this.d.read(dataset, version);
    const kept = openedOf(dataset, version, bytes, view ?? null);
    if (kept.digest) {
      const { digest, ...opened } = kept;
      await this.d.storage.putMeta(this.openedAt(digest), opened);
    }
    await this.d.storage.putMeta(this.versionAt(dataset, version), kept.digest ?? true);
    this.failed.delete(`${dataset}/${version}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function deviceValues(row: Record<string, unknown>): Record<string, DeviceValue> {
  const out: Record<string, DeviceValue> = {};
  for (const [k, v] of Object.entries(row))
    if (
      k !== 'at' &&
      (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    )
      out[k] = v;
  return out;
}

const numberOrNull = (v: unknown): number | null | undefined =>
  v === undefined ? undefined : typeof v === 'number' ? v : null;

/** What one opened version shows, and the batch digest it is matched to (none: not matched). */
function openedOf(
  dataset: string,
  version: number,
  bytes: Uint8Array,
  view: ReadView | null,
): Opened & { digest?: string } {
  if (!view || view.kind === 'full') {
    const samples = decode<unknown>(bytes, deviceBatchBytesMax);
    const last = Array.isArray(samples) ? samples[samples.length - 1] : undefined;
    const values = isRecord(last) && isRecord(last.values) ? deviceValues(last.values) : {};
    return { dataset, version, view: 'full', values, digest: toHex(sha256(bytes)) };
  }
  const content: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!isRecord(content)) return { dataset, version, view: view.kind, values: {} };
  const digest = typeof content.batch === 'string' ? content.batch : undefined;
  if (view.kind === 'projection') {
    const records = Array.isArray(content.records) ? content.records : [];
    const last = records[records.length - 1];
    return {
      dataset,
      version,
      view: 'projection',
      values: isRecord(last) ? deviceValues(last) : {},
      digest,
    };
  }
  const aggregate: DeviceReadingAggregate = { field: String(content.field ?? view.field) };
  if (typeof content.count === 'number') aggregate.count = content.count;
  for (const fn of ['min', 'max', 'mean'] as const) {
    const value = numberOrNull(content[fn]);
    if (value !== undefined) aggregate[fn] = value;
  }
  return { dataset, version, view: 'aggregate', values: {}, aggregate, digest };
}
