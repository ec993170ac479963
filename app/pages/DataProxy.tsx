// A data proxy on the Data page (issue 15, D-I.2; Y.4560 Annex I.2): a proxy asks for an
// enterprise (the "on behalf of" field of the request form), the enterprise sees the request
// made for it and confirms it, the owner grants once confirmed, the proxy forwards the versions
// granted to it, and the enterprise reads them like any shared version.
import { useState } from 'react';
import { bot } from '../runtime';
import { ErrorNote, Pill, useAction } from '../components/ui';
import { short } from '../lib/format';
import type { DatasetRequestView, DatasetView } from '../../worker/api';

async function committed(p: Promise<{ txId: string }>): Promise<void> {
  const { txId } = await p;
  const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
  if (result.status !== 'committed') throw new Error(result.error?.message ?? 'Rejected.');
}

/** The enterprise a proxy's request names, as a short clause ("" for an ordinary request). */
export function forText(r: { for?: string | null }): string {
  return r.for ? ` on behalf of ${short(r.for, 8)}` : '';
}

/** For the owner: a proxy request waits for its enterprise before it can be granted. */
export const awaitsConfirm = (r: DatasetRequestView) => r.for !== null && !r.confirmed;

/** The enterprise's side: requests a proxy made for this peer, to confirm. */
export function ProxyConfirm({
  d,
  me,
  onDone,
}: {
  d: DatasetView;
  me: string;
  onDone: () => void;
}) {
  const action = useAction();
  const forMe = d.requests.filter((r) => r.for === me);
  if (forMe.length === 0) return null;
  const confirm = (request: string) =>
    action.run(async () => {
      await committed(bot().confirmProxy(request));
      onDone();
    });
  return (
    <div data-testid={`proxy-requests-${d.id}`}>
      <h3>Asked on your behalf</h3>
      <ul className="plain-list">
        {forMe.map((r) => (
          <li key={r.id}>
            Proxy <code title={r.reader}>{short(r.reader, 8)}</code> asks for you, for “{r.purpose}”{' '}
            <Pill tone={r.state === 'granted' ? 'ok' : 'warn'}>{r.state}</Pill>{' '}
            {r.confirmed ? (
              <Pill tone="ok">confirmed by you</Pill>
            ) : (
              <button
                type="button"
                className="small"
                disabled={action.busy}
                onClick={() => void confirm(r.id)}
                data-testid="confirm-proxy"
              >
                Confirm it acts for me
              </button>
            )}
          </li>
        ))}
      </ul>
      <ErrorNote error={action.error} />
    </div>
  );
}

/** The proxy's side: its request for an enterprise, and the forward once granted. */
export function ProxyForward({
  request,
  onDone,
}: {
  request: DatasetRequestView;
  onDone: () => void;
}) {
  const action = useAction();
  const [message, setMessage] = useState<string | null>(null);
  if (!request.for) return null;
  const forward = () =>
    action.run(async () => {
      setMessage(null);
      const sent = await bot().forwardDataset(request.id);
      await committed(Promise.resolve(sent));
      setMessage(`Forwarded version(s) ${sent.versions.join(', ')} to ${short(request.for!, 8)}.`);
      onDone();
    });
  return (
    <div className="stack">
      <p className="small-text">
        You ask on behalf of <code title={request.for}>{short(request.for, 8)}</code>:{' '}
        {request.confirmed ? 'it confirmed.' : 'waiting for it to confirm on its Data page.'}
      </p>
      {request.state === 'granted' && (
        <button
          type="button"
          className="small"
          disabled={action.busy}
          onClick={() => void forward()}
          data-testid="forward"
        >
          Forward to {short(request.for, 8)}
        </button>
      )}
      {message && (
        <p role="status" className="ok" data-testid="forwarded">
          {message}
        </p>
      )}
      <ErrorNote error={action.error} />
    </div>
  );
}
