// Governance: validators and members, open proposals with votes, proposing, history.
// Changes are transactions (member.propose / member.vote) decided by the validators on chain.
import { useState, type FormEvent } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { Card, ErrorNote, PageTitle, Pill, useAsync } from '../components/ui';
import { short } from '../lib/format';
import type { ProposalView } from '../../worker/api';
import { RightsCard } from './RightsCard';
import { ApprovalsCard } from './ApprovalsCard';
import { MultisigRuleCard } from './MultisigRuleCard';
import { parsePolicyValue } from '../lib/policy-value';
import { describeChange } from '../lib/change-text';

type ChangeKind =
  | 'addValidator'
  | 'removeValidator'
  | 'setPower'
  | 'addMember'
  | 'removeMember'
  | 'policy'
  | 'contract';

/** SHA-256 of the code's UTF-8 bytes, lowercase hex (the codeHash a contract upgrade votes for). */
async function codeHashOf(code: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(code));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function submitAndWait(type: string, body: unknown): Promise<string> {
  const { txId } = await bot().submit({ type, body });
  const result = await bot().waitFor(txId, { timeoutMs: 30_000 });
  if (result.status !== 'committed') throw new Error(result.error?.message ?? 'Rejected.');
  // a proposal's full id: a contract change is carried out by naming it (Contracts page)
  return type === 'member.propose'
    ? `Committed in block ${result.height} as proposal ${txId}.`
    : `Committed in block ${result.height}.`;
}

function Proposal({
  p,
  canVote,
  me,
  onDone,
}: {
  p: ProposalView;
  canVote: boolean;
  me: string;
  onDone: () => void;
}) {
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const approved = p.approvals.includes(me);
  async function vote(approve: boolean) {
    setError(null);
    try {
      setMessage(await submitAndWait('member.vote', { proposal: p.id, approve }));
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <li className="proposal">
      <div>
        <strong>{describeChange(p.change)}</strong>{' '}
        <span className="muted small-text">
          from height {p.height} · {p.approvals.length} approval(s)
          {p.invite ? <> · a join with an invite of {short(p.invite.issuer, 8)}</> : null} · id{' '}
          {short(p.id, 6)}
        </span>
      </div>
      {canVote && (
        <div className="row">
          <button
            type="button"
            className="small"
            disabled={approved}
            onClick={() => void vote(true)}
          >
            Approve
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={!approved}
            onClick={() => void vote(false)}
          >
            Withdraw approval
          </button>
        </div>
      )}
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </li>
  );
}

function ProposeForm({ height, onDone }: { height: number; onDone: () => void }) {
  const [kind, setKind] = useState<ChangeKind>('addMember');
  const [did, setDid] = useState('');
  const [power, setPower] = useState(1);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [action, setAction] = useState<'upgrade' | 'retire'>('upgrade');
  const [code, setCode] = useState('');
  const [at, setAt] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const change =
        kind === 'contract'
          ? action === 'upgrade'
            ? { kind, name: name.trim(), action, codeHash: await codeHashOf(code) }
            : { kind, name: name.trim(), action }
          : kind === 'policy'
            ? { kind, name: name.trim(), value: parsePolicyValue(value) }
            : kind === 'addValidator' || kind === 'setPower'
              ? { kind, did: did.trim(), power }
              : { kind, did: did.trim() };
      setMessage(
        await submitAndWait('member.propose', { change, height: at ? Number(at) : height + 2 }),
      );
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form className="form" onSubmit={onSubmit}>
      <label>
        Change
        <select value={kind} onChange={(e) => setKind(e.target.value as ChangeKind)}>
          <option value="addMember">Add a member</option>
          <option value="removeMember">Remove a member</option>
          <option value="addValidator">Add a validator</option>
          <option value="removeValidator">Remove a validator</option>
          <option value="setPower">Set a validator's power</option>
          <option value="policy">Set a policy</option>
          <option value="contract">Contract upgrade/retire</option>
        </select>
      </label>
      {kind === 'contract' ? (
        <>
          <label>
            Contract name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Action
            <select
              value={action}
              onChange={(e) => setAction(e.target.value as 'upgrade' | 'retire')}
            >
              <option value="upgrade">Upgrade</option>
              <option value="retire">Retire</option>
            </select>
          </label>
          {action === 'upgrade' && (
            <label>
              New code (the proposal holds its SHA-256)
              <textarea value={code} onChange={(e) => setCode(e.target.value)} rows={6} required />
            </label>
          )}
        </>
      ) : kind === 'policy' ? (
        <>
          <label>
            Policy name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Value
            <input value={value} onChange={(e) => setValue(e.target.value)} required />
          </label>
        </>
      ) : (
        <label>
          Peer (did:key)
          <input
            value={did}
            onChange={(e) => setDid(e.target.value)}
            required
            placeholder="did:key:z6Mk…"
          />
        </label>
      )}
      {(kind === 'addValidator' || kind === 'setPower') && (
        <label>
          Voting power
          <input
            type="number"
            min={1}
            value={power}
            onChange={(e) => setPower(Number(e.target.value))}
          />
        </label>
      )}
      <label>
        Takes effect from height (default {height + 2})
        <input type="number" min={height + 1} value={at} onChange={(e) => setAt(e.target.value)} />
      </label>
      <button type="submit">Propose</button>
      {message && (
        <p role="status" className="ok" data-testid="propose-result">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

export default function GovernancePage() {
  const height = useAppStore((s) => s.status?.height ?? 0);
  const me = useAppStore((s) => s.identity?.did ?? '');
  const chainId = useAppStore((s) => s.status?.chainId);
  const gov = useAsync(() => bot().governance(), [height, chainId]);
  // The multi-signature rule and what it holds (k of n administrators' changes among them).
  const multisig = useAsync(() => bot().multisig(), [height, chainId]);
  const reload = () => {
    gov.reload();
    multisig.reload();
  };
  const isValidator = gov.data?.validators.some((v) => v.did === me) ?? false;
  const open = gov.data?.proposals.filter((p) => p.passed === -1) ?? [];
  const decided = gov.data?.proposals.filter((p) => p.passed !== -1) ?? [];
  return (
    <>
      <PageTitle intro="The validators change the chain by votes recorded on it; a change passes with more than 2/3 of the voting power.">
        Governance
      </PageTitle>
      <ErrorNote error={gov.error} what="Governance" />
      {gov.data && (
        <div className="grid">
          <Card title="Validators" id="validators-title">
            <p className="muted small-text">Engine: {gov.data.engine}</p>
            <ul className="plain-list" data-testid="validators">
              {gov.data.validators.map((v) => (
                <li key={v.did}>
                  <code title={v.did}>{short(v.did, 10)}</code> · power {v.power}{' '}
                  {v.did === me && <Pill tone="ok">this peer</Pill>}
                </li>
              ))}
            </ul>
            <h3>Members</h3>
            {gov.data.members.length === 0 ? (
              <p className="muted">No members added yet.</p>
            ) : (
              <ul className="plain-list">
                {gov.data.members.map((m) => (
                  <li key={m}>
                    <code title={m}>{short(m, 10)}</code>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title="Open proposals" id="open-title">
            {open.length === 0 ? (
              <p className="muted">No open proposals.</p>
            ) : (
              <ul className="plain-list">
                {open.map((p) => (
                  <Proposal key={p.id} p={p} canVote={isValidator} me={me} onDone={gov.reload} />
                ))}
              </ul>
            )}
          </Card>
          <Card title="Propose a change" id="propose-title">
            {isValidator ? (
              <ProposeForm height={height} onDone={gov.reload} />
            ) : (
              <p className="muted">Only validators propose changes; ask one of them.</p>
            )}
          </Card>
          <RightsCard gov={gov.data} me={me} onDone={reload} />
          {multisig.data?.policy && <ApprovalsCard view={multisig.data} me={me} onDone={reload} />}
          {multisig.data && (
            <MultisigRuleCard gov={gov.data} view={multisig.data} me={me} onDone={reload} />
          )}
          <Card title="History" id="history-title">
            {decided.length === 0 ? (
              <p className="muted">No decisions yet.</p>
            ) : (
              <ol className="plain-list" data-testid="governance-history">
                {decided.map((p) => (
                  <li key={p.id}>
                    {describeChange(p.change)} · passed in block {p.passed} ·{' '}
                    {p.applied ? (
                      <Pill tone="ok">applied</Pill>
                    ) : (
                      <Pill tone="warn">pending from height {p.height}</Pill>
                    )}
                  </li>
                ))}
              </ol>
            )}
            {gov.data.offenders.length > 0 && (
              <>
                <h3>Proven misbehaviour</h3>
                <ul className="plain-list">
                  {gov.data.offenders.map((o) => (
                    <li key={o.did}>
                      <code>{short(o.did, 10)}</code> signed conflicting votes (evidence in block{' '}
                      {o.height})
                    </li>
                  ))}
                </ul>
              </>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
