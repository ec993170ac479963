// Who may read a registered device: its read policy, the access requests it got and the
// owner's decisions (Y.4464 10.7), and the helpers the Devices page shares with it.
import { useState } from 'react';
import { bot } from '../../runtime';
import { ErrorNote, Pill, useAsync } from '../../components/ui';
import { short } from '../../lib/format';
import type { DeviceAccessView, DeviceView } from '../../../worker/api';
import { describePolicy, policyFrom } from './model';

export async function waitCommitted(txId: string): Promise<number> {
  const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
  if (result.status !== 'committed')
    throw new Error(result.error?.message ?? 'The transaction was rejected.');
  return result.height!;
}

export function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function AccessPanel({
  device,
  me,
  tick,
  onChange,
}: {
  device: DeviceView;
  me: string;
  tick: number;
  onChange: () => void;
}) {
  const log = useAsync(() => bot().deviceAccessLog(device.did), [device.did, tick]);
  const [service, setService] = useState('');
  const [purpose, setPurpose] = useState('');
  const [mode, setMode] = useState<string>(device.policy.mode);
  const [allow, setAllow] = useState(
    device.policy.mode === 'list' ? device.policy.allow.join('\n') : '',
  );
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const owner = device.owner === me;

  const act = async (what: () => Promise<{ txId: string }>, done: string) => {
    setError(null);
    setMessage(null);
    try {
      const height = await waitCommitted((await what()).txId);
      setMessage(`${done} (block ${height}).`);
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  const open = (log.data?.open ?? []).filter((r: DeviceAccessView) => r.state === 'pending');
  return (
    <div>
      <h3>Access</h3>
      <p className="small-text">Policy: {describePolicy(device.policy)}.</p>
      {owner && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              () => bot().setDevicePolicy(device.did, policyFrom(mode, allow)),
              'Policy saved',
            );
          }}
        >
          <label>
            Who may read it
            <select value={mode} onChange={(e) => setMode(e.target.value)}>
              <option value="owner">I decide each request</option>
              <option value="open">Any service</option>
              <option value="closed">Nobody else</option>
              <option value="list">These peers (others wait for me)</option>
            </select>
          </label>
          {mode === 'list' && (
            <label>
              Peers (did:key, one per line)
              <textarea rows={3} value={allow} onChange={(e) => setAllow(e.target.value)} />
            </label>
          )}
          <button type="submit" className="secondary">
            Save policy
          </button>
        </form>
      )}
      {owner && open.length > 0 && (
        <ul className="blocks" aria-label="Requests waiting for you">
          {open.map((r) => (
            <li key={r.id}>
              <strong>{r.service}</strong> from{' '}
              <code title={r.requester}>{short(r.requester, 8)}</code>{' '}
              {r.purpose && <>— {r.purpose}</>}
              <div className="row">
                <button
                  type="button"
                  onClick={() => void act(() => bot().decideDeviceAccess(r.id, true), 'Granted')}
                >
                  Grant
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void act(() => bot().decideDeviceAccess(r.id, false), 'Denied')}
                >
                  Deny
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {!owner && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              () => bot().requestDeviceAccess(device.did, { service, purpose }),
              'Request recorded',
            );
          }}
        >
          <label>
            Your service
            <input
              value={service}
              onChange={(e) => setService(e.target.value)}
              required
              maxLength={64}
              placeholder="fleet-dashboard"
            />
          </label>
          <label>
            Purpose
            <input
              value={purpose}
              onChange={(e) => setPurpose(e.target.value)}
              maxLength={200}
              placeholder="trip log"
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
      <ErrorNote error={error} />
      <ErrorNote error={log.error} what="Access log" />
      <h4>Who asked, and when</h4>
      {(log.data?.events.length ?? 0) === 0 ? (
        <p className="muted small-text">Nobody has asked for this device yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="access-log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Service</th>
                <th scope="col">Peer</th>
                <th scope="col">Outcome</th>
                <th scope="col">Block</th>
              </tr>
            </thead>
            <tbody>
              {log
                .data!.events.slice()
                .reverse()
                .map((e) => (
                  <tr key={e.tx + e.kind}>
                    <td>{when(e.time)}</td>
                    <td>{e.service}</td>
                    <td>
                      <code title={e.requester}>{short(e.requester, 6)}</code>
                    </td>
                    <td>
                      {e.kind === 'request' ? 'asked → ' : ''}
                      <Pill
                        tone={
                          e.state === 'granted' ? 'ok' : e.state === 'pending' ? 'warn' : 'error'
                        }
                      >
                        {e.state}
                      </Pill>{' '}
                      {e.by === 'policy' ? 'by policy' : e.kind === 'decision' ? 'by owner' : ''}
                    </td>
                    <td>{e.height}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
