// Data: confidential datasets (issue 15). The owner publishes a dataset, adds versions (sealed on
// this peer, keys wrapped on chain), decides requests and revokes readers; others ask with a
// purpose and read what is shared with them (decrypted on their own peer). The access log shows
// who asked, was granted, and read which version for which purpose.
import { useEffect, useState, type FormEvent } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { Card, ErrorNote, PageTitle, Pill, useAction, useAsync } from '../components/ui';
import { formatBytes, formatTime, short } from '../lib/format';
import { ValidateCard } from './ValidateCard';
import { AnalyticsCard } from './AnalyticsCard';
import { ViewPicker, ViewResult, viewText, type ViewChoice } from './DatasetViewPicker';
import { awaitsConfirm, forText, ProxyConfirm, ProxyForward } from './DataProxy';
import type {
  DatasetEventView,
  DatasetProgress,
  DatasetReadView,
  DatasetView,
} from '../../worker/api';

async function committed(p: Promise<{ txId: string }>): Promise<void> {
  const { txId } = await p;
  const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
  if (result.status !== 'committed') throw new Error(result.error?.message ?? 'Rejected.');
}

function useProgress(): DatasetProgress | null {
  const [progress, setProgress] = useState<DatasetProgress | null>(null);
  useEffect(
    () =>
      bot().on('dataset', (e) => {
        if (e.type === 'dataset' && e.progress.phase !== 'replicate') setProgress(e.progress);
      }),
    [],
  );
  return progress;
}

function PublishForm({ onDone }: { onDone: () => void }) {
  const [id, setId] = useState('');
  const [labels, setLabels] = useState('');
  const [schema, setSchema] = useState('');
  const action = useAction();
  function submit(event: FormEvent) {
    event.preventDefault();
    void action.run(async () => {
      const list = labels
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      await committed(bot().publishDataset({ id: id.trim(), labels: list, schema }));
      setId('');
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="stack" aria-label="Publish a dataset">
      <label>
        Dataset id
        <input
          value={id}
          onChange={(e) => setId(e.target.value)}
          required
          pattern="[A-Za-z0-9._\-]{1,64}"
          placeholder="air.quality"
          data-testid="dataset-id"
        />
      </label>
      <label>
        Labels (comma separated)
        <input value={labels} onChange={(e) => setLabels(e.target.value)} />
      </label>
      <label>
        Schema or description
        <input value={schema} onChange={(e) => setSchema(e.target.value)} />
      </label>
      <button type="submit" disabled={action.busy} data-testid="publish-dataset">
        {action.busy ? 'Publishing…' : 'Publish'}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function VersionForm({ dataset, onDone }: { dataset: string; onDone: () => void }) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    void action.run(async () => {
      const content = file ? new Uint8Array(await file.arrayBuffer()) : text;
      const put = await bot().putDatasetVersion(dataset, content);
      await committed(Promise.resolve(put));
      setMessage(`Version ${put.version} sealed (${formatBytes(put.sealedBytes)}) and recorded.`);
      setText('');
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="stack" aria-label={`Add a version to ${dataset}`}>
      <label>
        Text
        <textarea
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={3}
          data-testid="version-text"
        />
      </label>
      <label>
        Or a file
        <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      <button
        type="submit"
        disabled={action.busy || (!file && text === '')}
        data-testid="add-version"
      >
        {action.busy ? 'Sealing…' : 'Add version'}
      </button>
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={action.error} />
    </form>
  );
}

/** Log kinds that read better spelled out (distributed analytics, AnalyticsCard.tsx). */
const eventText: Partial<Record<DatasetEventView['kind'], string>> = {
  job: 'analytics job',
  partial: 'analytics part sent',
};

function AccessLog({ dataset, height }: { dataset: string; height: number }) {
  const log = useAsync(() => bot().accessLog(dataset), [dataset, height]);
  return (
    <>
      <h3>Access log</h3>
      <ErrorNote error={log.error} />
      <ol className="plain-list small-text" data-testid={`access-log-${dataset}`}>
        {(log.data ?? []).map((e: DatasetEventView) => (
          <li key={`${e.txId}-${e.kind}`}>
            <strong>{eventText[e.kind] ?? e.kind}</strong>
            {e.reader && (
              <>
                {' '}
                · <code title={e.reader}>{short(e.reader, 8)}</code>
              </>
            )}
            {e.version !== null && <> · version {e.version}</>}
            {e.for && (
              <>
                {' '}
                · for <code title={e.for}>{short(e.for, 8)}</code>
              </>
            )}
            {e.purpose && <> · “{e.purpose}”</>} · block {e.height} · {formatTime(e.time)}
          </li>
        ))}
      </ol>
    </>
  );
}

function Mine({ d, height, onDone }: { d: DatasetView; height: number; onDone: () => void }) {
  const action = useAction();
  const decide = (request: string, grant: boolean) =>
    action.run(async () => {
      await committed(bot().decideAccess(request, grant));
      onDone();
    });
  const revoke = (reader: string) =>
    action.run(async () => {
      await committed(bot().revokeAccess(d.id, reader));
      onDone();
    });
  const waiting = d.requests.filter((r) => r.state === 'pending' || r.state === 'approved');
  return (
    <li className="dataset" data-testid={`dataset-${d.id}`}>
      <h3>
        {d.id} <Pill tone="ok">mine</Pill>
      </h3>
      <p className="muted small-text">
        {d.labels.join(', ') || 'no labels'} · {d.schema || 'no schema'} · policy {d.policy.mode}
      </p>
      <p>
        {d.versions.length} version(s)
        {d.versions.length > 0 && (
          <>; newest {formatBytes(d.versions[d.versions.length - 1]!.sealedBytes)} sealed</>
        )}
      </p>
      <h3>Who may read</h3>
      {d.readers.length + d.viewers.length === 0 ? (
        <p className="muted">Only you.</p>
      ) : (
        <ul className="plain-list" data-testid={`readers-${d.id}`}>
          {[
            ...d.readers.map((r) => ({ r, view: null as DatasetReadView | null })),
            ...d.viewers.map((v) => ({ r: v.reader, view: v.view })),
          ].map(({ r, view }) => (
            <li key={r} className="row">
              <code title={r}>{short(r, 8)}</code>
              {view && <span className="small-text"> sees {viewText(view)}</span>}
              <button
                type="button"
                className="secondary small"
                disabled={action.busy}
                onClick={() => void revoke(r)}
                aria-label={`Revoke ${short(r, 8)}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>Requests to decide</h3>
      {waiting.length === 0 ? (
        <p className="muted">None waiting.</p>
      ) : (
        <ul className="plain-list" data-testid={`requests-${d.id}`}>
          {waiting.map((r) => (
            <li key={r.id}>
              <code title={r.reader}>{short(r.reader, 8)}</code>
              {forText(r)} asks for “{r.purpose}” and wants{' '}
              <strong data-testid="request-view">{viewText(r.view)}</strong>
              {r.view.kind !== 'full' && (
                <span className="muted small-text">
                  {' '}
                  (your peer derives it and seals it for them; the records never leave it)
                </span>
              )}
              {r.state === 'approved' &&
                (r.by === 'market' ? (
                  <Pill tone="ok">bought on the market: your peer delivers the key</Pill>
                ) : (
                  <Pill tone="ok">allowed by the policy</Pill>
                ))}
              {awaitsConfirm(r) && (
                <Pill tone="warn">waiting for {short(r.for!, 8)} to confirm the proxy</Pill>
              )}
              <div className="row">
                <button
                  type="button"
                  className="small"
                  disabled={action.busy || awaitsConfirm(r)}
                  onClick={() => void decide(r.id, true)}
                  data-testid="grant"
                >
                  Grant
                </button>
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy}
                  onClick={() => void decide(r.id, false)}
                  data-testid="deny"
                >
                  Deny
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={action.error} />
      <h3>Add a version</h3>
      <VersionForm dataset={d.id} onDone={onDone} />
      <AccessLog dataset={d.id} height={height} />
    </li>
  );
}

function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Theirs({ d, me, onDone }: { d: DatasetView; me: string; onDone: () => void }) {
  const [purpose, setPurpose] = useState('');
  const [onBehalf, setOnBehalf] = useState('');
  const [choice, setChoice] = useState<ViewChoice>({ view: { kind: 'full' }, problem: null });
  const [read, setRead] = useState<{
    version: number;
    preview: string;
    bytes: number;
    view: DatasetReadView | null;
    raw: Uint8Array;
  } | null>(null);
  const action = useAction();
  const mine = d.requests.find((r) => r.reader === me);
  const readable = d.versions.filter((v) => v.readable);
  // An enterprise reads what its proxy forwarded without being a reader itself.
  const viaProxy = d.requests.some((r) => r.for === me && r.state === 'granted');
  const wasReader = readable.length > 0 && !d.readers.includes(me) && !viaProxy;
  function ask(event: FormEvent) {
    event.preventDefault();
    void action.run(async () => {
      if (!choice.view) throw new Error(choice.problem ?? 'Choose what you ask to see.');
      const view = choice.view.kind === 'full' ? undefined : choice.view;
      const enterprise = onBehalf.trim();
      const options = enterprise ? { for: enterprise } : undefined;
      await committed(bot().requestAccess(d.id, purpose, view, options));
      onDone();
    });
  }
  const readVersion = (version: number) =>
    action.run(async () => {
      const result = await bot().readDataset(d.id, { version });
      const text = new TextDecoder('utf-8', { fatal: false }).decode(result.bytes.slice(0, 2000));
      setRead({
        version,
        preview: text,
        bytes: result.bytes.length,
        view: result.view,
        raw: result.bytes,
      });
      if (!result.view && result.bytes.length > 2000) download(`${d.id}-v${version}`, result.bytes);
      onDone();
    });
  return (
    <li className="dataset" data-testid={`dataset-${d.id}`}>
      <h3>{d.id}</h3>
      <p className="muted small-text">
        owner <code title={d.owner}>{short(d.owner, 8)}</code> ·{' '}
        {d.labels.join(', ') || 'no labels'} · {d.versions.length} version(s)
      </p>
      {mine ? (
        <p data-testid={`my-request-${d.id}`}>
          Your request: <Pill tone={mine.state === 'granted' ? 'ok' : 'warn'}>{mine.state}</Pill>{' '}
          for {viewText(mine.view)}
          {forText(mine)}
        </p>
      ) : (
        !d.readers.includes(me) && (
          <form onSubmit={ask} className="stack" aria-label={`Request access to ${d.id}`}>
            <label>
              Purpose (the use you will make of it)
              <input
                value={purpose}
                onChange={(e) => setPurpose(e.target.value)}
                required
                data-testid="purpose"
              />
            </label>
            <label>
              On behalf of (optional: an enterprise's did, when you ask as its data proxy)
              <input
                value={onBehalf}
                onChange={(e) => setOnBehalf(e.target.value)}
                placeholder="did:key:…"
                data-testid="proxy-for"
              />
            </label>
            <ViewPicker id={d.id} onChange={setChoice} />
            {choice.problem && <p className="muted small-text">{choice.problem}</p>}
            <button type="submit" disabled={action.busy} data-testid="request-access">
              Request access
            </button>
          </form>
        )
      )}
      {mine && <ProxyForward request={mine} onDone={onDone} />}
      <ProxyConfirm d={d} me={me} onDone={onDone} />
      {wasReader && (
        <p className="note">
          Your access was revoked: versions already shared with you stay readable; later ones are
          not.
        </p>
      )}
      {d.versions.length > 0 && (
        <ul className="plain-list">
          {d.versions.map((v) => (
            <li key={v.version} className="row">
              Version {v.version} · {formatBytes(v.sealedBytes)}{' '}
              {v.view ? (
                <button
                  type="button"
                  className="small"
                  disabled={action.busy}
                  onClick={() => void readVersion(v.version)}
                  data-testid={`read-view-${v.version}`}
                >
                  Read your view
                </button>
              ) : v.readable ? (
                <button
                  type="button"
                  className="small"
                  disabled={action.busy}
                  onClick={() => void readVersion(v.version)}
                  data-testid={`read-${v.version}`}
                >
                  Read
                </button>
              ) : (
                <Pill tone="muted">not shared with you</Pill>
              )}
            </li>
          ))}
        </ul>
      )}
      {read && (
        <div role="status" data-testid={`read-result-${d.id}`}>
          {read.view ? (
            <>
              <p>
                Version {read.version}: {viewText(read.view)}, derived by the owner's peer and
                decrypted on this one (the records themselves are not shared with you).
              </p>
              <ViewResult bytes={read.raw} />
            </>
          ) : (
            <>
              <p>
                Version {read.version}: {formatBytes(read.bytes)} decrypted on this peer
                {read.bytes > 2000 ? ' (downloaded)' : ''}.
              </p>
              <pre className="preview">{read.preview}</pre>
            </>
          )}
        </div>
      )}
      <ErrorNote error={action.error} />
    </li>
  );
}

export default function DataPage() {
  const height = useAppStore((s) => s.status?.height ?? 0);
  const me = useAppStore((s) => s.identity?.did ?? '');
  const list = useAsync(() => bot().datasets(), [height]);
  const progress = useProgress();
  const mine = list.data?.filter((d) => d.mine) ?? [];
  const theirs = list.data?.filter((d) => !d.mine) ?? [];
  return (
    <>
      <PageTitle intro="Datasets are encrypted on their owner's peer and held by several members; the chain records who may read each version and every read.">
        Data
      </PageTitle>
      <ErrorNote error={list.error} what="Datasets" />
      {progress && progress.doneBytes < progress.totalBytes && (
        <p role="status" className="muted" data-testid="dataset-progress">
          {progress.phase === 'seal' ? 'Sealing' : 'Reading'} {progress.dataset} v{progress.version}
          : {formatBytes(progress.doneBytes)} of {formatBytes(progress.totalBytes)}
        </p>
      )}
      <div className="grid">
        <Card title="My datasets" id="my-datasets-title">
          {mine.length === 0 ? (
            <p className="muted">You have published no dataset yet.</p>
          ) : (
            <ul className="plain-list">
              {mine.map((d) => (
                <Mine key={d.id} d={d} height={height} onDone={list.reload} />
              ))}
            </ul>
          )}
          <h3>Publish a dataset</h3>
          <PublishForm onDone={list.reload} />
        </Card>
        <ValidateCard me={me} height={height} />
        <Card title="Shared on this chain" id="other-datasets-title">
          {theirs.length === 0 ? (
            <p className="muted">No other member has published a dataset.</p>
          ) : (
            <ul className="plain-list">
              {theirs.map((d) => (
                <Theirs key={d.id} d={d} me={me} onDone={list.reload} />
              ))}
            </ul>
          )}
        </Card>
        <AnalyticsCard datasets={list.data ?? []} me={me} />
      </div>
    </>
  );
}
