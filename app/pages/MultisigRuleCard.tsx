// The chain's multi-signature rule (issue 16, D-8-data): which transaction types need k of n
// signatures and who signs, and a form to set, change or drop it. A change goes the way the
// chain sets its rights: admin.set from the administrator of a private chain (held for the
// other administrators' approvals when the rule holds admin.set), a proposal the validators vote
// on elsewhere (window.bot.setMultisigRule).
import { useState, type FormEvent } from 'react';
import { bot } from '../runtime';
import { Card, ErrorNote, Pill, useAction } from '../components/ui';
import { short } from '../lib/format';
import { parseRuleForm, ruleSetText, typesToText } from '../lib/change-text';
import type { GovernanceView, MultisigView } from '../../worker/api';
import { committed } from './RightsCard';

function RuleForm({ policy, onDone }: { policy: MultisigView['policy']; onDone: () => void }) {
  const [types, setTypes] = useState(policy ? typesToText(policy.types) : 'token.transfer > 100');
  const [signers, setSigners] = useState(policy ? policy.signers.join('\n') : '');
  const [k, setK] = useState(String(policy?.k ?? 2));
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  function submit(drop: boolean) {
    setMessage(null);
    void run(async () => {
      const rule = drop ? null : parseRuleForm(types, signers, k);
      setMessage(await committed(bot().setMultisigRule(rule)));
      onDone();
    });
  }
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    submit(false);
  }
  return (
    <form className="form" onSubmit={onSubmit} aria-label="Change the multi-signature rule">
      <label>
        Transaction types held (one a line; token.transfer &gt; 100 holds transfers above 100)
        <textarea
          value={types}
          onChange={(e) => setTypes(e.target.value)}
          rows={2}
          required
          data-testid="msig-types"
        />
      </label>
      <label>
        Signers (did:key, one per line)
        <textarea
          value={signers}
          onChange={(e) => setSigners(e.target.value)}
          rows={2}
          required
          data-testid="msig-signers"
        />
      </label>
      <label>
        Signatures needed (k)
        <input
          value={k}
          onChange={(e) => setK(e.target.value)}
          inputMode="numeric"
          required
          data-testid="msig-k"
        />
      </label>
      <div className="row">
        <button type="submit" disabled={busy}>
          Set rule
        </button>
        {policy && (
          <button type="button" disabled={busy} onClick={() => submit(true)}>
            Drop rule
          </button>
        )}
      </div>
      {message && (
        <p role="status" className="ok" data-testid="msig-result">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

export function MultisigRuleCard({
  gov,
  view,
  me,
  onDone,
}: {
  gov: GovernanceView;
  view: MultisigView;
  me: string;
  onDone: () => void;
}) {
  const policy = view.policy;
  const isValidator = gov.validators.some((v) => v.did === me);
  const admins = gov.admins ?? [];
  const byAdmin = gov.rightsBy === 'admin';
  const mayChange = byAdmin ? admins.includes(me) : isValidator;
  return (
    <Card title="Multi-signature rule" id="msig-rule-title">
      {policy ? (
        <>
          <p data-testid="msig-rule">On this chain {ruleSetText(policy)}.</p>
          <h3>Signers</h3>
          <ul className="plain-list" data-testid="msig-signer-list">
            {policy.signers.map((d) => (
              <li key={d}>
                <code title={d} className="small-text">
                  {short(d, 10)}
                </code>{' '}
                {d === me && <Pill tone="ok">this peer</Pill>}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted" data-testid="msig-rule">
          No rule: every transaction needs its sender's signature only.
        </p>
      )}
      <p className="muted small-text">
        {byAdmin
          ? 'Set by the administrator of this private chain (admin.set), without votes.'
          : 'Set by a proposal the validators vote on (more than 2/3 of the power).'}{' '}
        A held transaction is proposed, and the k-th signer's approval executes it (Approvals).
      </p>
      {mayChange ? (
        <RuleForm policy={policy} onDone={onDone} />
      ) : (
        <p className="muted">
          {byAdmin
            ? 'Only the administrators change it.'
            : 'Only validators propose a change; ask one of them.'}
        </p>
      )}
    </Card>
  );
}
