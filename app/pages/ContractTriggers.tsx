// A contract's triggers on the Contracts page (r-7.2-b; issue 17): schedule one (at a height or
// every n blocks, optionally a number of times), list them with their next run and last outcome,
// cancel a live one. The chain judges who may (the contract's managers) and runs them.
import { useState, type FormEvent } from 'react';
import type { ContractDetailView, TriggerView } from '../../worker/api';
import { bot } from '../runtime';
import { ErrorNote, Pill, useAction, useAsync } from '../components/ui';
import { parseArgs } from '../lib/format';
import { commitOrThrow } from '../lib/commit';

function Schedule({
  data,
  height,
  onDone,
}: {
  data: ContractDetailView;
  height: number;
  onDone: () => void;
}) {
  const [method, setMethod] = useState(data.methods[0] ?? '');
  const [when, setWhen] = useState<'every' | 'at'>('every');
  const [blocks, setBlocks] = useState('2');
  const [count, setCount] = useState('');
  const [args, setArgs] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const n = Number(blocks);
      const request = {
        contract: data.name,
        method,
        args: parseArgs(args) ?? null,
        ...(when === 'every' ? { every: n } : { at: n }),
        ...(when === 'every' && count.trim() ? { count: Number(count) } : {}),
      };
      const at = await commitOrThrow(bot().scheduleTrigger(request));
      setDone(`Scheduled in block ${at}.`);
      onDone();
    });
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label={`Schedule a trigger of ${data.name}`}>
      <label>
        Method to run
        <select value={method} onChange={(e) => setMethod(e.target.value)}>
          {data.methods.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label>
        When
        <select value={when} onChange={(e) => setWhen(e.target.value as 'every' | 'at')}>
          <option value="every">Every n blocks</option>
          <option value="at">Once, at a block height</option>
        </select>
      </label>
      <label>
        {when === 'every' ? 'Blocks between runs' : `Block height (after ${height})`}
        <input
          type="number"
          inputMode="numeric"
          min={when === 'every' ? 1 : height + 1}
          value={blocks}
          onChange={(e) => setBlocks(e.target.value)}
          required
        />
      </label>
      {when === 'every' && (
        <label>
          Number of runs (empty: until cancelled)
          <input
            type="number"
            inputMode="numeric"
            min={1}
            value={count}
            onChange={(e) => setCount(e.target.value)}
          />
        </label>
      )}
      <label>
        Trigger arguments (JSON, may be empty)
        <input value={args} onChange={(e) => setArgs(e.target.value)} placeholder='{"by": 2}' />
      </label>
      <button type="submit" disabled={busy || !method || !blocks}>
        {busy ? 'Scheduling…' : 'Schedule trigger'}
      </button>
      <ErrorNote error={error} what="Scheduling" />
      {done && (
        <p role="status" className="ok" data-testid="schedule-result">
          {done}
        </p>
      )}
    </form>
  );
}

function outcome(t: TriggerView): string {
  if (!t.last) return 'not run yet';
  return t.last.ok
    ? `block ${t.last.height}: ok → ${JSON.stringify(t.last.result)}`
    : `block ${t.last.height}: failed (${t.last.code}) ${t.last.message}`;
}

function Trigger({ t, onDone }: { t: TriggerView; onDone: () => void }) {
  const { busy, error, run } = useAction();
  const schedule = t.every ? `every ${t.every} blocks` : 'once';
  return (
    <li data-testid="trigger-row">
      <strong>{t.method}</strong> {schedule}
      {t.left !== null && t.every ? ` · ${t.left} runs left` : ''} · {t.runs} run
      {t.runs === 1 ? '' : 's'} ·{' '}
      {t.ended ? (
        <Pill tone="muted">
          {t.ended.reason} in block {t.ended.height}
        </Pill>
      ) : (
        <span data-testid="trigger-next">next at block {t.next}</span>
      )}
      <br />
      <span className={t.last && !t.last.ok ? 'error' : 'muted'} data-testid="trigger-last">
        Last run: {outcome(t)}
      </span>
      {!t.ended && (
        <>
          {' '}
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await commitOrThrow(bot().cancelTrigger({ trigger: t.id }));
                onDone();
              })
            }
          >
            {busy ? 'Cancelling…' : `Cancel the ${t.method} trigger`}
          </button>
        </>
      )}
      <ErrorNote error={error} what="Cancelling" />
    </li>
  );
}

export function ContractTriggers({
  data,
  height,
}: {
  data: ContractDetailView;
  height: number | undefined;
}) {
  const list = useAsync(() => bot().triggers(data.name), [data.name, height]);
  return (
    <>
      <h3>Triggers</h3>
      <p className="muted small-text">
        The contract runs a method by itself at the start of a block, on every peer.
      </p>
      <ErrorNote error={list.error} what="The triggers" />
      {list.data && list.data.length > 0 ? (
        <ul className="plain-list small-text" data-testid="triggers">
          {[...list.data].reverse().map((t) => (
            <Trigger key={t.id} t={t} onDone={list.reload} />
          ))}
        </ul>
      ) : (
        <p className="muted small-text">No triggers.</p>
      )}
      {!data.retired && (
        <details>
          <summary>Schedule a trigger</summary>
          <Schedule data={data} height={height ?? 0} onDone={list.reload} />
        </details>
      )}
    </>
  );
}
