import { useState, type FormEvent } from 'react';
import { useAppStore } from './store/peer-store';
import { checkProof } from '../worker/core/proof';
import type { GetResult } from '../worker/api';

function short(text: string, length = 10): string {
  return text.length > length * 2 ? `${text.slice(0, length)}…${text.slice(-6)}` : text;
}

function PeerCard() {
  const status = useAppStore((s) => s.status);
  const identity = useAppStore((s) => s.identity);
  const error = useAppStore((s) => s.error);
  if (error) return <p role="alert" className="banner error">The peer could not start: {error}</p>;
  if (!status || !identity) return <p aria-live="polite" className="muted">Starting the peer…</p>;
  return (
    <section aria-labelledby="peer-title" className="card">
      <h2 id="peer-title">This peer</h2>
      <dl className="facts">
        <dt>Identity</dt>
        <dd title={identity.did} data-testid="did">{short(identity.did, 16)}</dd>
        <dt>Chain</dt>
        <dd title={status.chainId}>{status.chainName} · {short(status.chainId, 8)}</dd>
        <dt>Height</dt>
        <dd data-testid="height">{status.height}</dd>
        <dt>Role</dt>
        <dd>{status.role} · {status.mode} · {status.consensus}</dd>
        <dt>Storage</dt>
        <dd>{status.storage}</dd>
      </dl>
      {!status.integrity.ok && (
        <div role="alert" className="banner error" data-testid="tamper-alert">
          <strong>Stored ledger changed behind this peer's back.</strong>
          <ul>{status.integrity.problems.map((p, i) => <li key={i}>{p.message}</li>)}</ul>
          <p>Writes are refused and tampered blocks are not served. Reset this peer or restore it from other peers.</p>
        </div>
      )}
    </section>
  );
}

function WriteForm() {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(type: 'data.put' | 'data.delete') {
    setBusy(true);
    setMessage(null);
    try {
      const body = type === 'data.put' ? { key, value } : { key };
      const { txId } = await window.bot.submit({ type, body });
      const result = await window.bot.waitFor(txId, { timeoutMs: 30_000 });
      setMessage(result.status === 'committed' ? { kind: 'ok', text: `Committed in block ${result.height}.` } : { kind: 'error', text: result.error?.message ?? 'Rejected.' });
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void send('data.put');
  }

  return (
    <section aria-labelledby="write-title" className="card">
      <h2 id="write-title">Write data</h2>
      <form onSubmit={onSubmit} className="form">
        <label>Key<input value={key} onChange={(e) => setKey(e.target.value)} required maxLength={256} placeholder="sensor/kitchen/temp" /></label>
        <label>Value<input value={value} onChange={(e) => setValue(e.target.value)} placeholder="21.5" /></label>
        <div className="row">
          <button type="submit" disabled={busy || !key}>Put</button>
          <button type="button" className="secondary" disabled={busy || !key} onClick={() => void send('data.delete')}>Delete</button>
        </div>
      </form>
      {message && <p role="status" className={message.kind === 'ok' ? 'ok' : 'error'}>{message.text}</p>}
    </section>
  );
}

function Lookup() {
  const [key, setKey] = useState('');
  const [result, setResult] = useState<{ found: GetResult | null; verified: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const found = await window.bot.get(key);
      setResult({ found, verified: found ? checkProof(found.proof).ok : false });
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    }
  }

  return (
    <section aria-labelledby="lookup-title" className="card">
      <h2 id="lookup-title">Look up a key</h2>
      <form onSubmit={onSubmit} className="form row">
        <label className="grow">Key<input value={key} onChange={(e) => setKey(e.target.value)} required /></label>
        <button type="submit" disabled={!key}>Look up</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {result && !result.found && <p role="status">No value under this key.</p>}
      {result?.found && (
        <div role="status" data-testid="lookup-result">
          <p>{result.found.deleted ? <em>Deleted (tombstone)</em> : <code>{JSON.stringify(result.found.value)}</code>} · written in block {result.found.height}</p>
          <p className={result.verified ? 'ok' : 'error'} data-testid="proof-verdict">
            {result.verified ? `✓ Inclusion proof verified in this page against state root ${short(result.found.proof.stateRoot, 8)} (${result.found.proof.siblings.length} hashes)` : '✗ The proof does not verify'}
          </p>
        </div>
      )}
    </section>
  );
}

function Blocks() {
  const blocks = useAppStore((s) => s.blocks);
  return (
    <section aria-labelledby="blocks-title" className="card">
      <h2 id="blocks-title">Latest blocks</h2>
      {blocks.length === 0 ? <p className="muted">No blocks yet.</p> : (
        <ol className="blocks" data-testid="blocks">
          {blocks.map((b) => (
            <li key={b.height}><span className="height">#{b.height}</span> <code title={b.hash}>{short(b.hash, 8)}</code> <span className="muted">{b.txCount} tx · {new Date(b.time).toLocaleTimeString()}</span></li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function App() {
  return (
    <>
      <header className="top"><h1>BoT peer</h1><span className="muted">Blockchain of Things, in this tab</span></header>
      <main className="grid">
        <PeerCard />
        <WriteForm />
        <Lookup />
        <Blocks />
      </main>
    </>
  );
}
