// Contracts on the Devices page (R-7.2.2-c): deploy a JavaScript contract and call it, as this peer
// or as a device this peer is the gateway of (signed with the device key). Plus the gateway's live
// notices (Y.4464 10.7 step 7): who asked to read a device, the decision, and off-chain batches
// served or refused, pushed by the peer as `device` events.
import { useEffect, useState, type FormEvent } from 'react';
import { bot } from '../../runtime';
import { Card, ErrorNote, Pill, useAction, useAsync } from '../../components/ui';
import { short } from '../../lib/format';
import { keepNotice } from './model';
import type { DeviceNotice, DeviceView } from '../../../worker/api';

export const exampleContract = `// Counts the reports of each registered device; refuses callers that are not devices.
function report(ctx, args) {
  if (!ctx.device) throw new Error('Only registered devices may report.');
  const key = 'count/' + ctx.caller;
  const n = (ctx.get(key) ?? 0) + 1;
  ctx.put(key, n);
  ctx.put('last/' + ctx.caller, { value: args.value, at: ctx.time });
  ctx.emit({ device: ctx.caller, value: args.value });
  return n;
}
`;

async function committedHeight(txId: string): Promise<number> {
  const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
  if (result.status !== 'committed')
    throw new Error(result.error?.message ?? 'The transaction was rejected.');
  return result.height!;
}

function parseArgs(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('The arguments must be JSON, e.g. {"value": 21.5}.');
  }
}

export function ContractsCard({
  tick,
  held,
  onChange,
}: {
  tick: number;
  held: DeviceView[];
  onChange: () => void;
}) {
  const contracts = useAsync(() => bot().contracts(), [tick]);
  const list = contracts.data ?? [];
  const [name, setName] = useState('device-counter');
  const [code, setCode] = useState(exampleContract);
  const [selected, setSelected] = useState('');
  const [method, setMethod] = useState('');
  const [args, setArgs] = useState('{"value": 21.5}');
  const [as, setAs] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const deploy = useAction();
  const call = useAction();
  const current = list.find((c) => c.name === selected) ?? list[list.length - 1] ?? null;
  const detail = useAsync(
    () => (current ? bot().contract(current.name) : Promise.resolve(null)),
    [current?.name, tick],
  );
  const methodNow =
    current && current.methods.includes(method) ? method : (current?.methods[0] ?? '');
  const devices = held.filter((d) => d.status !== 'retired');

  function onDeploy(event: FormEvent) {
    event.preventDefault();
    setNote(null);
    void deploy.run(async () => {
      const height = await committedHeight((await bot().deployContract({ name, code })).txId);
      setNote(`Deployed "${name}" in block ${height}.`);
      setSelected(name);
      onChange();
    });
  }

  function onCall(event: FormEvent) {
    event.preventDefault();
    if (!current) return;
    setNote(null);
    void call.run(async () => {
      const parsed = parseArgs(args);
      const sent = as
        ? bot().deviceCallContract(as, current.name, methodNow, parsed)
        : bot().callContract(current.name, methodNow, parsed);
      const height = await committedHeight((await sent).txId);
      setNote(`Call committed in block ${height}${as ? ' (signed by the device key)' : ''}.`);
      onChange();
    });
  }

  return (
    <Card title="Contracts" id="contracts-title">
      <p className="muted small-text">
        JavaScript run in a sandbox on every peer (QuickJS): no clock, no randomness, limited steps
        and memory. Top-level functions are the methods; each gets <code>ctx</code> (
        <code>caller</code>, <code>device</code>, <code>height</code>, <code>time</code>,{' '}
        <code>get</code>, <code>put</code>, <code>del</code>, <code>emit</code>) and the arguments.
      </p>
      <details>
        <summary>Deploy a contract</summary>
        <form className="form" onSubmit={onDeploy}>
          <label>
            Name
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={32}
              pattern="[a-z][a-z0-9\-]*"
            />
          </label>
          <label>
            Code
            <textarea
              rows={10}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              spellCheck={false}
              className="code"
            />
          </label>
          <button type="submit" disabled={deploy.busy}>
            {deploy.busy ? 'Deploying…' : 'Deploy'}
          </button>
        </form>
        <ErrorNote error={deploy.error} />
      </details>
      <ErrorNote error={contracts.error} what="Contracts" />
      {list.length === 0 ? (
        <p className="muted small-text">No contract is deployed on this chain yet.</p>
      ) : (
        <form className="form" onSubmit={onCall} aria-label="Call a contract">
          <label>
            Contract
            <select value={current?.name ?? ''} onChange={(e) => setSelected(e.target.value)}>
              {list.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} · {c.methods.length} method(s)
                </option>
              ))}
            </select>
          </label>
          <label>
            Method
            <select value={methodNow} onChange={(e) => setMethod(e.target.value)}>
              {(current?.methods ?? []).map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <label>
            Arguments (JSON)
            <input value={args} onChange={(e) => setArgs(e.target.value)} spellCheck={false} />
          </label>
          <label>
            Call as
            <select data-testid="call-as" value={as} onChange={(e) => setAs(e.target.value)}>
              <option value="">This peer</option>
              {devices.map((d) => (
                <option key={d.did} value={d.did}>
                  Device {d.name || d.id} · {short(d.did, 8)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={call.busy || !methodNow}>
            {call.busy ? 'Calling…' : 'Call'}
          </button>
        </form>
      )}
      {note && (
        <p role="status" className="ok" data-testid="contract-note">
          {note}
        </p>
      )}
      <ErrorNote error={call.error} />
      {detail.data && (
        <>
          <h3>State of {detail.data.name}</h3>
          {detail.data.state.length === 0 ? (
            <p className="muted small-text">Empty.</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="contract-state">
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.state.map((s) => (
                    <tr key={s.key}>
                      <td>
                        <code>{s.key.replace(/did:key:(z.{6}).*/, 'did:key:$1…')}</code>
                      </td>
                      <td>
                        <code>{JSON.stringify(s.value)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3>Calls</h3>
          {detail.data.calls.length === 0 ? (
            <p className="muted small-text">Not called yet.</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="contract-calls">
                <thead>
                  <tr>
                    <th scope="col">Block</th>
                    <th scope="col">Caller</th>
                    <th scope="col">Method</th>
                    <th scope="col">Result</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.calls
                    .slice()
                    .reverse()
                    .map((c) => (
                      <tr key={c.txId}>
                        <td>{c.height}</td>
                        <td>
                          <code title={c.caller}>{short(c.caller, 6)}</code>{' '}
                          {c.device && <Pill tone="ok">device</Pill>}
                        </td>
                        <td>{c.method}</td>
                        <td>
                          <code>{JSON.stringify(c.result)}</code>
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Card>
  );
}

/** Live notices from this peer as gateway: pushed, no refresh needed. */
export function NoticesCard({ onNotice }: { onNotice: () => void }) {
  const [notices, setNotices] = useState<DeviceNotice[]>([]);
  useEffect(
    () =>
      bot().on('device', (e) => {
        setNotices((list) => keepNotice(list, e.notice));
        onNotice();
      }),
    [onNotice],
  );
  return (
    <Card title="Device notices" id="notices-title">
      <p className="muted small-text">
        This peer, as the gateway, is told when someone asks to read one of its devices, when the
        owner or policy decides, when off-chain samples are served or refused, and when another
        device sends one of its devices a message through the chain.
      </p>
      <div role="log" aria-live="polite" aria-label="Device notices">
        <ul className="blocks notices" data-testid="device-notices">
          {notices.length === 0 ? (
            <li className="muted small-text">Nothing yet.</li>
          ) : (
            notices.map((n, i) => (
              <li key={`${n.time}-${i}`} data-testid="device-notice">
                <Pill
                  tone={
                    n.kind === 'batch-refused' || n.state === 'denied' || n.state === 'revoked'
                      ? 'error'
                      : n.state === 'pending'
                        ? 'warn'
                        : 'ok'
                  }
                >
                  {n.kind.replace('-', ' ')}
                </Pill>{' '}
                <span className="small-text">{n.message}</span>{' '}
                <span className="muted small-text">
                  {new Date(n.time).toLocaleTimeString()}
                  {n.height !== null ? ` · block ${n.height}` : ''} · device {short(n.device, 6)}
                </span>
              </li>
            ))
          )}
        </ul>
      </div>
    </Card>
  );
}
