// Data minimization on the Data page (issue 15): a reader chooses what it asks to see (the full
// data, chosen fields, or count/min/max/mean of one field over an optional window), the owner
// sees the view it is deciding, and the reader sees the view its owner's peer derived for it.
import { useState } from 'react';
import type { DatasetReadView } from '../../worker/api';

type Fn = 'count' | 'min' | 'max' | 'mean';
const fns: Fn[] = ['count', 'min', 'max', 'mean'];

/** The view as a short sentence (the owner decides on it; the reader is reminded of it). */
export function viewText(view: DatasetReadView | null | undefined): string {
  if (!view || view.kind === 'full') return 'the full data';
  if (view.kind === 'projection') return `only the fields ${view.fields.join(', ')}`;
  const w = view.window;
  const range = w ? ` where ${w.from ?? '…'} ≤ ${w.field} < ${w.to ?? '…'}` : '';
  return `only ${view.fns.join(', ')} of ${view.field}${range}`;
}

/**
 * Checkboxes for the summary functions (a view's, an analytics job's), kept in their listed
 * order whatever order they are ticked in.
 */
export function FunctionChoices({
  label,
  chosen,
  onChange,
  testId,
}: {
  label: string;
  chosen: readonly Fn[];
  onChange: (next: Fn[]) => void;
  testId?: (fn: Fn) => string;
}) {
  return (
    <div className="choices" role="group" aria-label={label}>
      {fns.map((fn) => (
        <label key={fn} className="inline">
          <input
            type="checkbox"
            checked={chosen.includes(fn)}
            onChange={(e) =>
              onChange(
                e.target.checked
                  ? fns.filter((f) => f === fn || chosen.includes(f))
                  : chosen.filter((f) => f !== fn),
              )
            }
            data-testid={testId?.(fn)}
          />{' '}
          {fn}
        </label>
      ))}
    </div>
  );
}

const splitList = (text: string) =>
  text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);

const bound = (text: string) => (text.trim() === '' ? undefined : Number(text));

/** The picker's state as a view, or the reason it is not one yet. */
export interface ViewChoice {
  view: DatasetReadView | null;
  problem: string | null;
}

export function ViewPicker({ id, onChange }: { id: string; onChange: (c: ViewChoice) => void }) {
  const [kind, setKind] = useState<DatasetReadView['kind']>('full');
  const [fields, setFields] = useState('');
  const [field, setField] = useState('');
  const [chosen, setChosen] = useState<Fn[]>(fns);
  const [windowField, setWindowField] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const state = { kind, fields, field, chosen, windowField, from, to };
  function update(next: Partial<typeof state>) {
    const s = { ...state, ...next };
    if (next.kind !== undefined) setKind(next.kind);
    if (next.fields !== undefined) setFields(next.fields);
    if (next.field !== undefined) setField(next.field);
    if (next.chosen !== undefined) setChosen(next.chosen);
    if (next.windowField !== undefined) setWindowField(next.windowField);
    if (next.from !== undefined) setFrom(next.from);
    if (next.to !== undefined) setTo(next.to);
    onChange(choiceOf(s));
  }
  return (
    <fieldset className="stack" data-testid={`view-picker-${id}`}>
      <legend>What you ask to see</legend>
      <div className="choices">
        {(
          [
            ['full', 'Full data'],
            ['projection', 'Chosen fields'],
            ['aggregate', 'Summary (count, min, max, mean)'],
          ] as const
        ).map(([k, label]) => (
          <label key={k} className="inline">
            <input
              type="radio"
              name={`view-kind-${id}`}
              value={k}
              checked={kind === k}
              onChange={() => update({ kind: k })}
            />{' '}
            {label}
          </label>
        ))}
      </div>
      {kind === 'projection' && (
        <label>
          Fields (comma separated)
          <input
            value={fields}
            onChange={(e) => update({ fields: e.target.value })}
            placeholder="time, pm25"
            data-testid="view-fields"
          />
        </label>
      )}
      {kind === 'aggregate' && (
        <>
          <label>
            Field to summarize
            <input
              value={field}
              onChange={(e) => update({ field: e.target.value })}
              placeholder="pm25"
              data-testid="view-field"
            />
          </label>
          <FunctionChoices
            label="Summary functions"
            chosen={chosen}
            onChange={(next) => update({ chosen: next })}
          />
          <label>
            Window over field (optional)
            <input
              value={windowField}
              onChange={(e) => update({ windowField: e.target.value })}
              placeholder="t"
              data-testid="view-window-field"
            />
          </label>
          {windowField.trim() !== '' && (
            <div className="row">
              <label>
                From
                <input
                  inputMode="numeric"
                  value={from}
                  onChange={(e) => update({ from: e.target.value })}
                  data-testid="view-from"
                />
              </label>
              <label>
                To (excluded)
                <input
                  inputMode="numeric"
                  value={to}
                  onChange={(e) => update({ to: e.target.value })}
                  data-testid="view-to"
                />
              </label>
            </div>
          )}
        </>
      )}
    </fieldset>
  );
}

function choiceOf(s: {
  kind: DatasetReadView['kind'];
  fields: string;
  field: string;
  chosen: Fn[];
  windowField: string;
  from: string;
  to: string;
}): ViewChoice {
  if (s.kind === 'full') return { view: { kind: 'full' }, problem: null };
  if (s.kind === 'projection') {
    const list = splitList(s.fields);
    return list.length === 0
      ? { view: null, problem: 'Name at least one field.' }
      : { view: { kind: 'projection', fields: list }, problem: null };
  }
  if (s.field.trim() === '') return { view: null, problem: 'Name the field to summarize.' };
  if (s.chosen.length === 0) return { view: null, problem: 'Choose at least one function.' };
  const view: DatasetReadView = { kind: 'aggregate', field: s.field.trim(), fns: s.chosen };
  if (s.windowField.trim() !== '') {
    const from = bound(s.from);
    const to = bound(s.to);
    if ([from, to].some((b) => b !== undefined && !Number.isSafeInteger(b)))
      return { view: null, problem: 'The window bounds are whole numbers.' };
    view.window = {
      field: s.windowField.trim(),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
  }
  return { view, problem: null };
}

/** What the reader got: a summary as a small table, fields as rows of JSON. */
export function ViewResult({ bytes }: { bytes: Uint8Array }) {
  let content: Record<string, unknown>;
  try {
    content = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return <p className="error">The view could not be read as JSON.</p>;
  }
  if (content.kind === 'aggregate')
    return (
      <dl className="summary" data-testid="view-summary">
        {fns
          .filter((fn) => fn in content)
          .map((fn) => (
            <div key={fn}>
              <dt>{fn}</dt>
              <dd data-testid={`view-${fn}`}>{String(content[fn] ?? '—')}</dd>
            </div>
          ))}
      </dl>
    );
  const records = Array.isArray(content.records) ? content.records : [];
  return (
    <pre className="preview" data-testid="view-records">
      {records
        .slice(0, 50)
        .map((r) => JSON.stringify(r))
        .join('\n')}
    </pre>
  );
}
