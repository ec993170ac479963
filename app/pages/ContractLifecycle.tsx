// A contract's lifecycle on the Contracts page (R-7.2.1-a, R-7.2.4-f; issue 17): its version and
// the history of versions, an upgrade (new code under the same name; the state is kept) and the
// retirement (no more calls; everything stays readable). The chain judges who may (the deployer,
// or the holders of the role deploy when the policy contracts.managedBy is "governance"; or anyone
// naming a passed governance proposal, the only way under contracts.managedBy "vote").
import { useState, type FormEvent } from 'react';
import type { ContractDetailView } from '../../worker/api';
import { bot } from '../runtime';
import { ErrorNote, Pill, useAction } from '../components/ui';
import { short } from '../lib/format';
import { commitOrThrow } from '../lib/commit';

interface FormProps {
  data: ContractDetailView;
  /** The id of a passed proposal to carry out, or '' (the managers decide). */
  proposal: string;
  onDone: () => void;
}

/** `proposal`, trimmed, as the request's optional field. */
const voted = (proposal: string) => (proposal.trim() ? { proposal: proposal.trim() } : {});

function Upgrade({ data, proposal, onDone }: FormProps) {
  const [code, setCode] = useState(data.code);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void run(async () => {
      const height = await commitOrThrow(
        bot().upgradeContract({ name: data.name, code, ...voted(proposal) }),
      );
      setDone(`Upgraded ${data.name} in block ${height}.`);
      onDone();
    });
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label={`Upgrade ${data.name}`}>
      <label>
        New code (the state is kept)
        <textarea value={code} onChange={(e) => setCode(e.target.value)} rows={8} required />
      </label>
      <button type="submit" disabled={busy || !code || code === data.code}>
        {busy ? 'Upgrading…' : `Upgrade ${data.name}`}
      </button>
      <ErrorNote error={error} what="Upgrading" />
      {done && (
        <p role="status" className="ok" data-testid="upgrade-result">
          {done}
        </p>
      )}
    </form>
  );
}

function Retire({ data, proposal, onDone }: FormProps) {
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      await commitOrThrow(bot().retireContract({ name: data.name, note, ...voted(proposal) }));
      onDone();
    });
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label={`Retire ${data.name}`}>
      <label>
        Why it is retired
        <input value={note} onChange={(e) => setNote(e.target.value)} required maxLength={200} />
      </label>
      <button type="submit" className="secondary" disabled={busy || !note.trim()}>
        {busy ? 'Retiring…' : `Retire ${data.name}`}
      </button>
      <ErrorNote error={error} what="Retiring" />
    </form>
  );
}

export function ContractLifecycle({
  data,
  onDone,
}: {
  data: ContractDetailView;
  onDone: () => void;
}) {
  const [proposal, setProposal] = useState('');
  return (
    <>
      <p data-testid="contract-version">
        Version {data.version}{' '}
        {data.retired ? (
          <Pill tone="warn">
            retired in block {data.retired.height}: {data.retired.note}
          </Pill>
        ) : (
          <Pill tone="ok">live</Pill>
        )}
      </p>
      {!data.retired && (
        <details>
          <summary>Upgrade or retire</summary>
          <label className="form">
            Passed proposal (optional: its id, to carry out a vote)
            <input
              value={proposal}
              onChange={(e) => setProposal(e.target.value)}
              pattern="[0-9a-f]{64}"
              placeholder="64 hex digits"
              spellCheck={false}
            />
          </label>
          <Upgrade
            key={`${data.name}/${data.version}`}
            data={data}
            proposal={proposal}
            onDone={onDone}
          />
          <Retire data={data} proposal={proposal} onDone={onDone} />
        </details>
      )}
      <h3>Versions</h3>
      <ol className="plain-list small-text" data-testid="contract-versions">
        {data.versions.map((v) => (
          <li key={v.version}>
            v{v.version}: block {v.height} by <code title={v.by}>{short(v.by, 8)}</code> · code{' '}
            <code title={v.codeHash}>{v.codeHash.slice(0, 12)}</code> · {v.methods.join(', ')}
            {v.proposal && (
              <>
                {' '}
                · by vote <code title={v.proposal}>{short(v.proposal, 6)}</code>
              </>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
