// Contracts: deploy JavaScript on the current chain, call its methods, see its state and calls
// (R-7.2.1). Each action is a transaction: the page says when it commits, or why it was refused.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { useAppStore } from '../store/peer-store';
import { Card, ErrorNote, PageTitle, useAction, useAsync } from '../components/ui';
import { parseArgs, short } from '../lib/format';
import { commitOrThrow } from '../lib/commit';
import { ContractLifecycle } from './ContractLifecycle';
import { ContractTriggers } from './ContractTriggers';

const example = `function increment(ctx, args) {
  const n = (ctx.get('count') ?? 0) + (args?.by ?? 1);
  ctx.put('count', n);
  return n;
}`;

function Deploy({ onDone }: { onDone: (name: string) => void }) {
  const [name, setName] = useState('');
  const [code, setCode] = useState(example);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const height = await commitOrThrow(bot().deployContract({ name, code }));
      setDone(`Deployed ${name} in block ${height}.`);
      onDone(name);
    });
  }
  return (
    <Card title="Deploy a contract" id="deploy-title">
      <form className="form" onSubmit={onSubmit}>
        <label>
          Contract name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <label>
          Code (JavaScript; each top-level function is a method, called as f(ctx, args))
          <textarea value={code} onChange={(e) => setCode(e.target.value)} rows={8} required />
        </label>
        <button type="submit" disabled={busy || !name || !code}>
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
      </form>
      <ErrorNote error={error} what="Deploying" />
      {done && (
        <p role="status" className="ok" data-testid="deploy-result">
          {done}
        </p>
      )}
    </Card>
  );
}

function Call({ name, methods, onDone }: { name: string; methods: string[]; onDone: () => void }) {
  const [method, setMethod] = useState(methods[0] ?? '');
  const [args, setArgs] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const height = await commitOrThrow(bot().callContract(name, method, parseArgs(args)));
      const call = (await bot().contract(name))?.calls.findLast((c) => c.height === height);
      setDone(
        `Committed in block ${height}.${call ? ` Result: ${JSON.stringify(call.result)}` : ''}`,
      );
      onDone();
    });
  }
  return (
    <form className="form" onSubmit={onSubmit}>
      <label>
        Method
        <select value={method} onChange={(e) => setMethod(e.target.value)}>
          {methods.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label>
        Arguments (JSON, may be empty)
        <input value={args} onChange={(e) => setArgs(e.target.value)} placeholder='{"by": 2}' />
      </label>
      <button type="submit" disabled={busy || !method}>
        {busy ? 'Calling…' : `Call ${method}`}
      </button>
      <ErrorNote error={error} what="Calling" />
      {done && (
        <p role="status" className="ok" data-testid="call-result">
          {done}
        </p>
      )}
    </form>
  );
}

function Contract({ name }: { name: string }) {
  const height = useAppStore((s) => s.status?.height);
  const detail = useAsync(() => bot().contract(name), [name, height]);
  const data = detail.data;
  return (
    <Card title={`Contract ${name}`} id="contract-title">
      <ErrorNote error={detail.error} what="The contract" />
      {data === null && <p className="muted">No contract named {name} on this chain.</p>}
      {data && (
        <>
          <p className="muted small-text">
            Owner <code title={data.owner}>{short(data.owner, 8)}</code> · deployed in block{' '}
            {data.height} · {data.codeBytes} bytes
          </p>
          <ContractLifecycle data={data} onDone={detail.reload} />
          {!data.retired && <Call name={name} methods={data.methods} onDone={detail.reload} />}
          <ContractTriggers data={data} height={height} />
          <h3>State</h3>
          <div className="table-wrap">
            <table data-testid="contract-state">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {data.state.map((s) => (
                  <tr key={s.key}>
                    <td>
                      <code>{s.key}</code>
                    </td>
                    <td>
                      <code>{JSON.stringify(s.value)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Calls</h3>
          <ul className="plain-list small-text">
            {data.calls.map((c) => (
              <li key={`${c.txId}/${c.height}`}>
                block {c.height}: {c.method} {c.trigger ? 'by its trigger of' : 'by'}{' '}
                <code>{short(c.caller, 8)}</code> → <code>{JSON.stringify(c.result)}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

export default function ContractsPage() {
  const height = useAppStore((s) => s.status?.height);
  const chainId = useAppStore((s) => s.status?.chainId);
  const list = useAsync(() => bot().contracts(), [height, chainId]);
  const [chosen, setChosen] = useState<string | null>(null);
  const current = chosen ?? list.data?.[0]?.name ?? null;
  return (
    <>
      <PageTitle intro="Programs on the chain: every peer runs each call and reaches the same state.">
        Contracts
      </PageTitle>
      <div className="grid">
        <Card title="Contracts on this chain" id="contracts-title">
          <ErrorNote error={list.error} what="The contract list" />
          {list.data?.length === 0 && <p className="muted">None yet: deploy one.</p>}
          <ul className="plain-list" data-testid="contracts">
            {list.data?.map((c) => (
              <li key={c.name} className="chain-row">
                <span>
                  <strong>{c.name}</strong>{' '}
                  <span className="muted small-text">{c.methods.join(', ')}</span>
                </span>
                {c.name !== current && (
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => setChosen(c.name)}
                  >
                    Open {c.name}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </Card>
        {current && <Contract name={current} />}
        <Deploy onDone={(name) => setChosen(name)} />
      </div>
    </>
  );
}
