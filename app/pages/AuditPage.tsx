// Audit: the tamper check of the local store, misbehaviour evidence, the operation log
// (start/stop, joins, rejected inputs with reasons), exportable as JSON.
import { useMemo, useState } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { Card, ErrorNote, PageTitle, Pill, useAsync } from '../components/ui';
import { formatTime, short } from '../lib/format';
import { downloadText } from '../lib/download';
import type { LogEntry } from '../../worker/api';

const levels: Array<LogEntry['level'] | 'all'> = ['all', 'info', 'warn', 'error'];

export default function AuditPage() {
  const height = useAppStore((s) => s.status?.height);
  const liveLog = useAppStore((s) => s.log);
  const integrity = useAsync(() => bot().integrity(), [height]);
  const gov = useAsync(() => bot().governance(), [height]);
  const [level, setLevel] = useState<(typeof levels)[number]>('all');
  const [exported, setExported] = useState<string | null>(null);
  const shown = useMemo(
    () => [...liveLog].reverse().filter((e) => level === 'all' || e.level === level),
    [liveLog, level],
  );

  async function exportJson() {
    const [identity, status, report, log, governance] = await Promise.all([
      bot().identity(),
      bot().status(),
      bot().integrity(),
      bot().log(),
      bot()
        .governance()
        .catch(() => null),
    ]);
    const text = JSON.stringify(
      {
        exportedAt: new Date().toISOString(),
        identity,
        status,
        integrity: report,
        offenders: governance?.offenders ?? [],
        log,
      },
      null,
      2,
    );
    const name = `bot-audit-${status.chainName}-${status.height}.json`;
    downloadText(name, text);
    setExported(name);
  }

  const r = integrity.data;
  return (
    <>
      <PageTitle intro="What this peer checked, what it refused and why, and what it saw others do wrong.">
        Audit
      </PageTitle>
      <div className="grid">
        <Card
          title="Tamper check"
          id="tamper-title"
          actions={
            <button type="button" className="secondary small" onClick={integrity.reload}>
              Refresh
            </button>
          }
        >
          <ErrorNote error={integrity.error} />
          {r && (
            <div data-testid="integrity">
              <p>
                {r.ok ? (
                  <Pill tone="ok">no tampering found</Pill>
                ) : (
                  <Pill tone="error">tampering found</Pill>
                )}
              </p>
              <dl className="facts">
                <dt>Verified up to</dt>
                <dd>block {r.verifiedHeight}</dd>
                <dt>World state</dt>
                <dd>{r.stateVerified ? 'matches the head block’s state root' : 'not verified'}</dd>
                <dt>Checked</dt>
                <dd>{formatTime(r.checkedAt)} (at start-up; every read is checked again)</dd>
              </dl>
              {r.problems.length > 0 && (
                <ul>
                  {r.problems.map((p, i) => (
                    <li key={i} className="error">
                      {p.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </Card>
        <Card title="Misbehaviour evidence" id="evidence-title">
          <ErrorNote error={gov.error} what="Evidence" />
          {gov.data &&
            (gov.data.offenders.length === 0 ? (
              <p className="muted" data-testid="offenders">
                No validator has been proven to sign conflicting votes.
              </p>
            ) : (
              <ul className="plain-list" data-testid="offenders">
                {gov.data.offenders.map((o) => (
                  <li key={o.did}>
                    <code title={o.did}>{short(o.did, 10)}</code>: two conflicting signed votes,
                    recorded in block {o.height}
                  </li>
                ))}
              </ul>
            ))}
        </Card>
        <Card
          title="Operation log"
          id="log-title"
          actions={
            <button type="button" className="small" onClick={() => void exportJson()}>
              Export JSON
            </button>
          }
        >
          {exported && (
            <p role="status" className="ok">
              Saved {exported}.
            </p>
          )}
          <label className="inline">
            Show
            <select
              value={level}
              onChange={(e) => setLevel(e.target.value as (typeof levels)[number])}
            >
              {levels.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <ol className="log" data-testid="log">
            {shown.map((e, i) => (
              <li key={`${e.time}-${i}`} className={e.level}>
                <time dateTime={new Date(e.time).toISOString()}>{formatTime(e.time)}</time>{' '}
                <Pill tone={e.level === 'error' ? 'error' : e.level === 'warn' ? 'warn' : 'muted'}>
                  {e.level}
                </Pill>{' '}
                {e.message}
              </li>
            ))}
          </ol>
        </Card>
      </div>
    </>
  );
}
