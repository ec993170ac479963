// Distributed analytics (issue 15; Y.4560 8.2, 8.4): jobs that run where the data is held.
// The reader records a job (analytics.job: datasets it may aggregate, a field, functions, a
// window); each dataset's owner's peer, when the job commits (or when it comes back online and
// applies that block, or when it starts again after stopping before its answer), computes its partial (count, sum, min, max: worker/core/modules/analytics/
// merge.ts) over the pinned versions from its own plaintext, seals it with a fresh AES-256-GCM
// key, keeps the sealed bytes in its blob store, and records their SHA-256 and the key wrapped
// for the reader (analytics.partial). The reader's peer fetches each sealed partial from its
// owner (blobGet), checks it against the fingerprint on chain (TAMPERED otherwise: neither
// opened nor merged), opens it, and merges. An owner that has recorded no partial when the
// wait ends is reported missing (reason timeout: analyticsWaitMsDefault, or the caller's
// timeoutMs up to analyticsWaitMsMax), never waited on for ever; one that recorded its partial
// but does not serve it (not linked, no answer) is missing too (reason unreachable).
import { SerialWork } from './serial-work';
import { equalBytes, toHex, utf8 } from '../core/bytes';
import { botError, BotError } from '../core/errors';
import { sha256 } from '../core/crypto/hash';
import type { ChainState } from '../core/ledger';
import {
  addRows,
  analyticsReasonLengthMax,
  checkJobBody,
  checkPartialContent,
  emptyPartial,
  mergePartials,
  mayAggregate,
  resultOf,
  type JobRecord,
  type PartialContent,
} from '../core/modules/analytics';
import { emptyDatasets, type DatasetState } from '../core/modules/datasets';
import { recordsOf } from '../core/modules/datasets/views';
import type { BlobStore } from '../data/blob-store';
import {
  importContentKey,
  newContentKey,
  unwrapContentKey,
  wrapContentKey,
  type ReaderKeys,
} from '../data/envelope';
import type { X25519Backend } from '../data/x25519';
import type { BlobAnswer } from './datasets-blobs';
import type {
  AnalyticsJobView,
  AnalyticsRequest,
  AnalyticsResultView,
  AnalyticsPartView,
} from '../api-analytics';

/** How long a result waits for the owners' partials when the caller names no time. */
export const analyticsWaitMsDefault = 20_000;
/** The longest wait a caller may ask for. */
export const analyticsWaitMsMax = 120_000;
/** Verified partials this reader keeps (by job and dataset), and jobs answered here kept for serving. */
export const analyticsPartialsKeptMax = 1_024;
/** Jobs one analyticsJobs answer lists (the newest). */
export const analyticsJobsListedMax = 200;

const partialAad = (job: string, dataset: string) =>
  utf8(`bot/analytics-partial/v1 ${job} ${dataset}`);
const nonceBytes = 12;

export interface DatasetAnalyticsDeps {
  blobs: BlobStore;
  chain(): ChainState;
  self(): string;
  now(): number;
  readerKeys(): ReaderKeys;
  x25519(): Promise<X25519Backend>;
  /** The owner's plaintext of one of its versions (no access record: the owner reads its own). */
  plain(dataset: string, version: number): Promise<Uint8Array>;
  /** Check, sign and submit (typed errors before signing). */
  submit(type: string, body: unknown): Promise<{ txId: string }>;
  /** Wait until the transaction commits (a typed error when refused). */
  committed(p: Promise<{ txId: string }>): Promise<string>;
  /** Resolves at the next committed block applied here, or after `ms`. */
  nextCommit(ms: number): Promise<void>;
  /** One blob of one neighbour: its answer, or null (no link, or no answer in time). */
  ask(peer: string, id: string): Promise<BlobAnswer | null>;
  record(level: 'info' | 'warn' | 'error', message: string): void;
}

type Verified = { content: PartialContent } | { tampered: string };

export class DatasetAnalytics {
  private readonly work = new SerialWork();
  /** Partials being sealed here (their blobs wait for analytics.partial: not to be collected). */
  get running(): number {
    return this.work.running;
  }
  /** Sealed partials of this owner: blob id -> the reader it is for. */
  private readonly sealed = new Map<string, string>();
  /** Partials this reader verified (or found tampered), by "<job>/<dataset>". */
  private readonly verified = new Map<string, Verified>();

  constructor(private readonly d: DatasetAnalyticsDeps) {}

  stop(): void {
    this.work.stop();
  }

  private jobs(): ReadonlyMap<string, JobRecord> {
    return this.d.chain().analytics?.jobs ?? new Map();
  }

  private dataset(id: string): DatasetState | undefined {
    return (this.d.chain().datasets ?? emptyDatasets()).datasets.get(id);
  }

  // ---- reader --------------------------------------------------------------------------------

  /** Record a job, then wait for the partials and merge them (see analyticsResult). */
  async runAnalytics(request: AnalyticsRequest): Promise<AnalyticsResultView> {
    if (typeof request !== 'object' || request === null)
      throw botError(
        'BAD_REQUEST',
        'runAnalytics takes { datasets, field, fns, window?, versions?, timeoutMs? }.',
      );
    const { timeoutMs, ...spec } = request;
    const wait = checkWait(timeoutMs);
    const body = checkJobBody(spec);
    const self = this.d.self();
    // The chain's checks, here first: a plain error before anything is signed.
    for (const id of body.datasets) {
      const d = this.dataset(id);
      if (!d) throw botError('NOT_FOUND', `No dataset "${id}" is published on this chain.`);
      if (d.latest < 1) throw botError('NOT_FOUND', `"${id}" has no version yet.`);
      const refused = mayAggregate(d, self, body.field, body.fns, body.window);
      if (refused) throw refused;
    }
    const job = await this.d.committed(this.d.submit('analytics.job', spec));
    return this.analyticsResult(job, { timeoutMs: wait });
  }

  /**
   * The merged result of a job of this peer: waits up to `timeoutMs` for every owner's partial
   * to be recorded, fetches and checks the recorded ones, and merges those that verify.
   */
  async analyticsResult(
    job: string,
    options: { timeoutMs?: number } = {},
  ): Promise<AnalyticsResultView> {
    const wait = checkWait(options?.timeoutMs);
    let record = this.jobs().get(job);
    if (!record)
      throw botError(
        'NOT_FOUND',
        `No open analytics job ${String(job).slice(0, 12)}… on this chain.`,
      );
    if (record.reader !== this.d.self())
      throw botError('UNAUTHORIZED', 'Only the reader that recorded a job gets its result.');
    const deadline = this.d.now() + wait;
    while (record.parts.some((p) => !p.partial && !p.failed) && !this.work.stopped) {
      const left = deadline - this.d.now();
      if (left <= 0) break;
      await this.d.nextCommit(left);
      record = this.jobs().get(job) ?? record;
    }
    const parts: AnalyticsPartView[] = [];
    const merged = [];
    for (const part of record.parts) {
      const base = { dataset: part.dataset, owner: part.owner, from: part.from, to: part.to };
      if (part.failed) {
        parts.push({
          ...base,
          status: 'failed',
          reason: part.failed.reason,
          fingerprint: null,
          txId: part.failed.tx,
        });
        continue;
      }
      if (!part.partial) {
        parts.push({
          ...base,
          status: 'missing',
          reason: 'timeout',
          fingerprint: null,
          txId: null,
        });
        continue;
      }
      const onChain = { fingerprint: toHex(part.partial.fingerprint), txId: part.partial.tx };
      const got = await this.fetchPartial(record, part.dataset, part.owner, part.partial);
      if (got === null) {
        parts.push({ ...base, ...onChain, status: 'missing', reason: 'unreachable' });
      } else if ('tampered' in got) {
        parts.push({ ...base, ...onChain, status: 'tampered', reason: got.tampered });
      } else {
        const { count, sum, min, max } = got.content;
        merged.push({ count, sum, min, max });
        parts.push({ ...base, ...onChain, status: 'answered', count, sum, min, max });
      }
    }
    return {
      job,
      reader: record.reader,
      field: record.field,
      fns: record.fns,
      window: record.window,
      height: record.height,
      complete: parts.every((p) => p.status === 'answered'),
      result: merged.length ? resultOf(mergePartials(merged), record.fns) : null,
      parts,
    };
  }

  private async fetchPartial(
    job: JobRecord,
    dataset: string,
    owner: string,
    partial: NonNullable<JobRecord['parts'][number]['partial']>,
  ): Promise<Verified | null> {
    const key = `${job.id}/${dataset}`;
    const known = this.verified.get(key);
    if (known) return known;
    const id = toHex(partial.fingerprint);
    const sealed =
      owner === this.d.self()
        ? ((await this.d.blobs.get(id)) ?? null)
        : ((await this.d.ask(owner, id))?.bytes ?? null);
    if (!sealed) return null;
    let verified: Verified;
    try {
      verified = { content: await this.open(job, dataset, sealed, partial) };
    } catch (error) {
      if (!(error instanceof BotError) || error.code !== 'TAMPERED') throw error;
      this.d.record(
        'warn',
        `The partial of "${dataset}" for job ${job.id.slice(0, 12)}… from ${owner} is TAMPERED: ${error.message}`,
      );
      verified = { tampered: error.message };
    }
    if (this.verified.size >= analyticsPartialsKeptMax)
      this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(key, verified);
    return verified;
  }

  private async open(
    job: JobRecord,
    dataset: string,
    sealed: Uint8Array,
    partial: NonNullable<JobRecord['parts'][number]['partial']>,
  ): Promise<PartialContent> {
    if (!equalBytes(sha256(sealed), partial.fingerprint))
      throw botError('TAMPERED', 'its bytes do not match the fingerprint recorded on chain.');
    const contentKey = await unwrapContentKey(
      [partial.key],
      partial.fingerprint,
      this.d.readerKeys(),
      await this.d.x25519(),
    );
    let plain: Uint8Array;
    try {
      const key = await importContentKey(contentKey, ['decrypt']);
      const out = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: sealed.subarray(0, nonceBytes) as BufferSource,
          additionalData: partialAad(job.id, dataset) as BufferSource,
        },
        key,
        sealed.subarray(nonceBytes) as BufferSource,
      );
      plain = new Uint8Array(out);
    } catch {
      throw botError('TAMPERED', 'it does not open with its key.');
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(plain));
    } catch {
      throw botError('TAMPERED', 'it is not JSON.');
    }
    const content = checkPartialContent(value, job.id, dataset);
    const part = job.parts.find((p) => p.dataset === dataset)!;
    if (content.from !== part.from || content.to !== part.to)
      throw botError('TAMPERED', 'it was computed over other versions than the job pinned.');
    return content;
  }

  /** Jobs on this chain that this peer recorded or answers for (the newest first). */
  analyticsJobs(): AnalyticsJobView[] {
    const self = this.d.self();
    return [...this.jobs().values()]
      .filter((j) => j.reader === self || j.parts.some((p) => p.owner === self))
      .sort((a, b) => b.height - a.height)
      .slice(0, analyticsJobsListedMax)
      .map((j) => ({
        job: j.id,
        reader: j.reader,
        mine: j.reader === self,
        field: j.field,
        fns: j.fns,
        window: j.window,
        height: j.height,
        parts: j.parts.map((p) => ({
          dataset: p.dataset,
          owner: p.owner,
          from: p.from,
          to: p.to,
          recorded: p.partial !== null || p.failed !== undefined,
        })),
      }));
  }

  // ---- owner ---------------------------------------------------------------------------------

  /** A job committed: answer for this peer's datasets in it (one job at a time, in order). */
  schedule(job: string): void {
    this.work.add(
      () => this.answer(job),
      (error) =>
        this.d.record(
          'warn',
          `Analytics job ${job.slice(0, 12)}… was not answered: ${error.message}`,
        ),
    );
  }

  /**
   * Schedule every open job in which this peer owns a part it has not recorded yet. A job's
   * block is answered when it is applied here (schedule); an owner that stopped between that
   * block and its answer (a closed tab, a crash, a restart) answers when it starts again.
   */
  resume(): number {
    const waiting = jobsAwaiting(this.d.chain(), this.d.self());
    for (const job of waiting) this.schedule(job);
    return waiting.length;
  }

  /** Resolves when the jobs scheduled so far are answered (or failed). */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private async answer(jobId: string): Promise<void> {
    const self = this.d.self();
    for (const part of this.jobs().get(jobId)?.parts ?? []) {
      if (this.work.stopped) return;
      const job = this.jobs().get(jobId);
      const now = job?.parts.find((p) => p.dataset === part.dataset);
      if (!job || !now || now.owner !== self || now.partial || now.failed) continue;
      const dataset = this.dataset(part.dataset);
      if (!dataset) continue;
      // The rights are checked again: a reader revoked since gets nothing computed.
      if (mayAggregate(dataset, job.reader, job.field, job.fns, job.window)) continue;
      const acc = emptyPartial();
      try {
        for (let v = part.from; v <= part.to; v++)
          addRows(
            acc,
            recordsOf(await this.d.plain(dataset.id, v), dataset.schema),
            job.field,
            job.window,
          );
      } catch (error) {
        if (!(error instanceof BotError) || this.work.stopped) throw error;
        // Its content cannot be read as records (or not at all): the reader is told so on chain.
        const reason = `${error.code}: ${error.message}`.slice(0, analyticsReasonLengthMax);
        await this.d.committed(
          this.d.submit('analytics.partial', { job: jobId, dataset: dataset.id, error: reason }),
        );
        this.d.record(
          'warn',
          `Could not answer analytics job ${jobId.slice(0, 12)}… for "${dataset.id}": ${reason}`,
        );
        continue;
      }
      const content: PartialContent = {
        job: jobId,
        dataset: dataset.id,
        from: part.from,
        to: part.to,
        ...acc,
      };
      await this.seal(job, content);
    }
  }

  private async seal(job: JobRecord, content: PartialContent): Promise<void> {
    const binding = (this.d.chain().datasets ?? emptyDatasets()).keys.get(job.reader);
    if (!binding) throw botError('NOT_FOUND', `${job.reader} has no X25519 key on chain.`);
    const contentKey = newContentKey();
    const nonce = crypto.getRandomValues(new Uint8Array(nonceBytes));
    const key = await importContentKey(contentKey, ['encrypt']);
    const cipher = await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: nonce as BufferSource,
        additionalData: partialAad(job.id, content.dataset) as BufferSource,
      },
      key,
      utf8(JSON.stringify(content)) as BufferSource,
    );
    const sealed = new Uint8Array(nonceBytes + cipher.byteLength);
    sealed.set(nonce);
    sealed.set(new Uint8Array(cipher), nonceBytes);
    const fingerprint = sha256(sealed);
    const id = await this.d.blobs.put(sealed, toHex(fingerprint));
    if (this.sealed.size >= analyticsPartialsKeptMax)
      this.sealed.delete(this.sealed.keys().next().value!);
    this.sealed.set(id, job.reader);
    try {
      const wrapped = await wrapContentKey(contentKey, fingerprint, binding, await this.d.x25519());
      await this.d.committed(
        this.d.submit('analytics.partial', {
          job: job.id,
          dataset: content.dataset,
          fingerprint,
          key: wrapped,
        }),
      );
      this.d.record(
        'info',
        `Answered analytics job ${job.id.slice(0, 12)}… for "${content.dataset}" (${content.count} records) sealed for ${job.reader}.`,
      );
    } catch (error) {
      this.sealed.delete(id);
      await this.d.blobs.delete(id).catch(() => false);
      throw error;
    }
  }

  /**
   * Whether a blob asked of this peer is one of its sealed partials: null when not; otherwise
   * whether `from` is the job's reader (only the reader is served).
   */
  partialBlob(from: string, id: string): { reader: boolean } | null {
    let reader = this.sealed.get(id);
    if (reader === undefined) {
      const self = this.d.self();
      for (const job of this.jobs().values())
        for (const p of job.parts)
          if (p.owner === self && p.partial && toHex(p.partial.fingerprint) === id)
            reader = job.reader;
    }
    return reader === undefined ? null : { reader: reader === from };
  }

  /** The blobs of this owner's recorded partials (kept while their jobs are open). */
  referenced(): Set<string> {
    const self = this.d.self();
    const keep = new Set(this.sealed.keys());
    for (const job of this.jobs().values())
      for (const p of job.parts)
        if (p.owner === self && p.partial) keep.add(toHex(p.partial.fingerprint));
    return keep;
  }
}

/** The open jobs (oldest first) in which `self` owns a part that has no partial or failure yet. */
export function jobsAwaiting(chain: ChainState, self: string): string[] {
  return [...(chain.analytics?.jobs.values() ?? [])]
    .filter((j) => j.parts.some((p) => p.owner === self && !p.partial && !p.failed))
    .sort((a, b) => a.height - b.height)
    .map((j) => j.id);
}

function checkWait(value: unknown): number {
  if (value === undefined) return analyticsWaitMsDefault;
  if (
    !Number.isSafeInteger(value) ||
    (value as number) < 0 ||
    (value as number) > analyticsWaitMsMax
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `timeoutMs is a whole number of milliseconds from 0 to ${analyticsWaitMsMax} (analyticsWaitMsMax).`,
    );
  return value as number;
}
