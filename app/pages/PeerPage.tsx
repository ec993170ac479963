// Peer: identity, role, chain, engine, height, sync, storage, start/stop; write and look up.
import { useEffect, useState, type FormEvent } from 'react';
import { useAppStore, syncProgress } from '../store/peer-store';
import { runtime, bot } from '../runtime';
import type { GetResult, TxResult } from '../../worker/api';
import { sealedText } from '../lib/sealed-text';
import { Card, CopyButton, PageTitle, Pill, Qr } from '../components/ui';
import { formatBytes, short } from '../lib/format';

export function TamperAlert() {
  const integrity = useAppStore((s) => s.status?.integrity);
  const [repair, setRepair] = useState<{ busy: boolean; note: string | null }>({
    busy: false,
    note: null,
  });
  if (!integrity || integrity.ok) return null;
  const start = async () => {
    if (
      !window.confirm(
        'Set the damaged ledger aside (it is kept, not deleted) and sync the chain again from other peers? Identity, chains and settings stay.',
      )
    )
      return;
    setRepair({ busy: true, note: null });
    try {
      const { movedTo } = await bot().repair();
      setRepair({
        busy: false,
        note: `The damaged ledger was set aside (${movedTo}); syncing from peers (see the sync progress).`,
      });
    } catch (error) {
      setRepair({ busy: false, note: `Repair failed: ${(error as Error).message}` });
    }
  };
  return (
    <div role="alert" className="banner error" data-testid="tamper-alert">
      <strong>Stored ledger changed behind this peer's back.</strong>
      <ul>
        {integrity.problems.map((p, i) => (
          <li key={i}>{p.message}</li>
        ))}
      </ul>
      <p>
        Writes are refused and tampered blocks are not served. Repair this peer from other peers, or
        reset it (Settings).
      </p>
      <button
        type="button"
        data-testid="repair"
        disabled={repair.busy}
        onClick={() => void start()}
      >
        {repair.busy ? 'Repairing…' : 'Repair from peers'}
      </button>
      {repair.note && <p data-testid="repair-note">{repair.note}</p>}
    </div>
  );
}

function IdentityCard() {
  const identity = useAppStore((s) => s.identity);
  const [showQr, setShowQr] = useState(false);
  if (!identity) return null;
  return (
    <Card title="Identity" id="identity-title">
      <p className="mono-line">
        <code title={identity.did} data-testid="did">
          {short(identity.did, 16)}
        </code>
      </p>
      <div className="row">
        <CopyButton text={identity.did} label="Copy the identity (did:key)" />
        <button
          type="button"
          className="secondary small"
          aria-expanded={showQr}
          onClick={() => setShowQr((v) => !v)}
        >
          {showQr ? 'Hide QR' : 'Show QR'}
        </button>
      </div>
      {showQr && <Qr text={identity.did} label={`QR code of ${identity.did}`} />}
      <p className="muted small-text">
        An Ed25519 key pair kept in this browser. Export it under a passphrase in Settings.
      </p>
    </Card>
  );
}

/** How often the Peer page asks the browser for its storage use (each ask is work in the browser's storage service). */
const storageEstimateEveryMs = 10_000;
/** Persistent storage is asked for once per session, not on every refresh. */
let persistAsked = false;

function useStorageEstimate() {
  const [estimate, setEstimate] = useState<{
    usage?: number;
    quota?: number;
    persisted: boolean | null;
  } | null>(null);
  useEffect(() => {
    let live = true;
    const refresh = async () => {
      if (!navigator.storage?.estimate || document.visibilityState === 'hidden') return;
      const e = await navigator.storage.estimate();
      let persisted: boolean | null = null;
      try {
        persisted = (await navigator.storage.persisted?.()) ?? null;
        if (persisted === false && !persistAsked) {
          persistAsked = true;
          persisted = (await navigator.storage.persist?.()) ?? false;
        }
      } catch {
        persisted = null;
      }
      if (live) setEstimate({ usage: e.usage, quota: e.quota, persisted });
    };
    void refresh();
    // Not on every block: a busy chain commits many blocks a second, and each estimate is a
    // round trip through the browser's storage service that the peer's own writes wait behind.
    const timer = setInterval(() => void refresh(), storageEstimateEveryMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return estimate;
}

function StatusCard() {
  const status = useAppStore((s) => s.status);
  const running = useAppStore((s) => s.running);
  const sync = useAppStore((s) => s.sync);
  const estimate = useStorageEstimate();
  const progress = syncProgress(sync);
  return (
    <Card
      title="This peer"
      id="peer-title"
      actions={
        running ? (
          <button type="button" className="secondary small" onClick={() => runtime.control?.stop()}>
            Stop peer
          </button>
        ) : (
          <button type="button" className="small" onClick={() => runtime.control?.start()}>
            Start peer
          </button>
        )
      }
    >
      <p data-testid="peer-state">
        {running ? (
          <Pill tone={status ? 'ok' : 'muted'}>{status ? 'running' : 'starting'}</Pill>
        ) : (
          <Pill tone="warn">stopped</Pill>
        )}
      </p>
      {status && (
        <dl className="facts">
          <dt>Chain</dt>
          <dd title={status.chainId}>
            {status.chainName} · <code>{short(status.chainId, 8)}</code>
          </dd>
          <dt>Height</dt>
          <dd data-testid="height">{status.height}</dd>
          <dt>Role</dt>
          <dd data-testid="role">
            {status.role}
            {status.admission === 'waiting' && (
              <>
                {' '}
                · <Pill tone="warn">waiting for admission</Pill> the validators have not voted this
                peer in yet; it can read but not write
              </>
            )}
          </dd>
          <dt>Mode</dt>
          <dd>{status.mode}</dd>
          <dt>Engine</dt>
          <dd>{status.consensus}</dd>
          <dt>Peers</dt>
          <dd>{status.peers}</dd>
          <dt>Pending</dt>
          <dd data-testid="mempool">{status.mempool} transaction(s) waiting for a block</dd>
          <dt>Sync</dt>
          <dd data-testid="sync">
            {progress === null ? (
              'up to date'
            ) : (
              <>
                <progress max={1} value={progress} aria-label="Sync progress" /> {sync!.height} /{' '}
                {sync!.target}
              </>
            )}
          </dd>
          <dt>Ledger store</dt>
          <dd>{status.storage}</dd>
          <dt>Signature checks</dt>
          <dd data-testid="verifier">
            {status.verifier.backend === 'webcrypto' ? 'WebCrypto' : 'pure JavaScript'}
            {status.verifier.threads > 0
              ? `, in ${status.verifier.threads} worker thread${status.verifier.threads === 1 ? '' : 's'}`
              : ', on the peer thread'}
          </dd>
          <dt>Storage used</dt>
          <dd data-testid="storage">
            {estimate
              ? `${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)}`
              : 'unknown'}
            {estimate?.persisted === true && ' · persistent'}
            {estimate?.persisted === false && ' · may be evicted by the browser'}
          </dd>
        </dl>
      )}
      {!running && (
        <p className="note">
          The peer is stopped: its worker is ended and its database closed. Nothing is lost; start
          it to continue.
        </p>
      )}
    </Card>
  );
}

/** Rounds of waitFor (30 s each) the write form follows a queued write before it stops. */
const writeFollowRoundsMax = 20;

/**
 * The result of a write, followed past waitFor's timeout: a write queued while the validators are
 * unreachable commits when they return, and the form then says so (it kept "Still queued").
 */
async function followWrite(txId: string, onStillQueued: () => void): Promise<TxResult> {
  for (let round = 1; ; round++) {
    try {
      return await bot().waitFor(txId, { timeoutMs: 30_000 });
    } catch (error) {
      if ((error as { code?: string }).code !== 'TIMEOUT' || round >= writeFollowRoundsMax)
        throw error;
      onStillQueued();
    }
  }
}

function WriteForm() {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error' | 'queued'; text: string } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

  async function send(type: 'data.put' | 'data.delete') {
    setBusy(true);
    setMessage(null);
    try {
      const body = type === 'data.put' ? { key, value } : { key };
      const { txId } = await bot().submit({ type, body });
      // Asked now, not read from the store: a peer-count event may still be on its way.
      const status = await bot()
        .status()
        .catch(() => useAppStore.getState().status);
      if (status && status.peers === 0 && status.consensus !== 'solo') {
        setMessage({
          kind: 'queued',
          text: 'Queued: no peers are reachable; it is sent when the validators are.',
        });
      } else setMessage({ kind: 'queued', text: 'Waiting for a block…' });
      const result = await followWrite(txId, () =>
        setMessage({
          kind: 'queued',
          text: 'Still queued: it commits when the validators are reachable.',
        }),
      );
      setMessage(
        result.status === 'committed'
          ? { kind: 'ok', text: `Committed in block ${result.height}.` }
          : { kind: 'error', text: result.error?.message ?? 'Rejected.' },
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      setMessage(
        code === 'TIMEOUT'
          ? { kind: 'queued', text: 'Still queued: it commits when the validators are reachable.' }
          : { kind: 'error', text: (error as Error).message },
      );
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void send('data.put');
  }

  return (
    <Card title="Write data" id="write-title">
      <form onSubmit={onSubmit} className="form">
        <label>
          Key
          <input
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            maxLength={256}
            placeholder="sensor/kitchen/temp"
          />
        </label>
        <label>
          Value
          <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="21.5" />
        </label>
        <div className="row">
          <button type="submit" disabled={busy || !key}>
            Put
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy || !key}
            onClick={() => void send('data.delete')}
          >
            Delete
          </button>
        </div>
      </form>
      {message && (
        <p
          role="status"
          data-testid="write-result"
          className={message.kind === 'ok' ? 'ok' : message.kind === 'error' ? 'error' : 'muted'}
        >
          {message.text}
        </p>
      )}
    </Card>
  );
}

/**
 * A value this peer opened that holders granted the role later cannot read yet (issue 15): its
 * peer shares it by itself; this shares it now (data.share) and waits for the block.
 */
function ShareWithNewHolders({ dataKey, waiting }: { dataKey: string; waiting: number }) {
  const [note, setNote] = useState<{ kind: 'ok' | 'error' | 'muted'; text: string } | null>(null);
  async function share() {
    setNote({ kind: 'muted', text: 'Sharing…' });
    try {
      const sent = await bot().shareSealed(dataKey);
      if (!sent.txId) {
        setNote({ kind: 'muted', text: 'Nothing to share from this peer now (already shared).' });
        return;
      }
      const done = await bot().waitFor(sent.txId);
      setNote(
        done.status === 'committed'
          ? { kind: 'ok', text: `Shared in block ${done.height}: the new holders can read it now.` }
          : { kind: 'error', text: `Not shared: ${done.error?.message ?? done.status}` },
      );
    } catch (e) {
      setNote({ kind: 'error', text: (e as Error).message });
    }
  }
  return (
    <p data-testid="lookup-waiting">
      {waiting} holder{waiting === 1 ? '' : 's'} granted the role later cannot read it yet; this
      peer shares it with them by itself.{' '}
      <button type="button" onClick={() => void share()}>
        Share with new holders
      </button>
      {note && (
        <span role="status" className={note.kind}>
          {' '}
          {note.text}
        </span>
      )}
    </p>
  );
}

export function Lookup() {
  const [key, setKey] = useState('');
  const [result, setResult] = useState<{ found: GetResult | null; verified: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const found = await bot().get(key);
      setResult({ found, verified: found ? bot().verifyProof(found.proof).ok : false });
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    }
  }

  return (
    <Card title="Look up a key" id="lookup-title">
      <form onSubmit={onSubmit} className="form row">
        <label className="grow">
          Key
          <input value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <button type="submit" disabled={!key}>
          Look up
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {result && !result.found && <p role="status">No value under this key.</p>}
      {result?.found && (
        <div role="status" data-testid="lookup-result">
          <p>
            {result.found.deleted ? (
              <em>Deleted (tombstone)</em>
            ) : result.found.sealed && !result.found.sealed.opened ? (
              <em data-testid="lookup-sealed">🔒 Sealed: {sealedText(result.found.sealed)}</em>
            ) : (
              <code>{JSON.stringify(result.found.value)}</code>
            )}{' '}
            · written in block {result.found.height}
          </p>
          {result.found.sealed?.opened && (
            <p className="muted" data-testid="lookup-opened">
              🔓 Sealed on the chain for the holders of {result.found.sealed.role ?? 'a read role'};
              opened with this peer's key.
            </p>
          )}
          {result.found.sealed?.opened && (result.found.sealed.waiting?.length ?? 0) > 0 && (
            <ShareWithNewHolders dataKey={key} waiting={result.found.sealed.waiting!.length} />
          )}
          <p className={result.verified ? 'ok' : 'error'} data-testid="proof-verdict">
            {result.verified
              ? `✓ Inclusion proof verified in this page against state root ${short(result.found.proof.stateRoot, 8)} (${result.found.proof.siblings.length} hashes)`
              : '✗ The proof does not verify'}
          </p>
        </div>
      )}
    </Card>
  );
}

export default function PeerPage() {
  const error = useAppStore((s) => s.error);
  const ready = useAppStore((s) => s.status !== null && s.identity !== null);
  const running = useAppStore((s) => s.running);
  return (
    <>
      <PageTitle intro="This tab is a full peer of the ledger: it validates, stores and serves every block.">
        Peer
      </PageTitle>
      {error && (
        <p role="alert" className="banner error">
          The peer could not start: {error}
        </p>
      )}
      {!ready && !error && running && (
        <p aria-live="polite" className="muted">
          Starting the peer…
        </p>
      )}
      <div className="grid">
        <StatusCard />
        <IdentityCard />
        {ready && running && <WriteForm />}
        {ready && running && <Lookup />}
      </div>
    </>
  );
}
