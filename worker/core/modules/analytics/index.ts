// Distributed analytics over confidential datasets (issue 15; Y.4560 8.2 "distributed
// analytics", 8.4 accounting). A reader with aggregate rights on several datasets (of one owner
// or many) records a job; each dataset's owner computes its partial aggregate where the data is
// held (./merge.ts), seals it for the reader off chain, and records its fingerprint and the key
// wrapped for the reader; the reader's peer fetches the sealed partials from the owners, checks
// each against its fingerprint (TAMPERED otherwise) and merges them. No full record leaves an
// owner.
//   analytics.job     { datasets, field, fns, window?, versions? }   by the reader
//   analytics.partial { job, dataset, fingerprint, key }             by the dataset's owner
// State: anl/job/<job id> = JobRecord (the job, each dataset's pinned versions and owner, and
// each partial's fingerprint and wrapped key once recorded). Both transactions add a line to
// each dataset's access log (kinds job and partial).
// Rules: a job names 1 to analyticsDatasetsMax distinct datasets, each with a version, that the
// sender may aggregate: its owner, a full reader, or a viewer granted an aggregate that covers
// the job's field, functions and window (a job asking mean needs count in the grant too: the
// merge weighs each partial's sum by its count). The versions are pinned when the job commits:
// the latest `versions` (default 1) of each dataset. A partial comes from the dataset's owner,
// once per dataset, within analyticsJobBlocksMax blocks of its job, while the reader still has
// its rights (a revoked reader's job gets no partial).
import { decode, encode } from '../../codec';
import { botError, BotError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import type { Tx } from '../../tx-shape';
import type { BlockContext, BodyRules, TxModule } from '../module';
import {
  datasetIn,
  datasetsModule,
  log,
  viewOf,
  type DatasetOverlay,
  type DatasetState,
} from '../datasets';
import { checkWrappedKey, type WrappedKey } from '../datasets/keys';
import { checkDatasetId } from '../datasets/record';
import { grantVersionsMax } from '../datasets/limits';
import { checkReadView, viewWithin, type AggregateFn, type ViewWindow } from '../datasets/views';

export * from './merge';

export const analyticsTxTypes = ['analytics.job', 'analytics.partial'] as const;
export const jobPrefix = 'anl/job/';
/** Datasets one job names at most. */
export const analyticsDatasetsMax = 16;
/** Latest versions of each dataset one job aggregates at most (the grant window). */
export const analyticsVersionsMax = grantVersionsMax;
/** Blocks after its job within which a partial is accepted; later the job is closed. */
export const analyticsJobBlocksMax = 1_000;
/** Characters of the reason an owner gives when it cannot compute its partial. */
export const analyticsReasonLengthMax = 200;

export interface JobPart {
  dataset: string;
  owner: string;
  /** The versions aggregated (inclusive), pinned when the job committed. */
  from: number;
  to: number;
  /** The owner's partial once recorded: the sealed bytes' SHA-256 and its key for the reader. */
  partial: { fingerprint: Uint8Array; key: WrappedKey; height: number; tx: string } | null;
  /** Set instead when the owner could not compute it (its content is no records, say). */
  failed?: { reason: string; height: number; tx: string };
}

export interface JobRecord {
  id: string;
  reader: string;
  field: string;
  fns: AggregateFn[];
  window: ViewWindow | null;
  parts: JobPart[];
  height: number;
  time: number;
}

export interface AnalyticsState {
  /** Jobs that may still get partials (older ones stay in state, not in memory). */
  readonly jobs: ReadonlyMap<string, JobRecord>;
}

export interface AnalyticsOverlay {
  readonly base: AnalyticsState;
  readonly jobs: Map<string, JobRecord>;
  readonly datasets: () => DatasetOverlay;
}

const hexId = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw botError('BAD_FIELD_TYPE', `${what} must be a transaction id (64 hex digits).`);
  return value;
};

function mapOf(body: unknown, type: string, fields: string[], optional: string[] = []) {
  if (!isPlainObject(body))
    throw botError('MALFORMED', `An ${type} body must be a map { ${fields.join(', ')} }.`);
  onlyFields(body, [...fields, ...optional], type);
  for (const name of fields)
    if (body[name] === undefined)
      throw botError('MISSING_FIELD', `An ${type} body needs "${name}".`);
  return body;
}

/** A job's shape: its datasets, and the aggregate asked of them (typed errors). */
export function checkJobBody(body: unknown): {
  datasets: string[];
  field: string;
  fns: AggregateFn[];
  window: ViewWindow | null;
  versions: number;
} {
  const b = mapOf(body, 'analytics.job', ['datasets', 'field', 'fns'], ['window', 'versions']);
  if (
    !Array.isArray(b.datasets) ||
    b.datasets.length < 1 ||
    b.datasets.length > analyticsDatasetsMax
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `A job names 1 to ${analyticsDatasetsMax} datasets (analyticsDatasetsMax).`,
    );
  const datasets = b.datasets.map((id) => {
    if (typeof id !== 'string') throw botError('BAD_FIELD_TYPE', 'A dataset id is text.');
    checkDatasetId(id);
    return id;
  });
  if (new Set(datasets).size !== datasets.length)
    throw botError('BAD_REQUEST', 'A job names a dataset twice.');
  const view = checkReadView({
    kind: 'aggregate',
    field: b.field,
    fns: b.fns,
    ...(b.window === undefined ? {} : { window: b.window }),
  });
  if (view.kind !== 'aggregate') throw botError('BAD_REQUEST', 'A job is an aggregate.');
  const versions = b.versions ?? 1;
  if (
    !Number.isSafeInteger(versions) ||
    (versions as number) < 1 ||
    (versions as number) > analyticsVersionsMax
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `versions is a whole number from 1 to ${analyticsVersionsMax} (analyticsVersionsMax).`,
    );
  return {
    datasets,
    field: view.field,
    fns: view.fns,
    window: view.window ?? null,
    versions: versions as number,
  };
}

const jobRules: BodyRules = { check: (body) => void checkJobBody(body) };
const partialRules: BodyRules = {
  check(body) {
    const b = mapOf(body, 'analytics.partial', ['job', 'dataset'], ['fingerprint', 'key', 'error']);
    hexId(b.job, 'job');
    if (typeof b.dataset !== 'string') throw botError('BAD_FIELD_TYPE', 'A dataset id is text.');
    checkDatasetId(b.dataset);
    if (b.error !== undefined) {
      if (b.fingerprint !== undefined || b.key !== undefined)
        throw botError('MALFORMED', 'A partial has a fingerprint and a key, or an error.');
      if (
        typeof b.error !== 'string' ||
        b.error.length < 1 ||
        b.error.length > analyticsReasonLengthMax
      )
        throw botError(
          'BAD_FIELD_TYPE',
          `error is 1 to ${analyticsReasonLengthMax} characters (analyticsReasonLengthMax).`,
        );
      return;
    }
    if (b.fingerprint === undefined || b.key === undefined)
      throw botError('MISSING_FIELD', 'An analytics.partial body needs "fingerprint" and "key".');
    if (!(b.fingerprint instanceof Uint8Array) || b.fingerprint.length !== 32)
      throw botError('BAD_FIELD_TYPE', 'fingerprint is the 32-byte SHA-256 of the sealed partial.');
    checkWrappedKey(b.key);
  },
};

/**
 * Whether `did` may aggregate `field`/`fns` over `window` of this dataset: its owner, a full
 * reader, or a viewer whose aggregate grant covers it (mean needs count: the merge weighs by it).
 * The refusal, or null.
 */
export function mayAggregate(
  d: DatasetState,
  did: string,
  field: string,
  fns: readonly AggregateFn[],
  window: ViewWindow | null,
): BotError | null {
  if (d.owner === did || d.readers.includes(did)) return null;
  const granted = viewOf(d, did);
  if (!granted)
    return botError(
      'UNAUTHORIZED',
      `You have no aggregate of "${d.id}" granted: request one from its owner first.`,
    );
  const need: AggregateFn[] =
    fns.includes('mean') && !fns.includes('count') ? [...fns, 'count'] : [...fns];
  const asked = { kind: 'aggregate' as const, field, fns: need, ...(window ? { window } : {}) };
  if (!viewWithin(asked, granted))
    return botError(
      'UNAUTHORIZED',
      `The aggregate granted of "${d.id}" does not cover ${need.join(', ')} of ${field}${window ? ` over that ${window.field} window` : ''} (a mean needs count granted too).`,
    );
  return null;
}

function jobIn(o: AnalyticsOverlay, id: string): JobRecord | undefined {
  return o.jobs.get(id) ?? o.base.jobs.get(id);
}

function event(
  kind: 'job' | 'partial',
  dataset: string,
  reader: string,
  tx: Tx,
  txId: string,
  height: number,
) {
  return {
    kind,
    dataset,
    reader,
    version: null,
    purpose: null,
    by: tx.from,
    height,
    time: tx.time,
    tx: txId,
  };
}

function applyJob(o: AnalyticsOverlay, tx: Tx, txId: string, height: number): void {
  const body = checkJobBody(tx.body);
  const ds = o.datasets();
  const parts: JobPart[] = [];
  for (const id of body.datasets) {
    const d = datasetIn(ds, id);
    if (!d) throw botError('NOT_FOUND', `No dataset "${id}" is published on this chain.`);
    if (d.latest < 1) throw botError('NOT_FOUND', `"${id}" has no version yet.`);
    const refused = mayAggregate(d, tx.from, body.field, body.fns, body.window);
    if (refused) throw refused;
    const from = Math.max(1, d.latest - body.versions + 1);
    parts.push({ dataset: id, owner: d.owner, from, to: d.latest, partial: null });
  }
  const { field, fns, window } = body;
  o.jobs.set(txId, { id: txId, reader: tx.from, field, fns, window, parts, height, time: tx.time });
  for (const p of parts) log(ds, event('job', p.dataset, tx.from, tx, txId, height));
}

function applyPartial(o: AnalyticsOverlay, tx: Tx, txId: string, height: number): void {
  const body = tx.body as {
    job: string;
    dataset: string;
    fingerprint: Uint8Array;
    key: WrappedKey;
    error?: string;
  };
  const job = jobIn(o, body.job);
  if (!job || height > job.height + analyticsJobBlocksMax)
    throw botError(
      'NOT_FOUND',
      `No open analytics job ${body.job.slice(0, 12)}… (never recorded, or closed after ${analyticsJobBlocksMax} blocks).`,
    );
  const at = job.parts.findIndex((p) => p.dataset === body.dataset);
  const part = job.parts[at];
  if (!part) throw botError('BAD_REQUEST', `The job does not name "${body.dataset}".`);
  if (part.owner !== tx.from)
    throw botError('UNAUTHORIZED', `Only the owner of "${body.dataset}" answers for it.`);
  if (part.partial || part.failed)
    throw botError('BAD_REQUEST', `The partial of "${body.dataset}" is recorded already.`);
  if (body.error !== undefined) {
    // The owner could not compute it: nothing leaves its peer, the reader is told why.
    const parts = [...job.parts];
    parts[at] = { ...part, failed: { reason: body.error, height, tx: txId } };
    o.jobs.set(job.id, { ...job, parts });
    return;
  }
  if (body.key.reader !== job.reader)
    throw botError('BAD_REQUEST', "The key of a partial is wrapped for the job's reader only.");
  const ds = o.datasets();
  const d = datasetIn(ds, body.dataset);
  const refused = d ? mayAggregate(d, job.reader, job.field, job.fns, job.window) : null;
  if (!d || refused)
    throw botError(
      'UNAUTHORIZED',
      `The reader of this job may no longer aggregate "${body.dataset}" (revoked).`,
    );
  const parts = [...job.parts];
  parts[at] = {
    ...part,
    partial: { fingerprint: body.fingerprint, key: body.key, height, tx: txId },
  };
  o.jobs.set(job.id, { ...job, parts });
  log(ds, event('partial', body.dataset, job.reader, tx, txId, height));
}

export function decodeJob(bytes: Uint8Array): JobRecord {
  return decode<JobRecord>(bytes, 64 * 1024);
}

export const analyticsModule: TxModule<AnalyticsState, AnalyticsOverlay, 'analytics'> = {
  name: 'analytics',
  txTypes: analyticsTxTypes,
  bodyRules: { 'analytics.job': jobRules, 'analytics.partial': partialRules },
  empty: () => ({ jobs: new Map() }),
  overlay: (state, block: BlockContext) => ({
    base: state,
    jobs: new Map(),
    datasets: () => block.overlayOf(datasetsModule as never) as DatasetOverlay,
  }),
  apply(overlay, tx, txId, block) {
    if (tx.type === 'analytics.job') applyJob(overlay, tx, txId, block.height);
    else if (tx.type === 'analytics.partial') applyPartial(overlay, tx, txId, block.height);
  },
  finish(overlay, end) {
    for (const [id, job] of overlay.jobs) end.writes.set(jobPrefix + id, encode(job));
    const stale = (j: JobRecord) => end.height > j.height + analyticsJobBlocksMax;
    const anyStale = [...overlay.base.jobs.values()].some(stale);
    if (overlay.jobs.size === 0 && !anyStale) return overlay.base;
    // Jobs past their window get no partial: they leave memory (their records stay in state).
    const jobs = new Map([...overlay.base.jobs].filter(([, j]) => !stale(j)));
    for (const [id, job] of overlay.jobs) jobs.set(id, job);
    return { jobs };
  },
  views: { decodeJob, mayAggregate },
  load: {
    prefixes: [jobPrefix],
    fromEntries: (entries) => {
      const jobs = new Map<string, JobRecord>();
      for (const [key, bytes] of entries)
        if (key.startsWith(jobPrefix)) jobs.set(key.slice(jobPrefix.length), decodeJob(bytes));
      return { jobs };
    },
  },
};
