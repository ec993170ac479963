// Trace: supply-chain traceability (issue 17; Y.4560 I.1, Y.4464 II.1). Scan a product's QR
// code or type its identifier and see its journey back to every origin: a graph of the lots
// (split and merged) and a timeline of the steps, each marked verified or tampered (the record
// against the state root, its block and its signature; the information-server document against
// its hash). The holder records, transfers, splits and merges lots here.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { href, navigate, useRoute } from '../router';
import { useAppStore } from '../store/peer-store';
import { Card, ErrorNote, PageTitle, Pill, useAction, useAsync } from '../components/ui';
import { QrScanner } from '../components/qr-scanner';
import { formatTime, short } from '../lib/format';
import { layoutJourney, nodeHeight, nodeWidth, traceIdFrom } from '../lib/trace-graph';
import type { TraceJourney, TraceStepView } from '../../worker/api';
import { commitOrThrow } from '../lib/commit';

const kindText: Record<TraceStepView['kind'], string> = {
  origin: 'Origin',
  record: 'Record',
  transfer: 'Transfer',
  split: 'Split',
  merge: 'Merge',
};

function Find({ current }: { current: string }) {
  const [id, setId] = useState(current);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (id.trim()) navigate(href('trace', id.trim()));
  }
  return (
    <Card title="Find a product" id="trace-find">
      <form onSubmit={submit} className="row" aria-label="Trace a product">
        <label>
          Product or lot identifier
          <input
            value={id}
            onChange={(e) => setId(e.target.value)}
            required
            maxLength={128}
            placeholder="BOX-1"
            data-testid="trace-id"
          />
        </label>
        <button type="submit" data-testid="trace-back">
          Trace back
        </button>
      </form>
      <QrScanner
        hint="Point the camera at the product’s QR code."
        onText={(text) => {
          const found = traceIdFrom(text);
          if (!found) return 'This QR code holds no identifier.';
          setId(found);
          navigate(href('trace', found));
          return null;
        }}
      />
    </Card>
  );
}

function Graph({ journey }: { journey: TraceJourney }) {
  const g = layoutJourney(journey);
  const pad = 4;
  return (
    <div className="trace-graph">
      <svg
        viewBox={`${-pad} ${-pad} ${g.width + 2 * pad} ${g.height + 2 * pad}`}
        width="100%"
        style={{ maxWidth: g.width + 2 * pad, maxHeight: 420 }}
        role="img"
        aria-label={`Journey graph of ${journey.id}: ${journey.lots.length} lots, origins ${journey.origins.join(', ')}`}
        data-testid="trace-graph"
      >
        {g.edges.map((e) => (
          <line
            key={`${e.from.id}>${e.to.id}`}
            x1={e.from.x + nodeWidth}
            y1={e.from.y + nodeHeight / 2}
            x2={e.to.x}
            y2={e.to.y + nodeHeight / 2}
            stroke="currentColor"
            strokeWidth={1.5}
            opacity={0.6}
          />
        ))}
        {g.nodes.map((n) => (
          <g key={n.id} data-testid="trace-node" data-lot={n.id} data-tampered={n.tampered}>
            <rect
              x={n.x}
              y={n.y}
              width={nodeWidth}
              height={nodeHeight}
              rx={6}
              fill={n.tampered ? 'var(--error-bg)' : n.origin ? 'var(--ok-bg)' : 'var(--muted-bg)'}
              stroke={n.tampered ? 'var(--error)' : 'var(--border)'}
            />
            <text
              x={n.x + nodeWidth / 2}
              y={n.y + nodeHeight / 2 + 4}
              textAnchor="middle"
              fontSize={12}
              fill="var(--text)"
            >
              {n.id.length > 14 ? `${n.id.slice(0, 13)}…` : n.id}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}

function documentPill(step: TraceStepView) {
  const d = step.document.status;
  if (d === 'verified') return <Pill tone="ok">document verified</Pill>;
  if (d === 'tampered') return <Pill tone="error">document tampered</Pill>;
  if (d === 'unreachable') return <Pill tone="warn">document unreachable</Pill>;
  return null;
}

function Timeline({ journey }: { journey: TraceJourney }) {
  return (
    <ol className="stack trace-timeline" aria-label={`Steps of ${journey.id}, oldest first`}>
      {journey.steps.map((s) => (
        <li
          key={s.txId}
          className="trace-step"
          data-testid="trace-step"
          data-kind={s.kind}
          data-status={s.status}
          data-document={s.document.status}
        >
          <div className="row">
            <strong>{kindText[s.kind]}</strong>
            <span>
              {s.ids.join(', ')}
              {s.into.length > 0 ? ` → ${s.into.join(', ')}` : ''}
            </span>
            {s.status === 'verified' ? (
              <Pill tone="ok">verified</Pill>
            ) : (
              <Pill tone="error">tampered</Pill>
            )}
            {documentPill(s)}
          </div>
          <p className="muted small-text mono-line">
            {s.out ? `from ${short(s.out, 16)} ` : 'origin, '}
            {s.kind === 'transfer' ? `to ${short(s.in, 16)} ` : `held by ${short(s.in, 16)} `}·{' '}
            {formatTime(s.time)} · block {s.height}
          </p>
          <p className="muted small-text mono-line">
            data: {s.server} · sha-256 {short(s.hash, 12)}
          </p>
          {s.problem && (
            <p className="error small-text" data-testid="trace-problem">
              {s.problem}
            </p>
          )}
          {s.document.status === 'tampered' && s.document.message && (
            <p className="error small-text">{s.document.message}</p>
          )}
        </li>
      ))}
    </ol>
  );
}

function Journey({ id }: { id: string }) {
  const height = useAppStore((s) => s.status?.height);
  const [fetchDocs, setFetchDocs] = useState(true);
  const journey = useAsync(
    () => bot().traceBack(id, { fetch: fetchDocs }),
    [id, height, fetchDocs],
  );
  const j = journey.data;
  return (
    <Card title={`Journey of ${id}`} id="trace-journey">
      <label className="inline">
        <input
          type="checkbox"
          checked={fetchDocs}
          onChange={(e) => setFetchDocs(e.target.checked)}
        />{' '}
        Check each document at its information server
      </label>
      <ErrorNote error={journey.error} />
      {!j && journey.loading && <p className="muted">Tracing back…</p>}
      {j && (
        <>
          <p data-testid="trace-summary" data-verified={j.verified}>
            {j.verified ? (
              <Pill tone="ok">every step verified</Pill>
            ) : (
              <Pill tone="error">not verified</Pill>
            )}{' '}
            {j.origins.length} origin{j.origins.length === 1 ? '' : 's'}:{' '}
            <span data-testid="trace-origins">{j.origins.join(', ')}</span> · {j.lots.length} lots ·{' '}
            {j.steps.length} steps
          </p>
          {j.truncated && <p className="note">The query stopped at a limit: {j.truncated}.</p>}
          <Graph journey={j} />
          <Timeline journey={j} />
        </>
      )}
    </Card>
  );
}

type Action = 'record' | 'transfer' | 'split' | 'merge';

function StepForm({ current }: { current: string }) {
  const [what, setWhat] = useState<Action>('record');
  const [id, setId] = useState(current);
  const [to, setTo] = useState('');
  const [into, setInto] = useState('');
  const [server, setServer] = useState('');
  const [hash, setHash] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const list = (text: string) =>
    text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void action.run(async () => {
      const common = { server: server.trim(), ...(hash.trim() ? { hash: hash.trim() } : {}) };
      const b = bot();
      if (what === 'record') await commitOrThrow(b.traceRecord({ id: id.trim(), ...common }));
      if (what === 'transfer')
        await commitOrThrow(b.traceTransfer({ id: id.trim(), to: to.trim(), ...common }));
      if (what === 'split')
        await commitOrThrow(b.traceSplit({ id: id.trim(), into: list(into), ...common }));
      if (what === 'merge')
        await commitOrThrow(b.traceMerge({ ids: list(id), into: into.trim(), ...common }));
      setDone(
        `${what === 'record' ? 'Recorded' : `${what[0]!.toUpperCase()}${what.slice(1)} recorded`}: ${id}.`,
      );
    });
  }
  return (
    <Card title="Record a step" id="trace-record">
      <p className="muted">
        Only the holder of a lot may transfer, split or merge it. The document at the
        information-server address is hashed by this peer when no hash is given.
      </p>
      <form onSubmit={submit} className="stack" aria-label="Record a traceability step">
        <label>
          Step
          <select
            value={what}
            onChange={(e) => setWhat(e.target.value as Action)}
            data-testid="trace-action"
          >
            <option value="record">Record (a new lot’s origin, or data for a lot you hold)</option>
            <option value="transfer">Transfer to another account</option>
            <option value="split">Split into new lots</option>
            <option value="merge">Merge lots into a new one</option>
          </select>
        </label>
        <label>
          {what === 'merge' ? 'Lots to merge (comma separated)' : 'Lot identifier'}
          <input
            value={id}
            onChange={(e) => setId(e.target.value)}
            required
            data-testid="trace-step-id"
          />
        </label>
        {what === 'transfer' && (
          <label>
            To account (did:key)
            <input
              value={to}
              onChange={(e) => setTo(e.target.value)}
              required
              placeholder="did:key:z…"
              data-testid="trace-to"
            />
          </label>
        )}
        {(what === 'split' || what === 'merge') && (
          <label>
            {what === 'split' ? 'New lots (comma separated)' : 'New lot'}
            <input
              value={into}
              onChange={(e) => setInto(e.target.value)}
              required
              data-testid="trace-into"
            />
          </label>
        )}
        <label>
          Information-server address of the data
          <input
            value={server}
            onChange={(e) => setServer(e.target.value)}
            required
            type="url"
            placeholder="https://example.org/lots/1.json"
            data-testid="trace-server"
          />
        </label>
        <label>
          SHA-256 of the data (optional)
          <input
            value={hash}
            onChange={(e) => setHash(e.target.value)}
            pattern="[0-9a-f]{64}"
            data-testid="trace-hash"
          />
        </label>
        <button type="submit" disabled={action.busy} data-testid="trace-submit">
          {action.busy ? 'Recording…' : 'Record step'}
        </button>
        {done && (
          <p role="status" className="ok" data-testid="trace-done">
            {done}
          </p>
        )}
        <ErrorNote error={action.error} />
      </form>
    </Card>
  );
}

export default function TracePage() {
  const route = useRoute();
  const id = route.rest[0] ?? '';
  const me = useAppStore((s) => s.identity?.did);
  return (
    <>
      <PageTitle intro="Follow a product back to every origin, each step checked against the chain and its data.">
        Trace
      </PageTitle>
      {me && (
        <p className="muted small-text mono-line">
          Your account: <span data-testid="trace-me">{me}</span>
        </p>
      )}
      <div className="grid">
        <Find key={id} current={id} />
        {id && <Journey id={id} />}
        <StepForm key={`form-${id}`} current={id} />
      </div>
    </>
  );
}
