// Distributed analytics, the arithmetic (issue 15; Y.4560 8.2 "distributed analytics"): each
// owner's peer computes a partial aggregate of its own records (count, sum, min, max: the
// mergeable ones) and the reader's peer merges the partials; mean = sum / count of the merge.
// Pure: the same partial and the same merge on every peer.
import { botError } from '../../errors';
import { isPlainObject } from '../../body';
import type { AggregateFn, ViewWindow } from '../datasets/views';

type Row = Record<string, unknown>;

/** The mergeable aggregate of one owner's records (min/max null when no record counted). */
export interface PartialAggregate {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
}

/** What an owner seals for the reader: its partial, bound to the job and the dataset. */
export interface PartialContent extends PartialAggregate {
  job: string;
  dataset: string;
  /** The versions it was computed over (inclusive). */
  from: number;
  to: number;
}

/** The merged result a reader gets: the functions it asked for. */
export interface MergedAggregate {
  count?: number;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
}

export const emptyPartial = (): PartialAggregate => ({ count: 0, sum: 0, min: null, max: null });

/** Add the records of `rows` whose `field` is a finite number (and in the window) to `into`. */
export function addRows(
  into: PartialAggregate,
  rows: readonly Row[],
  field: string,
  window: ViewWindow | null,
): PartialAggregate {
  for (const row of rows) {
    if (window) {
      const at = row[window.field];
      if (typeof at !== 'number') continue;
      if (
        (window.from !== undefined && at < window.from) ||
        (window.to !== undefined && at >= window.to)
      )
        continue;
    }
    const v = row[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    into.count += 1;
    into.sum += v;
    into.min = into.min === null || v < into.min ? v : into.min;
    into.max = into.max === null || v > into.max ? v : into.max;
  }
  return into;
}

/** The merge of partials (associative and commutative but for the float sum's rounding). */
export function mergePartials(parts: readonly PartialAggregate[]): PartialAggregate {
  const out = emptyPartial();
  for (const p of parts) {
    out.count += p.count;
    out.sum += p.sum;
    if (p.min !== null) out.min = out.min === null || p.min < out.min ? p.min : out.min;
    if (p.max !== null) out.max = out.max === null || p.max > out.max ? p.max : out.max;
  }
  return out;
}

/** The functions asked for, from a merged partial. */
export function resultOf(merged: PartialAggregate, fns: readonly AggregateFn[]): MergedAggregate {
  const out: MergedAggregate = {};
  const empty = merged.count === 0;
  for (const fn of fns) {
    if (fn === 'count') out.count = merged.count;
    if (fn === 'min') out.min = empty ? null : merged.min;
    if (fn === 'max') out.max = empty ? null : merged.max;
    if (fn === 'mean') out.mean = empty ? null : merged.sum / merged.count;
  }
  return out;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown) => v === null || isNum(v);

/**
 * The partial an owner sealed, opened by the reader: it must name this job and this dataset and
 * be a consistent aggregate, or it is TAMPERED (a partial of another job replayed, or garbage).
 */
export function checkPartialContent(value: unknown, job: string, dataset: string): PartialContent {
  const bad = (why: string) => botError('TAMPERED', `The partial of "${dataset}" ${why}.`);
  if (!isPlainObject(value)) throw bad('is not a partial aggregate');
  if (value.job !== job || value.dataset !== dataset) throw bad('names another job or dataset');
  const { count, sum, min, max, from, to } = value;
  if (!Number.isSafeInteger(count) || (count as number) < 0) throw bad('has no valid count');
  if (!isNum(sum) || !numOrNull(min) || !numOrNull(max)) throw bad('has no valid sum, min or max');
  if ((count === 0) !== (min === null) || (count === 0) !== (max === null))
    throw bad('has a min or max that does not match its count');
  if (min !== null && max !== null && (min as number) > (max as number))
    throw bad('has a min above its max');
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw bad('names no versions');
  return {
    job,
    dataset,
    from: from as number,
    to: to as number,
    count: count as number,
    sum,
    min: min as number | null,
    max: max as number | null,
  };
}
