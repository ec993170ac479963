// Validate (issue 17; Y.4560 9.4, D-9.4): on a chain that names regulators, a regulator sees the
// data versions waiting for a verdict with their values and marks each Valid or Refused with a
// reason; a submitter sees the verdict on its own values (a refusal with its reason) and
// resubmits a corrected value, recorded on chain as linked to the refused one. When the chain's
// policy data.validators is "stakeholders", the parties a submitter named judge its value too
// (k alike verdicts decide, k = data.stakeholderQuorum); each sees the values it may judge.
import { useState } from 'react';
import { bot } from '../runtime';
import { Card, ErrorNote, Pill, useAction, useAsync } from '../components/ui';
import { short } from '../lib/format';
import type { ValidationEntryView } from '../../worker/api';

async function committed(p: Promise<{ txId: string }>): Promise<void> {
  const { txId } = await p;
  const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
  if (result.status !== 'committed') throw new Error(result.error?.message ?? 'Rejected.');
}

function Entry({
  e,
  me,
  quorum,
  height,
  onDone,
}: {
  e: ValidationEntryView;
  me: string;
  quorum: number | null;
  height: number;
  onDone: () => void;
}) {
  const value = useAsync(() => bot().get(e.key), [e.key, height]);
  const [reason, setReason] = useState('');
  const [fix, setFix] = useState('');
  const { busy, error, run } = useAction();
  const refusal =
    e.status === 'refused' ? e.verdicts.filter((v) => v.verdict === 'refused').at(-1) : undefined;
  const judge = (verdict: 'valid' | 'refused') =>
    void run(async () => {
      await committed(
        bot().validate({
          key: e.key,
          height: e.height,
          verdict,
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        }),
      );
      setReason('');
      onDone();
    });
  const resubmit = () =>
    void run(async () => {
      let parsed: unknown = fix;
      try {
        parsed = JSON.parse(fix);
      } catch {
        // plain text is stored as text
      }
      await committed(bot().submit({ type: 'data.put', body: { key: e.key, value: parsed } }));
      setFix('');
      onDone();
    });
  const mine = e.from === me;
  return (
    <li data-testid="validation-entry">
      <strong>{e.key}</strong>{' '}
      <Pill tone={e.status === 'refused' ? 'error' : 'muted'}>
        {e.status === 'refused' ? 'refused' : 'pending validation'}
      </Pill>
      {e.resubmitOf && <Pill tone="muted">resubmitted</Pill>}
      <p className="muted small-text">
        Block {e.height}, by <code title={e.from}>{mine ? 'you' : short(e.from, 10)}</code>
        {e.resubmitOf ? ` (answers the refusal: ${e.resubmitOf.reason})` : ''}
      </p>
      <pre className="small-text" data-testid="validation-value">
        {value.data ? JSON.stringify(value.data.value) : '…'}
      </pre>
      {e.stakeholders.length > 0 && (
        <p className="muted small-text" data-testid="validation-stakeholders">
          Stakeholders: {e.stakeholders.map((s) => (s === me ? 'you' : short(s, 10))).join(', ')}
          {quorum !== null && e.status === 'pending'
            ? ` (${quorum} alike verdict${quorum === 1 ? '' : 's'} decide)`
            : ''}
        </p>
      )}
      {e.status === 'pending' && e.verdicts.length > 0 && (
        <ul className="plain-list small-text" data-testid="validation-verdicts">
          {e.verdicts.map((v) => (
            <li key={v.tx}>
              {v.by === me ? 'You' : short(v.by, 10)}: {v.verdict}
              {v.reason ? ` (${v.reason})` : ''}
            </li>
          ))}
        </ul>
      )}
      {refusal && (
        <p className="small-text" data-testid="validation-reason">
          Refused by {short(refusal.by, 10)}: {refusal.reason}
        </p>
      )}
      {e.mayJudge && (
        <div className="stack">
          <label>
            Reason
            <input
              value={reason}
              maxLength={280}
              onChange={(ev) => setReason(ev.target.value)}
              data-testid="validation-reason-input"
            />
          </label>
          <div className="row">
            <button
              type="button"
              className="small"
              disabled={busy}
              onClick={() => judge('valid')}
              data-testid="validate-valid"
            >
              Valid
            </button>
            <button
              type="button"
              className="small"
              disabled={busy || reason.trim() === ''}
              onClick={() => judge('refused')}
              data-testid="validate-refuse"
            >
              Refuse
            </button>
          </div>
        </div>
      )}
      {mine && e.status === 'refused' && (
        <div className="stack">
          <label>
            Corrected value (JSON or text)
            <input
              value={fix}
              onChange={(ev) => setFix(ev.target.value)}
              data-testid="resubmit-value"
            />
          </label>
          <button
            type="button"
            className="small"
            disabled={busy || fix.trim() === ''}
            onClick={resubmit}
            data-testid="resubmit"
          >
            Resubmit
          </button>
        </div>
      )}
      <ErrorNote error={error} what="The verdict" />
    </li>
  );
}

export function ValidateCard({ me, height }: { me: string; height: number }) {
  const view = useAsync(() => bot().validation(), [height]);
  const v = view.data;
  if (!v || (v.regulators.length === 0 && v.validators === 'regulators' && v.entries.length === 0))
    return null;
  const stakeholders = v.validators === 'stakeholders';
  const shown = v.regulator
    ? v.entries
    : v.entries.filter((e) => e.from === me || e.mayJudge || e.stakeholders.includes(me));
  return (
    <Card title="Validate" id="validate-title">
      <p className="muted small-text">
        {v.regulator
          ? 'You are a regulator of this chain: mark each submitted value Valid, or Refuse it with a reason that goes back to its submitter.'
          : `Regulators of this chain (${v.regulators.length}) validate submitted data.`}
        {stakeholders
          ? ' The stakeholders a submitter names validate its value too: mark the values you are named for Valid or Refuse them with a reason.'
          : ''}
        {v.required ? ' Reads report unvalidated values as pending.' : ''}
      </p>
      {shown.length === 0 ? (
        <p className="muted">Nothing is waiting for a verdict.</p>
      ) : (
        <ul className="plain-list" data-testid="validation-entries">
          {shown.map((e) => (
            <Entry
              key={`${e.key}@${e.height}`}
              e={e}
              me={me}
              quorum={stakeholders ? v.quorum : null}
              height={height}
              onDone={view.reload}
            />
          ))}
        </ul>
      )}
      <ErrorNote error={view.error} what="Validation" />
    </Card>
  );
}
