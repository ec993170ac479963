// Data page: analytics across datasets (issue 15; Y.4560 8.2 distributed analytics). A reader
// with aggregate rights on several datasets (or their owner) runs one job: each owner's peer
// computes its partial where the data is held and seals it for this peer, which checks each
// against its fingerprint on chain and merges them. The page shows the merged result and, per
// dataset, whether its owner answered, is missing (offline or no answer in time) or tampered.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { Card, ErrorNote, Pill, useAction } from '../components/ui';
import { short } from '../lib/format';
import { FunctionChoices } from './DatasetViewPicker';
import type {
  AnalyticsFn,
  AnalyticsPartView,
  AnalyticsRequest,
  AnalyticsResultView,
  DatasetView,
} from '../../worker/api';

/** How long the page waits for the owners' peers. */
const waitMs = 20_000;

/** Datasets this peer may aggregate: its own, fully shared, or granted an aggregate. */
export function aggregatable(list: DatasetView[], me: string): DatasetView[] {
  return list.filter(
    (d) =>
      d.versions.length > 0 &&
      (d.mine ||
        d.readers.includes(me) ||
        d.viewers.some((v) => v.reader === me && v.view.kind === 'aggregate')),
  );
}

const statusText: Record<AnalyticsPartView['status'], string> = {
  answered: 'answered',
  missing: 'missing',
  tampered: 'tampered',
  failed: 'could not compute',
};

function reasonText(p: AnalyticsPartView): string {
  if (p.status === 'answered') return `${p.count ?? 0} records counted on the owner's peer`;
  if (p.status === 'tampered') return `not merged: ${p.reason ?? 'its bytes do not match'}`;
  if (p.status === 'failed') return `the owner's peer says: ${p.reason ?? 'no reason given'}`;
  return p.reason === 'unreachable'
    ? 'recorded its partial but did not serve it'
    : 'no answer in time (its peer may be offline)';
}

export function AnalyticsCard({ datasets, me }: { datasets: DatasetView[]; me: string }) {
  const choices = aggregatable(datasets, me);
  const [chosen, setChosen] = useState<string[]>([]);
  const [field, setField] = useState('');
  const [picked, setPicked] = useState<AnalyticsFn[]>(['count', 'mean']);
  const [windowField, setWindowField] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<AnalyticsResultView | null>(null);
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void action.run(async () => {
      const datasetIds = chosen.filter((id) => choices.some((d) => d.id === id));
      if (datasetIds.length === 0) throw new Error('Choose at least one dataset.');
      if (picked.length === 0) throw new Error('Choose at least one function.');
      const request: AnalyticsRequest = {
        datasets: datasetIds,
        field: field.trim(),
        fns: picked,
        timeoutMs: waitMs,
      };
      if (windowField.trim() !== '') {
        const bound = (text: string) => (text.trim() === '' ? undefined : Number(text));
        const lo = bound(from);
        const hi = bound(to);
        if ([lo, hi].some((b) => b !== undefined && !Number.isSafeInteger(b)))
          throw new Error('The window bounds are whole numbers.');
        request.window = {
          field: windowField.trim(),
          ...(lo === undefined ? {} : { from: lo }),
          ...(hi === undefined ? {} : { to: hi }),
        };
      }
      setResult(null);
      setResult(await bot().runAnalytics(request));
    });
  }

  return (
    <Card title="Analytics across datasets" id="analytics-title">
      <p className="muted">
        Each owner's peer computes its part where the data is held and seals it for you; only the
        count, sum, min and max leave it. The job and each part's fingerprint are recorded on chain.
      </p>
      {choices.length === 0 ? (
        <p className="muted">
          No dataset you may summarize yet: publish one, or ask an owner for a summary.
        </p>
      ) : (
        <form onSubmit={submit} className="stack" aria-label="Run an analytics job">
          <fieldset className="stack">
            <legend>Datasets</legend>
            {choices.map((d) => (
              <label key={d.id} className="inline">
                <input
                  type="checkbox"
                  checked={chosen.includes(d.id)}
                  onChange={(e) =>
                    setChosen(
                      e.target.checked ? [...chosen, d.id] : chosen.filter((id) => id !== d.id),
                    )
                  }
                  data-testid={`analytics-dataset-${d.id}`}
                />{' '}
                {d.id} <span className="muted">({d.mine ? 'yours' : `by ${short(d.owner)}`})</span>
              </label>
            ))}
          </fieldset>
          <label>
            Numeric field
            <input
              value={field}
              onChange={(e) => setField(e.target.value)}
              required
              placeholder="pm25"
              data-testid="analytics-field"
            />
          </label>
          <FunctionChoices
            label="Functions"
            chosen={picked}
            onChange={setPicked}
            testId={(fn) => `analytics-fn-${fn}`}
          />
          <label>
            Window over field (optional)
            <input
              value={windowField}
              onChange={(e) => setWindowField(e.target.value)}
              placeholder="t"
              data-testid="analytics-window-field"
            />
          </label>
          {windowField.trim() !== '' && (
            <div className="row">
              <label>
                From
                <input
                  inputMode="numeric"
                  value={from}
                  onChange={(e) => setFrom(e.target.value)}
                  data-testid="analytics-from"
                />
              </label>
              <label>
                To (excluded)
                <input
                  inputMode="numeric"
                  value={to}
                  onChange={(e) => setTo(e.target.value)}
                  data-testid="analytics-to"
                />
              </label>
            </div>
          )}
          <button type="submit" disabled={action.busy} data-testid="run-analytics">
            {action.busy ? 'Waiting for the owners…' : 'Run'}
          </button>
          {action.busy && (
            <p role="status" className="muted">
              Recording the job and waiting up to {waitMs / 1000} s for the owners' peers.
            </p>
          )}
          <ErrorNote error={action.error} />
        </form>
      )}
      {result && <AnalyticsResult result={result} />}
    </Card>
  );
}

function AnalyticsResult({ result }: { result: AnalyticsResultView }) {
  const merged = result.result;
  const answered = result.parts.filter((p) => p.status === 'answered').length;
  return (
    <div className="stack" data-testid="analytics-result" aria-live="polite">
      <h3>
        {result.fns.join(', ')} of {result.field}
      </h3>
      <p role="status">
        {result.complete
          ? `All ${result.parts.length} owners answered.`
          : `${answered} of ${result.parts.length} owners answered; the result merges theirs only.`}{' '}
        Job {short(result.job)} at block {result.height}.
      </p>
      {merged ? (
        <dl className="summary" data-testid="analytics-merged">
          {result.fns.map((fn) => (
            <div key={fn}>
              <dt>{fn}</dt>
              <dd data-testid={`analytics-${fn}`}>{String(merged[fn] ?? '—')}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">No owner answered: nothing to merge.</p>
      )}
      <ul className="plain-list" aria-label="Owners">
        {result.parts.map((p) => (
          <li key={p.dataset} data-testid={`analytics-part-${p.dataset}`}>
            <strong>{p.dataset}</strong> by {short(p.owner)} (v{p.from}
            {p.to !== p.from ? `–${p.to}` : ''}):{' '}
            <Pill tone={p.status === 'answered' ? 'ok' : p.status === 'missing' ? 'warn' : 'error'}>
              {statusText[p.status]}
            </Pill>{' '}
            <span className="muted">{reasonText(p)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
