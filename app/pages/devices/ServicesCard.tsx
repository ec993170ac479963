// Services outside the chain (Y.4464 10.5, issue 17): register a service (its key is read from
// its URL), ask the chain for a short-lived grant for a device this peer is the gateway of, use
// the grant at the service (which checks it from the chain's genesis, trusting no peer) and see
// the access records its signed receipts left on chain.
import { useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { Card, ErrorNote, Pill, useAsync } from '../../components/ui';
import { short } from '../../lib/format';
import type { DeviceView, ServiceGrantView } from '../../../worker/api';
import { waitCommitted, when } from './AccessPanel';

async function committed(work: Promise<{ txId: string }>): Promise<number> {
  return waitCommitted((await work).txId);
}

function GrantRow({ grant, onChange }: { grant: ServiceGrantView; onChange: () => void }) {
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function use() {
    setError(null);
    setAnswer(null);
    try {
      const used = await bot().useService({ grant: grant.id });
      const body = used.body as {
        resource?: { message?: string };
        error?: { message?: string };
      } | null;
      if (used.accessTxId) {
        await waitCommitted(used.accessTxId);
        setAnswer(`Served: ${body?.resource?.message ?? 'ok'} The access is recorded.`);
      } else setAnswer(`Refused (${used.status}): ${body?.error?.message ?? 'no reason given'}`);
      onChange();
    } catch (e) {
      setError(e);
    }
  }
  async function revoke() {
    setError(null);
    try {
      await committed(bot().revokeServiceGrant(grant.id));
      onChange();
    } catch (e) {
      setError(e);
    }
  }
  const state = grant.revoked ? 'revoked' : grant.active ? 'active' : 'expired';
  return (
    <li data-testid="service-grant" className="service-grant">
      <strong>{grant.service}</strong> for{' '}
      <code title={grant.subject}>{short(grant.subject, 8)}</code>{' '}
      <Pill tone={state === 'active' ? 'ok' : 'muted'}>{state}</Pill>
      <div className="small-text">
        Block {grant.height}, until {when(grant.expires)}; {grant.accesses.length} access
        {grant.accesses.length === 1 ? '' : 'es'} recorded
      </div>
      {grant.accesses.length > 0 && (
        <ul className="plain-list small-text" aria-label="Access records">
          {grant.accesses.map((a) => (
            <li key={a.tx} data-testid="service-access">
              Served at {when(a.at)}, recorded in block {a.height}
            </li>
          ))}
        </ul>
      )}
      {state === 'active' && (
        <div className="row">
          <button type="button" onClick={use}>
            Use the service
          </button>
          <button type="button" onClick={revoke}>
            Revoke
          </button>
        </div>
      )}
      {answer && (
        <p role="status" data-testid="service-answer">
          {answer}
        </p>
      )}
      <ErrorNote error={error} />
    </li>
  );
}

export function ServicesCard({
  tick,
  held,
  onChange,
}: {
  tick: number;
  held: DeviceView[];
  onChange: () => void;
}) {
  const overview = useAsync(() => bot().services(), [tick]);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [service, setService] = useState('');
  const [device, setDevice] = useState('');
  const [minutes, setMinutes] = useState('5');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const services = overview.data?.services ?? [];
  async function register(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const height = await committed(
        bot().registerService({ id: id.trim(), name: name.trim(), url: url.trim() }),
      );
      setMessage(`Service ${id.trim()} registered in block ${height}.`);
      onChange();
    } catch (e) {
      setError(e);
    }
  }
  async function grant(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const request = bot().requestServiceGrant({
        service: service || services[0]!.id,
        subject: device || held[0]!.did,
        ttlMs: Math.round(Number(minutes) * 60_000),
      });
      const height = await committed(request);
      setMessage(`Access granted by consensus in block ${height}.`);
      onChange();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Card title="Services outside the chain" id="services-title">
      <p className="small-text">
        A service outside the chain checks a device's grant from the chain's genesis (block
        certificates and a Merkle proof), trusting no single peer, and signs a receipt of each
        access that is recorded on chain.
      </p>
      <form className="form" onSubmit={register} aria-label="Register a service">
        <label>
          Service id
          <input value={id} onChange={(e) => setId(e.target.value)} required maxLength={48} />
        </label>
        <label>
          Service name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={80} />
        </label>
        <label>
          Service URL
          <input
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
            type="url"
            maxLength={200}
          />
        </label>
        <button type="submit">Register service</button>
      </form>
      {services.length > 0 && held.length > 0 && (
        <form className="form" onSubmit={grant} aria-label="Request access for a device">
          <label>
            Service
            <select value={service} onChange={(e) => setService(e.target.value)}>
              {services.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.id})
                </option>
              ))}
            </select>
          </label>
          <label>
            Device
            <select value={device} onChange={(e) => setDevice(e.target.value)}>
              {held.map((d) => (
                <option key={d.did} value={d.did}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Valid for (minutes)
            <input
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
              type="number"
              min={1}
              max={(overview.data?.ttlMaxMs ?? 600_000) / 60_000}
              required
            />
          </label>
          <button type="submit">Request access</button>
        </form>
      )}
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={error ?? overview.error} />
      <ul className="plain-list" aria-label="Grants">
        {(overview.data?.grants ?? []).map((g) => (
          <GrantRow key={g.id} grant={g} onChange={onChange} />
        ))}
      </ul>
    </Card>
  );
}
