// Roles and policies of the chain (issues 15, 17): who may deploy, transact and read, and the
// limits every block enforces. A change goes the way the chain sets them: the administrator of a
// private chain alone (with k of n administrators, any of them proposes and the others approve
// on the Approvals card), otherwise a proposal the validators vote on (window.bot.setRole,
// setPolicy). A role that is not listed is open to all members. Someone who may not change them
// can still open the forms: the chain's refusal is shown in plain words.
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { Card, ErrorNote, Pill } from '../components/ui';
import { short } from '../lib/format';
import type { GovernanceView, RightsChangeResult } from '../../worker/api';
import { commitOrThrow } from '../lib/commit';

const enforced: Array<{ name: string; kind: 'count' | 'list'; help: string }> = [
  { name: 'data.valueBytesMax', kind: 'count', help: 'bytes of a data.put value' },
  { name: 'tx.perSenderPerBlockMax', kind: 'count', help: 'transactions of one sender per block' },
  { name: 'tx.allowedTypes', kind: 'list', help: 'types or modules allowed, comma-separated' },
  { name: 'devices.blockThreshold', kind: 'count', help: 'gateway reports that block a device' },
  {
    name: 'devices.messagesPerMinuteMax',
    kind: 'count',
    help: 'messages a gateway takes from one device per minute',
  },
  {
    name: 'data.validators',
    kind: 'list',
    help: 'who validates data: regulators, or stakeholders too',
  },
  {
    name: 'data.stakeholderQuorum',
    kind: 'count',
    help: "stakeholders' alike verdicts that decide a value",
  },
];

/** What became of a change: in force, or proposed for the other administrators' approvals. */
export async function committed(p: Promise<RightsChangeResult>): Promise<string> {
  const result = await p;
  const height = await commitOrThrow(Promise.resolve(result), 'Rejected.', 30_000);
  if (result.via === 'approvals')
    return `Proposed in block ${height}: it takes effect once ${result.approvalsNeeded} administrators in all approve it under Approvals.`;
  return result.via === 'vote'
    ? `Committed in block ${height} as a proposal the validators vote on (see Open proposals and History).`
    : `Committed in block ${height}.`;
}

function RoleForm({ onDone }: { onDone: () => void }) {
  const [role, setRole] = useState('transact:data.put');
  const [holders, setHolders] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    const dids = holders
      .split(/[\s,]+/)
      .map((d) => d.trim())
      .filter(Boolean);
    try {
      setMessage(await committed(bot().setRole(role.trim(), dids.length ? dids : null)));
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label="Set a role">
      <label>
        Role
        <input
          value={role}
          onChange={(e) => setRole(e.target.value)}
          list="role-names"
          required
          data-testid="role-name"
        />
      </label>
      <datalist id="role-names">
        <option value="deploy" />
        <option value="transact" />
        <option value="transact:data.put" />
        <option value="transact:devices" />
        <option value="read:" />
      </datalist>
      <label>
        Holders (did:key, one per line; empty opens the role to all)
        <textarea
          value={holders}
          onChange={(e) => setHolders(e.target.value)}
          rows={2}
          data-testid="role-holders"
        />
      </label>
      <button type="submit">Set role</button>
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

/** Private mode: the administrator admits or removes a member by clicks (setMember). */
function MemberForm({ onDone }: { onDone: () => void }) {
  const [did, setDid] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function change(member: boolean) {
    setError(null);
    setMessage(null);
    try {
      setMessage(await committed(bot().setMember(did.trim(), member)));
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form
      className="form"
      aria-label="Admit or remove a member"
      onSubmit={(e) => {
        e.preventDefault();
        void change(true);
      }}
    >
      <label>
        Member (did:key)
        <input
          value={did}
          onChange={(e) => setDid(e.target.value)}
          required
          data-testid="member-did"
        />
      </label>
      <div className="row">
        <button type="submit">Admit member</button>
        <button type="button" onClick={() => void change(false)}>
          Remove member
        </button>
      </div>
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

function PolicyForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState(enforced[0]!.name);
  const [value, setValue] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const kind = enforced.find((p) => p.name === name)?.kind;
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    const typed = kind === 'count' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    try {
      setMessage(await committed(bot().setPolicy(name, typed)));
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label="Set a policy">
      <label>
        Policy
        <select value={name} onChange={(e) => setName(e.target.value)} data-testid="policy-name">
          {enforced.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} ({p.help})
            </option>
          ))}
        </select>
      </label>
      <label>
        Value
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
          inputMode={kind === 'count' ? 'numeric' : 'text'}
          data-testid="policy-value"
        />
      </label>
      <button type="submit">Set policy</button>
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

export function RightsCard({
  gov,
  me,
  onDone,
}: {
  gov: GovernanceView;
  me: string;
  onDone: () => void;
}) {
  const roles = gov.roles ?? [];
  const policies = gov.policies ?? [];
  const isValidator = gov.validators.some((v) => v.did === me);
  const admins = gov.admins ?? (gov.admin ? [gov.admin] : []);
  const mayChange = gov.rightsBy === 'admin' ? admins.includes(me) : isValidator;
  const adminText =
    admins.length > 1
      ? `the administrators ${admins.map((d) => short(d, 8)).join(', ')}: ${gov.adminApprovals} of ${admins.length} approve each change`
      : `the administrator ${short(admins[0] ?? '', 8)} alone`;
  const how =
    gov.rightsBy === 'admin'
      ? `Set by ${adminText}.`
      : gov.rightsBy === 'none'
        ? 'A public chain is open to all: it has no roles; its policies are set by votes.'
        : 'Set by proposals the validators vote on (more than 2/3 of the power).';
  return (
    <Card title="Roles and policies" id="rights-title">
      <p className="muted small-text">
        {how} Every block enforces them: a refused transaction names the role or policy.
      </p>
      <h3>Roles</h3>
      {roles.length === 0 ? (
        <p className="muted">No role set: every member may deploy, transact and read.</p>
      ) : (
        <ul className="plain-list" data-testid="roles">
          {roles.map((r) => (
            <li key={r.role}>
              <code>{r.role}</code>:{' '}
              {r.dids.length === 0
                ? 'nobody'
                : r.dids.map((d) => (
                    <code key={d} title={d} className="small-text">
                      {short(d, 8)}{' '}
                    </code>
                  ))}
              {r.dids.includes(me) && <Pill tone="ok">this peer</Pill>}
            </li>
          ))}
        </ul>
      )}
      <h3>Policies</h3>
      {policies.length === 0 ? (
        <p className="muted">No policy set.</p>
      ) : (
        <ul className="plain-list" data-testid="policies">
          {policies.map((p) => (
            <li key={p.name}>
              <code>{p.name}</code> = {String(p.value)}{' '}
              {p.enforced ? <Pill tone="ok">enforced</Pill> : <Pill tone="warn">stored</Pill>}
            </li>
          ))}
        </ul>
      )}
      {mayChange ? (
        <ChangeForms gov={gov} onDone={onDone} />
      ) : gov.rightsBy === 'admin' ? (
        <>
          <p className="muted" data-testid="rights-not-admin">
            {admins.length > 1
              ? 'Only the administrators change them.'
              : 'Only the administrator changes them.'}
          </p>
          <details>
            <summary>Try a change anyway</summary>
            <ChangeForms gov={gov} onDone={onDone} />
          </details>
        </>
      ) : gov.rightsBy !== 'none' ? (
        <p className="muted">Only validators propose changes; ask one of them.</p>
      ) : null}
    </Card>
  );
}

function ChangeForms({ gov, onDone }: { gov: GovernanceView; onDone: () => void }) {
  return (
    <>
      <h3>Set a role</h3>
      <RoleForm onDone={onDone} />
      <h3>Set a policy</h3>
      <PolicyForm onDone={onDone} />
      {gov.rightsBy === 'admin' && (
        <>
          <h3>Members</h3>
          <MemberForm onDone={onDone} />
        </>
      )}
    </>
  );
}
