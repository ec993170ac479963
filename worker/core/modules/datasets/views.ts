// Data minimization by rights (issue 15; Y.4560 8.1, D-I.2): what a grant lets a reader see.
//   { kind: 'full' }                                   the versions themselves (their keys)
//   { kind: 'projection', fields: [...] }              the chosen fields of every record
//   { kind: 'aggregate', field, fns, window? }         count, min, max, mean of one numeric field,
//                                                      over the records whose window field lies
//                                                      in [from, to)
// For a projection or an aggregate the owner's peer derives the view from the plaintext, seals
// it with a fresh key wrapped for that reader only (dataset.derive), and the reader never gets
// a key of the full version. Pure: the parsing and the arithmetic are the same on every peer.
//
// Content formats a view is derived from (anything else is MALFORMED, never a guess):
//   device readings   the dataset's schema is deviceReadingsSchema and a version is the CBOR
//                     list of { values, at } a gateway's batch carries: records { at, ...values }
//   JSON records      UTF-8 JSON: a list of flat objects, or one object per line (JSON lines)
//   CSV               UTF-8 text, a header line of field names, then one line per record;
//                     a value that reads as a finite number is a number (no quoting)
import { decode } from '../../codec';
import { botError, BotError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';

export type AggregateFn = 'count' | 'min' | 'max' | 'mean';
export const aggregateFns: readonly AggregateFn[] = ['count', 'min', 'max', 'mean'];

export interface ViewWindow {
  /** The field the window is taken over (a time, or any number). */
  field: string;
  /** Records with field >= from (no bound when absent). */
  from?: number;
  /** Records with field < to (no bound when absent). */
  to?: number;
}

export type ReadView =
  | { kind: 'full' }
  | { kind: 'projection'; fields: string[] }
  | { kind: 'aggregate'; field: string; fns: AggregateFn[]; window?: ViewWindow };

export const fullView: ReadView = { kind: 'full' };

/** The schema of a dataset whose versions are a device's reading batches. */
export const deviceReadingsSchema = 'bot/device-readings/v1';

/** Fields a projection names at most, and characters per field name. */
export const viewFieldsMax = 32;
export const fieldNameLengthMax = 64;
/** Plaintext bytes a view is derived from at most (a larger version is refused, TOO_LARGE). */
export const derivePlainBytesMax = 16 * 1024 * 1024;
/** Records a view is derived from at most. */
export const deriveRecordsMax = 200_000;

const bad = (why: string) => botError('BAD_FIELD_TYPE', `A view ${why}.`);

function checkFieldName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > fieldNameLengthMax)
    throw bad(`names ${what} in 1 to ${fieldNameLengthMax} characters`);
  return value;
}

function checkBound(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value)) throw bad(`window's ${what} is a whole number`);
  return value as number;
}

/** A view's shape (typed errors; a missing view is the full data). */
export function checkReadView(value: unknown): ReadView {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'A view is a map { kind: full | projection | aggregate, … }.');
  switch (value.kind) {
    case 'full':
      onlyFields(value, ['kind'], 'view');
      return fullView;
    case 'projection': {
      onlyFields(value, ['kind', 'fields'], 'projection view');
      const fields = value.fields;
      if (!Array.isArray(fields) || fields.length < 1 || fields.length > viewFieldsMax)
        throw bad(`of kind projection names 1 to ${viewFieldsMax} fields`);
      const names = fields.map((f) => checkFieldName(f, 'each field'));
      if (new Set(names).size !== names.length) throw bad('names a field twice');
      return { kind: 'projection', fields: names };
    }
    case 'aggregate': {
      onlyFields(value, ['kind', 'field', 'fns', 'window'], 'aggregate view');
      const field = checkFieldName(value.field, 'the field it aggregates');
      const fns = value.fns;
      if (!Array.isArray(fns) || fns.length < 1)
        throw bad(`of kind aggregate lists functions among ${aggregateFns.join(', ')}`);
      for (const fn of fns)
        if (!aggregateFns.includes(fn as AggregateFn))
          throw bad(`function is one of ${aggregateFns.join(', ')}, not ${String(fn)}`);
      if (new Set(fns).size !== fns.length) throw bad('lists a function twice');
      const view: ReadView = { kind: 'aggregate', field, fns: fns as AggregateFn[] };
      if (value.window !== undefined) {
        const w = value.window;
        if (!isPlainObject(w)) throw bad('window is a map { field, from?, to? }');
        onlyFields(w, ['field', 'from', 'to'], 'view window');
        const window: ViewWindow = { field: checkFieldName(w.field, 'the window field') };
        const from = checkBound(w.from, 'from');
        const to = checkBound(w.to, 'to');
        if (from !== undefined) window.from = from;
        if (to !== undefined) window.to = to;
        if (from !== undefined && to !== undefined && to <= from)
          throw bad("window's to is after its from");
        view.window = window;
      }
      return view;
    }
    default:
      throw bad('kind is full, projection or aggregate');
  }
}

/** Whether `a` shows no more than `b`: a grant's view must be within the request's. */
export function viewWithin(a: ReadView, b: ReadView): boolean {
  if (b.kind === 'full') return true;
  if (a.kind === 'full') return false;
  if (b.kind === 'projection') {
    if (a.kind === 'projection') return a.fields.every((f) => b.fields.includes(f));
    // an aggregate of projected fields shows less than the projection
    return b.fields.includes(a.field) && (!a.window || b.fields.includes(a.window.field));
  }
  if (a.kind !== 'aggregate' || a.field !== b.field) return false;
  if (!a.fns.every((fn) => b.fns.includes(fn))) return false;
  if (!b.window) return true;
  const aw = a.window;
  if (!aw || aw.field !== b.window.field) return false;
  const lo = b.window.from;
  const hi = b.window.to;
  return (
    (lo === undefined || (aw.from !== undefined && aw.from >= lo)) &&
    (hi === undefined || (aw.to !== undefined && aw.to <= hi))
  );
}

/** A short text of a view, for logs and pages. */
export function describeView(view: ReadView | undefined): string {
  if (!view || view.kind === 'full') return 'full data';
  if (view.kind === 'projection') return `fields ${view.fields.join(', ')}`;
  const w = view.window;
  const range = w ? ` where ${w.from ?? '…'} ≤ ${w.field} < ${w.to ?? '…'}` : '';
  return `${view.fns.join(', ')} of ${view.field}${range}`;
}

type Row = Record<string, unknown>;

const unsupported = (why: string) =>
  botError(
    'MALFORMED',
    `A view is derived from JSON records, CSV with a header line, or device readings; this content ${why}.`,
  );

function limitRecords(rows: Row[]): Row[] {
  if (rows.length > deriveRecordsMax)
    throw botError('TOO_LARGE', `A view is derived from at most ${deriveRecordsMax} records.`);
  return rows;
}

/** The records of one version's plaintext (see the formats above). */
export function recordsOf(bytes: Uint8Array, schema: string): Row[] {
  if (bytes.length > derivePlainBytesMax)
    throw botError(
      'TOO_LARGE',
      `A view is derived from at most ${derivePlainBytesMax} bytes; this version has ${bytes.length}.`,
    );
  if (schema === deviceReadingsSchema) return limitRecords(readingRows(bytes));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw unsupported('is not UTF-8 text');
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return limitRecords(jsonRows(trimmed));
  if (trimmed.startsWith('{'))
    return limitRecords(
      trimmed
        .split('\n')
        .filter((l) => l.trim())
        .map((line) => jsonRow(line)),
    );
  return limitRecords(csvRows(trimmed));
}

function readingRows(bytes: Uint8Array): Row[] {
  let list: unknown;
  try {
    list = decode(bytes, derivePlainBytesMax);
  } catch (error) {
    if (error instanceof BotError) throw unsupported('is not a batch of device readings');
    throw error;
  }
  if (!Array.isArray(list)) throw unsupported('is not a list of device readings');
  return list.map((s) => {
    if (!isPlainObject(s) || !isPlainObject(s.values))
      throw unsupported('has a reading without values');
    return { at: s.at, ...s.values };
  });
}

function jsonRow(text: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw unsupported('is not valid JSON');
  }
  if (!isPlainObject(value)) throw unsupported('has a JSON record that is not an object');
  return value;
}

function jsonRows(text: string): Row[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw unsupported('is not valid JSON');
  }
  if (!Array.isArray(value)) throw unsupported('is not a JSON list of records');
  return value.map((v) => {
    if (!isPlainObject(v)) throw unsupported('has a JSON record that is not an object');
    return v;
  });
}

function csvRows(text: string): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  if (header.length < 2 && !(header.length === 1 && lines.length > 1))
    throw unsupported('has no CSV header line');
  if (header.some((h) => h.length === 0) || new Set(header).size !== header.length)
    throw unsupported('has a CSV header with an empty or repeated name');
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length)
      throw unsupported(
        `has CSV line ${i + 2} with ${cells.length} cells for ${header.length} names`,
      );
    const row: Row = {};
    header.forEach((name, j) => {
      const cell = cells[j]!.trim();
      const n = Number(cell);
      row[name] = cell !== '' && Number.isFinite(n) ? n : cell;
    });
    return row;
  });
}

export type DerivedContent =
  | { kind: 'projection'; fields: string[]; records: Row[] }
  | {
      kind: 'aggregate';
      field: string;
      window: ViewWindow | null;
      count?: number;
      min?: number | null;
      max?: number | null;
      mean?: number | null;
    };

/** The view of these records: what the reader gets. */
export function deriveView(rows: Row[], view: ReadView): DerivedContent {
  if (view.kind === 'full') throw botError('BAD_REQUEST', 'The full data is not derived.');
  if (view.kind === 'projection') {
    const records = rows.map((row) => {
      const out: Row = {};
      for (const f of view.fields) if (f in row) out[f] = row[f];
      return out;
    });
    return { kind: 'projection', fields: view.fields, records };
  }
  const w = view.window;
  const values: number[] = [];
  for (const row of rows) {
    if (w) {
      const at = row[w.field];
      if (typeof at !== 'number') continue;
      if ((w.from !== undefined && at < w.from) || (w.to !== undefined && at >= w.to)) continue;
    }
    const v = row[view.field];
    if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
  }
  const out: DerivedContent = { kind: 'aggregate', field: view.field, window: w ?? null };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const empty = values.length === 0;
  for (const fn of view.fns) {
    if (fn === 'count') out.count = values.length;
    if (fn === 'min') out.min = empty ? null : min;
    if (fn === 'max') out.max = empty ? null : max;
    if (fn === 'mean') out.mean = empty ? null : sum / values.length;
  }
  return out;
}

/**
 * The dataset a gateway keeps a device's reading batches in (one version per batch, sealed and
 * replicated like any dataset): "dev-" and the tails of the device's and the gateway's keys.
 */
export function deviceDatasetId(device: string, gateway: string): string {
  const tail = (did: string, n: number) => did.replace(/^did:key:/, '').slice(-n);
  return `dev-${tail(device, 32)}-${tail(gateway, 12)}`;
}
